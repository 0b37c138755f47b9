import { afterEach, describe, expect, it } from 'vitest';
import { esc } from '../../src/core/markup.ts';
import type { Draft } from '../../src/features/announcements/store.ts';
import { testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';
import { MemoryAdapter } from '../helpers/memory-adapter.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp;
afterEach(async () => app?.stop());

async function network(n: number, opts: { municipality?: (i: number) => string } = {}) {
  app = await testApp({ now: '2026-03-20T10:00:00Z' });
  const telegram = new MemoryAdapter('telegram');
  app.messenger.register(telegram);
  const coordinator = await new TestUser(app, { platform: 'telegram', id: 'c1', caps: TELEGRAM_CAPS }).as('coordinator', 'riga', 'en');
  const people: TestUser[] = [];
  for (let i = 0; i < n; i++) {
    people.push(await new TestUser(app, { platform: 'telegram', id: `u${i}`, caps: TELEGRAM_CAPS }).as(i % 2 ? 'mediator' : 'expert', opts.municipality?.(i) ?? 'talsi', 'lv'));
  }
  const person = await app.people.resolve(coordinator.identity(), app.clock.now());
  const create = (draft: Partial<Draft> = {}) =>
    app.announcements.store.create(
      { kind: 'general', text: esc('Sanāksme 27. maijā'), audience: { target: { type: 'everyone' } }, schedule: { type: 'now' }, ...draft },
      { personId: person.id, report: { platform: 'telegram', chatId: 'c1' }, language: 'en' },
      app.clock.now(),
    );
  return { telegram, coordinator, people, create };
}

describe('announcement delivery', () => {
  it('sends one message per member, in their language, and reports to the coordinator', async () => {
    const { telegram, create } = await network(5);
    await create();
    const tick = await app.announcements.tickNow();
    expect(tick.started).toHaveLength(1);
    expect(tick.started[0]!.total).toBe(6); // five members and the coordinator
    await app.announcements.worker.drain();
    await app.announcements.flushProgress();
    await app.notices.flush(); // the report goes through the notice outbox
    for (let i = 0; i < 5; i++) {
      const got = telegram.to(`u${i}`);
      expect(got).toHaveLength(1);
      expect(got[0]!.text).toContain('Sanāksme 27. maijā');
      expect(got[0]!.text).toContain('Vispārīgs'); // the kind, in Latvian
    }
    const report = telegram.to('c1').map((d) => d.text).join('\n');
    expect(report).toContain('Delivered: 6 of 6');
  });

  it('never sends a delivered row again, and a second tick starts no second run', async () => {
    const { telegram, create } = await network(3);
    await create();
    await app.announcements.tickNow();
    await app.announcements.worker.drain();
    expect((await app.announcements.tickNow()).started).toHaveLength(0);
    await app.announcements.worker.drain();
    app.clock.advance(10 * 60_000);
    await app.announcements.worker.drain();
    expect(telegram.to('u0')).toHaveLength(1);
  });

  it('after a crash between send and record, resends only the rows that were in flight', async () => {
    const { telegram, create } = await network(10);
    await create();
    await app.announcements.tickNow();
    // The coordinator (c1) is a recipient too: the progress message posted at the start is not a delivery.
    const progressPosted = telegram.delivered.length;
    const outbox = app.announcements.outbox;
    // A worker claims four rows and sends them, then the process dies before recording anything.
    const claimed = await outbox.claim(4, app.clock.now(), 60_000);
    for (const row of claimed) await app.messenger.send({ platform: row.platform, chatId: row.chat_id }, { kind: 'text', text: esc('x') });
    // A new process: the claims are older than the lease, so they are taken again; everything is delivered.
    app.clock.advance(61_000);
    await app.announcements.worker.drain();
    const counts = new Map<string, number>();
    for (const d of telegram.delivered.slice(progressPosted)) counts.set(d.chatId, (counts.get(d.chatId) ?? 0) + 1);
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    expect(duplicates).toBe(4);
    expect(counts.size).toBe(11);
    expect((await outbox.counts((await app.database.db.selectFrom('announcement_runs').select('id').executeTakeFirstOrThrow()).id)).sent).toBe(11);
  });

  it('does not reclaim a row whose claim is still fresh (another worker is sending it)', async () => {
    const { create } = await network(2);
    await create();
    await app.announcements.tickNow();
    const first = await app.announcements.outbox.claim(10, app.clock.now(), 60_000);
    expect(first).toHaveLength(3);
    expect(await app.announcements.outbox.claim(10, app.clock.now(), 60_000)).toHaveLength(0);
  });

  it('retries a 429 after the server’s delay, a 500 and a dropped connection with backoff', async () => {
    const { telegram, create } = await network(3);
    telegram.failNext('u0', { kind: 'retry', reason: 'Too Many Requests: retry after 7', retryAfterMs: 7000 });
    telegram.failNext('u1', { kind: 'retry', reason: 'Internal Server Error' });
    telegram.failNext('u2', { kind: 'retry', reason: 'network: socket hang up' });
    await create();
    await app.announcements.tickNow();
    await app.announcements.worker.drain();
    expect(telegram.to('u0')).toHaveLength(0);
    const row = await app.database.db.selectFrom('outbox').selectAll().where('chat_id', '=', 'u0').executeTakeFirstOrThrow();
    expect(row.status).toBe('pending');
    expect(Date.parse(row.next_attempt_at) - app.clock.now().getTime()).toBe(7000);
    app.clock.advance(6000);
    await app.announcements.worker.drain();
    expect(telegram.to('u0')).toHaveLength(0);
    app.clock.advance(1000);
    await app.announcements.worker.drain();
    expect(telegram.to('u0')).toHaveLength(1);
    expect(telegram.to('u1')).toHaveLength(1);
    expect(telegram.to('u2')).toHaveLength(1);
  });

  it('marks blocked users and missing chats unreachable without retrying', async () => {
    const { telegram, create } = await network(3);
    telegram.failAlways('u1', { kind: 'unreachable', reason: 'Forbidden: bot was blocked by the user' });
    telegram.failAlways('u2', { kind: 'unreachable', reason: 'Bad Request: chat not found' });
    await create();
    await app.announcements.tickNow();
    await app.announcements.worker.drain();
    app.clock.advance(3_600_000);
    await app.announcements.worker.drain();
    await app.announcements.flushProgress();
    await app.notices.flush(); // the report goes through the notice outbox
    const rows = await app.database.db.selectFrom('outbox').select(['chat_id', 'status', 'attempts']).orderBy('chat_id').execute();
    expect(rows.find((r) => r.chat_id === 'u1')).toMatchObject({ status: 'unreachable', attempts: 1 });
    expect(rows.find((r) => r.chat_id === 'u2')).toMatchObject({ status: 'unreachable', attempts: 1 });
    expect(telegram.to('c1').map((d) => d.text).join('\n')).toContain('Unreachable (blocked the bot or left): 2');
  });

  it('gives up a row that keeps failing temporarily, with the reason in the report', async () => {
    const { telegram, create } = await network(1);
    telegram.failAlways('u0', { kind: 'retry', reason: 'Internal Server Error' });
    await create();
    await app.announcements.tickNow();
    for (let i = 0; i < 10; i++) {
      await app.announcements.worker.drain();
      app.clock.advance(6 * 60_000);
    }
    await app.announcements.flushProgress();
    await app.notices.flush(); // the report goes through the notice outbox
    const row = await app.database.db.selectFrom('outbox').selectAll().where('chat_id', '=', 'u0').executeTakeFirstOrThrow();
    expect(row.status).toBe('failed');
    expect(telegram.to('c1').map((d) => d.text).join('\n')).toContain('Internal Server Error');
  });

  it('keeps a row the platform keeps rate-limiting (429) well past the attempts a failing one gets, and delivers it', async () => {
    const { telegram, create } = await network(1);
    const slowDown = { kind: 'retry', reason: 'Too Many Requests: retry after 1', retryAfterMs: 1000 } as const;
    telegram.failNext('u0', ...Array.from({ length: 12 }, () => slowDown));
    await create();
    await app.announcements.tickNow();
    for (let i = 0; i < 20; i++) {
      await app.announcements.worker.drain();
      app.clock.advance(6 * 60_000);
    }
    const row = await app.database.db.selectFrom('outbox').selectAll().where('chat_id', '=', 'u0').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'sent', attempts: 13 });
    expect(telegram.to('u0')).toHaveLength(1);
  });

  it('leaves out members who unsubscribed, from everything or from this kind', async () => {
    const { telegram, people, create } = await network(3);
    await people[0]!.send('/unsubscribe all');
    await people[1]!.send('/unsubscribe deadline');
    await create({ kind: 'deadline' });
    await app.announcements.tickNow();
    await app.announcements.worker.drain();
    await app.announcements.flushProgress();
    await app.notices.flush(); // the report goes through the notice outbox
    expect(telegram.to('u0')).toHaveLength(0);
    expect(telegram.to('u1')).toHaveLength(0);
    expect(telegram.to('u2')).toHaveLength(1);
    expect(telegram.to('c1').map((d) => d.text).join('\n')).toContain('Unsubscribed, so left out: 2');
    await create({ kind: 'visit' });
    await app.announcements.tickNow();
    await app.announcements.worker.drain();
    expect(telegram.to('u1')).toHaveLength(1);
  });

  it('never sends a cancelled announcement, and a stopped run sends nothing more', async () => {
    const { telegram, create } = await network(4);
    const a = await create({ schedule: { type: 'at', at: '2026-03-20T12:00:00Z' } });
    expect(await app.announcements.store.cancel(a.id, app.clock.now())).toBe(true);
    app.clock.set('2026-03-20T12:01:00Z');
    await app.announcements.tickNow();
    await app.announcements.worker.drain();
    expect(telegram.delivered).toHaveLength(0);

    await create();
    const { started } = await app.announcements.tickNow();
    await app.announcements.stopRun(started[0]!.runId);
    await app.announcements.worker.drain();
    await app.notices.flush();
    expect(telegram.delivered.filter((d) => d.chatId !== 'c1')).toHaveLength(0);
    expect(telegram.to('c1').map((d) => d.text).join('\n')).toContain('Not sent (stopped): 5');
  });

  it('targets a region and a municipality list', async () => {
    const { telegram, create } = await network(4, { municipality: (i) => (i < 2 ? 'talsi' : 'daugavpils') });
    await create({ audience: { target: { type: 'region', id: 'latgale' } } });
    await app.announcements.tickNow();
    await app.announcements.worker.drain();
    expect(telegram.delivered.filter((d) => d.chatId !== 'c1').map((d) => d.chatId).sort()).toEqual(['u2', 'u3']);
    telegram.delivered.length = 0;
    await create({ audience: { target: { type: 'municipalities', ids: ['talsi'] } } });
    await app.announcements.tickNow();
    await app.announcements.worker.drain();
    expect(telegram.delivered.filter((d) => d.chatId !== 'c1').map((d) => d.chatId).sort()).toEqual(['u0', 'u1']);
  });
});

