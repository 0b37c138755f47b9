import type { Kysely, Selectable } from 'kysely';
import type { Role } from '../../core/access.ts';
import type { DB } from '../../db/schema.ts';
import { contentDigest } from './catalogue.ts';
import type { CatalogueVersionsTable, VersionChange } from './tables.ts';

export type VersionRow = Selectable<CatalogueVersionsTable>;

/** What a publication asks for, per programme: its new content, and the version it was previewed against. */
export interface PublishItem {
  programmeId: string;
  content: string;
  /** The newest version number in the database when the preview was made (0: none yet). */
  base: number;
  /** The shipped file's content, recorded first as version 1 when this is the first change on top of it. */
  shipped?: string;
}

export interface PublishRequest {
  items: PublishItem[];
  change: VersionChange;
  reason: string;
  restoredFrom?: number;
  checkedUrl?: string;
  tests?: string;
  by: string;
  role: Role;
  at: Date;
}

export type PublishResult =
  | { ok: true; published: Array<{ programmeId: string; version: number }> }
  /** Someone else published one of these programmes since the preview: nothing was written. */
  | { ok: false; conflict: string[] };

class Conflict extends Error {
  constructor(readonly ids: string[]) {
    super('catalogue version conflict');
  }
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || (typeof e?.message === 'string' && /UNIQUE constraint failed/.test(e.message));
}

/**
 * The programme versions in the database. Nothing here decides what is shown: the catalogue store puts the newest
 * version of each programme over the shipped files.
 */
export class VersionStore {
  constructor(private readonly db: Kysely<DB>) {}

