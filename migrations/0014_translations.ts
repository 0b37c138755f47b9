import type { Kysely } from 'kysely';

/**
 * Translations people make and apply in chat (Romani, and corrections to Latvian, English and Russian): kept in the
 * database so they survive restarts and reach every instance. An import is a validated spreadsheet waiting for a
 * coordinator's Apply or Cancel; applying it writes its texts into `translations`, one row per language and key.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('translation_imports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text', (c) => c.notNull())
    .addColumn('uploaded_by', 'text', (c) => c.references('persons.id').onDelete('set null'))
    .addColumn('uploaded_at', 'text', (c) => c.notNull())
    // pending, applied or cancelled
    .addColumn('status', 'text', (c) => c.notNull())
    // JSON: the valid changes ([{ key, value }]) and the counts the preview showed
    .addColumn('changes', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text', (c) => c.references('persons.id').onDelete('set null'))
    .addColumn('decided_at', 'text')
    .execute();
  await db.schema.createIndex('translation_imports_status').on('translation_imports').columns(['status', 'decided_at']).execute();

  await db.schema
    .createTable('translations')
    .addColumn('locale', 'text', (c) => c.notNull())
    // `namespace:path.to.key`, with its plural suffix (`_one`) where it has one
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('import_id', 'text', (c) => c.references('translation_imports.id').onDelete('set null'))
    .addColumn('updated_by', 'text', (c) => c.references('persons.id').onDelete('set null'))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('translations_pk', ['locale', 'key'])
    .execute();
}
