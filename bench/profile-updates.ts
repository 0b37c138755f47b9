/**
 * Feeds our bot (or, with `anchor` as argument, the fair anchor) the telegram bench's script for a profiler:
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-updates.ts [users] [ours|anchor]
 * or compares the CPU time of both on the same updates, interleaved: `… bench/profile-updates.ts 400 ratio`;
 * `… 400 tail` says what the slowest 1% of each were doing; `… 400 steps` gives each step's CPU time.
 * A tool for profiling; `npm run bench` is what measures. The database is PROFILE_DATABASE_URL or a fresh SQLite file.
 */
import { join } from 'node:path';
import type { Update } from 'grammy/types';
import { tempDir } from '../test/helpers/harness.ts';
import { createAnchor } from './anchor.ts';
import { BOT_INFO, LocalApi, nextUpdate, SCRIPT, startOurBot } from './telegram.bench.ts';

const users = Number(process.argv[2] ?? 400);
const dir = tempDir('bench-profile-');
const url = process.env.PROFILE_DATABASE_URL ?? `sqlite:${join(dir, 'bot.sqlite')}`;
// PROFILE_SOURCE=1: the TypeScript through tsx instead of the compiled bot.
const { app, api, adapter } = await startOurBot(url, process.env.PROFILE_SOURCE === '1');
await new Promise((r) => setTimeout(r, 300)); // let start-up work (a first sweep) finish before the anchor shares the file
const anchor = await createAnchor({
  token: '7000000001:bench',
  botInfo: BOT_INFO,
  transformer: new LocalApi().transformer(false),
  database: url.startsWith('sqlite:') ? { sqliteFile: url.slice('sqlite:'.length) } : { postgresUrl: url.replace(/\?.*$/, '') },
});
const mode = process.argv[3] ?? 'ours';
let nextUser = 20_000_000;
/** One block: `n` users' scripts through our bot (recorded), then the same updates through the anchor. */
async function block(n: number): Promise<{ ours: number; anchor: number }> {
  const recorded: Update[] = [];
  const c0 = process.cpuUsage();
  for (let u = 0; u < n; u++) {
    const userId = nextUser++;
    for (const step of SCRIPT) {
      const update = nextUpdate(api, userId, step);
      recorded.push(update);
      await adapter.bot.handleUpdate(update);
    }
  }
  const c1 = process.cpuUsage();
  for (const update of recorded) await anchor.bot.handleUpdate(update);
  const c2 = process.cpuUsage();
  const ms = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => (b.user - a.user + b.system - a.system) / 1000;
  return { ours: ms(c0, c1), anchor: ms(c1, c2) };
}
if (mode === 'ratio') {
  // CPU time of both, interleaved in blocks: steadier than wall time on a busy machine (a guide, not the bench).
  await block(20);
  const ratios: number[] = [];
  let ours = 0;
  let fair = 0;
  for (let i = 0; i < Math.max(1, Math.floor(users / 20)); i++) {
    const r = await block(20);
    ratios.push(r.anchor / r.ours);
    ours += r.ours;
    fair += r.anchor;
  }
  ratios.sort((a, b) => a - b);
  const perUpdate = (ms: number) => ((1000 * ms) / (ratios.length * 20 * SCRIPT.length)).toFixed(0);
  process.stderr.write(`CPU per update: ours ${perUpdate(ours)} µs, anchor ${perUpdate(fair)} µs; anchor ÷ ours median ${ratios[ratios.length >> 1]!.toFixed(3)} (min ${ratios[0]!.toFixed(3)}, max ${ratios.at(-1)!.toFixed(3)})\n`);
} else if (mode === 'steps') {
  // CPU time per step of the script (each step's share of an update's cost), after a warm-up.
  const per = SCRIPT.map(() => 0);
  for (let round = 0; round < 2; round++) {
    per.fill(0);
    for (let u = 0; u < users; u++) {
      const userId = nextUser++;
      for (const [i, step] of SCRIPT.entries()) {
        const update = nextUpdate(api, userId, step);
        const c = process.cpuUsage();
        await adapter.bot.handleUpdate(update);
        const d = process.cpuUsage(c);
        per[i]! += (d.user + d.system) / 1000;
      }
    }
  }
  for (const [i, step] of SCRIPT.entries()) process.stderr.write(`${((1000 * per[i]!) / users).toFixed(0).padStart(6)} µs  ${JSON.stringify(step)}\n`);
} else if (mode === 'profile') {
  // A CPU profile of the updates alone (start-up and warm-up left out), written to PROFILE_OUT.
  const { Session } = await import('node:inspector/promises');
  for (let u = 0; u < 50; u++) {
    const userId = nextUser++;
    for (const step of SCRIPT) await adapter.bot.handleUpdate(nextUpdate(api, userId, step));
  }
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  for (let u = 0; u < users; u++) {
    const userId = nextUser++;
    for (const step of SCRIPT) await adapter.bot.handleUpdate(nextUpdate(api, userId, step));
  }
  const { profile } = await session.post('Profiler.stop');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(process.env.PROFILE_OUT ?? 'updates.cpuprofile', JSON.stringify(profile));
} else if (mode === 'tail') {
  // What the slowest 1% of updates were doing, ours and the anchor's, interleaved as the bench runs them: a
  // collection by V8 during the update; a wait with a millisecond or more on the CPU (a checkpoint: pages copied,
  // then the disk); a wait with less (the process was not running: the machine ran something else); or work.
  // LIST=1 lists the waits as step:wall/CPU in ms.
  const { PerformanceObserver } = await import('node:perf_hooks');
  const collections: Array<[number, number]> = [];
  const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => collections.push([e.startTime, e.startTime + e.duration])));
  observer.observe({ entryTypes: ['gc'] });
  type Timed = { start: number; ms: number; cpuMs: number; step?: number };
  const timed = async (bot: { handleUpdate(u: Update): Promise<void> }, update: Update, into: Timed[], count: boolean, step?: number) => {
    const start = performance.now();
    const c = process.cpuUsage();
    await bot.handleUpdate(update);
    const cpu = process.cpuUsage(c);
    if (count) into.push({ start, ms: performance.now() - start, cpuMs: (cpu.user + cpu.system) / 1000, step });
  };
  const ours: Timed[] = [];
  const fair: Timed[] = [];
  for (let round = 0; round <= Math.ceil(users / 40); round++) {
    const recorded: Update[] = [];
    for (let u = 0; u < 40; u++) {
      const userId = nextUser++;
      for (const [si, step] of SCRIPT.entries()) {
        const update = nextUpdate(api, userId, step);
        recorded.push(update);
        await timed(adapter.bot, update, ours, round > 0, si + 1);
      }
    }
    for (const update of recorded) await timed(anchor.bot, update, fair, round > 0);
  }
  await new Promise((r) => setTimeout(r, 50)); // the observer reports on the next turn
  observer.disconnect();
  const describe = (name: string, all: Timed[]) => {
    const sorted = [...all].sort((a, b) => a.ms - b.ms);
    const slowest = sorted.slice(-Math.ceil(all.length / 100));
    const inGc = slowest.filter((t) => collections.some(([a, b]) => a < t.start + t.ms && b > t.start));
    const waiting = slowest.filter((t) => !inGc.includes(t) && t.cpuMs < t.ms / 2);
    const checkpoints = waiting.filter((t) => t.cpuMs >= 1);
    if (process.env.LIST === '1') process.stderr.write(`${waiting.map((t) => `${t.step ?? ''}:${t.ms.toFixed(2)}/${t.cpuMs.toFixed(2)}`).join(' ')}\n`);
    const at = (q: number) => (1000 * sorted[Math.floor(q * sorted.length)]!.ms).toFixed(0);
    process.stderr.write(
      `${name}: p50 ${at(0.5)} µs, p99 ${at(0.99)} µs; slowest ${slowest.length}: ${inGc.length} during a collection, ` +
        `${checkpoints.length} waiting on a checkpoint, ${waiting.length - checkpoints.length} off the CPU, ${slowest.length - inGc.length - waiting.length} working\n`,
    );
  };
  describe('ours  ', ours);
  describe('anchor', fair);
} else {
  const target = mode === 'anchor' ? anchor.bot : adapter.bot;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let u = 0; u < users; u++) {
    const userId = nextUser++;
    for (const step of SCRIPT) await target.handleUpdate(nextUpdate(api, userId, step));
  }
  const cpu = process.cpuUsage(c0);
  process.stderr.write(`${users * SCRIPT.length} updates in ${Math.round(performance.now() - t0)} ms, CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms\n`);
}
await app.stop();
await anchor.close();
