import { readdirSync } from 'node:fs';
import { type Kysely, Migrator, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { MIGRATIONS_DIR, migrateToLatest, TsMigrationProvider } from '../../src/db/migrator.ts';
import { openTestDatabase } from '../helpers/harness.ts';

const NAMES = readdirSync(MIGRATIONS_DIR)
  .filter((f) => /^\d{4}_.+\.ts$/.test(f))
  .map((f) => f.slice(0, -3))
  .sort();

let database: Database | undefined;
afterEach(async () => database?.close());

async function open(): Promise<Database> {
  database = await openTestDatabase(undefined);
  return database;
}

/** The same database, noting the kind of every statement sent through it (SelectQueryNode, CreateTableNode, …). */
function watched(d: Database): { db: Database['db']; kinds: string[] } {
  const kinds: string[] = [];
  const db = d.db.withPlugin({
    transformQuery: (args) => (kinds.push(args.node.kind), args.node),
    transformResult: async (args) => args.result,
  });
  return { db, kinds };
}

const migratorOf = (d: Database) => new Migrator({ db: d.db, provider: new TsMigrationProvider(), ...(d.schema ? { migrationTableSchema: d.schema } : {}) });

describe('migrations at start', () => {
  it('runs every migration on a new database, and on a migrated one only reads which ran', async () => {
    const db = await open();
    const first = await migrateToLatest(db.db, db.schema);
    expect(first.results?.map((r) => r.migrationName)).toEqual(NAMES);
    expect(first.results?.every((r) => r.status === 'Success')).toBe(true);

    // Kysely's migrator would create its tables if missing and take its lock even with nothing to do: a restart
    // reads one table and writes nothing.
    const restart = watched(db);
    const again = await migrateToLatest(restart.db, db.schema);
    expect(again.results).toEqual([]);
    expect(restart.kinds).toEqual(['SelectQueryNode']);
  });

  it('applies the migrations a database is missing, after an update brings new ones', async () => {
    const db = await open();
    const before = NAMES[NAMES.length - 3]!;
    const partial = await migratorOf(db).migrateTo(before);
    expect(partial.error).toBeUndefined();
    const r = await migrateToLatest(db.db, db.schema);
    expect(r.results?.map((x) => x.migrationName)).toEqual(NAMES.slice(-2));
    expect((await migratorOf(db).getMigrations()).every((m) => m.executedAt)).toBe(true);
  });

  it('refuses a database migrated by a newer version of the bot, as before', async () => {
    const db = await open();
    await migrateToLatest(db.db, db.schema);
    const from = (db.schema ? db.db.withSchema(db.schema) : db.db) as unknown as Kysely<any>;
    await from.insertInto('kysely_migration').values({ name: '9999_from_the_future', timestamp: new Date().toISOString() }).execute();
    await expect(migrateToLatest(db.db, db.schema)).rejects.toThrow(/9999_from_the_future/);
  });

  it('keeps every conversation, remembered choice and account through 0015, which stores them in fewer pages', async () => {
    const db = await open();
    expect((await migratorOf(db).migrateTo('0014_translations')).error).toBeUndefined();
    const on = (db.schema ? db.db.withSchema(db.schema) : db.db) as unknown as Kysely<any>;
    const now = '2026-12-01T10:00:00.000Z';
    const expires = '2026-12-02T10:00:00.000Z';
    for (const id of ['p1', 'p2']) {
      await on.insertInto('persons').values({ id, role: 'guest', created_at: now, updated_at: now, directory_optin: 0 }).execute();
      await on.insertInto('identities').values({ key: `telegram:${id}`, person_id: id, platform: 'telegram', username: null, display_name: `Ilze ${id}`, language_hint: 'lv', created_at: now, last_seen_at: now }).execute();
    }
    // p1: a conversation with its buttons in one chat, only buttons in another; p2: a conversation without buttons.
    const conversation = (person_id: string, chat_key: string) => ({ person_id, chat_key, flow: 'eligibility', state: '{"s":{"age":"7-15"}}', nonce: 'n1', updated_at: now, expires_at: expires });
    await on.insertInto('conversations').values([conversation('p1', 'telegram:p1'), conversation('p2', 'telegram:p2')]).execute();
    const choices = (person_id: string, chat_key: string) => ({ person_id, chat_key, choices: `[{"key":"1","label":"${chat_key}","action":"x"}]`, updated_at: now });
    await on.insertInto('pending_choices').values([choices('p1', 'telegram:p1'), choices('p1', 'discord:p1')]).execute();
    const identities = await on.selectFrom('identities').selectAll().orderBy('key').execute();

    await migrateToLatest(db.db, db.schema);
    const state = () => on.selectFrom('chat_state').selectAll().orderBy('person_id').orderBy('chat_key').execute();
    const flow = { flow: 'eligibility', state: '{"s":{"age":"7-15"}}', nonce: 'n1', flow_updated_at: now, expires_at: expires };
    const noFlow = { flow: null, state: null, nonce: null, flow_updated_at: null, expires_at: null };
    const remembered = (chat: string) => ({ choices: `[{"key":"1","label":"${chat}","action":"x"}]`, choices_updated_at: now });
    expect(await state()).toEqual([
      { person_id: 'p1', chat_key: 'discord:p1', ...noFlow, ...remembered('discord:p1') },
      { person_id: 'p1', chat_key: 'telegram:p1', ...flow, ...remembered('telegram:p1') },
      { person_id: 'p2', chat_key: 'telegram:p2', ...flow, choices: null, choices_updated_at: null },
    ]);
    expect(await on.selectFrom('identities').selectAll().orderBy('key').execute()).toEqual(identities);
    if (db.dialect === 'sqlite') {
      const tables = await sql<{ name: string; sql: string }>`select name, sql from sqlite_master where type = 'table' and name in ('identities', 'conversations', 'pending_choices')`.execute(db.db);
      expect(tables.rows.map((t) => [t.name, /without rowid/i.test(t.sql)])).toEqual([['identities', true]]);
      const indexes = await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'identities' and sql is not null`.execute(db.db);
      expect(indexes.rows.map((i) => i.name)).toEqual(['identities_person']);
    } else {
      const tables = await sql<{ tablename: string }>`select tablename from pg_tables where schemaname = ${db.schema} and tablename in ('conversations', 'pending_choices')`.execute(db.db);
      expect(tables.rows).toEqual([]);
    }
    // The accounts are still found by their person, and both go with the person.
    expect(await on.selectFrom('identities').select('key').where('person_id', '=', 'p2').execute()).toEqual([{ key: 'telegram:p2' }]);
    await on.deleteFrom('persons').where('id', '=', 'p1').execute();
    expect((await on.selectFrom('identities').select('person_id').execute()).map((r) => r.person_id)).toEqual(['p2']);
    expect((await state()).map((r) => r.person_id)).toEqual(['p2']);
  });
});
