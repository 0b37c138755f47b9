import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import { type Database, openSqlite } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { openPostgres } from '../src/db/postgres.ts';
import type { DB } from '../src/db/schema.ts';
import { OutboxStore } from '../src/features/announcements/outbox.ts';
import { tempDir } from '../test/helpers/harness.ts';
import type { BenchModule, BenchResult } from './run.ts';

export const title = 'outbox claims';

const AT = '2026-12-01T10:00:00.000Z';
const NOW = new Date('2026-12-01T10:05:00.000Z');

/** A running broadcast with `n` rows pending, due now (as right after a run to everyone starts). */
async function seed(database: Database, n: number): Promise<void> {
  const db = database.db;
  await db
    .insertInto('announcements')
    .values({ id: 'a1', created_by: null, kind: 'general', text: 'x', file_name: null, file_mime: null, file_data: null, audience: '{}', schedule: '{}', status: 'done', next_run_at: null, report_platform: 'telegram', report_chat_id: '1', report_language: 'lv', created_at: AT, updated_at: AT })
    .execute();
  await db.insertInto('announcement_runs').values({ id: 'r1', announcement_id: 'a1', scheduled_for: AT, status: 'running', started_at: AT, finished_at: null, progress_message_id: null }).execute();
  if (database.sqlite) {
    const insert = database.sqlite.prepare("insert into outbox (run_id, person_id, platform, chat_id, language, status, attempts, next_attempt_at, updated_at) values ('r1', null, 'telegram', ?, 'lv', 'pending', 0, ?, ?)");
    database.sqlite.transaction(() => {
      for (let i = 0; i < n; i++) insert.run(String(i), AT, AT);
    })();
  } else {
    await sql`insert into outbox (run_id, person_id, platform, chat_id, language, status, attempts, next_attempt_at, updated_at)
      select 'r1', null, 'telegram', g::text, 'lv', 'pending', 0, ${AT}, ${AT} from generate_series(1, ${n}) g`.execute(db);
  }
  // PostgreSQL's autovacuum gathers statistics after a bulk insert like this; the bot never runs ANALYZE on SQLite.
  if (!database.sqlite) await sql`analyze`.execute(db);
}

/** The claim as it was before issue 17 (one OR, ordered by id), for the figures side by side. */
function claimBefore(db: Kysely<DB>, postgres: boolean, limit: number, now: Date, leaseMs: number) {
  const at = now.toISOString();
  const leaseExpired = new Date(now.getTime() - leaseMs).toISOString();
  const due = db
    .selectFrom('outbox')
    .select('id')
    .where((eb) => eb.or([eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', at)]), eb.and([eb('status', '=', 'sending'), eb('claimed_at', '<=', leaseExpired)])]))
    .orderBy('id')
    .limit(limit)
    .$if(postgres, (q) => q.forUpdate().skipLocked());
  return db
    .updateTable('outbox')
    .set((eb) => ({ status: 'sending', claim_token: randomUUID(), claimed_at: at, attempts: eb('attempts', '+', 1), updated_at: at }))
    .where('id', 'in', due)
    .returningAll()
    .execute();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Median time of `times` claims of 8 rows (a worker's batch), each on a queue that only shrinks by the claims. */
async function timeClaims(claim: () => Promise<unknown>, times: number): Promise<number> {
  for (let i = 0; i < 3; i++) await claim(); // warm-up: statement cache, page cache
  const ms: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await claim();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

async function openFresh(kind: 'SQLite' | 'PostgreSQL', url: string | undefined): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (kind === 'SQLite') {
    const database = openSqlite(join(tempDir('bench-claims-'), 'bot.sqlite'));
    return { database, drop: () => database.close() };
  }
  const schema = `bench_claims_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const u = new URL(url!);
  u.searchParams.set('schema', schema);
  const database = await openPostgres(u.toString());
  return {
    database,
    drop: async () => {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
      await database.close();
    },
  };
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
  const url = process.env.BENCH_DATABASE_URL;
  const kinds: Array<'SQLite' | 'PostgreSQL'> = url?.startsWith('postgres') ? ['SQLite', 'PostgreSQL'] : ['SQLite'];
  const results: BenchResult[] = [];
  for (const kind of kinds) {
    const after = new Map<number, number>();
    const before = new Map<number, number>();
    for (const n of sizes) {
      const { database, drop } = await openFresh(kind, url);
      try {
        await migrateToLatest(database.db, database.schema);
        await seed(database, n);
        const store = new OutboxStore(database.db, database.dialect);
        // Before: without the (status, id) index, with the old query.
        await database.db.schema.dropIndex('outbox_claim').execute();
        before.set(n, await timeClaims(() => claimBefore(database.db, kind === 'PostgreSQL', 8, NOW, 60_000), quick ? 10 : 30));
        await database.db.updateTable('outbox').set({ status: 'pending', claim_token: null, claimed_at: null }).where('status', '=', 'sending').execute();
        await database.db.schema.createIndex('outbox_claim').on('outbox').columns(['status', 'id']).execute();
        // The old query's claims, put back, left dead rows and index entries the new one would walk past; a
        // server's autovacuum clears them before long, and might do it in the middle of the timing.
        if (!database.sqlite) await sql`vacuum analyze outbox`.execute(database.db);
        after.set(n, await timeClaims(() => store.claim(8, NOW, 60_000), quick ? 30 : 100));
      } finally {
        await drop();
      }
    }
    const small = sizes[0]!;
    const large = sizes.at(-1)!;
    for (const n of sizes) {
      results.push({
        name: `${kind}: claim 8 rows with ${n.toLocaleString('en')} pending`,
        value: after.get(n)!,
        unit: 'ms',
        details: { beforeIssue17Ms: before.get(n)!, loadAvg1m: loadavg()[0]! },
      });
    }
    results.push({
      name: `${kind}: claim time at ${large.toLocaleString('en')} pending ÷ at ${small.toLocaleString('en')}`,
      value: after.get(large)! / after.get(small)!,
      unit: '×',
      details: { beforeIssue17: before.get(large)! / before.get(small)! },
      target: '≤ 2',
    });
  }
  return results;
}

export default { title, run } satisfies BenchModule;
