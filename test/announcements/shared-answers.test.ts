import { type KyselyPlugin, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrator.ts';
import type { Database } from '../../src/db/database.ts';
import { DEFAULT_LIMITS } from '../../src/features/announcements/rate-limit.ts';
import { SHARED_MARGIN, SharedRateLimiter } from '../../src/features/announcements/shared-rate-limit.ts';
import { silentLogger } from '../../src/log.ts';
import { ON_POSTGRES, openTestDatabase } from '../helpers/harness.ts';

/**
 * On PostgreSQL every instance's answers are counted in the one send budget, so a broadcast sent meanwhile (by any
 * instance) leaves room for them under Telegram's limit. They are counted together, not one statement an answer.
 */
describe.skipIf(!ON_POSTGRES)('answers in the shared send budget (PostgreSQL)', () => {
  let database: Database | undefined;
  afterEach(async () => {
    await database?.close();
  });

  it('a broadcast on another instance waits for 60 answers sent just before, counted in one statement', async () => {
    database = await openTestDatabase(undefined);
    await migrateToLatest(database.db, database.schema);
    let statements = 0;
    const counting: KyselyPlugin = {
      transformQuery: (a) => (statements++, a.node),
      transformResult: async (a) => a.result,
    };
    const answering = new SharedRateLimiter(database.db.withPlugin(counting), silentLogger);
    const waits: number[] = [];
    // The broadcasting instance's timer: waits are recorded, not slept.
    const broadcasting = new SharedRateLimiter(database.db, silentLogger, DEFAULT_LIMITS, { now: () => 0, sleep: async (ms) => void waits.push(ms) });

    for (let i = 0; i < 60; i++) answering.consume('telegram', 1);
    const slot = 1000 / (DEFAULT_LIMITS.telegram.perSecond * SHARED_MARGIN);
    const counted = async () => {
      const r = await sql`select next_at from rate_budget where key = 'telegram'`.execute(database!.db);
      return r.rows.length > 0;
    };
    for (let i = 0; i < 400 && !(await counted()); i++) await new Promise((r) => setTimeout(r, 5));
    expect(statements).toBe(1);

    await broadcasting.acquire('telegram', '42', false);
    // 60 slots of about 38 ms were taken by the answers: the broadcast's first message goes after them. Time passing
    // on the database's clock between the two (a second on a very busy machine) only shortens the wait.
    expect(waits).toHaveLength(1);
    expect(waits[0]!).toBeGreaterThan(60 * slot - 1000);
    expect(waits[0]!).toBeLessThanOrEqual(60 * slot + 1);
  });

  it('a broadcast on the same instance counts its answers first, without waiting for the next count', async () => {
    database = await openTestDatabase(undefined);
    await migrateToLatest(database.db, database.schema);
    const waits: number[] = [];
    const limiter = new SharedRateLimiter(database.db, silentLogger, DEFAULT_LIMITS, { now: () => 0, sleep: async (ms) => void waits.push(ms) });
    for (let i = 0; i < 30; i++) limiter.consume('telegram', 1);
    await limiter.acquire('telegram', '42', false);
    const slot = 1000 / (DEFAULT_LIMITS.telegram.perSecond * SHARED_MARGIN);
    expect(waits).toHaveLength(1);
    expect(waits[0]!).toBeGreaterThan(30 * slot - 1000);
  });
});
