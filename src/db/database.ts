import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { DB } from './schema.ts';
import { runPreparedDirectly, sqliteRunner } from './prepared.ts';
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

export function openSqlite(file: string): Database {
  const inMemory = file === ':memory:';
  if (!inMemory) mkdirSync(dirname(resolve(file)), { recursive: true });
  const sqlite = new SQLite(file);
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
  runPreparedDirectly(db, sqliteRunner(handle));
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
