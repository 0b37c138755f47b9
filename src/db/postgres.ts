import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './database.ts';
import { postgresRunner, runPreparedDirectly } from './prepared.ts';
import type { DB } from './schema.ts';

// The one place PostgreSQL's differences from SQLite are handled: bigint (int8: counts, serial ids) and numeric come
// back as strings to avoid precision loss; this bot's counts and ids stay far below 2^53, so they are numbers here,
// as SQLite gives them. Booleans and instants are not a difference: migrations store them as 0/1 integers and
// ISO-8601 text on both.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));
pg.types.setTypeParser(1700, (v) => Number.parseFloat(v));

/**
 * `postgres://user:password@host:5432/db`, optionally `?schema=NAME` to keep the bot's tables in their own schema
 * (created if missing): several bots, or the test suite's many apps, can share one database.
 */
export async function openPostgres(url: string): Promise<Database> {
  const u = new URL(url);
  const schema = u.searchParams.get('schema') ?? undefined;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`DATABASE_URL: schema must be a lowercase identifier, got ${schema}`);
  u.searchParams.delete('schema');
  const pool = new pg.Pool({
    connectionString: u.toString(),
    max: Number(process.env.PG_POOL_MAX ?? 10),
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection broken by a server restart or a network cut is reported here; unhandled, it would end the
  // process. The pool replaces it on the next query, so a restart of PostgreSQL costs a few failed queries, no more.
  const lost = (err: Error) => process.emitWarning(`PostgreSQL connection lost: ${err.message}`, { code: 'BOT_PG_CONNECTION_LOST' });
  pool.on('error', lost);
  // A connection in use when the server goes away reports on the client itself; the query in flight fails (and is
  // retried by whoever made it), the process stays up.
  pool.on('connect', (client) => client.on('error', lost));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  runPreparedDirectly(db, postgresRunner(pool));
  if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  return {
    db,
    dialect: 'postgres',
    ...(schema ? { schema } : {}),
    location: `postgres://${u.host}${u.pathname}${schema ? ` (schema ${schema})` : ''}`,
    close: async () => {
      await db.destroy();
    },
  };
}
