import { type Kysely, SqliteAdapter } from 'kysely';

/**
 * Migrations are portable between SQLite and PostgreSQL by keeping to a common subset: text ids and ISO-8601 UTC
 * instants as text (they sort correctly), integers 0/1 for booleans, JSON as text. The few real differences
 * (auto-increment keys) go through these helpers.
 */
export function isSqlite(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

/** An auto-increment integer primary key column type: `integer` on SQLite, `bigserial` on PostgreSQL. */
export function serialType(db: Kysely<any>): 'integer' | 'bigserial' {
  return isSqlite(db) ? 'integer' : 'bigserial';
}