  /** Changes whenever any version is added, also one whose id is lower than one already seen (PostgreSQL sequences). */
  async signature(): Promise<string> {
    const r = await this.db
      .selectFrom('catalogue_versions')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('id').as('max')])
      .executeTakeFirst();
    return `${Number(r?.n ?? 0)}:${Number(r?.max ?? 0)}`;
  }

  /** The newest version of every programme that has versions. */
  async latest(): Promise<VersionRow[]> {
    const newest = this.db
      .selectFrom('catalogue_versions')
      .select(['programme_id', (eb) => eb.fn.max('version').as('version')])
      .groupBy('programme_id')
      .as('newest');
    return this.db
      .selectFrom('catalogue_versions as v')
      .innerJoin(newest, (j) => j.onRef('newest.programme_id', '=', 'v.programme_id').onRef('newest.version', '=', 'v.version'))
      .selectAll('v')
      .orderBy('v.programme_id')
      .execute();
  }

  /** A programme's versions, newest first. */
  history(programmeId: string, limit = 50): Promise<VersionRow[]> {
    return this.db.selectFrom('catalogue_versions').selectAll().where('programme_id', '=', programmeId).orderBy('version', 'desc').limit(limit).execute();
  }

  get(programmeId: string, version: number): Promise<VersionRow | undefined> {
    return this.db.selectFrom('catalogue_versions').selectAll().where('programme_id', '=', programmeId).where('version', '=', version).executeTakeFirst();
  }

  async newestVersion(programmeId: string, db: Kysely<DB> = this.db): Promise<number> {
    const r = await db.selectFrom('catalogue_versions').select((eb) => eb.fn.max('version').as('v')).where('programme_id', '=', programmeId).executeTakeFirst();
    return Number(r?.v ?? 0);
  }

  /**
   * Writes a publication in one transaction: for each programme, version base+1 (preceded by the shipped file as
   * version 1 when it is the first change on top of it). `record` runs in the same transaction (the audit log), so
   * the change and its record happen together or not at all.
   */
  async publish(req: PublishRequest, record?: (trx: Kysely<DB>, published: Array<{ programmeId: string; version: number }>) => Promise<void>): Promise<PublishResult> {
    const at = req.at.toISOString();
    try {
      const published = await this.db.transaction().execute(async (trx) => {
        const stale: string[] = [];
        for (const item of req.items) if ((await this.newestVersion(item.programmeId, trx)) !== item.base) stale.push(item.programmeId);
        if (stale.length) throw new Conflict(stale);
        const out: Array<{ programmeId: string; version: number }> = [];
        for (const item of req.items) {
          let version = item.base;
          if (version === 0 && item.shipped !== undefined) {
            version = 1;
            await trx
              .insertInto('catalogue_versions')
              .values(row(item.programmeId, 1, item.shipped, 'initial', { at }))
              .execute();
          }
          version++;
          await trx
            .insertInto('catalogue_versions')
            .values(
              row(item.programmeId, version, item.content, req.change, {
                at,
                reason: req.reason,
                by: req.by,
                role: req.role,
                ...(req.restoredFrom !== undefined ? { restoredFrom: req.restoredFrom } : {}),
                ...(req.checkedUrl ? { checkedUrl: req.checkedUrl } : {}),
                ...(req.tests ? { tests: req.tests } : {}),
              }),
            )
            .execute();
          out.push({ programmeId: item.programmeId, version });
        }
        await record?.(trx, out);
        return out;
      });
      return { ok: true, published };
    } catch (err) {
      if (err instanceof Conflict) return { ok: false, conflict: err.ids };
      if (isUniqueViolation(err)) return { ok: false, conflict: req.items.map((i) => i.programmeId) };
      throw err;
    }
  }

  /**
   * Shipped files whose content is new to the database take over from the versions published in chat: a developer
   * changed the file in a release. A file whose content is already among a programme's versions (unchanged since,
   * or a published version brought back into the repository) changes nothing. Returns what was taken over.
   */
  async takeOverShipped(
    shipped: ReadonlyArray<{ id: string; text: string }>,
    by: { id: string; role: Role } | null,
    at: Date,
    record?: (trx: Kysely<DB>, taken: Array<{ programmeId: string; version: number }>) => Promise<void>,
  ): Promise<Array<{ programmeId: string; version: number }>> {
    const rows = await this.db.selectFrom('catalogue_versions').select(['programme_id', 'version', 'digest']).execute();
    const known = new Map<string, { digests: Set<string>; newest: number }>();
    for (const r of rows) {
      const k = known.get(r.programme_id) ?? { digests: new Set(), newest: 0 };
      k.digests.add(r.digest);
      k.newest = Math.max(k.newest, r.version);
      known.set(r.programme_id, k);
    }
    const todo = shipped.filter((f) => {
      const k = known.get(f.id);
      return k !== undefined && !k.digests.has(contentDigest(f.text));
    });
    if (!todo.length) return [];
    return this.db.transaction().execute(async (trx) => {
      const taken: Array<{ programmeId: string; version: number }> = [];
      for (const f of todo) {
        const version = known.get(f.id)!.newest + 1;
        // Another instance starting with the same release may have done it a moment ago: then this is a no-op.
        const r = await trx
          .insertInto('catalogue_versions')
          .values(row(f.id, version, f.text, 'file', { at: at.toISOString(), ...(by ? { by: by.id, role: by.role } : {}) }))
          .onConflict((oc) => oc.columns(['programme_id', 'version']).doNothing())
          .executeTakeFirst();
        if (Number(r.numInsertedOrUpdatedRows ?? 0n) > 0) taken.push({ programmeId: f.id, version });
      }
      if (taken.length) await record?.(trx, taken);
      return taken;
    });
  }

  /** Versions a person published (for /mydata). */
  byPerson(personId: string, db: Kysely<DB> = this.db) {
    return db
      .selectFrom('catalogue_versions')
      .select(['programme_id', 'version', 'change', 'reason', 'checked_url', 'published_at'])
      .where('published_by', '=', personId)
      .orderBy('id')
      .execute();
  }
}

function row(
  programmeId: string,
  version: number,
  content: string,
  change: VersionChange,
  o: { at: string; reason?: string; by?: string; role?: Role; restoredFrom?: number; checkedUrl?: string; tests?: string },
) {
  return {
    programme_id: programmeId,
    version,
    content,
    digest: contentDigest(content),
    change,
    restored_from: o.restoredFrom ?? null,
    reason: o.reason ?? null,
    checked_url: o.checkedUrl ?? null,
    tests: o.tests ?? null,
    published_by: o.by ?? null,
    published_by_role: o.role ?? null,
    published_at: o.at,
  };
}
