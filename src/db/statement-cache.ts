import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Enough for every distinct query the bot runs in a day; `in (?, ?, …)` lists of other lengths come and go. */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * The better-sqlite3 handle as Kysely's SQLite dialect sees it, with `prepare` reusing statements by SQL text.
 * Kysely prepares every query afresh, and compiling SQL cost more than running it (issue 17's profile: 13% of
 * each update preparing, 7% executing). The cache is least-recently-used and bounded. A statement still being
 * iterated cannot run twice at once: Kysely's one SQLite connection never asks for that, but should it, the same
 * SQL gets a statement of its own. SQLite re-prepares a cached statement itself after a schema change.
 */
export function withStatementCache(sqlite: SQLite.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase & { readonly inTransaction: boolean; prepare(sql: string): SQLite.Statement } {
  const cache = new Map<string, SQLite.Statement>();
  return {
    get inTransaction() {
      return sqlite.inTransaction;
    },
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare(sql: string): SQLite.Statement {
      const cached = cache.get(sql);
      if (cached) {
        if (cached.busy) return sqlite.prepare(sql);
        // Most recently used last, so the first key is the one to evict.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const stmt = sqlite.prepare(sql);
      cache.set(sql, stmt);
      if (cache.size > size) cache.delete(cache.keys().next().value!);
      return stmt;
    },
  };
}
