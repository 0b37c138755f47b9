import { randomUUID } from 'node:crypto';
import { migrateToLatest } from '../../src/db/migrator.ts';
import { FakeTelegram } from '../fakes/telegram-bot-api.ts';
import { announceToEveryone, type BotProcess, DeliveryTally, type Network, spawnBot } from '../faults/broadcast-fixture.ts';
import { freePort } from '../helpers/telegram-driver.ts';
import { openPostgres } from '../../src/db/postgres.ts';

/** A network of `n` Telegram members and a "send now" announcement to everyone, in the PostgreSQL of `url` (its schema). */
export async function seedPostgresNetwork(url: string, n: number): Promise<Network> {
  const database = await openPostgres(url);
  try {
    await migrateToLatest(database.db, database.schema);
    const now = new Date().toISOString();
    const userIds = Array.from({ length: n }, (_, i) => 600_000_000 + i);
    const ids = userIds.map(() => randomUUID());
    for (let start = 0; start < n; start += 500) {
      const slice = userIds.slice(start, start + 500).map((u, j) => ({ u, id: ids[start + j]!, i: start + j }));
      await database.db
        .insertInto('persons')
        .values(slice.map(({ id, i }) => ({ id, role: i === 0 ? 'coordinator' : 'expert', requested_role: null, municipality: 'riga', language: 'lv', registered_at: now, created_at: now, updated_at: now })) as never)
        .execute();
      await database.db
        .insertInto('identities')
        .values(slice.map(({ u, id, i }) => ({ key: `telegram:${u}`, person_id: id, platform: 'telegram', username: null, display_name: `Member ${i}`, language_hint: null, created_at: now, last_seen_at: now })))
        .execute();
    }
    await announceToEveryone(database.db, ids[0]!, userIds[0]!);
    return { userIds, coordinatorId: userIds[0]! };
  } finally {
    await database.close();
  }
}

export interface InstancesRun {
  instances: number;
  recipients: number;
  rateLimited: number;
  lost: number;
  duplicates: number;
  maxPerFakeSecond: number;
  seconds: number;
}

/**
 * `count` bot processes on one PostgreSQL send one announcement to `recipients` people through a fake Bot API that
 * enforces Telegram's limits (time sped up `timeScale` times, the bots' pacing with it); one process is killed with
 * SIGKILL once `killAfter` messages are out. Webhook mode, so the instances do not fight over getUpdates.
 */
export async function runInstances(url: string, options: { count: number; recipients: number; timeScale: number; killAfter: number; leaseMs?: number; localBudget?: boolean }): Promise<InstancesRun> {
  const network = await seedPostgresNetwork(url, options.recipients);
  const fake = await FakeTelegram.start({ rateLimit: true, timeScale: options.timeScale, botUsername: 'roma_network_bot' });
  const bots: BotProcess[] = [];
  try {
    const tally = new DeliveryTally(fake);
    const started = Date.now();
    for (let i = 0; i < options.count; i++) {
      bots.push(
        spawnBot({
          fake,
          file: '',
          timeScale: options.timeScale,
          leaseMs: options.leaseMs ?? 2000,
          env: {
            DATABASE_URL: url,
            TELEGRAM_WEBHOOK_URL: 'http://127.0.0.1:9/telegram',
            TELEGRAM_WEBHOOK_SECRET: 'shared-budget',
            TELEGRAM_WEBHOOK_PORT: String(await freePort()),
            ...(options.localBudget ? { BOT_LOCAL_BUDGET: '1' } : {}),
          },
        }),
      );
    }
    await fake.waitFor(() => tally.update().total >= options.killAfter, 60_000);
    await bots[0]!.kill('SIGKILL');
    // Until everyone has it, or the run is over (its report reached the author): without a shared budget, rows that
    // keep drawing 429s are given up after their attempts, and the summary counts them as lost.
    const over = () => fake.messagesTo(network.coordinatorId).some((m) => /^(Report|Atskaite|Отчёт)/.test(m.plainText ?? ''));
    await fake.waitFor(() => tally.reached(network.userIds) || over(), 120_000);
    const seconds = (Date.now() - started) / 1000;
    const { lost, duplicates } = tally.summary(network.userIds);
    const stats = fake.stats();
    return { instances: options.count, recipients: options.recipients, rateLimited: stats.rateLimited, lost, duplicates, maxPerFakeSecond: stats.maxPerSecond, seconds };
  } finally {
    for (const b of bots) await b.kill('SIGKILL').catch(() => undefined);
    await fake.stop();
  }
}
