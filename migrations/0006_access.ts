import type { Kysely } from 'kysely';
import { serialType } from './helpers.ts';

/**
 * Trust: one person across platforms (link codes), invites, the directory opt-in, the preferred platform for
 * announcements, wrong-guess counting and the audit log. Portable: text ids, ISO-8601 UTC text instants, 0/1
 * integers, JSON as text. Codes are stored only as hashes.
 */
export async function up(db: Kysely<any>): Promise<void> {
  // Where announcements reach a person with several accounts (null: the most recently used one).
  await db.schema.alterTable('persons').addColumn('preferred_platform', 'text').execute();
  // 1: listed in /contacts for other members.
  await db.schema.alterTable('persons').addColumn('directory_optin', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  // A one-time code joining an account on another platform to this person; deleted when used or expired.
  await db.schema
    .createTable('link_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('link_codes_person').on('link_codes').column('person_id').execute();

  // A one-time invite for a role and municipality, made by a coordinator.
  await db.schema
    .createTable('invites')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('municipality', 'text')
    .addColumn('created_by', 'text', (c) => c.references('persons.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_by', 'text', (c) => c.references('persons.id').onDelete('set null'))
    .addColumn('used_at', 'text')
    .execute();

  // Wrong guesses of link and invite codes, counted per person for the rate limit; swept after a day.
  await db.schema
    .createTable('code_attempts')
    .addColumn('id', serialType(db), (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('code_attempts_person').on('code_attempts').columns(['person_id', 'kind', 'at']).execute();

  // Who did what, when: role changes, invites, links, announcements, catalogue reloads, exports, erasures.
  await db.schema
    .createTable('audit_log')
    .addColumn('id', serialType(db), (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('actor_role', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text')
    .addColumn('details', 'text')
    .execute();
  await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
  await db.schema.createIndex('audit_log_actor').on('audit_log').column('actor_id').execute();
  await db.schema.createIndex('audit_log_subject').on('audit_log').column('subject_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['audit_log', 'code_attempts', 'invites', 'link_codes']) await db.schema.dropTable(t).execute();
  await db.schema.alterTable('persons').dropColumn('directory_optin').execute();
  await db.schema.alterTable('persons').dropColumn('preferred_platform').execute();
}
