import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.ts';
import type { DB } from './schema.ts';

// PostgreSQL returns bigint (int8) and numeric as strings to avoid precision loss; this bot's counts and ids
// stay far below 2^53, so they are parsed to numbers here, once, instead of at every query.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));
pg.types.setTypeParser(1700, (v) => Number.parseFloat(v));

export function openPostgres(url: string): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const location = (() => {
    try {
      const u = new URL(url);
      return `postgres://${u.host}${u.pathname}`;
    } catch {
      return 'postgres';
    }
  })();
  return {
    db,
    dialect: 'postgres',
    location,
    close: async () => {
      await db.destroy();
    },
  };
}
