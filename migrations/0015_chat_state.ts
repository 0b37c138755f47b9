import { type Kysely, sql } from 'kysely';
import { isSqlite } from './helpers.ts';

/**
 * Fewer pages written per update (issue 17): a newcomer's /start wrote 10 pages to SQLite's log, and every step of
 * a conversation 3, where the fair anchor writes 2 and 1; each page is written again by the next checkpoint.
 *
 * - A chat's conversation and its remembered choices become one row of `chat_state`, since a step writes both: one
 *   page instead of two, and one row for each update to read. The flow's columns are empty outside a conversation,
 *   the choices' when none are remembered; the sweep deletes a row with neither.
 * - `conversations_expiry` is not carried over. Every step moved its conversation's expiry, so every step rewrote
 *   a page of that index too (on PostgreSQL, it kept a step from being a HOT update). Its one reader, the sweep
 *   every ten minutes, reads the table, as the sweep of remembered choices always did.
 * - SQLite: `identities` becomes a WITHOUT ROWID table, stored in the b-tree of its key, so a new account is
 *   written once instead of into a table and into its key's index. Its rows are small, which is what such tables
 *   are for. SQLite cannot change this in place: the table is copied into a new one with the same columns.
 *
 * All in one transaction (PostgreSQL's migrator runs each migration in one; SQLite's does not).
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (db.isTransaction) await change(db);
  else await db.transaction().execute(change);
}

async function change(trx: Kysely<any>): Promise<void> {
  await trx.schema
    .createTable('chat_state')
    .addColumn('person_id', 'text', (c) => c.notNull().references('persons.id').onDelete('cascade'))
    .addColumn('chat_key', 'text', (c) => c.notNull())
    // The conversation: all five set, or none.
    .addColumn('flow', 'text')
    .addColumn('state', 'text')
    .addColumn('nonce', 'text')
    .addColumn('flow_updated_at', 'text')
    .addColumn('expires_at', 'text')
    // The remembered choices: both set, or neither.
    .addColumn('choices', 'text')
    .addColumn('choices_updated_at', 'text')
    .addPrimaryKeyConstraint('chat_state_pk', ['person_id', 'chat_key'])
    .execute();
  await sql`insert into chat_state (person_id, chat_key, flow, state, nonce, flow_updated_at, expires_at, choices, choices_updated_at)
            select k.person_id, k.chat_key, c.flow, c.state, c.nonce, c.updated_at, c.expires_at, p.choices, p.updated_at
            from (select person_id, chat_key from conversations union select person_id, chat_key from pending_choices) k
            left join conversations c on c.person_id = k.person_id and c.chat_key = k.chat_key
            left join pending_choices p on p.person_id = k.person_id and p.chat_key = k.chat_key`.execute(trx);
  await trx.schema.dropTable('conversations').execute();
  await trx.schema.dropTable('pending_choices').execute();
  if (!isSqlite(trx)) return;

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
}
