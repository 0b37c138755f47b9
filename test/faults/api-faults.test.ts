import { join } from 'node:path';
import type { Transformer } from 'grammy';
import { afterEach, describe, expect, it } from 'vitest';
import { TelegramAdapter } from '../../adapters/telegram/telegram-adapter.ts';
import { type App, createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { openSqlite } from '../../src/db/database.ts';
import { silentLogger } from '../../src/log.ts';
import { FakeTelegram } from '../fakes/telegram-bot-api.ts';
import { tempDir } from '../helpers/harness.ts';
import { DeliveryTally, outboxStatus, seedNetwork } from './broadcast-fixture.ts';
import { scaledLimits } from './bot-process.ts';

/**
 * A broadcast through the real Telegram adapter (grammY with auto-retry) while the fake Bot API misbehaves: 429 with
 * retry_after (from injected faults and from its own flood limits), 500, answers slower than the client waits, and
 * connections dropped without an answer. Everything is delivered, and nothing twice — except where the client gave
 * up on a request the server then carried out (a timeout), which no client can tell from a lost request.
 */
let app: App | undefined;
let fake: FakeTelegram | undefined;
afterEach(async () => {
  await app?.stop();
  await fake?.stop();
  app = undefined;
  fake = undefined;
});

async function start(recipients: number, options: { timeScale?: number; rateLimit?: boolean; botSpeed?: number; clientTimeoutMs?: number } = {}) {
  const dir = tempDir('fault-api-');
  const file = join(dir, 'bot.sqlite');
  const network = await seedNetwork(file, recipients, { firstUserId: 700_000 });
  fake = await FakeTelegram.start({ botUsername: 'roma_network_bot', rateLimit: options.rateLimit ?? false, timeScale: options.timeScale ?? 1 });
  const config = loadConfig({ DATABASE_URL: `sqlite:${file}`, TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot });
  const adapter = new TelegramAdapter({
    ...config.telegram!,
    log: silentLogger,
    menus: { commandMenu: () => [], privilegedAccounts: async () => [] },
    retryDelayMs: 50,
    pollingTimeoutSeconds: 1,
  });
  if (options.clientTimeoutMs) {
    // A client that waits at most this long for a send (grammY's own default is 500 s).
    type Signal = Parameters<Transformer>[3];
    const timeout: Transformer = (prev, method, payload, signal) => {
      if (!method.startsWith('send')) return prev(method, payload, signal);
      const limit = AbortSignal.timeout(options.clientTimeoutMs!);
      return prev(method, payload, (signal ? AbortSignal.any([signal as unknown as AbortSignal, limit]) : limit) as unknown as Signal);
    };
    adapter.outbound.config.use(timeout);
  }
  // Pacing at `botSpeed` times the fake's scaled limits (above 1: deliberately too fast, to draw real 429s).
  const speed = options.botSpeed ?? 1;
  const limits = scaledLimits((options.timeScale ?? 1) * speed);
  app = await createApp({ config, database: openSqlite(file), announcements: { limits, progressIntervalMs: 200 } });
  return { network, adapter, file, tally: new DeliveryTally(fake) };
}

describe('the Bot API misbehaving during a broadcast', () => {
  it('429 with retry_after, 500, slow answers and dropped connections: all delivered, none twice', async () => {
    const { network, adapter, file, tally } = await start(30, { clientTimeoutMs: 1500 });
    const [a, b, c, d, e, f, g] = network.userIds.slice(1);
    fake!.failNext('sendMessage', { status: 429, retryAfter: 1 }, { chatId: a }); // the worker pauses sends for 1 s and retries
    fake!.failNext('sendMessage', { status: 429, retryAfter: 1 }, { chatId: b, count: 4 }); // four times in a row: paused and retried each time
    fake!.failNext('sendMessage', { status: 500 }, { chatId: c }); // retried with backoff (2 s)
    fake!.failNext('sendMessage', { status: 502, description: 'Bad Gateway' }, { chatId: d });
    fake!.failNext('sendMessage', { drop: true }, { chatId: e }); // socket destroyed before an answer
    fake!.failNext('sendMessage', { delayMs: 600 }, { chatId: f }); // slow, but within the client's patience
    fake!.failNext('sendMessage', { drop: true, delayMs: 1700 }, { chatId: g }); // no answer beyond the client timeout
    await app!.start([adapter]);
    await fake!.waitFor(() => tally.reached(network.userIds), 40_000);
    await fake!.waitFor(() => (outboxStatus(file).sent ?? 0) === network.userIds.length, 20_000);

    const { lost, duplicates } = tally.summary(network.userIds);
    expect(lost).toBe(0);
    expect(duplicates).toBe(0);
    expect(fake!.stats().faultsInjected).toBe(10);
    const sendsTo = (chat: number) => fake!.callsTo('sendMessage').filter((call) => Number(call.params.chat_id) === chat);
    expect(sendsTo(b!).filter((call) => call.status === 429)).toHaveLength(4);
    expect(sendsTo(e!).map((call) => call.status)).toEqual([0, 200]);
    console.info(`API faults: ${fake!.stats().faultsInjected} injected (429×5, 500, 502, 2 drops, slow 0.6 s, no answer past the 1.5 s timeout): lost ${lost}, duplicates ${duplicates}`);
  }, 60_000);

  it('a request the server carries out after the client gave up is sent again: one duplicate per such timeout', async () => {
    const { network, adapter, file, tally } = await start(10, { clientTimeoutMs: 1000 });
    const late = network.userIds[3]!;
    fake!.failNext('sendMessage', { delayMs: 1500 }, { chatId: late });
    await app!.start([adapter]);
    await fake!.waitFor(() => tally.reached(network.userIds), 30_000);
    await fake!.waitFor(() => (outboxStatus(file).sent ?? 0) === network.userIds.length, 20_000);
    await fake!.waitFor(() => fake!.callsTo('sendMessage').filter((c) => Number(c.params.chat_id) === late).every((c) => c.status !== undefined), 5_000);
    const { lost, duplicates } = tally.summary(network.userIds);
    expect(lost).toBe(0);
    // The fake, like Telegram, delivered the message it answered too late: the retry makes it two.
    expect(tally.perChat.get(late)).toBe(2);
    expect(duplicates).toBe(1);
    console.info(`answer after the client's timeout: lost ${lost}, duplicates ${duplicates}`);
  }, 60_000);

  it('the fake’s own flood limits (30/s, 1/s per chat) answering 429 to a bot pacing five times too fast: all delivered, none twice', async () => {
    // The fake's time runs 3× fast (90 sends a real second) and the bot paces at 450 a second. A loaded two-core
    // machine still manages well over a hundred and fifty sends a second here, so it offers more than the limit and
    // draws 429s however busy it is (at 10× and 2×, a busy machine could not even reach the limit).
    const { network, adapter, file, tally } = await start(300, { rateLimit: true, timeScale: 3, botSpeed: 5 });
    await app!.start([adapter]);
    await fake!.waitFor(() => tally.reached(network.userIds), 60_000);
    await fake!.waitFor(() => (outboxStatus(file).sent ?? 0) === network.userIds.length, 20_000);
    const { lost, duplicates } = tally.summary(network.userIds);
    const stats = fake!.stats();
    console.info(`flood limits: ${stats.rateLimited} × 429 from the fake's limiter, ${stats.sends} sends accepted, at most ${stats.maxPerSecond} in one fake second: lost ${lost}, duplicates ${duplicates}`);
    expect(stats.rateLimited).toBeGreaterThan(10);
    expect(stats.maxPerSecond).toBeLessThanOrEqual(30);
    expect(lost).toBe(0);
    expect(duplicates).toBe(0);
  }, 90_000);
});
