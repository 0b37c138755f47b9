/**
 * Feeds our bot (or, with `anchor` as argument, the fair anchor) the telegram bench's script for a profiler:
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-updates.ts [users] [ours|anchor]
 * or compares the CPU time of both on the same updates, interleaved: `… bench/profile-updates.ts 400 ratio`.
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
