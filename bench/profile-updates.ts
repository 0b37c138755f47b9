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
/** `n` new people's scripts through `bot`, each update kept in `into` when given (for the anchor to replay). */
async function runScripts(bot: { handleUpdate(u: Update): Promise<void> }, n: number, into?: Update[]): Promise<void> {
  for (let u = 0; u < n; u++) {
    const userId = nextUser++;
    for (const step of SCRIPT) {
      const update = nextUpdate(api, userId, step);
      into?.push(update);
      await bot.handleUpdate(update);
    }
  }
}
/**
 * Warms up the bot a profile is of and returns what runs `users` people's scripts through it: our bot's own, or with
 * PROFILE_TARGET=anchor the anchor replaying updates our bot was given (recorded first, outside the profile).
 */
async function profiled(): Promise<() => Promise<void>> {
  const warmUp: Update[] = [];
  await runScripts(adapter.bot, 50, warmUp);
  if (process.env.PROFILE_TARGET !== 'anchor') return () => runScripts(adapter.bot, users);
  for (const update of warmUp) await anchor.bot.handleUpdate(update);
  const recorded: Update[] = [];
  await runScripts(adapter.bot, users, recorded);
  return async () => {
    for (const update of recorded) await anchor.bot.handleUpdate(update);
  };
}
/** One block: `n` users' scripts through our bot (recorded), then the same updates through the anchor. */
async function block(n: number): Promise<{ ours: number; anchor: number }> {
  const recorded: Update[] = [];
  const c0 = process.cpuUsage();
  await runScripts(adapter.bot, n, recorded);
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
  // A CPU profile of the updates alone (start-up and warm-up left out), written to PROFILE_OUT; the anchor's with
  // PROFILE_TARGET=anchor (on the updates our bot was given, recorded first).
  const { Session } = await import('node:inspector/promises');
  const run = await profiled();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  await run();
  const { profile } = await session.post('Profiler.stop');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(process.env.PROFILE_OUT ?? 'updates.cpuprofile', JSON.stringify(profile));
} else if (mode === 'promoted' || mode === 'allocated') {
  // Where the memory that outlives young-generation collections is allocated (it is what makes them slow): V8's
  // sampling heap profiler, counting objects a major collection freed and leaving out those a minor one freed.
  // `allocated` counts those too: all that was allocated (how often young collections come).
  // Written to PROFILE_OUT (a .heapprofile for Chrome's DevTools) and summed by function on stderr.
  const { Session } = await import('node:inspector/promises');
  const run = await profiled();
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  // The two include… flags are newer than @types/node's inspector types.
  const sampling = { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: mode === 'allocated' };
  await session.post('HeapProfiler.startSampling', sampling as { samplingInterval: number });
  await run();
  // A young-generation collection first, so the garbage it would free is not counted as having outlived it.
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as (options: { type: 'minor' | 'major' }) => void)({ type: 'minor' });
  const { profile } = await session.post('HeapProfiler.stopSampling');
  type HeapNode = (typeof profile)['head'];
  const { writeFileSync } = await import('node:fs');
  writeFileSync(process.env.PROFILE_OUT ?? 'promoted.heapprofile', JSON.stringify(profile));
  const bySite = new Map<string, number>();
  const walk = (n: HeapNode, caller: string) => {
    const here = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*node_modules\//, '')}:${n.callFrame.lineNumber + 1}`;
    const site = `${here}  ← ${caller}`;
    if (n.selfSize) bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
    for (const c of n.children) walk(c, here.split(' ')[0]!);
  };
  walk(profile.head, '');
  const total = [...bySite.values()].reduce((a, b) => a + b, 0);
  const what = mode === 'allocated' ? 'allocated' : 'outlived the young generation';
  process.stderr.write(`${(total / 2 ** 20).toFixed(1)} MiB ${what} over ${users * SCRIPT.length} updates\n`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 25)) process.stderr.write(`${(bytes / 1024).toFixed(0).padStart(8)} KiB  ${site}\n`);
} else if (mode === 'tail') {
  // What the slowest 1% of updates were doing, ours and the anchor's, interleaved as the bench runs them: a
  // collection by V8 during the update; a wait with a millisecond or more on the CPU (a checkpoint: pages copied,
  // then the disk); a wait with less (the process was not running: the machine ran something else); or work.
  // LIST=1 lists the waits as step:wall/CPU/run-queue wait in ms, LIST=2 the rest, LIST=3 those of ours over the
  // goal's limit. On SQLite it also counts the checkpoints each bot ran (the wal-index header's backfill count
  // changed during its update) and the log's restarts after them (the first write after a complete checkpoint syncs
  // the log's new header); on Linux, the time each bot's updates spent runnable but not running
  // (/proc/thread-self/schedstat).
  const { PerformanceObserver } = await import('node:perf_hooks');
  const { openSync, readSync, readFileSync } = await import('node:fs');
  const shmFile = url.startsWith('sqlite:') ? `${url.slice('sqlite:'.length)}-shm` : undefined;
  let shm: number | undefined;
  const header = Buffer.alloc(4);
  /** nBackfill of the wal-index (bytes 96–99 of the -shm file): frames already copied into the database. */
  const backfilled = (): number | undefined => {
    if (!shmFile) return undefined;
    shm ??= openSync(shmFile, 'r');
    readSync(shm, header, 0, 4, 96);
    return header.readUInt32LE(0);
  };
  const runQueueMs = (): number => {
    try {
      return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6;
    } catch {
      return 0;
    }
  };
  const collections: Array<[number, number]> = [];
  const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => collections.push([e.startTime, e.startTime + e.duration])));
  observer.observe({ entryTypes: ['gc'] });
  type Timed = { start: number; ms: number; cpuMs: number; step?: number; queuedMs: number; checkpoint?: 'ran' | 'restarted' };
  const timed = async (bot: { handleUpdate(u: Update): Promise<void> }, update: Update, into: Timed[], count: boolean, step?: number) => {
    const b0 = backfilled();
    const q0 = runQueueMs();
    const start = performance.now();
    const c = process.cpuUsage();
    await bot.handleUpdate(update);
    const cpu = process.cpuUsage(c);
    const ms = performance.now() - start;
    const b1 = backfilled();
    const checkpoint = b0 === b1 ? undefined : b1 === 0 ? 'restarted' : 'ran';
    if (count) into.push({ start, ms, cpuMs: (cpu.user + cpu.system) / 1000, step, queuedMs: runQueueMs() - q0, ...(checkpoint ? { checkpoint } : {}) });
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
  const overlapsCollection = (t: Timed) => collections.some(([a, b]) => a < t.start + t.ms && b > t.start);
  const offCpu = (t: Timed) => t.cpuMs < t.ms / 2;
  const list = (ts: Timed[]) => ts.map((t) => `${t.step ?? ''}:${t.ms.toFixed(2)}/${t.cpuMs.toFixed(2)}/q${t.queuedMs.toFixed(1)}`).join(' ');
  /** Prints what the slowest 1% of `all` were doing; returns the p99 in ms. */
  const describe = (name: string, all: Timed[]): number => {
    const sorted = [...all].sort((a, b) => a.ms - b.ms);
    const slowest = sorted.slice(-Math.ceil(all.length / 100));
    const inGc = slowest.filter(overlapsCollection);
    const waiting = slowest.filter((t) => !inGc.includes(t) && offCpu(t));
    const checkpoints = waiting.filter((t) => t.cpuMs >= 1);
    if (process.env.LIST === '1') process.stderr.write(`${list(waiting)}\n`);
    if (process.env.LIST === '2') process.stderr.write(`working ${list(slowest.filter((t) => !inGc.includes(t) && !waiting.includes(t)))}\ncollections ${list(inGc)}\n`);
    const at = (q: number) => sorted[Math.floor(q * sorted.length)]!.ms;
    process.stderr.write(
      `${name}: p50 ${(1000 * at(0.5)).toFixed(0)} µs, p99 ${(1000 * at(0.99)).toFixed(0)} µs; slowest ${slowest.length}: ${inGc.length} during a collection, ` +
        `${checkpoints.length} waiting on a checkpoint, ${waiting.length - checkpoints.length} off the CPU, ${slowest.length - inGc.length - waiting.length} working\n`,
    );
    const ran = all.filter((t) => t.checkpoint === 'ran');
    const restarted = all.filter((t) => t.checkpoint === 'restarted');
    const median = (ts: Timed[]) => (ts.length ? [...ts].sort((a, b) => a.ms - b.ms)[ts.length >> 1]!.ms.toFixed(1) : '-');
    process.stderr.write(
      `        checkpoints run ${ran.length} (median ${median(ran)} ms), log restarts ${restarted.length} (median ${median(restarted)} ms); ` +
        `runnable but not running ${all.reduce((a, t) => a + t.queuedMs, 0).toFixed(0)} ms, in ${all.filter((t) => t.queuedMs > 1).length} updates for over 1 ms\n`,
    );
    return at(0.99);
  };
  describe('ours  ', ours);
  const anchorP99 = describe('anchor', fair);
  // The goal's budget: how many of our updates took over twice the anchor's p99, and why, against the 1% allowed.
  const over = ours.filter((t) => t.ms > 2 * anchorP99);
  const duringGc = over.filter(overlapsCollection);
  const inCheckpoint = over.filter((t) => !duringGc.includes(t) && t.checkpoint);
  const waited = over.filter((t) => !duringGc.includes(t) && !t.checkpoint && offCpu(t));
  const working = over.filter((t) => !duringGc.includes(t) && !inCheckpoint.includes(t) && !waited.includes(t));
  process.stderr.write(
    `ours over 2× the anchor's p99 (${(2 * anchorP99).toFixed(2)} ms): ${over.length}, ${Math.floor(ours.length / 100)} allowed; ` +
      `${duringGc.length} during a collection, ${inCheckpoint.length} in a checkpoint or log restart, ${waited.length} off the CPU, ${working.length} working\n`,
  );
  if (process.env.LIST === '3') process.stderr.write(`off the CPU ${list(waited)}\nworking ${list(working)}\n`);
} else {
  const target = mode === 'anchor' ? anchor.bot : adapter.bot;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const f0 = process.resourceUsage().minorPageFault;
  await runScripts(target, users);
  const cpu = process.cpuUsage(c0);
  process.stderr.write(`${users * SCRIPT.length} updates in ${Math.round(performance.now() - t0)} ms, CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms (user ${Math.round(cpu.user / 1000)}, system ${Math.round(cpu.system / 1000)}), ${process.resourceUsage().minorPageFault - f0} page faults\n`);
}
await app.stop();
await anchor.close();
