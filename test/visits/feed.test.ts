import ical from 'node-ical';
import { afterEach, describe, expect, it } from 'vitest';
import { testApp, TestUser } from '../helpers/harness.ts';
import { freePort } from '../helpers/telegram-driver.ts';

let app: Awaited<ReturnType<typeof testApp>> | undefined;
afterEach(async () => app?.stop());

type Events = Array<{ uid: string; summary: string; start: Date; sequence?: string; lastmodified?: Date }>;
const events = (body: string): Events => Object.values(ical.sync.parseICS(body)).filter((c) => c.type === 'VEVENT') as unknown as Events;

describe('calendar subscription: GET /calendar.ics with a personal secret address from /calendar', () => {
  it('lists every visit, changes when a visit changes (same UIDs, higher SEQUENCE), and stops on /calendar off and /forget', async () => {
    const port = await freePort();
    app = await testApp({ now: '2021-05-20T09:00:00Z', env: { HTTP_PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}/` } });
    await app.start([]);
    const ilze = await new TestUser(app, { id: 'ilze' }).as('expert', 'talsi', 'en');
    await ilze.send('/calendar');
    const url = /(http:\/\/127\.0\.0\.1:\d+\/calendar\.ics\?token=[A-Za-z0-9_-]+)/.exec(ilze.text())?.[1];
    expect(url, ilze.text()).toBeDefined();
    const token = new URL(url!).searchParams.get('token')!;
    // Only the hash is stored.
    const stored = await app.database.db.selectFrom('calendar_feeds').selectAll().execute();
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(token);

    const res = await fetch(url!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/calendar');
    const before = events(await res.text());
    const meeting = before.filter((e) => e.uid.startsWith('2021-05-27-online/'));
    expect(meeting).toHaveLength(7); // the 2021 online meeting's timed agenda, 12:45 … 15:45
    expect(meeting[0]!.start.toISOString()).toBe('2021-05-27T09:45:00.000Z'); // 12:45 in Riga
    const sequence = Number(meeting[0]!.sequence);
    expect(meeting[0]!.lastmodified).toBeInstanceOf(Date);

    // A coordinator changes the visit: the feed shows the change under the same UIDs with a higher SEQUENCE.
    await app.database.db.updateTable('visits').set({ revision: sequence + 1, updated_at: '2021-05-21T08:00:00.000Z' }).where('id', '=', '2021-05-27-online').execute();
    await app.database.db.updateTable('agenda_items').set({ title: 'Noslēgums un atsauksmes' }).where('visit_id', '=', '2021-05-27-online').where('title', '=', 'Noslēgums').execute();
    const after = events(await (await fetch(url!)).text()).filter((e) => e.uid.startsWith('2021-05-27-online/'));
    expect(after.map((e) => e.uid)).toEqual(meeting.map((e) => e.uid));
    expect(Number(after[0]!.sequence)).toBe(sequence + 1);
    expect(after.map((e) => e.summary)).toContain('Noslēgums un atsauksmes');

    // Wrong tokens get nothing; /calendar again does not show the link again; a new link replaces the old.
    expect((await fetch(`http://127.0.0.1:${port}/calendar.ics?token=${'x'.repeat(32)}`)).status).toBe(404);
    await ilze.send('/calendar');
    expect(ilze.text()).toContain('You already have a calendar subscription');
    expect(ilze.text()).not.toContain(token);
    await ilze.press('🔄 New link');
    const second = /(http:\/\/\S+token=[A-Za-z0-9_-]+)/.exec(ilze.text())![1]!;
    expect((await fetch(url!)).status).toBe(404);
    expect((await fetch(second)).status).toBe(200);
    await ilze.send('/calendar off');
    expect(ilze.text()).toContain('the link no longer works');
    expect((await fetch(second)).status).toBe(404);

    // /forget removes the feed.
    await ilze.send('/calendar');
    const third = /(http:\/\/\S+token=[A-Za-z0-9_-]+)/.exec(ilze.text())![1]!;
    await ilze.send('/forget');
    await ilze.press(/Yes, erase me/);
    expect((await fetch(third)).status).toBe(404);
    expect(await app.database.db.selectFrom('calendar_feeds').selectAll().execute()).toHaveLength(0);
  });

  it('says how to get one visit’s file when the bot has no HTTP server', async () => {
    app = await testApp({ now: '2021-05-20T09:00:00Z' });
    const u = await new TestUser(app, { id: 'u' }).as('expert', 'talsi', 'en');
    await u.send('/calendar');
    expect(u.text()).toContain('Calendar subscriptions are not switched on for this bot');
    await u.send('/calendar 2021-05-27');
    expect(u.files()[0]?.file.name).toBe('agenda-2021-05-27.ics');
  });
});
