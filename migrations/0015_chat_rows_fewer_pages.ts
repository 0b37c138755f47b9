import { type Kysely, sql } from 'kysely';
import { isSqlite } from './helpers.ts';

/**
 * Fewer pages written per update (issue 17): a newcomer's /start wrote 10 pages to SQLite's log, and every step
 * of a conversation 3, where the fair anchor writes 2 and 1; each page is written again by the next checkpoint.
 *
 * - `conversations_expiry` goes. Every step moves its conversation's expiry, so every step rewrote a page of that
 *   index too (on PostgreSQL, it kept a step from ever being a HOT update). Its one reader is the sweep every ten
 *   minutes, which now reads the table: it holds only chats in the middle of a flow, as finished ones are deleted.
 * - SQLite: `conversations` and `identities` become WITHOUT ROWID tables, stored in the b-tree of their primary
 *   key, so a new row is written once instead of into a table and into the index of its key. Their rows are small
 *   (a flow's state, an account's names), which is what such tables are for. SQLite cannot change this in place:
 *   each is copied into a new table with the same columns and references, in one transaction.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('conversations_expiry').execute();
  if (!isSqlite(db)) return;
  await db.transaction().execute(async (trx) => {
    await trx.schema
      .createTable('conversations_new')
      .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id').onDelete('cascade'))
      .addColumn('chat_key', 'text', (c) => c.notNull())
      .addColumn('flow', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('conversations_pk', ['person_id', 'chat_key'])
      .modifyEnd(sql`without rowid`)
      .execute();
    await sql`insert into conversations_new (person_id, chat_key, flow, state, nonce, updated_at, expires_at)
              select person_id, chat_key, flow, state, nonce, updated_at, expires_at from conversations`.execute(trx);
    await trx.schema.dropTable('conversations').execute();
    await sql`alter table conversations_new rename to conversations`.execute(trx);

    await trx.schema
      .createTable('identities_new')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id').onDelete('cascade'))
      .addColumn('platform', 'text', (c) => c.notNull())
      .addColumn('username', 'text')
      .addColumn('display_name', 'text')
      .addColumn('language_hint', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .modifyEnd(sql`without rowid`)
      .execute();
    await sql`insert into identities_new (key, person_id, platform, username, display_name, language_hint, created_at, last_seen_at)
              select key, person_id, platform, username, display_name, language_hint, created_at, last_seen_at from identities`.execute(trx);
    await trx.schema.dropTable('identities').execute();
    await sql`alter table identities_new rename to identities`.execute(trx);
    await trx.schema.createIndex('identities_person').on('identities').column('person_id').execute();
  });
}

/** The index comes back; SQLite's tables stay WITHOUT ROWID, which every query reads and writes alike. */
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('conversations_expiry').on('conversations').column('expires_at').execute();
}
