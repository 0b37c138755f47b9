import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { openSqlite } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { seedNetwork } from '../test/faults/broadcast-fixture.ts';
import { tempDir } from '../test/helpers/harness.ts';
import { NODE_FLAGS } from '../scripts/node-flags.ts';
import { compileForBench } from './compiled.ts';
import type { BenchModule, BenchResult } from './run.ts';

export const title = 'memory';

const ROOT = join(import.meta.dirname, '..');

/** A run already under way with `pending` outbox rows still to send (as after a restart mid-broadcast). */
async function seedPendingRun(file: string, chatIds: number[]): Promise<void> {
  const database = openSqlite(file);
  try {
    const sqlite = database.sqlite!;
    const now = new Date().toISOString();
    const coordinator = sqlite.prepare("select id from persons where role = 'coordinator' limit 1").get() as { id: string };
    const announcement = randomUUID();
    const run = randomUUID();
    sqlite
      .prepare(
        "insert into announcements (id, created_by, kind, text, audience, schedule, status, next_run_at, report_platform, report_chat_id, report_language, created_at, updated_at) values (?, ?, 'general', 'Sanāksme', '{\"target\":{\"type\":\"everyone\"}}', '{\"type\":\"now\"}', 'done', null, 'telegram', '1', 'lv', ?, ?)",
      )
      .run(announcement, coordinator.id, now, now);
    sqlite
      .prepare("insert into announcement_runs (id, announcement_id, scheduled_for, status, total, skipped, started_at) values (?, ?, ?, 'running', ?, 0, ?)")
      .run(run, announcement, now, chatIds.length, now);
    const row = sqlite.prepare("insert into outbox (run_id, person_id, platform, chat_id, language, status, attempts, next_attempt_at, updated_at) values (?, null, 'telegram', ?, 'lv', 'pending', 0, ?, ?)");
    sqlite.transaction(() => {
      for (const id of chatIds) row.run(run, String(id), now, now);
    })();
  } finally {
    await database.close();
  }
}

interface Snapshot {
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  externalMiB: number;
  peakRssMiB: number;
  recipients?: number;
  ms?: number;
}

function measure(child: string, file: string, announce: boolean): { idle: Snapshot; depth: number; announce: Snapshot } {
  const r = spawnSync(process.execPath, [...NODE_FLAGS, '--expose-gc', child], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'error', ...(announce ? { MEMORY_ANNOUNCE: '1' } : {}) },
    encoding: 'utf8',
    timeout: Number(process.env.MEMORY_TIMEOUT_MS ?? 300_000),
  });
  if (r.status !== 0) throw new Error(`memory child failed (${r.status ?? r.signal}): ${r.error?.message ?? ''} ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  // The app compiled as npm start runs it (tsx alone added tens of MiB).
  const child = await compileForBench('bench/memory-child.ts');
  const people = quick ? 10_000 : 100_000;
  const pending = quick ? 1_000 : 10_000;

  // The floor: the same app on an empty (migrated) database.
  const emptyFile = join(tempDir('bench-memory-'), 'bot.sqlite');
  const empty = openSqlite(emptyFile);
  await migrateToLatest(empty.db);
  await empty.close();
  const floor = measure(child, emptyFile, false);

  const file = join(tempDir('bench-memory-'), 'bot.sqlite');
  const network = await seedNetwork(file, people, { announce: false });
  await seedPendingRun(file, network.userIds.slice(0, pending));
  const loaded = measure(child, file, true);
  if (loaded.depth !== pending) throw new Error(`expected ${pending} rows waiting, found ${loaded.depth}`);

  return [
    {
      name: `RSS with ${people.toLocaleString('en')} people and ${pending.toLocaleString('en')} pending deliveries (after GC)`,
      value: loaded.idle.rssMiB,
      unit: 'MiB',
      details: { heapUsedMiB: loaded.idle.heapUsedMiB, heapTotalMiB: loaded.idle.heapTotalMiB, emptyDbRssMiB: floor.idle.rssMiB, emptyDbHeapUsedMiB: floor.idle.heapUsedMiB },
    },
    {
      name: `starting a "now" announcement to all ${people.toLocaleString('en')} (audience page by page, outbox rows in one transaction)`,
      value: loaded.announce.peakRssMiB,
      unit: 'MiB peak RSS',
      details: { ms: loaded.announce.ms ?? 0, recipients: loaded.announce.recipients ?? 0, rssAfterGcMiB: loaded.announce.rssMiB, heapUsedAfterMiB: loaded.announce.heapUsedMiB },
    },
  ];
}

export default { title, run } satisfies BenchModule;
