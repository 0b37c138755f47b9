import type { Kysely } from 'kysely';
import { serialType } from './helpers.ts';

/**
 * The notice outbox: every message the bot sends a person first that is not an announcement (role requests and
 * decisions, invite notices, reminders, reports, answers that could not be shown at once), claimed and retried like
 * announcement deliveries. The text is kept only until the notice is final. And long button data, kept server-side.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notices')
    .addColumn('id', serialType(db), (c) => c.primaryKey())
    .addColumn('person_id', 'text', (c) => c.references('persons.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('is_group', 'integer', (c) => c.notNull().defaultTo(0))
    // JSON: addresses already tried, so an unreachable one hands the notice to the person's next account.
    .addColumn('tried', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('body', 'text', (c) => c.notNull())
    // Makes enqueueing idempotent where the sender can name the notice (a reminder's key).
    .addColumn('dedupe_key', 'text', (c) => c.unique())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    // A reminder is no use after its moment: not sent later than this.
    .addColumn('expires_at', 'text')
    .addColumn('claim_token', 'text')
    .addColumn('claimed_at', 'text')
    .addColumn('message_id', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notices_due').on('notices').columns(['status', 'next_attempt_at']).execute();

  // Button data too long for the platform (Telegram: 64 bytes), kept here under a hash of itself, so a button
  // always means what it meant when it was shown, whatever was sent after it.
  await db.schema
    .createTable('action_refs')
    .addColumn('ref', 'text', (c) => c.primaryKey())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('action_refs').execute();
  await db.schema.dropTable('notices').execute();
}
