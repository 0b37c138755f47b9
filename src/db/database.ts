import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { DB } from './schema.ts';
import { runPreparedDirectly, sqliteBatchRunner, sqliteRunner } from './prepared.ts';
import { withStatementCache } from './statement-cache.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  dialect: DialectName;
  /** Where the data lives, for logs and backups (a file path, or the server without its password). */
  location: string;
  /** The PostgreSQL schema holding the bot's tables, when not the default. */
  schema?: string;
  /** The raw SQLite handle, for the online backup and integrity checks; undefined on PostgreSQL. */
  sqlite?: SQLite.Database;
  close(): Promise<void>;
}

export const DEFAULT_SQLITE_FILE = 'data/bot.sqlite';

export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/** `DATABASE_URL` unset means data/bot.sqlite; `sqlite:PATH` another file (`sqlite::memory:` for tests). */
export function parseDatabaseUrl(url: string | undefined): DatabaseTarget | { error: string } {
  if (url === undefined || url.trim() === '') return { kind: 'sqlite', file: DEFAULT_SQLITE_FILE };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    return file ? { kind: 'sqlite', file } : { error: 'sqlite: needs a file path, e.g. sqlite:data/bot.sqlite' };
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  return { error: 'expected sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB' };
}

let addon: string | object | undefined;

/**
 * better-sqlite3's compiled part, found once. The compiled bot carries the package's JavaScript in its bundle, where
 * the `bindings` package it would use looks beside the bundle and tries a dozen paths: the file is where npm built it
 * (`build/Release` in the package's folder), else `bindings` is asked from there.
 */
function sqliteAddon(): string | object {
  if (addon) return addon;
  const packageJson = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
  const built = join(dirname(packageJson), 'build', 'Release', 'better_sqlite3.node');
  addon = existsSync(built) ? built : (createRequire(packageJson)('bindings') as (name: string) => object)('better_sqlite3.node');
  return addon;
}

export function openSqlite(file: string): Database {
  const inMemory = file === ':memory:';
  if (!inMemory) mkdirSync(dirname(resolve(file)), { recursive: true });
  // The addon object is taken as well as a path (better-sqlite3 #972); its type declarations say only a path.
  const sqlite = new SQLite(file, { nativeBinding: sqliteAddon() as string });
  // WAL lets readers (a backup, a second reader) work while the bot writes; the busy timeout turns a brief lock
  // by another writer into a short wait instead of an error.
  if (!inMemory) sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  // Deleted content is overwritten with zeros, so an erased person leaves no fragments in free pages.
  sqlite.pragma('secure_delete = ON');
  const handle = withStatementCache(sqlite);
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: handle }) });
  runPreparedDirectly(db, sqliteRunner(handle), sqliteBatchRunner(handle));
  return {
    db,
    dialect: 'sqlite',
    location: inMemory ? ':memory:' : resolve(file),
    sqlite,
    close: async () => {
      await db.destroy();
    },
  };
}

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'sqlite') return openSqlite(target.file);
  const { openPostgres } = await import('./postgres.ts');
  return await openPostgres(target.url);
}
