import type { BenchModule, BenchResult } from './run.ts';
import { runInstances } from '../test/scale/budget-fixture.ts';

/**
 * Several instances on one PostgreSQL (BENCH_DATABASE_URL) send one announcement to 400 people through a fake Bot
 * API enforcing Telegram's limits (time 3× fast); one instance is SIGKILLed after 100 messages. Each row counts the
 * fake's 429s, lost and duplicated messages. "alone" is the before: each instance pacing as if it were the only
 * one; "shared" is the budget in the database that every instance reserves its slots from.
 */
export const title = 'instances on one PostgreSQL';

export const run: BenchModule['run'] = async ({ quick }) => {
  const base = process.env.BENCH_DATABASE_URL;
  if (!base?.startsWith('postgres')) {
    process.stderr.write('instances: skipped (set BENCH_DATABASE_URL=postgres://…)\n');
    return [];
  }
  const out: BenchResult[] = [];
  const cases: Array<[number, boolean]> = quick ? [[2, false]] : [[2, true], [2, false], [4, true], [4, false]];
  for (const [count, alone] of cases) {
    const u = new URL(base);
    u.searchParams.set('schema', `bench_instances_${count}_${alone ? 'alone' : 'shared'}_${Date.now()}`);
    const r = await runInstances(u.toString(), { count, recipients: 400, timeScale: 3, killAfter: 100, localBudget: alone });
    out.push({
      name: `${count} instances, one killed, ${alone ? 'each pacing alone' : 'one shared budget'}: 429s for 400 recipients`,
      value: r.rateLimited,
      unit: '× 429',
      details: { lost: r.lost, duplicates: r.duplicates, maxPerFakeSecond: r.maxPerFakeSecond, seconds: Math.round(r.seconds * 10) / 10 },
      ...(alone ? {} : { target: '≤ 5 × 429, 0 lost' }),
    });
  }
  return out;
};
