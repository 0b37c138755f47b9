import type { Kysely, Selectable } from 'kysely';
import { LRUCache } from 'lru-cache';
import { rigaDate } from '../../core/time.ts';
import { fold, hasCyrillic, translit } from '../../core/text-match.ts';
import { prepare } from '../../db/prepared.ts';
import type { DB } from '../../db/schema.ts';
import type { Municipalities } from '../people/municipalities.ts';
import type { AgendaItemsTable, VisitsTable } from './tables.ts';
import { byCode } from '../../core/order.ts';

export type Visit = Selectable<VisitsTable>;
export type AgendaItem = Selectable<AgendaItemsTable>;
export type VisitWithAgenda = Visit & { items: AgendaItem[] };

/**
 * What identifies a version of a visit and its agenda: `saveVisit` writes both in one transaction, and every
 * writer raises the revision or the time of the change (the editor, the shipped files).
 */
export function revisionOf(v: Visit): string {
  return `${v.id}|${v.revision}|${v.updated_at}|${v.published_at ?? ''}`;
}

/**
 * The shipped visits (data/visits) are loaded into the database when the feature is built; anyone reading visits
 * waits for that first, whichever feature they belong to. Keyed by database so several apps (tests) do not mix.
 */
const loading = new WeakMap<object, Promise<void>>();

export function setVisitsLoading(db: Kysely<DB>, done: Promise<void>): void {
  loading.set(db, done);
}

/** Resolves once shipped visits are in the database (at once if nothing is loading). */
export function visitsReady(db: Kysely<DB>): Promise<void> {
  return loading.get(db) ?? Promise.resolve();
}

/** How a person named a visit in a command (`/agenda 2021-05-27`, `/agenda Talsi`, `/agenda 3`). */
export type VisitLookup = { found: Visit } | { ambiguous: Visit[] } | { none: true };

/**
 * Reads visits as members see them. The order is the one `/visits` shows and numbers: upcoming and ongoing ones
 * first (soonest first), then past ones (most recent first).
 */
