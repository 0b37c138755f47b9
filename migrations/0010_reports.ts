import type { Kysely } from 'kysely';

/**
 * The meeting report and the calendar feed.
 *
 * `visit_rsvps.listed`: whether the person agreed to be named in the meeting report's participant list (null: not
 * asked yet, 0: counted only, 1: named); `visit_rsvps.institution`: the institution they attend for, as they typed
 * it. Both per visit: consent is given for one meeting's list, and people change jobs.
 *
 * `calendar_feeds`: one secret feed address per person, stored as the SHA-256 of its token (the token itself is
 * shown once, in `/calendar`); a new one replaces the old, and erasing the person removes it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('visit_rsvps').addColumn('listed', 'integer').execute();
  await db.schema.alterTable('visit_rsvps').addColumn('institution', 'text').execute();
  await db.schema
    .createTable('calendar_feeds')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull().unique().references('persons.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('calendar_feeds').execute();
  await db.schema.alterTable('visit_rsvps').dropColumn('institution').execute();
  await db.schema.alterTable('visit_rsvps').dropColumn('listed').execute();
}
