/**
 * The bot as its own process, for crash tests and the broadcast benchmark: the real app (SQLite from DATABASE_URL)
 * with the real Telegram adapter pointed at TELEGRAM_API_ROOT (a FakeTelegram in the parent), the minute ticker and
 * the delivery worker running, exactly as `npm start` would run them, plus two knobs `npm start` does not have:
 *
 * - BOT_TIME_SCALE (default 1): the delivery limits are scaled like the fake's `timeScale`, so 29 messages per fake
 *   second stay 29 per fake second (and the progress-edit interval shrinks alike);
 * - BOT_LEASE_MS: the outbox lease (default 60 s), shortened so rows a killed process left in `sending` are taken
 *   over within a test's patience.
 *
 * Prints `ready` on stdout once started. SIGTERM stops it cleanly; the parent SIGKILLs it to simulate a crash.
 */
import { RateLimiter } from '../../src/features/announcements/rate-limit.ts';
import { TelegramAdapter } from '../../adapters/telegram/telegram-adapter.ts';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { DEFAULT_LIMITS, type PlatformLimits } from '../../src/features/announcements/rate-limit.ts';
import type { Platform } from '../../src/core/types.ts';
import { createLogger } from '../../src/log.ts';

export function scaledLimits(timeScale: number): Record<Platform, PlatformLimits> {
  const scale = (l: PlatformLimits): PlatformLimits => ({
    perSecond: l.perSecond * timeScale,
    perChatMs: l.perChatMs / timeScale,
    perGroupMs: l.perGroupMs / timeScale,
  });
  return { telegram: scale(DEFAULT_LIMITS.telegram), discord: scale(DEFAULT_LIMITS.discord), console: DEFAULT_LIMITS.console };
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  if (!config.telegram) throw new Error('TELEGRAM_BOT_TOKEN is required');
  const timeScale = Number(process.env.BOT_TIME_SCALE ?? '1');
  const leaseMs = process.env.BOT_LEASE_MS ? Number(process.env.BOT_LEASE_MS) : undefined;
  const log = createLogger({ level: config.log.level ?? 'warn', ...(config.log.file ? { file: config.log.file } : {}) });
  const app = await createApp({
    config,
    log,
    announcements: {
      limits: scaledLimits(timeScale),
      // For the bench's "before": each instance pacing alone, as if the others were not there.
      ...(process.env.BOT_LOCAL_BUDGET === '1' ? { limiter: new RateLimiter(scaledLimits(timeScale)) } : {}),
      progressIntervalMs: 3000 / timeScale,
      ...(leaseMs ? { leaseMs } : {}),
    },
  });
  const adapter = new TelegramAdapter({
    ...config.telegram,
    log: log.child({ adapter: 'telegram' }),
    menus: { commandMenu: (role, lng) => app.core.commandMenu(role, lng), privilegedAccounts: (p) => app.people.privilegedAccounts(p) },
    retryDelayMs: 200,
    pollingTimeoutSeconds: 5,
  });
  process.once('SIGTERM', () => {
    void app.stop().then(() => process.exit(0));
  });
  await app.start([adapter]);
  process.stdout.write('ready\n');
}

// Imported for `scaledLimits` by the parent, run as a script by `node --import tsx`.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  main().catch((err: unknown) => {
    process.stderr.write(`bot process failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
