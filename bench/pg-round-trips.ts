/**
 * How long one PostgreSQL round trip takes depending on how much CPU work the client does between round trips:
 *   node --import tsx bench/pg-round-trips.ts postgres://bot@127.0.0.1:54331/bot_test
 * On this project's 2-core virtual machine a round trip that follows a longer stretch of work takes longer (the
 * server's process has slept longer), so a bot doing more work per update also waits longer per statement
 * (docs/performance.md, eighth round). A tool for explaining figures; `npm run bench` is what measures.
 */
import pg from 'pg';

const url = process.argv[2] ?? process.env.PROFILE_DATABASE_URL;
if (!url) throw new Error('usage: bench/pg-round-trips.ts postgres://…');
const pool = new pg.Pool({ connectionString: url, max: 1 });
const table = `round_trips_${process.pid}`;
await pool.query(`create table ${table} (k text primary key, v text)`);
await pool.query(`insert into ${table} values ('a', 'x')`);
const work = (us: number) => {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
};
try {
  for (const gapUs of [0, 50, 100, 200, 300, 500, 1000]) {
    const n = 2000;
    let waited = 0;
    for (let i = 0; i < n + 200; i++) {
      work(gapUs);
      const start = performance.now();
      await pool.query({ name: 'round_trip', text: `select v from ${table} where k = $1`, values: ['a'] });
      if (i >= 200) waited += performance.now() - start;
    }
    process.stdout.write(`${String(gapUs).padStart(5)} µs of work between round trips: ${((1000 * waited) / n).toFixed(0)} µs a round trip\n`);
  }
} finally {
  await pool.query(`drop table ${table}`);
  await pool.end();
}
