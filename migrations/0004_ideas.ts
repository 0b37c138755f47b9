import { type Kysely, sql } from 'kysely';

/**
 * Five-idea lists. Wrong states are kept out by the schema where a portable schema can: one collection per visit,
 * its status and closing time agree; one list per person and visit (anonymous lists, person_id null after an
 * erasure, do not clash); every saved version kept; each idea belongs to an existing version, at position 1–5,
 * once. "Exactly five per version" is written in one transaction by the store (a count is not a constraint).
 *
 * No foreign key to `visits`: visit rows are refreshed from data files by their own feature, and collected lists
 * must outlive such a rewrite.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('idea_collections')
    .addColumn('visit_id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('opened_by', 'text', (c) => c.references('persons.id').onDelete('set null'))
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .addCheckConstraint(
      'idea_collections_status',
      sql`(status = 'open' and closed_at is null) or (status = 'closed' and closed_at is not null)`,
    )
    .execute();

  await db.schema
    .createTable('idea_lists')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('visit_id', 'text', (c) => c.notNull().references('idea_collections.visit_id'))
    .addColumn('person_id', 'text', (c) => c.references('persons.id').onDelete('set null'))
    .addColumn('municipality', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('submitted_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('idea_lists_version', sql`version >= 1`)
    .addUniqueConstraint('idea_lists_one_per_person', ['visit_id', 'person_id'])
    .execute();
  await db.schema.createIndex('idea_lists_person').on('idea_lists').column('person_id').execute();

  await db.schema
    .createTable('idea_list_versions')
    .addColumn('list_id', 'text', (c) => c.notNull().references('idea_lists.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('saved_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('idea_list_versions_pk', ['list_id', 'version'])
    .addCheckConstraint('idea_list_versions_version', sql`version >= 1`)
    .execute();

  await db.schema
    .createTable('ideas')
    .addColumn('list_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('themes', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('themes_corrected', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('ideas_pk', ['list_id', 'version', 'position'])
    .addForeignKeyConstraint('ideas_version_fk', ['list_id', 'version'], 'idea_list_versions', ['list_id', 'version'], (fk) => fk.onDelete('cascade'))
    .addCheckConstraint('ideas_position', sql`position between 1 and 5`)
    .addCheckConstraint('ideas_themes_corrected', sql`themes_corrected in (0, 1)`)
    .addCheckConstraint('ideas_text', sql`length(text) between 3 and 500`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['ideas', 'idea_list_versions', 'idea_lists', 'idea_collections']) await db.schema.dropTable(t).execute();
}
