import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTelegram } from '../fakes/telegram-bot-api.ts';
import { tempDir } from '../helpers/harness.ts';
import { type BotProcess, DeliveryTally, outboxStatus, prng, seedNetwork, spawnBot } from './broadcast-fixture.ts';

/**
 * The bot is killed with SIGKILL at 20 random moments of one broadcast (each time once the fake Bot API has
 * accepted k announcement messages, k drawn from a seeded PRNG) and started again. At the end every recipient has
 * the message, and the duplicates are at most the rows in flight at each kill: the worker's concurrency (4) per kill.
 *
 * Time is scaled by 10 (the fake's limits and the bot's pacing alike), and the outbox lease is 1 s, so rows a
 * killed process left in `sending` are taken over quickly.
 */
const RECIPIENTS = 400;
const KILLS = 20;
const TIME_SCALE = 10;
const CONCURRENCY = 4;

let bot: BotProcess | undefined;
let fake: FakeTelegram | undefined;
afterEach(async () => {
  await bot?.kill('SIGKILL');
  await fake?.stop();
  bot = undefined;
  fake = undefined;
});

describe('SIGKILL during a broadcast', () => {
  it(`loses nothing and duplicates at most ${CONCURRENCY} per kill over ${KILLS} kills`, async () => {
    const dir = tempDir('fault-kill-');
    const file = join(dir, 'bot.sqlite');
    const network = await seedNetwork(file, RECIPIENTS);
    fake = await FakeTelegram.start({ rateLimit: true, timeScale: TIME_SCALE, botUsername: 'roma_network_bot' });
    const tally = new DeliveryTally(fake);
    const random = prng(20210527);
    const killAt = Array.from({ length: KILLS }, () => 1 + Math.floor(random() * (RECIPIENTS - 1))).sort((a, b) => a - b);
    const spawnOne = () => spawnBot({ fake: fake!, file, timeScale: TIME_SCALE, leaseMs: 1000 });

    const killedAt: number[] = [];
    for (const k of killAt) {
      bot = spawnOne();
      const current = bot;
      // Accepted announcement messages so far, duplicates included, so every k is reached in time.
      await fake.waitFor(() => tally.update().total >= k || current.child.exitCode !== null, 60_000);
      expect(current.child.exitCode, current.stderr()).toBeNull();
      await current.kill('SIGKILL');
      killedAt.push(tally.update().total);
    }

    bot = spawnOne();
    await fake.waitFor(() => tally.reached(network.userIds), 60_000);
    await fake.waitFor(() => {
      const s = outboxStatus(file);
      return (s.pending ?? 0) + (s.sending ?? 0) === 0;
    }, 30_000);
    await bot.kill('SIGTERM');

    const { lost, duplicates, recipientsWithDuplicates } = tally.summary(network.userIds);
    const status = outboxStatus(file);
    // For the README's fault table.
    console.info(`SIGKILL ×${KILLS} at ${killedAt.join(', ')} accepted messages: lost ${lost}, duplicates ${duplicates} (${recipientsWithDuplicates} recipients), bound ${CONCURRENCY * KILLS}; outbox ${JSON.stringify(status)}`);
    expect(lost).toBe(0);
    expect(duplicates).toBeLessThanOrEqual(CONCURRENCY * KILLS);
    expect(status).toEqual({ sent: RECIPIENTS });
  }, 180_000);
});
