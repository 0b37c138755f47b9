import { type Kysely, sql } from 'kysely';
import { isSqlite } from './helpers.ts';

/**
 * An agenda item may belong to the whole visit rather than one day (the Ventspils sources list what the two days
 * held without saying which day): `agenda_items.day` becomes nullable. SQLite cannot drop NOT NULL in place, so the
 * table is rebuilt with the same columns and index.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (!isSqlite(db)) {
    await sql`alter table agenda_items alter column day drop not null`.execute(db);
    return;
  }
  await db.schema
    .createTable('agenda_items_new')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('visit_id', 'text', (c) => c.notNull().references('visits.id').onDelete('cascade'))
    .addColumn('day', 'text')
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('starts_at', 'text')
    .addColumn('ends_at', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('place', 'text')
    .addColumn('link', 'text')
    .addColumn('presenters', 'text')
    .addColumn('method', 'text')
    .addColumn('notes', 'text')
    .execute();
  await sql`insert into agenda_items_new (id, visit_id, day, position, starts_at, ends_at, title, place, link, presenters, method, notes)
            select id, visit_id, day, position, starts_at, ends_at, title, place, link, presenters, method, notes from agenda_items`.execute(db);
  await db.schema.dropTable('agenda_items').execute();
  await sql`alter table agenda_items_new rename to agenda_items`.execute(db);
  await db.schema.createIndex('agenda_items_visit').on('agenda_items').columns(['visit_id', 'day', 'position']).execute();
}
