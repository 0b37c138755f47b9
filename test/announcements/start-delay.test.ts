import { afterEach, describe, expect, it, vi } from 'vitest';
import { esc } from '../../src/core/markup.ts';
import { FIRST_RUN_AFTER_MS } from '../../src/core/ticker.ts';
import { testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';
import { MemoryAdapter } from '../helpers/memory-adapter.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** Longer than the running bot's second, so a busy machine finishing start never reaches it first. */
const DELAY_MS = FIRST_RUN_AFTER_MS * 3;

/** An app with a start delay, a member and an announcement that fell due while it was down. */
async function downWithDueAnnouncement() {
  app = await testApp({ now: '2026-03-20T10:00:00Z', firstTickAfterMs: DELAY_MS });
  const telegram = new MemoryAdapter('telegram');
  const coordinator = await new TestUser(app, { platform: 'telegram', id: 'c1', caps: TELEGRAM_CAPS }).as('coordinator', 'riga', 'en');
  await new TestUser(app, { platform: 'telegram', id: 'u1', caps: TELEGRAM_CAPS }).as('mediator', 'talsi', 'lv');
  const person = await app.people.resolve(coordinator.identity(), app.clock.now());
  await app.announcements.store.create(
    { kind: 'general', text: esc('Sanāksme 27. maijā'), audience: { target: { type: 'everyone' } }, schedule: { type: 'at', at: '2026-03-20T09:30:00Z' } },
    { personId: person.id, report: { platform: 'telegram', chatId: 'c1' }, language: 'en' },
    app.clock.now(),
  );
  const runs = async () => (await app!.database.db.selectFrom('announcement_runs').select('status').execute()).length;
  return { app, telegram, runs };
}

describe('announcements after a restart', () => {
  it('catch up a moment after start, so the first answers do not wait for them', { timeout: 30_000 }, async () => {
    // Real timers: PostgreSQL's client needs them, and the catch-up's queries take their own time after the delay.
    const { app, telegram, runs } = await downWithDueAnnouncement();
    await app.start([telegram]);
    expect(await runs()).toBe(0);
    await vi.waitFor(async () => expect(await runs()).toBe(1), { timeout: DELAY_MS + 15_000, interval: 50 });
  });
});
