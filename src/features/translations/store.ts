import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { UiLanguage } from '../../core/types.ts';
import type { DB } from '../../db/schema.ts';
import type { ImportStatus, TranslationImportsTable } from './tables.ts';
import type { ImportSummary, ValidatedImport } from './validate.ts';

export interface StoredImport {
  id: string;
  locale: UiLanguage;
  fileName: string;
  uploadedBy: string | null;
  uploadedAt: string;
  status: ImportStatus;
  changes: Array<{ key: string; value: string }>;
  summary: ImportSummary;
  decidedBy: string | null;
  decidedAt: string | null;
}

function fromRow(r: TranslationImportsTable): StoredImport {
  return {
    id: r.id,
    locale: r.locale as UiLanguage,
    fileName: r.file_name,
    uploadedBy: r.uploaded_by,
    uploadedAt: r.uploaded_at,
    status: r.status,
    changes: JSON.parse(r.changes),
    summary: JSON.parse(r.summary),
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
  };
}

/** Imports waiting for Apply, and the texts applied, in the database every instance shares. */
export class TranslationStore {
  constructor(private readonly db: Kysely<DB>) {}

  async createPending(v: ValidatedImport, fileName: string, by: string | null, now: Date): Promise<StoredImport> {
    const row: TranslationImportsTable = {
      id: randomUUID(),
      locale: v.summary.locale,
      file_name: fileName.slice(0, 200),
      uploaded_by: by,
      uploaded_at: now.toISOString(),
      status: 'pending',
      changes: JSON.stringify(v.changes),
      summary: JSON.stringify(v.summary),
      decided_by: null,
      decided_at: null,
    };
    await this.db.insertInto('translation_imports').values(row).execute();
    return fromRow(row);
  }

  async get(id: string): Promise<StoredImport | undefined> {
    const r = await this.db.selectFrom('translation_imports').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? fromRow(r) : undefined;
  }

  /**
   * Writes an import's texts and marks it applied, in one transaction; `also` runs in it (the audit entry). A
   * second press, or another coordinator's, finds it no longer pending and changes nothing.
   */
  async apply(id: string, by: string | null, now: Date, also?: (trx: Kysely<DB>, imp: StoredImport) => Promise<void>): Promise<StoredImport | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const claimed = await trx
        .updateTable('translation_imports')
        .set({ status: 'applied', decided_by: by, decided_at: now.toISOString() })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return undefined;
      const imp = fromRow((await trx.selectFrom('translation_imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow()) as TranslationImportsTable);
      for (const c of imp.changes) {
        await trx
          .insertInto('translations')
          .values({ locale: imp.locale, key: c.key, value: c.value, import_id: imp.id, updated_by: by, updated_at: now.toISOString() })
          .onConflict((oc) => oc.columns(['locale', 'key']).doUpdateSet({ value: c.value, import_id: imp.id, updated_by: by, updated_at: now.toISOString() }))
          .execute();
      }
      if (also) await also(trx, imp);
      return imp;
    });
  }

  /** Cancels a pending import; false when it was already applied or cancelled. */
  async cancel(id: string, by: string | null, now: Date): Promise<boolean> {
    const r = await this.db
      .updateTable('translation_imports')
      .set({ status: 'cancelled', decided_by: by, decided_at: now.toISOString() })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Every text people applied, by language. */
  async applied(): Promise<Array<{ locale: string; key: string; value: string }>> {
    return this.db.selectFrom('translations').select(['locale', 'key', 'value']).orderBy('locale').orderBy('key').execute();
  }

  /** Changes whenever any import is applied: another instance compares it to know when to read the texts again. */
  async revision(): Promise<string> {
    const r = await this.db
      .selectFrom('translation_imports')
      .select((eb) => [eb.fn.countAll<string | number>().as('n'), eb.fn.max('decided_at').as('last')])
      .where('status', '=', 'applied')
      .executeTakeFirst();
    return `${r?.n ?? 0}|${r?.last ?? ''}`;
  }

  /** The latest imports, newest first (for /translations). */
  async recent(limit: number): Promise<StoredImport[]> {
    const rows = await this.db.selectFrom('translation_imports').selectAll().where('status', '=', 'applied').orderBy('decided_at', 'desc').limit(limit).execute();
    return rows.map(fromRow);
  }
}
