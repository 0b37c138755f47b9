import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('visits')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('place', 'text', (c) => c.notNull())
    .addColumn('municipality', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('starts_on', 'text', (c) => c.notNull())
    .addColumn('ends_on', 'text', (c) => c.notNull())
    .addColumn('date_precision', 'text', (c) => c.notNull().defaultTo('day'))
    .addColumn('summary', 'text')
    .addColumn('source', 'text')
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('reminder_lead_minutes', 'integer')
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('published_at', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('visits_starts_on').on('visits').column('starts_on').execute();

  await db.schema
    .createTable('agenda_items')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('visit_id', 'text', (c) => c.notNull().references('visits.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
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
  await db.schema.createIndex('agenda_items_visit').on('agenda_items').columns(['visit_id', 'day', 'position']).execute();

  // One answer per person and visit (going / maybe / no), changeable.
  await db.schema
    .createTable('visit_rsvps')
    .addColumn('visit_id', 'text', (c) => c.notNull().references('visits.id').onDelete('cascade'))
    .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id').onDelete('cascade'))
    .addColumn('answer', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('visit_rsvps_pk', ['visit_id', 'person_id'])
    .execute();
  await db.schema.createIndex('visit_rsvps_person').on('visit_rsvps').column('person_id').execute();

  // Reminders claimed before sending, so a restart (or a second instance) never sends one twice.
  await db.schema
    .createTable('visit_reminders')
    .addColumn('visit_id', 'text', (c) => c.notNull().references('visits.id').onDelete('cascade'))
    .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('visit_reminders_pk', ['visit_id', 'person_id', 'kind', 'due_at'])
    .execute();

  await db.schema
    .createTable('visit_reminder_prefs')
    .addColumn('person_id', 'text', (c) => c.primaryKey().references('persons.id').onDelete('cascade'))
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['visit_reminder_prefs', 'visit_reminders', 'visit_rsvps', 'agenda_items', 'visits']) await db.schema.dropTable(t).execute();
}