describe('schedules with the clock passed in', () => {
  it('sends a dated announcement at its minute, not before', async () => {
    const { telegram, create } = await network(1);
    await create({ schedule: { type: 'at', at: '2026-03-20T12:00:00Z' } });
    app.clock.set('2026-03-20T11:59:00Z');
    expect((await app.announcements.tickNow()).started).toHaveLength(0);
    app.clock.set('2026-03-20T12:00:00Z');
    expect((await app.announcements.tickNow()).started).toHaveLength(1);
    await app.announcements.worker.drain();
    expect(telegram.to('u0')).toHaveLength(1);
  });

  it('catches up a run missed while the bot was down if within the grace period, else reports it missed', async () => {
    const { telegram, create } = await network(1);
    await create({ schedule: { type: 'at', at: '2026-03-20T12:00:00Z' } });
    await create({ text: esc('Second'), schedule: { type: 'at', at: '2026-03-20T13:00:00Z' } });
    // The bot was down from 11:00Z to 18:30Z: the 12:00 run is 6.5 h late (missed: the default grace is 6 h),
    // the 13:00 one 5.5 h late (still sent).
    app.clock.set('2026-03-20T18:30:00Z');
    const tick = await app.announcements.tickNow();
    expect(tick.started.map((s) => s.scheduledFor.toISOString())).toEqual(['2026-03-20T13:00:00.000Z']);
    expect(tick.missed.map((m) => m.scheduledFor.toISOString())).toEqual(['2026-03-20T12:00:00.000Z']);
    await app.announcements.worker.drain();
    expect(telegram.to('u0').map((d) => d.text).join()).toContain('Second');
    expect(telegram.to('u0')).toHaveLength(1);
    await app.notices.flush();
    expect(telegram.to('c1').map((d) => d.text).join('\n')).toMatch(/was not sent.*more than 6 h late/);
    await app.announcements.flushProgress();
    await app.notices.flush(); // the report goes through the notice outbox
    const runs = await app.database.db.selectFrom('announcement_runs').select(['status']).orderBy('scheduled_for').execute();
    expect(runs.map((r) => r.status)).toEqual(['missed', 'done']);
  });

  it('runs a daily 03:30 rule exactly once a day across both 2026 daylight-saving changes', async () => {
    for (const [from, days, expected] of [
      ['2026-03-27T22:00:00Z', 3, ['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']],
      ['2026-10-23T22:00:00Z', 3, ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']],
    ] as const) {
      const { create } = await network(1);
      app.clock.set(from);
      await create({ schedule: { type: 'recurring', cron: '30 3 * * *', label: 'every day 03:30' } });
      // Tick every five minutes, as the minute ticker would (with some ticks late), for three days.
      const started: string[] = [];
      for (let t = 0; t < (days * 24 * 60) / 5; t++) {
        app.clock.advance(5 * 60_000);
        for (const s of (await app.announcements.tickNow()).started) started.push(s.scheduledFor.toISOString());
      }
      expect(started).toEqual(expected);
      await app.stop();
    }
  });

  it('sends a recurring announcement once after downtime, marking older runs missed', async () => {
    const { telegram, create } = await network(1);
    await create({ schedule: { type: 'recurring', cron: '0 9 * * *', label: 'every day 09:00' } });
    // Down from 2026-03-20 to 2026-03-23 10:00 Riga (07:00Z in EET → 09:00 Riga was 07:00Z).
    app.clock.set('2026-03-23T08:00:00Z');
    const tick = await app.announcements.tickNow();
    expect(tick.started.map((s) => s.scheduledFor.toISOString())).toEqual(['2026-03-23T07:00:00.000Z']);
    expect(tick.missed.map((m) => m.scheduledFor.toISOString())).toEqual(['2026-03-21T07:00:00.000Z', '2026-03-22T07:00:00.000Z']);
    await app.announcements.worker.drain();
    expect(telegram.to('u0')).toHaveLength(1);
    const a = await app.database.db.selectFrom('announcements').select(['next_run_at', 'status']).executeTakeFirstOrThrow();
    expect(a).toEqual({ next_run_at: '2026-03-24T07:00:00.000Z', status: 'scheduled' });
  });
});
