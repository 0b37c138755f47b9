import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import * as z from 'zod';
import { isIsoDate } from '../../core/time.ts';
import type { DB } from '../../db/schema.ts';
import { DATA_DIR } from '../../data-dir.ts';
import type { Municipalities } from '../people/municipalities.ts';
import { parseAgenda } from './agenda-parser.ts';
import type { AgendaItemsTable, VisitsTable } from './tables.ts';
import { inAgendaOrder } from './visit-store.ts';
import { saveVisit, toItemRows } from './visit-writer.ts';
import { parseYamlCached } from '../../yaml-cache.ts';
import { derived } from '../../derived-cache.ts';

export const VISITS_DIR = join(DATA_DIR, 'visits');

/**
 * One file of data/visits: a visit or meeting as the sources tell it, its agenda in the paste format. Built on first
 * use: a start that finds the files unchanged (the data cache) never checks them.
 */
export const VisitFile = z.lazy(() => {
  const IsoDate = z.string().refine(isIsoDate, { message: 'expected a date YYYY-MM-DD' });
  return z
    .object({
      id: z.string().regex(/^[a-z0-9][a-z0-9-]{2,39}$/, { message: 'expected lowercase letters, digits and dashes' }),
      /** Ids of earlier data files this one takes the place of (two days once shipped as two visits). */
      replaces: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]{2,39}$/)).default([]),
      format: z.enum(['visit', 'online']),
      title: z.string().min(1),
      place: z.string().min(1),
      municipality: z.string().nullable(),
      starts_on: IsoDate,
      ends_on: IsoDate,
      date_precision: z.enum(['day', 'years']).default('day'),
      reminder_lead_minutes: z.number().int().min(0).max(24 * 60).optional(),
      summary: z.string().min(1).optional(),
      source: z.string().min(1),
      agenda: z.string().default(''),
    })
    .strict()
    .refine((f) => f.ends_on >= f.starts_on, { message: 'ends_on is before starts_on' });
});
export type VisitFileData = z.infer<typeof VisitFile>;

export interface LoadedVisit {
  file: string;
  replaces: string[];
  visit: Omit<VisitsTable, 'origin' | 'revision' | 'published_at' | 'created_by' | 'created_at' | 'updated_at'>;
  items: AgendaItemsTable[];
}

/** Reads and checks one data file; throws naming the file and, for the agenda, the line and what was expected. */
export function readVisitFile(path: string, municipalities?: Municipalities): LoadedVisit {
  const name = basename(path);
  // The file's own checks and its agenda depend on its name and text only; its place is checked each time, as the
  // municipalities file may have changed.
  const loaded = derived.remember(`visit\0${name}`, readFileSync(path, 'utf8'), (text) => checkVisitFile(name, text));
  const { municipality } = loaded.visit;
  if (municipality && municipalities && !municipalities.get(municipality)) throw new Error(`${name}: unknown municipality ${municipality}`);
  return loaded;
}

