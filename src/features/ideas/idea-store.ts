import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { IdeaCollectionsTable } from './tables.ts';
import { IDEAS_PER_LIST } from './validate.ts';

export type Collection = Selectable<IdeaCollectionsTable>;

/** One idea as saved: its text, its themes, and whether the expert chose the themes by hand. */
export interface SavedIdea {
  text: string;
  themes: string[];
  corrected: boolean;
}

export interface StoredList {
  id: string;
  visitId: string;
  personId: string | null;
  municipality: string | null;
  version: number;
  submittedAt: string;
  updatedAt: string;
  ideas: SavedIdea[];
}

/** What an export sorts a list by: its municipality, its author's name and when it came. */
export interface ExportHead {
  id: string;
  municipality: string | null;
  author: string | null;
  submittedAt: string;
}

/** A current list with its author's name, as exports show it to coordinators. */
export interface ExportList extends StoredList {
  author: string | null;
}

/** Lists whose ideas are read in one statement (well under SQLite's and PostgreSQL's parameter limits). */
const FILL_BATCH = 500;
/** Lists' heads read at a time (and their authors' names in one statement). */
const HEADS_PAGE = 5_000;

export type SaveResult = { ok: true; version: number; listId: string } | { ok: false; reason: 'not_open' };

function parseThemes(json: string): string[] {
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Collections and lists in the database. Every write that must see "collection open" checks it in its transaction. */
export class IdeaStore {
  constructor(private readonly db: Kysely<DB>) {}

  collection(visitId: string): Promise<Collection | undefined> {
    return this.db.selectFrom('idea_collections').selectAll().where('visit_id', '=', visitId).executeTakeFirst();
  }

  openCollections(): Promise<Collection[]> {
    return this.db.selectFrom('idea_collections').selectAll().where('status', '=', 'open').orderBy('opened_at', 'desc').execute();
  }

  /** Collections most recently opened first (for "which visit?" buttons). */
  recentCollections(limit: number): Promise<Collection[]> {
    return this.db.selectFrom('idea_collections').selectAll().orderBy('opened_at', 'desc').limit(limit).execute();
  }

  /** Opens (or reopens) collection; says what it was before. */
  async open(visitId: string, by: string, now: Date): Promise<'opened' | 'reopened' | 'already_open'> {
    return this.db.transaction().execute(async (trx) => {
      const found = await trx.selectFrom('idea_collections').select('status').where('visit_id', '=', visitId).executeTakeFirst();
      if (found?.status === 'open') return 'already_open';
      if (found) {
        await trx
          .updateTable('idea_collections')
          .set({ status: 'open', closed_at: null, opened_by: by, opened_at: now.toISOString() })
          .where('visit_id', '=', visitId)
          .execute();
        return 'reopened';
      }
      await trx
        .insertInto('idea_collections')
        .values({ visit_id: visitId, status: 'open', opened_by: by, opened_at: now.toISOString(), closed_at: null })
        .execute();
      return 'opened';
    });
  }

  async close(visitId: string, now: Date): Promise<'closed' | 'already_closed' | 'never_opened'> {
    return this.db.transaction().execute(async (trx) => {
      const found = await trx.selectFrom('idea_collections').select('status').where('visit_id', '=', visitId).executeTakeFirst();
      if (!found) return 'never_opened';
      if (found.status === 'closed') return 'already_closed';
      await trx.updateTable('idea_collections').set({ status: 'closed', closed_at: now.toISOString() }).where('visit_id', '=', visitId).execute();
      return 'closed';
    });
  }

  /** The person's current list for the visit, with the ideas of its latest version. */
  async currentList(visitId: string, personId: string): Promise<StoredList | undefined> {
    const list = await this.db
      .selectFrom('idea_lists')
      .selectAll()
      .where('visit_id', '=', visitId)
      .where('person_id', '=', personId)
      .executeTakeFirst();
    if (!list) return undefined;
    const ideas = await this.db
      .selectFrom('ideas')
      .select(['text', 'themes', 'themes_corrected'])
      .where('list_id', '=', list.id)
      .where('version', '=', list.version)
      .orderBy('position')
      .execute();
    return {
      id: list.id,
      visitId: list.visit_id,
      personId: list.person_id,
      municipality: list.municipality,
      version: list.version,
      submittedAt: list.submitted_at,
      updatedAt: list.updated_at,
      ideas: ideas.map((i) => ({ text: i.text, themes: parseThemes(i.themes), corrected: i.themes_corrected === 1 })),
    };
  }

  /** Every saved version of a list, oldest first. */
  async versions(listId: string): Promise<Array<{ version: number; savedAt: string; ideas: SavedIdea[] }>> {
    const rows = await this.db
      .selectFrom('idea_list_versions')
      .innerJoin('ideas', (j) => j.onRef('ideas.list_id', '=', 'idea_list_versions.list_id').onRef('ideas.version', '=', 'idea_list_versions.version'))
      .select(['idea_list_versions.version', 'idea_list_versions.saved_at', 'ideas.text', 'ideas.themes', 'ideas.themes_corrected'])
      .where('idea_list_versions.list_id', '=', listId)
      .orderBy('idea_list_versions.version')
      .orderBy('ideas.position')
      .execute();
    const out: Array<{ version: number; savedAt: string; ideas: SavedIdea[] }> = [];
    for (const r of rows) {
      let v = out[out.length - 1];
      if (!v || v.version !== r.version) {
        v = { version: r.version, savedAt: r.saved_at, ideas: [] };
        out.push(v);
      }
      v.ideas.push({ text: r.text, themes: parseThemes(r.themes), corrected: r.themes_corrected === 1 });
    }
    return out;
  }

  /**
   * Saves a new version of the person's list (the first one creates it), in one transaction that also checks that
   * collection is open, so a list cannot change after the coordinator closed it, whatever was on screen.
   */
  async save(visitId: string, personId: string, municipality: string | null, ideas: readonly SavedIdea[], now: Date): Promise<SaveResult> {
    if (ideas.length !== IDEAS_PER_LIST) throw new Error(`a list has ${IDEAS_PER_LIST} ideas, not ${ideas.length}`);
    try {
      return await this.saveOnce(visitId, personId, municipality, ideas, now);
    } catch (err) {
      // The same person saving from two platforms at once (possible on PostgreSQL): the loser of the race on the
      // unique (visit, person) or (list, version) key tries again and becomes the next version.
      if (!/unique|duplicate key/i.test(String(err))) throw err;
      return this.saveOnce(visitId, personId, municipality, ideas, now);
    }
  }

  private saveOnce(visitId: string, personId: string, municipality: string | null, ideas: readonly SavedIdea[], now: Date): Promise<SaveResult> {
    const at = now.toISOString();
    return this.db.transaction().execute(async (trx): Promise<SaveResult> => {
      const collection = await trx.selectFrom('idea_collections').select('status').where('visit_id', '=', visitId).executeTakeFirst();
      if (collection?.status !== 'open') return { ok: false, reason: 'not_open' };
      const existing = await trx
        .selectFrom('idea_lists')
        .select(['id', 'version'])
        .where('visit_id', '=', visitId)
        .where('person_id', '=', personId)
        .executeTakeFirst();
      let listId: string;
      let version: number;
      if (existing) {
        listId = existing.id;
        version = existing.version + 1;
        await trx.updateTable('idea_lists').set({ version, updated_at: at }).where('id', '=', listId).execute();
      } else {
        listId = randomUUID();
        version = 1;
        await trx
          .insertInto('idea_lists')
          .values({ id: listId, visit_id: visitId, person_id: personId, municipality, version, submitted_at: at, updated_at: at })
          .execute();
      }
      await trx.insertInto('idea_list_versions').values({ list_id: listId, version, saved_at: at }).execute();
      await trx
        .insertInto('ideas')
        .values(
          ideas.map((idea, i) => ({
            list_id: listId,
            version,
            position: i + 1,
            text: idea.text,
            themes: JSON.stringify(idea.themes),
            themes_corrected: idea.corrected ? 1 : 0,
          })),
        )
        .execute();
      return { ok: true, version, listId };
    });
  }

  async countLists(visitId: string): Promise<number> {
    const r = await this.db.selectFrom('idea_lists').select((eb) => eb.fn.countAll<number>().as('n')).where('visit_id', '=', visitId).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Municipality and themes of every idea in the visit's current lists: what summaries count. */
  async themeRows(visitId: string): Promise<Array<{ listId: string; municipality: string | null; themes: string[] }>> {
    const rows = await this.db
      .selectFrom('idea_lists')
      .innerJoin('ideas', (j) => j.onRef('ideas.list_id', '=', 'idea_lists.id').onRef('ideas.version', '=', 'idea_lists.version'))
      .select(['idea_lists.id', 'idea_lists.municipality', 'ideas.themes'])
      .where('idea_lists.visit_id', '=', visitId)
      .execute();
    return rows.map((r) => ({ listId: r.id, municipality: r.municipality, themes: parseThemes(r.themes) }));
  }

  /** Every current list of the visit with its ideas and author's name, in submission order. */
  async exportLists(visitId: string): Promise<ExportList[]> {
    return this.readLists(await this.exportHeads(visitId));
  }

  /** The municipalities the visit's lists come from (null: lists without one). */
  async listMunicipalities(visitId: string): Promise<Array<string | null>> {
    const rows = await this.db.selectFrom('idea_lists').select('municipality').distinct().where('visit_id', '=', visitId).execute();
    return rows.map((r) => r.municipality);
  }

  /**
   * What exports sort the visit's current lists by, and no more, read a page at a time (about 200 bytes a list):
   * all of them, or those of one municipality (`undefined` for all), so an export holds one municipality's at a
   * time and reads their ideas a batch at a time (`readLists`).
   */
  async exportHeads(visitId: string, municipality?: string | null): Promise<ExportHead[]> {
    const heads: ExportHead[] = [];
    const interned = new Map<string, string>();
    let after = '';
    for (;;) {
      const page = await this.db
        .selectFrom('idea_lists')
        .select(['id', 'person_id', 'municipality', 'submitted_at'])
        .where('visit_id', '=', visitId)
        .$if(municipality !== undefined, (q) => q.where('municipality', municipality === null ? 'is' : '=', municipality ?? null))
        .where('id', '>', after)
        .orderBy('id')
        .limit(HEADS_PAGE)
        .execute();
      if (!page.length) break;
      const persons = page.flatMap((r) => (r.person_id ? [r.person_id] : []));
      const names = persons.length ? await this.authorNames(persons) : new Map<string, string>();
      for (const r of page) {
        const m = r.municipality === null ? null : (interned.get(r.municipality) ?? (interned.set(r.municipality, r.municipality), r.municipality));
        heads.push({ id: r.id, municipality: m, author: r.person_id ? (names.get(r.person_id) ?? null) : null, submittedAt: r.submitted_at });
      }
      after = page[page.length - 1]!.id;
      if (page.length < HEADS_PAGE) break;
    }
    return heads;
  }

  /** Ideas in the visit's current lists. */
  async countCurrentIdeas(visitId: string): Promise<number> {
    const row = await this.db
      .selectFrom('ideas')
      .innerJoin('idea_lists', (j) => j.onRef('ideas.list_id', '=', 'idea_lists.id').onRef('ideas.version', '=', 'idea_lists.version'))
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('idea_lists.visit_id', '=', visitId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** These lists whole, with their current version's ideas, in the order given. */
  async readLists(heads: readonly ExportHead[]): Promise<ExportList[]> {
    const out: ExportList[] = [];
    const themeCache = new Map<string, string[]>();
    for (let i = 0; i < heads.length; i += FILL_BATCH) {
      const batch = heads.slice(i, i + FILL_BATCH);
      const ids = batch.map((h) => h.id);
      // Two narrow queries stitched together are faster than one join repeating each list's columns five times.
      const [lists, ideas] = await Promise.all([
        this.db.selectFrom('idea_lists').select(['id', 'visit_id', 'person_id', 'municipality', 'version', 'submitted_at', 'updated_at']).where('id', 'in', ids).execute(),
        this.db
          .selectFrom('ideas')
          .innerJoin('idea_lists', (j) => j.onRef('ideas.list_id', '=', 'idea_lists.id').onRef('ideas.version', '=', 'idea_lists.version'))
          .select(['ideas.list_id', 'ideas.position', 'ideas.text', 'ideas.themes', 'ideas.themes_corrected'])
          .where('idea_lists.id', 'in', ids)
          .execute(),
      ]);
      const byId = new Map<string, ExportList>();
      for (const r of lists) {
        byId.set(r.id, {
          id: r.id,
          visitId: r.visit_id,
          personId: r.person_id,
          municipality: r.municipality,
          version: r.version,
          submittedAt: r.submitted_at,
          updatedAt: r.updated_at,
          ideas: [],
          author: null,
        });
      }
      for (const r of ideas) {
        let themes = themeCache.get(r.themes);
        if (!themes) {
          themes = parseThemes(r.themes);
          themeCache.set(r.themes, themes);
        }
        byId.get(r.list_id)!.ideas[r.position - 1] = { text: r.text, themes, corrected: r.themes_corrected === 1 };
      }
      for (const h of batch) {
        const l = byId.get(h.id);
        // A list deleted since the heads were read (its author erased meanwhile keeps it, without the author).
        if (l) out.push({ ...l, author: h.author });
      }
    }
    return out;
  }

  /** Display names (else @username, else the account key) of these people, most recently used account first. */
  private async authorNames(personIds: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.db
      .selectFrom('identities')
      .select(['person_id', 'key', 'display_name', 'username', 'last_seen_at'])
      .where('person_id', 'in', [...new Set(personIds)])
      .orderBy('last_seen_at', 'desc')
      .execute();
    const names = new Map<string, string>();
    const fallback = new Map<string, string>();
    for (const r of rows) {
      if (names.has(r.person_id)) continue;
      const name = r.display_name?.trim() || (r.username ? `@${r.username}` : '');
      if (name) names.set(r.person_id, name);
      else if (!fallback.has(r.person_id)) fallback.set(r.person_id, r.key);
    }
    // Someone with neither a name nor a username is named by their account (telegram:123), never left blank.
    for (const [id, key] of fallback) if (!names.has(id)) names.set(id, key);
    return names;
  }

  /** Registered experts with no list for the visit: whom a reminder is for. */
  async expertsWithoutList(visitId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('persons')
      .select('persons.id')
      .where('persons.role', '=', 'expert')
      .where('persons.registered_at', 'is not', null)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('idea_lists').select('idea_lists.id').whereRef('idea_lists.person_id', '=', 'persons.id').where('idea_lists.visit_id', '=', visitId))),
      )
      .orderBy('persons.id')
      .execute();
    return rows.map((r) => r.id);
  }
}
