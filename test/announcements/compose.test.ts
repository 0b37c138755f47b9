import { afterEach, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/features/announcements/rate-limit.ts';
import { testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';
import { MemoryAdapter } from '../helpers/memory-adapter.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp;
afterEach(async () => app?.stop());

async function setup() {
  app = await testApp({ now: '2026-11-20T10:00:00Z' });
  const telegram = new MemoryAdapter('telegram');
  app.messenger.register(telegram);
  const coordinator = await new TestUser(app, { platform: 'telegram', id: 'c1', caps: TELEGRAM_CAPS }).as('coordinator', 'riga', 'en');
  const members = [];
  for (const [id, mun] of [['e1', 'talsi'], ['e2', 'daugavpils'], ['m1', 'talsi']] as const) {
    members.push(await new TestUser(app, { platform: 'telegram', id, caps: TELEGRAM_CAPS }).as(id.startsWith('m') ? 'mediator' : 'expert', mun, 'lv'));
  }
  return { telegram, coordinator, members };
}

describe('/announce', () => {
  it('composes, previews and sends to a region on confirmation only', async () => {
    const { telegram, coordinator } = await setup();
    await coordinator.send('/announce');
    expect(coordinator.text()).toContain('Write the announcement');
    await coordinator.deliver({ type: 'text', text: 'Visit to Talsi on 3 July', formatted: '<b>Visit to Talsi</b> on 3 July' as never });
    await coordinator.press('Visit');
    await coordinator.press('A region');
    await coordinator.press('Kurzeme');
    await coordinator.press('All platforms');
    await coordinator.press('Now');
    await coordinator.press('No file');
    expect(coordinator.text()).toContain('This is how members will see it');
    expect(coordinator.text()).toContain('Visit to Talsi on 3 July');
    expect(coordinator.text()).toMatch(/Kurzeme — 2 people now/);
    expect(telegram.delivered).toHaveLength(0); // nothing goes out before confirmation
    await coordinator.press('Send now');
    expect(coordinator.text()).toContain('Sending now');
    await app.announcements.worker.drain();
    await app.announcements.flushProgress();
    await app.notices.flush(); // the report goes through the notice outbox
    expect(telegram.to('e1')).toHaveLength(1);
    expect(telegram.to('m1')).toHaveLength(1);
    expect(telegram.to('e2')).toHaveLength(0);
    const sent = telegram.to('e1')[0]!.reply;
    expect(sent.kind === 'text' && sent.text).toContain('<b>Visit to Talsi</b>');
    expect(telegram.to('c1').map((d) => d.text).join('\n')).toContain('Delivered: 2 of 2');
  });

  it('schedules for a Riga time, lists it, and lets the coordinator cancel it', async () => {
    const { telegram, coordinator } = await setup();
    await coordinator.send('/announce');
    await coordinator.send('Deadline for the annual overview: 1 December');
    await coordinator.press('Deadline');
    await coordinator.press('Everyone');
    await coordinator.press('Telegram');
    await coordinator.press('At a date and time');
    await coordinator.send('2026-11-19 09:00');
    expect(coordinator.text()).toContain('has already passed');
    await coordinator.send('banana');
    expect(coordinator.text()).toContain('could not read');
    await coordinator.send('25.11.2026 09:00');
    await coordinator.press('No file');
    expect(coordinator.text()).toMatch(/When: 25 November 2026, 09:00/);
    await coordinator.press('Schedule');
    expect(coordinator.text()).toContain('Scheduled');
    await coordinator.send('/announcements');
    expect(coordinator.text()).toContain('Deadline for the annual overview');
    await coordinator.press('Cancel');
    expect(coordinator.text()).toContain('Cancelled');
    app.clock.set('2026-11-25T08:00:00Z');
    await app.announcements.tickNow();
    await app.announcements.worker.drain();
    expect(telegram.delivered.filter((d) => d.chatId !== 'c1')).toHaveLength(0);
  });

  it('accepts a recurring rule and shows the next runs in Riga time', async () => {
    const { coordinator } = await setup();
    await coordinator.send('/announce');
    await coordinator.send('Weekly reminder');
    await coordinator.press('General');
    await coordinator.press('By role');
    await coordinator.press('Roma mediator');
    await coordinator.press('Done');
    await coordinator.press('All platforms');
    await coordinator.press('Recurring');
    await coordinator.send('every Monday 9:00');
    await coordinator.press('No file');
    expect(coordinator.text()).toMatch(/every Monday at 09:00; next: 23 Nov 2026 09:00; 30 Nov 2026 09:00/);
    expect(coordinator.text()).toMatch(/Roma mediator — 1 person now/);
  });

  it('describes a typed schedule in the reader’s language and says what is wrong with a cron rule in it', async () => {
    const { coordinator } = await setup();
    await coordinator.send('/language lv');
    await coordinator.send('/announce');
    await coordinator.send('Nedēļas atgādinājums');
    await coordinator.press('Vispārīgs');
    await coordinator.press('Visiem');
    await coordinator.press('Visās platformās');
    await coordinator.press('Atkārtoti');
    await coordinator.send('0 9 * * 8');
    expect(coordinator.text()).toContain('nedēļas diena „8” — jābūt no 0 līdz 7');
    expect(coordinator.text()).not.toMatch(/invalid expression|week day/);
    await coordinator.send('every sunday 03:30');
    await coordinator.press('Bez faila');
    const preview = coordinator.text();
    expect(preview).toContain('Kad: katru svētdienu plkst. 03.30; nākamās reizes: 22.11.2026 03.30; 29.11.2026 03.30');
    expect(preview).not.toContain('every sunday');
  });

  it('is refused to members who are not coordinators, and its buttons do nothing for them', async () => {
    const { members, coordinator } = await setup();
    await members[0]!.send('/announce');
    expect(members[0]!.text()).toMatch(/tikai koordinatoriem/);
    await coordinator.send('/announce');
    const stolen = coordinator.choices()[0]!.action;
    await members[0]!.action(stolen);
    expect(members[0]!.text()).toMatch(/vairs nav aktīva/);
  });
});

describe('rate limiter', () => {
  it('spaces sends so no second holds more than the limit, and one chat gets one a second', async () => {
    let now = 0;
    const timer = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const limiter = new RateLimiter({ telegram: { perSecond: 30, perChatMs: 1000, perGroupMs: 3000 }, discord: { perSecond: 50, perChatMs: 0, perGroupMs: 0 }, console: { perSecond: 1e6, perChatMs: 0, perGroupMs: 0 } }, timer);
    const times: number[] = [];
    for (let i = 0; i < 90; i++) {
      await limiter.acquire('telegram', `chat${i}`, false);
      times.push(now);
    }
    for (let i = 0; i + 30 < times.length; i++) expect(times[i + 30]! - times[i]!).toBeGreaterThanOrEqual(999);
    const t0 = now;
    await limiter.acquire('telegram', 'same', false);
    await limiter.acquire('telegram', 'same', false);
    expect(now - t0).toBeGreaterThanOrEqual(1000);
    limiter.pause('telegram', 5000);
    const t1 = now;
    await limiter.acquire('telegram', 'other', false);
    expect(now - t1).toBeGreaterThanOrEqual(5000);
  });
});
