import ical from 'node-ical';
import { afterEach, describe, expect, it } from 'vitest';
import { anyone } from '../../src/core/access.ts';
import { esc } from '../../src/core/markup.ts';
import { text as reply } from '../../src/core/types.ts';
import { DiscordDriver } from '../helpers/discord-driver.ts';
import { DISCORD_CAPS, testApp, TestUser } from '../helpers/harness.ts';
import { insertVisit } from '../ideas/helpers.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp | undefined;
let driver: DiscordDriver | undefined;
afterEach(async () => {
  await app?.stop();
  await driver?.stop();
  app = undefined;
  driver = undefined;
});

const text = DiscordDriver.text;
const U = (n: number) => `1000000000000${String(n).padStart(5, '0')}`;

describe('Discord: the features, as a member uses them', () => {
  it('runs the eligibility questionnaire through buttons', async () => {
    app = await testApp({ now: '2021-10-01T09:00:00Z' });
    await new TestUser(app, { platform: 'discord', id: U(1), caps: DISCORD_CAPS }).as('mediator', 'talsi', 'en');
    driver = await DiscordDriver.start(app);
    expect(text(await driver.slash(U(1), 'eligibility'))).toContain('never names');
    await driver.press(U(1), 'A child / pupil');
    await driver.press(U(1), 'Meals');
    await driver.press(U(1), 'Done');
    expect(text(await driver.press(U(1), 'Show results now'))).toContain('Pumpurs');
  });

  it('answers /agenda with the agenda and the calendar file as an attachment', async () => {
    app = await testApp({ now: '2021-05-20T09:00:00Z' });
    driver = await DiscordDriver.start(app);
    const agenda = await driver.slash(U(2), 'agenda', { visit: '2021-05-27' }, { dm: false, locale: 'en-US' });
    expect(text(agenda)).toContain('13:00');
    expect(agenda[0]!.ephemeral).toBe(true);
    const file = await driver.press(U(2), 'calendar', { dm: false });
    const attachment = file.flatMap((r) => r.attachments).find((a) => a.filename.endsWith('.ics'))!;
    const events = Object.values(ical.sync.parseICS(attachment.bytes.toString('utf8'))).filter((e) => e.type === 'VEVENT');
    expect(events.map((e) => (e as { start: Date }).start.toISOString())).toContain('2021-05-27T10:00:00.000Z');
  });

  it('asks for the listing consent on RSVP and attaches the exports streamed from disk', async () => {
    app = await testApp({ now: '2031-03-01T10:00:00Z' });
    await insertVisit(app, { id: '2031-03-12-valmiera', starts_on: '2031-03-12', title: 'Valmiera visit', format: 'visit', place: 'Valmiera', municipality: 'valmiera' });
    await new TestUser(app, { platform: 'discord', id: U(7), caps: DISCORD_CAPS }).as('expert', 'talsi', 'en');
    await new TestUser(app, { platform: 'discord', id: U(8), caps: DISCORD_CAPS }).as('coordinator', 'riga', 'en');
    driver = await DiscordDriver.start(app);
    await driver.slash(U(7), 'agenda', { visit: '2031-03-12' });
    expect(text(await driver.press(U(7), "I'm going"))).toContain('May we name you and your institution in it?');
    expect(text(await driver.press(U(7), /No, only count me/))).toContain('Which institution do you attend this meeting for?');
    expect(text(await driver.press(U(7), 'Skip'))).toContain('without an institution');

    // Writing a file can take longer than Discord's first answer waits (the answer is deferred, then followed up).
    const attached = async () => {
      const d = driver!;
      const i = d.lastInteraction(U(8))!;
      await d.fake.waitFor(() => d.fake.responsesTo(i).some((r) => r.attachments.length > 0), 60_000);
      return d.fake.responsesTo(i).flatMap((r) => r.attachments);
    };
    await driver.slash(U(8), 'rsvps', { visit: '2031-03-12' });
    await driver.press(U(8), /Excel/);
    const sheet = await attached();
    expect(sheet.map((a) => a.filename)).toEqual(['participants-2031-03-12.xlsx']);
    expect(sheet[0]!.bytes.subarray(0, 2).toString()).toBe('PK');
    await driver.slash(U(8), 'report', { visit: '2031-03-12' });
    const report = await attached();
    expect(report.map((a) => a.filename)).toEqual(['report-2031-03-12.docx']);
    // A workbook and a report with its chart drawn: on a busy two-core machine that took over 30 s, the default bound.
  }, 120_000);

  it('takes the five ideas in one modal and saves them after the preview', async () => {
    app = await testApp({ now: '2031-03-12T10:00:00Z' });
    await insertVisit(app, { id: '2031-03-12-valmiera', starts_on: '2031-03-12', title: 'Valmiera visit', format: 'visit', place: 'Valmiera', municipality: 'valmiera' });
    await (await new TestUser(app, { id: 'coord' }).as('coordinator')).send('/ideas_open');
    await new TestUser(app, { platform: 'discord', id: U(3), caps: DISCORD_CAPS }).as('expert', 'talsi', 'en');
    driver = await DiscordDriver.start(app);
    const opened = await driver.slash(U(3), 'ideas', {}, { dm: false });
    const modal = opened[0]!.modal!;
    expect(opened[0]!.callbackType).toBe(9);
    const inputs = JSON.stringify(modal);
    for (let i = 1; i <= 5; i++) expect(inputs).toContain(`idea${i}`);
    const ideas = ['Invite a Roma mediator to the school', 'Hire a Roma teacher assistant', 'Meetings with parents about school', 'Youth club for young Roma', 'Apply for ESF funding'];
    const preview = await driver.submitModal(U(3), modal.custom_id, Object.fromEntries(ideas.map((t, i) => [`idea${i + 1}`, t])), driver.lastInteraction(U(3)));
    expect(text(preview)).toContain('Hire a Roma teacher assistant');
    await driver.press(U(3), 'Save', { dm: false });
    const saved = await app.database.db.selectFrom('ideas').select(['text']).execute();
    expect(saved.map((r) => r.text).sort()).toEqual([...ideas].sort());
  });

  it('answers by direct message when an interaction has expired instead of crashing', async () => {
    app = await testApp();
    app.registry.add({
      name: 'slowish',
      commands: [{ name: 'slowish', access: [anyone], description: 'people:commands.help', handle: async () => (await new Promise((r) => setTimeout(r, 300)), [reply(esc('late but here'))]) }],
    });
    driver = await DiscordDriver.start(app, { deferAfterMs: 5000 });
    driver.fake.setTimeouts({ interactionTimeoutMs: 100 }); // the first answer comes after Discord stopped waiting
    driver.fake.slashCommand({ userId: U(4), name: 'slowish', dm: true });
    await driver.fake.waitFor(() => driver!.fake.dmsTo(U(4)).some((m) => m.content.includes('late but here')), 10_000);
    expect(driver.adapter.client.isReady()).toBe(true);
  });
});
