import { join } from 'node:path';
import { TelegramAdapter } from '../adapters/telegram/telegram-adapter.ts';
import { type App, createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openSqlite } from '../src/db/database.ts';
import { silentLogger } from '../src/log.ts';
import { FakeTelegram } from '../test/fakes/telegram-bot-api.ts';
import { freePort } from '../test/helpers/telegram-driver.ts';
import { tempDir } from '../test/helpers/harness.ts';
import type { BenchModule, BenchResult } from './run.ts';

export const title = 'fairness';

/**
 * How long other people wait while one chat is in trouble. The real app (SQLite file, flood limit on) and our
 * Telegram adapter (grammY runner + sequentialize, or webhook mode) against the fake Bot API over HTTP. Each round:
 * one chat's answer gets 429 with retry_after 8 s, another's connection is dropped four times, a third person sends
 * 300 messages at once; then `others` people send /help. Measured: from each /help being handed to the fake to
 * its answer being accepted by it. The same people in a quiet round (no trouble) give the baseline.
 */
async function round(mode: 'polling' | 'webhook', troubled: boolean, firstId: number, others: number): Promise<{ latencies: number[]; slowDowns: number; floodReplies: number }> {
  const dir = tempDir('bench-fairness-');
  const fake = await FakeTelegram.start({ botUsername: 'roma_network_bot' });
  const config = loadConfig({ DATABASE_URL: `sqlite:${join(dir, 'bot.sqlite')}`, TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot });
  const port = mode === 'webhook' ? await freePort() : 0;
  const adapter = new TelegramAdapter({
    ...config.telegram!,
    log: silentLogger,
    menus: { commandMenu: () => [], privilegedAccounts: async () => [] },
    retryDelayMs: 50,
    pollingTimeoutSeconds: 1,
    ...(mode === 'webhook' ? { webhook: { url: `http://127.0.0.1:${port}/telegram`, secret: 'bench-secret', port } } : {}),
  });
  let app: App | undefined;
  try {
    app = await createApp({ config, database: openSqlite(join(dir, 'bot.sqlite')) });
    await app.start([adapter]);
    if (mode === 'webhook') await fake.waitFor(() => fake.webhookInfo.url, 10_000);
    // Warm-up: the first answer pays for loading locales and preparing statements.
    fake.userSays({ userId: firstId - 1, text: '/help', languageCode: 'en' });
    await fake.waitForMessage(firstId - 1, 'Commands', { timeoutMs: 20_000 });
    const [limited, dropped, flooder] = [firstId, firstId + 1, firstId + 2];
    if (troubled) {
      fake.failNext('sendMessage', { status: 429, retryAfter: 8 }, { chatId: limited });
      fake.failNext('sendMessage', { drop: true }, { chatId: dropped, count: 4 });
      fake.userSays({ userId: limited, text: '/help', languageCode: 'en' });
      fake.userSays({ userId: dropped, text: '/help', languageCode: 'en' });
      for (let i = 0; i < 300; i++) fake.userSays({ userId: flooder, text: `spam ${i}`, languageCode: 'en' });
    }
    const ids = Array.from({ length: others }, (_, i) => firstId + 10 + i);
    const asked = new Map<number, number>();
    for (const id of ids) {
      asked.set(id, Date.now());
      fake.userSays({ userId: id, text: '/help', languageCode: 'en' });
    }
    const answers = await Promise.all(ids.map((id) => fake.waitForMessage(id, 'Commands', { timeoutMs: 60_000 })));
    const latencies = answers.map((m, i) => m.time - asked.get(ids[i]!)!);
    await new Promise((r) => setTimeout(r, 300));
    const toFlooder = fake.messagesTo(flooder);
    return { latencies, slowDowns: toFlooder.filter((m) => /slow down/.test(m.plainText ?? '')).length, floodReplies: toFlooder.length };
  } finally {
    await app?.stop();
    await fake.stop();
  }
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  {
    const rounds = quick ? 1 : 3;
    const others = quick ? 10 : 30;
    const results: BenchResult[] = [];
    let base = 1_000_000;
    for (const mode of ['polling', 'webhook'] as const) {
      const quiet: number[] = [];
      const busy: number[] = [];
      let slowDowns = 0;
      let floodReplies = 0;
      for (let r = 0; r < rounds; r++) {
        // Alternate, so load from elsewhere on the machine falls on both alike.
        quiet.push(...(await round(mode, false, (base += 1000), others)).latencies);
        const t = await round(mode, true, (base += 1000), others);
        busy.push(...t.latencies);
        slowDowns = Math.max(slowDowns, t.slowDowns);
        floodReplies = Math.max(floodReplies, t.floodReplies);
      }
      busy.sort((a, b) => a - b);
      quiet.sort((a, b) => a - b);
      results.push({
        name: `others' answer with a 429 (8 s), 4 dropped connections and a 300-message flood, ${mode}`,
        value: pct(busy, 99),
        unit: 'ms p99',
        details: { p50: pct(busy, 50), max: busy.at(-1)!, quietP50: pct(quiet, 50), quietP99: pct(quiet, 99), people: busy.length, slowDownsToFlooder: slowDowns, repliesToFlooder: floodReplies },
        target: '< 1000 ms',
      });
    }
    return results;
  }
}

export default { title, run } satisfies BenchModule;