function checkVisitFile(name: string, text: string): LoadedVisit {
  const parsed = VisitFile.safeParse(parseYamlCached(text));
  if (!parsed.success) throw new Error(`${name}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const f = parsed.data;
  const agenda = parseAgenda(f.agenda, { startsOn: f.starts_on, endsOn: f.ends_on });
  if (agenda.errors.length) {
    throw new Error(`${name}: agenda ${agenda.errors.map((e) => `line ${e.line} “${e.text}”: expected ${e.expected}`).join('; ')}`);
  }
  return {
    file: name,
    replaces: f.replaces,
    visit: {
      id: f.id,
      format: f.format,
      place: f.place,
      municipality: f.municipality,
      title: f.title,
      starts_on: f.starts_on,
      ends_on: f.ends_on,
      date_precision: f.date_precision,
      summary: f.summary?.trim() ?? null,
      source: f.source.trim(),
      reminder_lead_minutes: f.reminder_lead_minutes ?? null,
    },
    items: toItemRows(f.id, agenda.items),
  };
}

export function visitFiles(dir = VISITS_DIR): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

function sameItems(stored: readonly AgendaItemsTable[], loaded: readonly AgendaItemsTable[]): boolean {
  return (
    stored.length === loaded.length &&
    loaded.every((item, i) => (Object.keys(item) as Array<keyof AgendaItemsTable>).every((k) => stored[i]![k] === item[k]))
  );
}

/**
 * Upserts the shipped visits: a data visit is inserted, or updated (its revision raised) when its file changed.
 * Visits a coordinator created or edited in chat (origin `chat`) are never touched. A broken file is logged and
 * skipped, so one typo does not keep the bot from starting; the test suite reads every file.
 */
export async function loadVisitData(db: Kysely<DB>, now: Date, log: Logger, options: { dir?: string; municipalities?: Municipalities } = {}): Promise<number> {
  let changed = 0;
  for (const path of visitFiles(options.dir)) {
    let loaded: LoadedVisit;
    try {
      loaded = readVisitFile(path, options.municipalities);
    } catch (err) {
      log.error({ err }, 'visit data file skipped');
      continue;
    }
    const existing = await db.selectFrom('visits').selectAll().where('id', '=', loaded.visit.id).executeTakeFirst();
    if (existing?.origin === 'chat') continue;
    if (existing) await retire(db, loaded, log);
    if (existing) {
      const items = inAgendaOrder(await db.selectFrom('agenda_items').selectAll().where('visit_id', '=', existing.id).execute());
      const same = (Object.keys(loaded.visit) as Array<keyof LoadedVisit['visit']>).every((k) => existing[k] === loaded.visit[k]);
      if (same && sameItems(items, loaded.items)) continue;
    }
    const stamp = now.toISOString();
    await saveVisit(
      db,
      {
        ...loaded.visit,
        origin: 'data',
        revision: existing ? existing.revision + 1 : 0,
        published_at: existing?.published_at ?? stamp,
        created_by: null,
        created_at: existing?.created_at ?? stamp,
        updated_at: stamp,
      },
      loaded.items,
    );
    changed++;
    if (!existing) await retire(db, loaded, log);
  }
  return changed;
}

/**
 * Removes the shipped visits a file replaces: their answers move to the new visit (a person's newest answer wins)
 * and their reminders go (the visits are past). A replaced visit a coordinator edited in chat stays, and so does one
 * with five-idea lists, which are kept by visit and would otherwise lose it; both are logged.
 */
async function retire(db: Kysely<DB>, loaded: LoadedVisit, log: Logger): Promise<void> {
  for (const old of loaded.replaces) {
    const row = await db.selectFrom('visits').select(['id', 'origin']).where('id', '=', old).executeTakeFirst();
    if (!row) continue;
    const ideas = await db.selectFrom('idea_collections').select('visit_id').where('visit_id', '=', old).executeTakeFirst();
    if (row.origin === 'chat' || ideas) {
      log.warn({ visit: old, by: loaded.visit.id }, 'replaced visit kept: it was edited in chat or has five-idea lists');
      continue;
    }
    await db.transaction().execute(async (trx) => {
      const answers = await trx.selectFrom('visit_rsvps').selectAll().where('visit_id', '=', old).execute();
      for (const a of answers) {
        const mine = await trx.selectFrom('visit_rsvps').select('updated_at').where('visit_id', '=', loaded.visit.id).where('person_id', '=', a.person_id).executeTakeFirst();
        if (!mine) await trx.insertInto('visit_rsvps').values({ ...a, visit_id: loaded.visit.id }).execute();
        else if (mine.updated_at < a.updated_at) {
          await trx.updateTable('visit_rsvps').set({ answer: a.answer, updated_at: a.updated_at }).where('visit_id', '=', loaded.visit.id).where('person_id', '=', a.person_id).execute();
        }
      }
      await trx.deleteFrom('visits').where('id', '=', old).execute();
    });
    log.info({ visit: old, by: loaded.visit.id }, 'replaced visit removed');
  }
}
