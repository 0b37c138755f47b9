import { describe, expect, it } from 'vitest';
import { ON_POSTGRES, tempDir, testDatabaseUrl } from '../helpers/harness.ts';
import { runInstances } from './budget-fixture.ts';

/**
 * Several instances on one PostgreSQL share one send budget (SharedRateLimiter): two of them sending one broadcast
 * to 400 people keep together under Telegram's 30 a second (sped up 3×: 90), where each pacing alone drew dozens of
 * 429s. One instance is killed mid-broadcast: nothing is lost, and duplicates stay within what was in flight.
 */
describe.skipIf(!ON_POSTGRES)('one send budget for every instance', () => {
  it('two instances, one killed: at most 5 × 429 for 400 recipients, none lost, duplicates within the in-flight bound', { timeout: 240_000 }, async () => {
    const run = await runInstances(testDatabaseUrl(tempDir('budget-')), { count: 2, recipients: 400, timeScale: 3, killAfter: 100 });
    console.info(`shared budget, 2 instances: ${JSON.stringify(run)}`);
    expect(run.lost).toBe(0);
    expect(run.rateLimited).toBeLessThanOrEqual(5);
    expect(run.maxPerFakeSecond).toBeLessThanOrEqual(30);
    expect(run.duplicates).toBeLessThanOrEqual(4);
  });
});
