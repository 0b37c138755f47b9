import pg from 'pg';

/**
 * On a PostgreSQL run (TEST_DATABASE_URL), one database per vitest worker: each test app gets a schema in its
 * worker's database and drops it when it stops. Kept apart per worker because Kysely's migrator looks at every
 * schema of its database, and a schema dropped by a parallel test in the same database would break that look.
 */
export const WORKER_DATABASES = 8;

export function workerDatabaseUrl(base: string, worker: string | number): string {
  const u = new URL(base);
  u.pathname = `${u.pathname}_w${worker}`;
  return u.toString();
}

export default async function setup(): Promise<(() => Promise<void>) | void> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base?.startsWith('postgres')) return;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const names = Array.from({ length: WORKER_DATABASES }, (_, i) => new URL(workerDatabaseUrl(base, i + 1)).pathname.slice(1));
  try {
    for (const name of names) {
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.query(`create database "${name}"`);
    }
  } finally {
    await admin.end();
  }
  return async () => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    for (const name of names) await c.query(`drop database if exists "${name}" with (force)`).catch(() => undefined);
    await c.end();
  };
}
