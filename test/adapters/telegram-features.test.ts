import ical from 'node-ical';
import { afterEach, describe, expect, it } from 'vitest';
import { TelegramDriver } from '../helpers/telegram-driver.ts';
import { testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';
import { insertVisit } from '../ideas/helpers.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp | undefined;
let driver: TelegramDriver | undefined;
afterEach(async () => {
  await app?.stop();
  await driver?.fake.stop();
  app = undefined;
  driver = undefined;
});

const text = TelegramDriver.text;

describe('Telegram: the features, as a person on a phone uses them', () => {
  it('runs the eligibility questionnaire through its buttons', async () => {
    app = await testApp({ now: '2021-10-01T09:00:00Z' });
    await new TestUser(app, { platform: 'telegram', id: '101', caps: TELEGRAM_CAPS }).as('mediator', 'talsi', 'en');
    driver = await TelegramDriver.start(app);
    expect(text(await driver.say(101, '/eligibility'))).toContain('never names');
    await driver.press(101, 'A child / pupil');
    const before = driver.fake.messagesTo(101).filter((m) => m.kind !== 'edit').length;
    // A tick edits the question in place: no new message per tick.
    const ticked = await driver.press(101, 'Meals', 0);
    expect(ticked.map((m) => m.kind)).toEqual(['edit']);
    expect(ticked[0]!.plainText).toContain('What is needed');
    expect(JSON.stringify(ticked[0]!.replyMarkup)).toContain('☑');
    expect(driver.fake.messagesTo(101).filter((m) => m.kind !== 'edit')).toHaveLength(before);
    await driver.press(101, 'Done');
    const results = text(await driver.press(101, 'Show results now'));
    expect(results).toContain('Pumpurs');
    for (const m of driver.fake.messagesTo(101)) {
      for (const b of ((m.replyMarkup as { inline_keyboard?: Array<Array<{ callback_data?: string }>> } | undefined)?.inline_keyboard ?? []).flat()) {
        expect(Buffer.byteLength(b.callback_data ?? '')).toBeLessThanOrEqual(64);
      }
    }
  });

  it('shows an agenda and sends its calendar file as a document that reads back in Riga time', async () => {
    app = await testApp({ now: '2021-05-20T09:00:00Z' });
    driver = await TelegramDriver.start(app);
    const agenda = text(await driver.say(102, '/agenda 2021-05-27', { languageCode: 'en' }));
    expect(agenda).toContain('13:00');
    const sent = await driver.press(102, 'calendar');
    const doc = sent.find((m) => m.kind === 'document')!;
    expect(doc.files[0]!.fileName).toMatch(/\.ics$/);
    const events = Object.values(ical.sync.parseICS(doc.files[0]!.bytes.toString('utf8'))).filter((e) => e.type === 'VEVENT');
    const starts = events.map((e) => (e as { start: Date }).start.toISOString()).sort();
    expect(starts).toContain('2021-05-27T10:00:00.000Z'); // 13:00 in Riga (EEST, UTC+3)
  });

  it('asks whether a person may be named in the report when they RSVP, and sends the meeting report and exports as documents streamed from disk', async () => {
    app = await testApp({ now: '2031-03-01T10:00:00Z' });
    await insertVisit(app, { id: '2031-03-12-valmiera', starts_on: '2031-03-12', title: 'Valmiera visit', format: 'visit', place: 'Valmiera', municipality: 'valmiera' });
    await new TestUser(app, { platform: 'telegram', id: '104', caps: TELEGRAM_CAPS }).as('expert', 'talsi', 'lv');
    await new TestUser(app, { platform: 'telegram', id: '105', caps: TELEGRAM_CAPS }).as('coordinator', 'riga', 'en');
    driver = await TelegramDriver.start(app);
    await driver.say(104, '/agenda 2031-03-12');
    expect(text(await driver.press(104, 'Piedalīšos'))).toContain('Vai drīkstam tajā minēt jūsu vārdu un iestādi?');
    expect(text(await driver.press(104, 'Jā, minēt mani'))).toContain('Kuru iestādi jūs pārstāvat');
    expect(text(await driver.say(104, 'Talsu novada Sociālais dienests'))).toContain('Pierakstīju iestādi');

    await driver.say(105, '/ideas_open 2031-03-12');
    await driver.say(104, '/ideas');
    await driver.say(104, ['Romu mediators skolā', 'Skolotāja palīgs sākumskolā', 'Vecāku skola romu ģimenēm', 'Romu jauniešu klubs', 'Izmantot ESF atbalstu'].map((t, i) => `${i + 1}. ${t}`).join('\n'));
    await driver.press(104, 'Saglabāt');
    const exported = await driver.say(105, '/ideas_export 2031-03-12', { expect: 3 });
    const docs = exported.filter((m) => m.kind === 'document').flatMap((m) => m.files);
    expect(docs.map((f) => f.fileName)).toEqual(['ideas-2031-03-12.xlsx', 'ideas-2031-03-12.csv', 'ideas-2031-03-12.md']);
    expect(docs[0]!.bytes.subarray(0, 2).toString()).toBe('PK');
    expect(docs[1]!.bytes.toString('utf8')).toContain('Skolotāja palīgs sākumskolā');
    const report = (await driver.say(105, '/report 2031-03-12')).filter((m) => m.kind === 'document').flatMap((m) => m.files);
    expect(report[0]!.fileName).toBe('report-2031-03-12.docx');
    expect(report[0]!.bytes.subarray(0, 2).toString()).toBe('PK');
    // Workbooks and a report with its chart drawn: on a busy two-core machine this can pass the default 30 s.
  }, 120_000);

  it('takes a five-idea list in one message and saves it after the preview', async () => {
    app = await testApp({ now: '2031-03-12T10:00:00Z' });
    await insertVisit(app, { id: '2031-03-12-valmiera', starts_on: '2031-03-12', title: 'Valmiera visit', format: 'visit', place: 'Valmiera', municipality: 'valmiera' });
    const coordinator = await new TestUser(app, { id: 'coord' }).as('coordinator');
    await coordinator.send('/ideas_open');
    await new TestUser(app, { platform: 'telegram', id: '103', caps: TELEGRAM_CAPS }).as('expert', 'talsi', 'en');
    driver = await TelegramDriver.start(app);
    await driver.say(103, '/ideas');
    const ideas = ['Invite a Roma mediator to the school', 'Hire a Roma teacher assistant', 'Meetings with parents about school', 'Youth club for young Roma', 'Apply for ESF funding'];
    const preview = text(await driver.say(103, ideas.map((t, i) => `${i + 1}. ${t}`).join('\n')));
    expect(preview).toContain('Hire a Roma teacher assistant');
    await driver.press(103, 'Save');
    const saved = await app.database.db.selectFrom('ideas').select(['text']).execute();
    expect(saved.map((r) => r.text).sort()).toEqual([...ideas].sort());
  });
});
