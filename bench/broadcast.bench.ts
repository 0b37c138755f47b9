import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FakeTelegram } from '../test/fakes/telegram-bot-api.ts';
import { DeliveryTally, outboxStatus, seedNetwork, spawnBot, type BotProcess } from '../test/faults/broadcast-fixture.ts';
import { tempDir } from '../test/helpers/harness.ts';
import type { BenchModule, BenchResult } from './run.ts';

export const title = 'broadcast';

/**
 * One fake second lasts 1000 / T real ms, on both sides: the fake enforces Telegram's 30 messages per (fake) second
 * and 1 per chat per second, and the bot paces at its 29 per second scaled by the same T. T = 10 makes 10,000
 * recipients (345 fake seconds at 29/s) take about 35 real seconds.
 */
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 10);
const LIMIT = 30;

interface Outcome {
  recipients: number;
  timeScale: number;
  ratio: number;
  rate: number;
  completionFakeSeconds: number;
  pausedFakeSeconds: number;
  rateLimited: number;
  maxPerFakeSecond: number;
  lost: number;
  duplicates: number;
  kills: number;
  realSeconds: number;
  outbox: Record<string, number>;
}

/**
 * Seeds `recipients` members and a "now" announcement into a fresh SQLite file, runs the bot as a child process
 * against the fake, optionally SIGKILLs it once `crashAt` announcement messages were accepted and starts it again,
 * and waits until every recipient has the message and every outbox row is final.
 */
async function broadcast(recipients: number, timeScale: number, crashAt: number | undefined): Promise<Outcome> {
  const dir = tempDir('bench-broadcast-');
  const file = join(dir, 'bot.sqlite');
  const network = await seedNetwork(file, recipients);
  const fake = await FakeTelegram.start({ rateLimit: true, timeScale, botUsername: 'roma_network_bot' });
  const tally = new DeliveryTally(fake);
  const started = performance.now();
  // The lease is scaled like the limits: 60 s of the bot's time.
  const spawnOne = () => spawnBot({ fake, file, timeScale, leaseMs: 60_000 / timeScale });
  let bot: BotProcess = spawnOne();
  let kills = 0;
  try {
    if (crashAt !== undefined) {
      await fake.waitFor(() => tally.update().total >= crashAt, 300_000);
      await bot.kill('SIGKILL');
      kills++;
      bot = spawnOne();
    }
    await fake.waitFor(() => tally.reached(network.userIds), 600_000);
    // Every row final (rows a killed process left in `sending` are taken over once their lease runs out).
    const deadline = Date.now() + 120_000;
    let status = outboxStatus(file);
    while ((status.pending ?? 0) + (status.sending ?? 0) > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      status = outboxStatus(file);
    }
    const realSeconds = (performance.now() - started) / 1000;
    await bot.kill('SIGTERM');
    const { lost, duplicates } = tally.summary(network.userIds);
    const stats = fake.stats();
    const { perFakeSecond, pausedFakeSeconds } = tally.rateWhileSending(stats.secondMs);
    return {
      recipients,
      timeScale,
      rate: perFakeSecond,
      ratio: perFakeSecond / LIMIT,
      completionFakeSeconds: (tally.lastAt! - tally.firstAt!) / stats.secondMs,
      pausedFakeSeconds,
      rateLimited: stats.rateLimited,
      maxPerFakeSecond: stats.maxPerSecond,
      lost,
      duplicates,
      kills,
      realSeconds,
      outbox: status,
    };
  } finally {
    await bot.kill('SIGKILL');
    await fake.stop();
  }
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const n = Number(process.env.BENCH_RECIPIENTS ?? (quick ? 1_000 : 10_000));
  const crashAt = Math.floor(n * 0.45);
  const clean = await broadcast(n, TIME_SCALE, undefined);
  const crashed = await broadcast(n, TIME_SCALE, crashAt);
  // The same at real speed (no time scaling), smaller: what pacing achieves when timer jitter is not magnified.
  const realTime = await broadcast(quick ? 150 : 600, 1, undefined);
  const row = (name: string, o: Outcome, target: string): BenchResult => ({
    name,
    value: o.ratio,
    unit: `× ${LIMIT}/s`,
    details: {
      perFakeSecond: o.rate,
      completionFakeS: o.completionFakeSeconds,
      ...(o.kills ? { pausedFakeS: o.pausedFakeSeconds, kills: o.kills, duplicateBound: 4 * o.kills } : {}),
      maxInOneFakeSecond: o.maxPerFakeSecond,
      '429s': o.rateLimited,
      lost: o.lost,
      duplicates: o.duplicates,
      sent: o.outbox.sent ?? 0,
      realS: o.realSeconds,
      T: o.timeScale,
    },
    target,
  });
  return [
    row(`broadcast to ${n.toLocaleString('en')} (fake Bot API, 30 msg/s enforced, T=${TIME_SCALE})`, clean, '≥ 0.9; lost 0; duplicates 0'),
    row(`same, SIGKILL after ${crashAt.toLocaleString('en')} sent, restart`, crashed, 'lost 0; duplicates ≤ 4 per kill'),
    row(`broadcast to ${realTime.recipients} in real time (T=1)`, realTime, '≥ 0.9; lost 0; duplicates 0'),
  ];
}

export default { title, run } satisfies BenchModule;
