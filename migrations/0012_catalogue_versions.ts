import type { Kysely } from 'kysely';
import { serialType } from './helpers.ts';

/**
 * The programme catalogue kept current in chat: every published version of a programme (on top of the shipped
 * files in data/programmes), and the months in which the "not checked for long" reminder went out. Portable: text
 * ids and ISO-8601 UTC instants, JSON-free text columns.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('catalogue_versions')
    .addColumn('id', serialType(db), (c) => c.primaryKey())
    .addColumn('programme_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .addColumn('change', 'text', (c) => c.notNull())
    .addColumn('restored_from', 'integer')
    .addColumn('reason', 'text')
    .addColumn('checked_url', 'text')
    .addColumn('tests', 'text')
    .addColumn('published_by', 'text', (c) => c.references('persons.id').onDelete('set null'))
    .addColumn('published_by_role', 'text')
    .addColumn('published_at', 'text', (c) => c.notNull())
    // Two coordinators publishing the same programme at once: one of them gets the next number, the other is told.
    .addUniqueConstraint('catalogue_versions_programme_version', ['programme_id', 'version'])
    .execute();
  await db.schema.createIndex('catalogue_versions_by').on('catalogue_versions').column('published_by').execute();

  await db.schema
    .createTable('catalogue_reminders')
    .addColumn('month', 'text', (c) => c.primaryKey())
    .addColumn('claimed_at', 'text', (c) => c.notNull())
    .addColumn('programmes', 'integer', (c) => c.notNull())
    .addColumn('reached', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('catalogue_reminders').execute();
  await db.schema.dropTable('catalogue_versions').execute();
}