export class VisitStore {
  private cached: { signature: string; rows: Visit[] } | undefined;
  /** Agendas by visit revision: every edit (the editor, the shipped files) writes the visit row with its agenda. */
  private readonly agendas = new LRUCache<string, AgendaItem[]>({ max: 200 });
  private readonly signature;
  private readonly all;
  private readonly one;
  private readonly items;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly municipalities?: Municipalities,
  ) {
    this.signature = prepare(db, [], (db) =>
      db
        .selectFrom('visits')
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('updated_at').as('at'), eb.fn.sum<number>('revision').as('r'), eb.fn.count<number>('created_by').as('c')])
        .where('published_at', 'is not', null),
    );
    this.all = prepare(db, [], (db) => db.selectFrom('visits').selectAll().where('published_at', 'is not', null));
    this.one = prepare(db, ['id'], (db, a) => db.selectFrom('visits').selectAll().where('id', '=', a.id));
    this.items = prepare(db, ['id'], (db, a) => db.selectFrom('agenda_items').selectAll().where('visit_id', '=', a.id));
  }

  /** Published visits in `/visits` order as of `now`. */
  async list(now: Date, options: { includeDrafts?: boolean } = {}): Promise<Visit[]> {
    await visitsReady(this.db);
    const rows = options.includeDrafts ? await this.db.selectFrom('visits').selectAll().execute() : await this.published();
    const today = rigaDate(now);
    // Visits known only by their years are history, whatever span of years they are given.
    const isUpcoming = (v: Visit) => v.date_precision === 'day' && v.ends_on >= today;
    const upcoming = rows.filter(isUpcoming).sort((a, b) => byCode(a.starts_on, b.starts_on) || byCode(a.id, b.id));
    const past = rows.filter((v) => !isUpcoming(v)).sort((a, b) => byCode(b.starts_on, a.starts_on) || byCode(a.id, b.id));
    return [...upcoming, ...past];
  }

  /**
   * The published visits, read again only when they changed. Reading every row (summaries and sources included)
   * took 50 µs on each `/visits` and `/agenda`; a signature of the table takes 5. An edit or a publication on any
   * instance raises a revision or the latest change time, and an erasure clears a `created_by`, so each shows.
   */
  private async published(): Promise<Visit[]> {
    const sig = await this.signature.first(this.db, {});
    const signature = `${sig?.n}|${sig?.at}|${sig?.r}|${sig?.c}`;
    if (this.cached?.signature !== signature) {
      this.cached = { signature, rows: (await this.all.execute(this.db, {})).rows };
    }
    return [...this.cached.rows];
  }

  async get(id: string): Promise<VisitWithAgenda | undefined> {
    await visitsReady(this.db);
    // A published visit comes from the list, read again only when it changed.
    const visit = (await this.published()).find((v) => v.id === id) ?? (await this.one.first(this.db, { id }));
    return visit && this.withAgenda(visit);
  }

  /** A visit just read with its agenda, which is read once per revision of the visit. */
  async withAgenda(visit: Visit): Promise<VisitWithAgenda> {
    const key = revisionOf(visit);
    let items = this.agendas.get(key);
    if (!items) this.agendas.set(key, (items = inAgendaOrder((await this.items.execute(this.db, { id: visit.id })).rows)));
    return { ...visit, items: [...items] };
  }

  /** The visit going on today, else the next one, else the most recent: what "the current visit" means. */
  async current(now: Date): Promise<Visit | undefined> {
    return (await this.list(now))[0];
  }

  /** Finds a published visit by its number in `/visits`, a date within it, its year, its id, or its place or municipality. */
  async lookup(ref: string, now: Date): Promise<VisitLookup> {
    const visits = await this.list(now);
    const r = ref.trim();
    if (!r) return { none: true };
    if (/^\d{1,3}$/.test(r)) {
      const v = visits[Number(r) - 1];
      return v ? { found: v } : { none: true };
    }
    const byId = visits.find((v) => v.id === r.toLowerCase());
    if (byId) return { found: byId };
    const date = normalizeDate(r);
    if (date) {
      // Only visits whose days are known match a date; the older ones known by their years only never do.
      const hits = visits.filter((v) => v.date_precision === 'day' && v.starts_on <= date && date <= v.ends_on);
      if (hits.length === 1) return { found: hits[0]! };
      return hits.length ? { ambiguous: hits } : { none: true };
    }
    if (/^(19|20)\d\d$/.test(r)) {
      const hits = visits.filter((v) => v.date_precision === 'day' && v.starts_on.startsWith(r));
      if (hits.length === 1) return { found: hits[0]! };
      return hits.length ? { ambiguous: hits } : { none: true };
    }
    const q = fold(r);
    if (!q) return { none: true };
    // A place typed in Cyrillic ("Сабиле", "Вентспилс") is also compared in Latin letters.
    const queries = hasCyrillic(q) ? [q, fold(translit(q))] : [q];
    const matches = (n: string) => queries.some((q) => n === q || n.startsWith(q) || (q.length >= 4 && n.includes(q.slice(0, -1))));
    // The place it was held wins over the municipality it belongs to today ("Sabile" is the Sabile visit, not Talsi's),
    // and both over words of the title.
    const tiers: Array<(v: Visit) => string[]> = [
      (v) => [v.place],
      (v) => {
        const m = this.municipalities?.get(v.municipality);
        return m ? [m.name, m.place.ru.nom, ...(m.also ?? [])] : [];
      },
      (v) => [v.title],
    ];
    for (const names of tiers) {
      const hits = visits.filter((v) => names(v).map(fold).some(matches));
      if (hits.length === 1) return { found: hits[0]! };
      if (hits.length) return { ambiguous: hits };
    }
    return { none: true };
  }
}

/** 2021-05-27, 27.05.2021 or 27.05.2021. → YYYY-MM-DD; undefined if not a date. */
export function normalizeDate(s: string): string | undefined {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (iso) return s;
  const lv = /^(\d{1,2})\.(\d{1,2})\.(\d{4})\.?$/.exec(s);
  if (lv) return `${lv[3]}-${lv[2]!.padStart(2, '0')}-${lv[1]!.padStart(2, '0')}`;
  return undefined;
}

/**
 * Items of the whole visit first, then day by day, each in its position. Sorted here rather than in SQL because
 * SQLite and PostgreSQL put NULL days at opposite ends.
 */
export function inAgendaOrder<T extends { day: string | null; position: number }>(items: T[]): T[] {
  return items.sort((a, b) => byCode(a.day ?? '', b.day ?? '') || a.position - b.position);
}
