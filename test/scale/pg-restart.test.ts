import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { esc } from '../../src/core/markup.ts';
import { testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';
import { MemoryAdapter } from '../helpers/memory-adapter.ts';

const ROOT = join(import.meta.dirname, '..', '..');

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp | undefined;
afterEach(async () => app?.stop());

// Restarting the server would disturb tests running beside this one, so `npm run test:pg` runs it on its own
// afterwards (PG_RESTART_TEST=1).
describe.skipIf(!process.env.PG_RESTART_TEST)('PostgreSQL restarted in the middle of a broadcast', () => {
  it('finishes the broadcast once the server is back: nothing lost, duplicates at most the rows in flight', { timeout: 120_000 }, async () => {
    app = await testApp({ now: '2026-11-20T10:00:00Z', announcements: { concurrency: 4, leaseMs: 5000 } });
    const telegram = new MemoryAdapter('telegram');
    // Each send takes a little while, as over a network, so the restart lands mid-way.
    const slow = telegram.send.bind(telegram);
    telegram.send = async (address, reply) => {
      await new Promise((r) => setTimeout(r, 5));
      return slow(address, reply);
    };
    app.messenger.register(telegram);
    const people = 400;
    for (let i = 0; i < people; i++) await new TestUser(app, { platform: 'telegram', id: `u${i}`, caps: TELEGRAM_CAPS }).as('expert', 'talsi', 'lv');
    const coordinator = await new TestUser(app, { platform: 'telegram', id: 'c', caps: TELEGRAM_CAPS }).as('coordinator', 'riga', 'en');
    const person = await app.people.resolve(coordinator.identity(), app.clock.now());
    await app.announcements.store.create(
      { kind: 'general', text: esc('Through a restart'), audience: { target: { type: 'everyone' } }, schedule: { type: 'now' } },
      { personId: person.id, report: { platform: 'telegram', chatId: 'c' }, language: 'en' },
      app.clock.now(),
    );
    await app.announcements.tickNow();
    app.announcements.worker.start();
    while (telegram.delivered.length < 100) await new Promise((r) => setTimeout(r, 20));
    execFileSync(join(ROOT, 'scripts', 'pg-test-server.sh'), ['restart'], { stdio: 'ignore' });
    // The worker's queries fail while the server is down; it keeps trying, and rows claimed before the restart
    // are taken again after their lease (moved on by the clock, as time passes for it).
    for (let i = 0; i < 600; i++) {
      const left = await app.database.db.selectFrom('outbox').select('id').where('status', 'in', ['pending', 'sending']).execute().catch(() => [1]);
      if (left.length === 0) break;
      app.clock.advance(1000);
      await new Promise((r) => setTimeout(r, 50));
    }
    await app.announcements.worker.stop();
    const perChat = new Map<string, number>();
    for (const d of telegram.delivered) if (d.chatId !== 'c') perChat.set(d.chatId, (perChat.get(d.chatId) ?? 0) + 1);
    expect(perChat.size).toBe(people);
    expect([...perChat.values()].filter((n) => n > 1).length).toBeLessThanOrEqual(4);
  });
});
