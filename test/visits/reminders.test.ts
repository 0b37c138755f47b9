import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { parseAgenda } from '../../src/features/visits/agenda-parser.ts';
import type { VisitsFeature } from '../../src/features/visits/index.ts';
import { reminderMoments } from '../../src/features/visits/reminders.ts';
import { saveVisit, toItemRows } from '../../src/features/visits/visit-writer.ts';
import { tempDir, testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';
import { MemoryAdapter } from '../helpers/memory-adapter.ts';

let apps: App[] = [];
afterEach(async () => {
  for (const a of apps) await a.stop();
  apps = [];
});

async function start(options: Parameters<typeof testApp>[0] = {}) {
  const app = await testApp(options);
  apps.push(app);
  const telegram = new MemoryAdapter('telegram', TELEGRAM_CAPS);
  app.messenger.register(telegram);
  const feature = app.registry.features.find((f) => f.name === 'visits') as VisitsFeature;
  // A tick at an instant, then the notice outbox delivering what it queued (on the app's clock, set to that instant).
  const tick = async (at: Date) => {
    app.clock.set(at);
    const r = await feature.reminders.tick(at);
    await app.notices.flush();
    return r;
  };
  return { app, telegram, reminders: { tick }, feature };
}

async function member(app: App, id: string, language: 'lv' | 'en' | 'ru' = 'en') {
  return new TestUser(app, { platform: 'telegram', id, caps: TELEGRAM_CAPS }).as('expert', 'talsi', language);
}

async function answer(u: TestUser, visit: string, label: RegExp) {
  await u.send(`/agenda ${visit}`);
  await u.press(label);
}

async function publishVisit(app: App, id: string, format: 'visit' | 'online', day: string, agenda: string) {
  const parsed = parseAgenda(agenda, { startsOn: day, endsOn: day });
  const stamp = app.clock.now().toISOString();
  await saveVisit(
    app.database.db,
    {
      id, format, place: 'Talsi', municipality: 'talsi', title: `Tests ${id}`, starts_on: day, ends_on: day, date_precision: 'day',
      summary: null, source: null, origin: 'chat', reminder_lead_minutes: null, revision: 0, published_at: stamp, created_by: null,
      created_at: stamp, updated_at: stamp,
    },
    toItemRows(id, parsed.items),
  );
}

const GOING = /going|Piedalīšos|Участвую/;
const MAYBE = /Maybe|Varbūt|Возможно/;

describe('visit reminders', () => {
  it('fire the day before at 18:00 Riga and 15 minutes before the 2021-05-27 meeting opens, once, to going and maybe', async () => {
    const { app, telegram, reminders } = await start({ now: '2021-05-24T09:00:00Z' });
    const anna = await member(app, 'anna', 'en');
    const baiba = await member(app, 'baiba', 'lv');
    const cilda = await member(app, 'cilda', 'ru');
    const dace = await member(app, 'dace', 'en');
    await answer(anna, '2021-05-27', /I'm going/);
    await answer(baiba, '2021-05-27', MAYBE);
    await answer(cilda, '2021-05-27', GOING);
    await answer(dace, '2021-05-27', /Not going/);
    await cilda.send('/reminders off');
    expect(cilda.text()).toContain('Напоминания выключены');

    // 2021-05-26 18:00 in Riga (summer time, UTC+3) is 15:00Z.
    expect(await reminders.tick(new Date('2021-05-26T14:59:00Z'))).toEqual({ sent: 0, failed: 0 });
    expect(await reminders.tick(new Date('2021-05-26T15:00:00Z'))).toEqual({ sent: 2, failed: 0 });
    expect(await reminders.tick(new Date('2021-05-26T15:01:00Z'))).toEqual({ sent: 0, failed: 0 });
    expect(telegram.delivered.map((d) => d.chatId).sort()).toEqual(['anna', 'baiba']);
    expect(telegram.to('anna')[0]!.text).toContain('Tomorrow: Sanāksme par Reģionālo ekspertu tīkla');
    expect(telegram.to('anna')[0]!.text).toContain('Begins at 12:45');
    expect(telegram.to('baiba')[0]!.text).toContain('Rīt: Sanāksme');
    expect(telegram.to('baiba')[0]!.text).toContain('/reminders off');

    // The line opened at 12:45 Riga (09:45Z); the reminder goes 15 minutes before it.
    expect(await reminders.tick(new Date('2021-05-27T09:29:00Z'))).toEqual({ sent: 0, failed: 0 });
    expect(await reminders.tick(new Date('2021-05-27T09:30:00Z'))).toEqual({ sent: 2, failed: 0 });
    expect(await reminders.tick(new Date('2021-05-27T09:31:00Z'))).toEqual({ sent: 0, failed: 0 });
    expect(telegram.to('anna')[1]!.text).toContain('Starts in 15 minutes');
    expect(telegram.to('baiba')[1]!.text).toContain('Pēc 15 minūtēm sākas');
    expect(telegram.delivered).toHaveLength(4);
  });

  it('never sends one twice after a restart', async () => {
    const dbFile = join(tempDir(), 'bot.sqlite');
    const first = await start({ now: '2021-05-24T09:00:00Z', dbFile });
    await answer(await member(first.app, 'anna'), '2021-05-27', /I'm going/);
    expect((await first.reminders.tick(new Date('2021-05-26T15:05:00Z'))).sent).toBe(1);
    await first.app.stop();
    apps = apps.filter((a) => a !== first.app);

    const second = await start({ now: '2021-05-26T15:06:00Z', dbFile });
    expect(await second.reminders.tick(new Date('2021-05-26T15:06:00Z'))).toEqual({ sent: 0, failed: 0 });
    expect(second.telegram.delivered).toEqual([]);
  });

  it('retries a failed send through the notice outbox, and gives up once the moment has passed', async () => {
    const { app, telegram, reminders } = await start({ now: '2021-05-24T09:00:00Z' });
    await answer(await member(app, 'anna'), '2021-05-27', /I'm going/);
    await answer(await member(app, 'eva'), '2021-05-27', /I'm going/);
    telegram.failNext('anna', { kind: 'retry', reason: 'rate limited' });
    telegram.failAlways('eva', { kind: 'retry', reason: 'server down' });
    // Both are claimed once and handed to the outbox; the sends fail and wait for their retry.
    expect(await reminders.tick(new Date('2021-05-27T09:30:00Z'))).toEqual({ sent: 2, failed: 0 });
    expect(telegram.to('anna')).toHaveLength(0);
    expect(await reminders.tick(new Date('2021-05-27T09:31:00Z'))).toEqual({ sent: 0, failed: 0 });
    expect(telegram.to('anna')).toHaveLength(1);
    // 09:45Z: the meeting has begun; a "starts in 15 minutes" is no use any more, and is given up, not sent late.
    expect(await reminders.tick(new Date('2021-05-27T09:45:00Z'))).toEqual({ sent: 0, failed: 0 });
    expect(telegram.to('eva')).toEqual([]);
    const eva = await app.database.db.selectFrom('notices').selectAll().where('chat_id', '=', 'eva').executeTakeFirstOrThrow();
    expect(eva).toMatchObject({ status: 'failed', body: '' });
    expect(eva.error).toContain('expired');
    // Coordinators see it, in their language, without the platform's English wording.
    const coordinator = await new TestUser(app, { id: 'coord' }).as('coordinator', 'riga', 'en');
    await coordinator.send('/undelivered');
    expect(coordinator.text()).toMatch(/visit reminder → .* \(telegram\): too late, no longer useful/);
    expect(coordinator.text()).not.toContain('server down');
  });

  it('keep to Riga time across daylight-saving changes (last Sundays of March and October 2026)', async () => {
    const { app, telegram, reminders } = await start({ now: '2026-03-20T09:00:00Z' });
    await publishVisit(app, 'dst-spring', 'visit', '2026-03-29', '10:00–12:00 Skola');
    await publishVisit(app, 'dst-autumn', 'online', '2026-10-25', '10:00–11:00 Sanāksme');
    const anna = await member(app, 'anna');
    await answer(anna, 'dst-spring', /I'm going/);
    app.clock.set('2026-10-20T09:00:00Z');
    await answer(anna, 'dst-autumn', /I'm going/);

    const spring = (await app.registry.features.find((f) => f.name === 'visits') as VisitsFeature).store.get('dst-spring');
    expect(reminderMoments((await spring)!).map((m) => [m.kind, m.dueAt.toISOString()])).toEqual([
      ['day_before', '2026-03-28T16:00:00.000Z'], // Saturday 18:00 EET (UTC+2)
      ['soon', '2026-03-29T06:00:00.000Z'], // 60 minutes before 10:00 EEST (UTC+3) for an in-person visit
    ]);
    expect((await reminders.tick(new Date('2026-03-28T15:59:00Z'))).sent).toBe(0);
    expect((await reminders.tick(new Date('2026-03-28T16:00:00Z'))).sent).toBe(1);
    expect((await reminders.tick(new Date('2026-03-29T05:59:00Z'))).sent).toBe(0);
    expect((await reminders.tick(new Date('2026-03-29T06:00:00Z'))).sent).toBe(1);
    expect(telegram.to('anna')[1]!.text).toContain('Starts in 60 minutes');
    expect(telegram.to('anna')[1]!.text).toContain('Begins at 10:00');

    // Autumn: Saturday 18:00 is still summer time (15:00Z); Sunday 10:00 is winter time (08:00Z), 15 minutes before.
    expect((await reminders.tick(new Date('2026-10-24T14:59:00Z'))).sent).toBe(0);
    expect((await reminders.tick(new Date('2026-10-24T15:00:00Z'))).sent).toBe(1);
    expect((await reminders.tick(new Date('2026-10-25T07:44:00Z'))).sent).toBe(0);
    expect((await reminders.tick(new Date('2026-10-25T07:45:00Z'))).sent).toBe(1);
    expect(telegram.to('anna')).toHaveLength(4);
  });

  it('run from the scheduler with the clock of the app, and stop cleanly', async () => {
    const { app, telegram, feature } = await start({ now: '2021-05-24T09:00:00Z' });
    await answer(await member(app, 'anna'), '2021-05-27', /I'm going/);
    app.clock.set('2021-05-26T15:00:30Z');
    // Test apps run the first catch-up inside start; stop waits for it.
    await feature.start!();
    await feature.stop!();
    await app.notices.flush();
    expect(telegram.to('anna')).toHaveLength(1);
  });
});
