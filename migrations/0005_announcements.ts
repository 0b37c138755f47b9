import type { Kysely } from 'kysely';
import { isSqlite, serialType } from './helpers.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('announcements')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('created_by', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('file_name', 'text')
    .addColumn('file_mime', 'text')
    .addColumn('file_data', isSqlite(db) ? 'blob' : 'bytea')
    .addColumn('audience', 'text', (c) => c.notNull())
    .addColumn('schedule', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('next_run_at', 'text')
    .addColumn('report_platform', 'text', (c) => c.notNull())
    .addColumn('report_chat_id', 'text', (c) => c.notNull())
    .addColumn('report_language', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('announcements_due').on('announcements').columns(['status', 'next_run_at']).execute();

  // One row per run of an announcement; the unique key makes a run fire once however many instances tick.
  await db.schema
    .createTable('announcement_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('announcement_id', 'text', (c) => c.notNull().references('announcements.id').onDelete('cascade'))
    .addColumn('scheduled_for', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('skipped', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .addColumn('progress_message_id', 'text')
    .addUniqueConstraint('announcement_runs_once', ['announcement_id', 'scheduled_for'])
    .execute();

  // The outbox: one row per recipient address and run. A row that reached `sent` is never sent again.
  await db.schema
    .createTable('outbox')
    .addColumn('id', serialType(db), (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull().references('announcement_runs.id').onDelete('cascade'))
    .addColumn('person_id', 'text')
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('claim_token', 'text')
    .addColumn('claimed_at', 'text')
    .addColumn('message_id', 'text')
    .addColumn('error', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('outbox_once', ['run_id', 'platform', 'chat_id'])
    .execute();
  await db.schema.createIndex('outbox_due').on('outbox').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('outbox_run').on('outbox').columns(['run_id', 'status']).execute();

  await db.schema
    .createTable('announcement_optouts')
    .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('announcement_optouts_pk', ['person_id', 'kind'])
    .execute();

  // Groups (Telegram) and channels (Discord) a coordinator registered as an audience.
  await db.schema
    .createTable('audience_chats')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('registered_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('audience_chats_once', ['platform', 'chat_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['audience_chats', 'announcement_optouts', 'outbox', 'announcement_runs', 'announcements']) await db.schema.dropTable(t).execute();
}
