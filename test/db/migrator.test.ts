import { readdirSync } from 'node:fs';
import { type Kysely, Migrator } from 'kysely';
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
});
