import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { esc } from '../../src/core/markup.ts';
import { Registry } from '../../src/core/router.ts';
import { text } from '../../src/core/types.ts';
import { EDITOR_FLOW } from '../../src/features/visits/editor-flow.ts';
import { visitsFeature } from '../../src/features/visits/index.ts';
import { VisitStore } from '../../src/features/visits/visit-store.ts';
import { DISCORD_CAPS, testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const tg = (a: App, id: string) => new TestUser(a, { platform: 'telegram', id, caps: TELEGRAM_CAPS });

describe('/visits and /agenda', () => {
  it('lists upcoming visits first, then past ones from the most recent, numbered as /agenda reads them', async () => {
    app = await testApp({ now: '2021-05-20T09:00:00Z' });
    const u = await tg(app, 'u').as('expert', 'talsi', 'en');
    await u.send('/visits');
    const lines = u.text().split('\n');
    expect(lines[0]).toBe('Upcoming');
    expect(lines[1]).toBe('1. Microsoft Teams · 27 May 2021 · online meeting');
    expect(lines).toContain('Past');
    const numbered = lines.filter((l) => /^\d+\. /.test(l)).map((l) => l.split(' · ')[0]);
    expect(numbered).toEqual([
      '1. Microsoft Teams',
      '2. Sabile, Talsi',
      '3. Ventspils',
      '4. Jelgava',
      '5. Daugavpils',
      '6. Jūrmala',
      '7. Limbažu novads',
      '8. Malta (Rēzeknes novads)',
      '9. Viļaka',
    ]);
    // Talsi and Sabile are one two-day visit, as the sources count them (eight visits 2016–2020).
    expect(u.text().replace(/\s/g, ' ')).toContain('2. Sabile, Talsi · 2 – 3 Jul 2020 · good-practice visit');
    // Intl puts thin spaces around the dash of a date range.
    expect(u.text().replace(/\s/g, ' ')).toContain('3. Ventspils · 17 – 18 Oct 2019 · good-practice visit');
    expect(u.text()).toContain('5. Daugavpils · 2016–2020');
    await u.press('Jelgava 2017');
    expect(u.text()).toContain('III Reģionālo ekspertu sanāksme');
    await u.send('/agenda 3');
    expect(u.text()).toContain('Ventspilī');
    // The source names what the two days held, not which day: shown under both days, not as the first day.
    expect(u.text().replace(/\s/g, ' ')).toContain("On the visit's days (17 – 18 October 2019); the source does not say which day");
    expect(u.text()).not.toContain('Thursday 17 October');
  });

  it('shows an earlier "today" with those visits still to come', async () => {
    app = await testApp({ now: '2019-10-01T09:00:00Z' });
    const u = tg(app, 'u');
    await u.send('/visits');
    const numbered = u.text().split('\n').filter((l) => /^\d+\. /.test(l)).map((l) => l.split(' · ')[0]);
    expect(numbered.slice(0, 4)).toEqual(['1. Ventspils', '2. Sabile, Talsi', '3. Microsoft Teams', '4. Jelgava']);
  });

  it('shows the next visit day by day, with times, presenters and method, in the reader’s language', async () => {
    app = await testApp({ now: '2021-05-20T09:00:00Z' });
    const u = tg(app, 'u');
    await u.send('/language en');
    await u.send('/agenda');
    const t = u.text();
    expect(t).toContain('📍 Microsoft Teams · 27 May 2021 · online meeting');
    expect(t).toContain('Thursday 27 May');
    expect(t).toContain('12:45–13:00 Dalībnieku pievienošanās semināram');
    expect(t).toContain('13:00–13:15 Vispārīga informācija par sanāksmi');
    expect(t).toContain('    Kristīne Liepiņa, sanāksmes vadītāja; Deniss Kretalovs');
    expect(t).toContain('15:00–15:45 Diskusija');
    expect(t).toContain('[dalībnieku diskusija un viedokļi]');
    expect(t).toContain('15:45 Noslēgums');
    // Sources in words: no file name a reader could not open.
    expect(t).toContain('Source: K. Liepiņas ziņojums par 27.05.2021. sanāksmi');
    expect(t).not.toContain('003_07a1e3c4c4f769ab.txt');
    await u.send('/language ru');
    await u.send('/agenda 2021-05-27');
    expect(u.text()).toContain('Четверг, 27 мая');
    expect(u.text()).toContain('онлайн-встреча');
  });

  it('finds a visit by date, place, municipality, year and number, and asks when several match', async () => {
    app = await testApp();
    const u = tg(app, 'u');
    await u.send('/language en');
    for (const [ref, expected] of [
      ['27.05.2021', 'Microsoft Teams'],
      ['2019-10-18', 'Ventspilī'],
      ['Sabile', 'Talsu novadā (Sabile un Talsi)'],
      ['talsi', 'Talsu novadā (Sabile un Talsi)'],
      ['2020-07-03', 'Talsu Tautas nams'],
      ['Jelgava', 'III Reģionālo'],
      ['Malta', 'Rēzeknes novadā (Maltā)'],
      ['Viļaka', 'Viļakas novadā'],
    ] as const) {
      await u.send(`/agenda ${ref}`);
      expect(u.text(), ref).toContain(expected);
    }
    await u.send('/agenda 2020');
    expect(u.text()).toContain('Sventes Priedulāja apmeklējums');
    expect(u.text()).toContain('Friday 3 July');
    await u.send('/agenda 2017');
    expect(u.text()).toContain('III Reģionālo');
    await u.send('/agenda Valmiera');
    expect(u.text()).toContain('I found no visit “Valmiera”');
    await u.send('/agenda 99');
    expect(u.text()).toContain('I found no visit “99”');
  });

  it('keeps every message under the platform’s limit', async () => {
    app = await testApp();
    const u = new TestUser(app, { platform: 'discord', id: 'd', caps: DISCORD_CAPS });
    await u.send('/agenda 2021-05-27');
    expect(u.last.length).toBeGreaterThan(1);
    for (const r of u.last) if (r.kind === 'text') expect(r.text.length).toBeLessThanOrEqual(2000);
    const all = u.text();
    // A Latvian reader: times with a full stop.
    expect(all).toContain('12.45–13.00');
    expect(all).toContain('15.45 Noslēgums');
  });
});

describe('RSVP', () => {
  it('lets members answer going / maybe / not going, changeably, and coordinators see counts and names', async () => {
    app = await testApp({ now: '2021-05-20T09:00:00Z' });
    const anna = await tg(app, 'anna').as('expert', 'talsi', 'en');
    const baiba = await tg(app, 'baiba').as('mediator', 'jelgava', 'lv');
    const cilda = await tg(app, 'cilda').as('expert', 'ventspils', 'ru');
    const guest = tg(app, 'guest');

    await guest.send('/agenda 2021-05-27');
    expect(guest.choices().map((c) => c.label)).not.toContain('Piedalīšos');
    await guest.action('visits:rsvp:2021-05-27-online:going');
    expect(guest.text()).toMatch(/apstiprinātiem tīkla dalībniekiem|only for approved members/i);

    await anna.send('/agenda 2021-05-27');
    await anna.press("I'm going");
    expect(anna.text()).toContain('Noted: you are going to Microsoft Teams, 27 May 2021');
    expect(anna.text()).toContain('the day before at 18:00 and 15 minutes before the start');
    expect(anna.choices()[0]!.label).toBe("✓ I'm going");
    await anna.press('Maybe');
    expect(anna.text()).toContain('you may come');
    await anna.press("I'm going");

    await baiba.send('/agenda 2021-05-27');
    await baiba.press('Varbūt');
    expect(baiba.text()).toContain('iespējams, piedalīsieties');
    await cilda.send('/agenda 2021-05-27');
    await cilda.press('Не участвую');
    expect(cilda.text()).toContain('вы не участвуете');

    const coordinator = await tg(app, 'koord').as('coordinator', null, 'en');
    await coordinator.send('/agenda 2021-05-27');
    await coordinator.press('Answers (2)');
    const report = coordinator.text();
    expect(report).toContain('Going: 1 · maybe: 1 · not going: 1');
    expect(report).toContain('Going (1)');
    expect(report).toContain('• telegram:anna (Talsi Municipality)');
    expect(report).toContain('Maybe (1)');
    expect(report).toContain('• telegram:baiba (Jelgava)');
    expect(report).toContain('Not going (1)');
    await coordinator.send('/rsvps 2021-05-27');
    expect(coordinator.text()).toBe(report);
    await anna.send('/rsvps 2021-05-27');
    expect(anna.text()).toContain('only for coordinators');
  });

  it('does not take answers for a visit that has already happened', async () => {
    app = await testApp({ now: '2021-05-20T09:00:00Z' });
    const anna = await tg(app, 'anna').as('expert', 'talsi', 'en');
    await anna.send('/agenda Jelgava');
    expect(anna.choices().map((c) => c.label)).not.toContain("I'm going");
    await anna.action('visits:rsvp:2017-02-23-jelgava:going');
    expect(anna.text()).toContain('already taken place');
  });

  it('turns reminders off and on per person', async () => {
    app = await testApp();
    const anna = await tg(app, 'anna').as('expert', 'talsi', 'en');
    await anna.send('/reminders');
    expect(anna.text()).toContain('Visit reminders are on');
    await anna.press('Turn reminders off');
    expect(anna.text()).toContain('Reminders are off');
    await anna.send('/agenda 2021-05-27');
    await anna.press("I'm going");
    expect(anna.text()).toContain('Your reminders are off');
    await anna.send('/reminders on');
    expect(anna.text()).toContain('Reminders are on');
  });
});

describe('coordinators publish visits in chat', () => {
  it('creates a visit: municipality, format, dates, agenda with a malformed line fixed by number, preview, publish', async () => {
    app = await testApp({ now: '2021-05-20T09:00:00Z' });
    const c = await tg(app, 'koord').as('coordinator', null, 'en');
    const member = await tg(app, 'anna').as('expert', 'talsi', 'en');

    await c.send('/visit_new');
    expect(c.text()).toContain('Which municipality hosts it?');
    await c.send('Valmiera');
    expect(c.text()).toContain('Is it a visit or an online meeting?');
    await c.press('Good-practice visit');
    await c.send('nākamnedēļ');
    expect(c.text()).toContain('could not read those dates');
    await c.send('10.06.2021–11.06.2021');
    expect(c.text()).toContain('Paste the agenda');

    await c.send('1. diena\n10:00–12:00 Sociālo lietu pārvalde — S. Strazdiņa @ Valmiera\n13:0 Pusdienas\n2. diena\n10:00–11:30 Sanāksme ar domes vadību [diskusija]\n10:30 Kafija');
    expect(c.text()).toContain('Lines: 6; items so far: 3');
    expect(c.text()).toContain('Line 3: “13:0 Pusdienas”: expected a time from 00:00 to 23:59');
    await c.send('3: 13:00 Pusdienas');
    expect(c.text()).toContain('Fixed. Lines: 6; items: 4');

    // Nothing is visible to members before publishing.
    await member.send('/visits');
    expect(member.text()).not.toContain('Valmiera');

    await c.press('Done');
    const preview = c.text();
    expect(preview).toContain('Preview');
    expect(preview).toContain('Labās prakses vizīte: Valmieras novads');
    expect(preview).toContain('10:00–12:00 Sociālo lietu pārvalde');
    expect(preview).toContain('S. Strazdiņa · 📍 Valmiera');
    expect(preview).toContain('Line 6: overlaps the item on line 5 (10:00–11:30)');

    await c.press('Edit');
    await c.press('Title');
    await c.send('Labās prakses vizīte Valmierā');
    expect(c.text()).toContain('Labās prakses vizīte Valmierā');
    await c.press('Publish');
    expect(c.text()).toContain('Published: Labās prakses vizīte Valmierā');

    await member.send('/visits');
    expect(member.text().replace(/\s/g, ' ')).toContain('2. Valmieras novads · 10 – 11 Jun 2021 · good-practice visit');
    await member.send('/agenda Valmiera');
    expect(member.text()).toContain('Thursday 10 June');
    const v = (await new VisitStore(app.database.db).get('2021-06-10-valmiera'))!;
    expect(v).toMatchObject({ origin: 'chat', municipality: 'valmiera', ends_on: '2021-06-11' });
    expect(v.items.map((i) => i.starts_at)).toEqual(['2021-06-10T07:00:00.000Z', '2021-06-10T10:00:00.000Z', '2021-06-11T07:00:00.000Z', '2021-06-11T07:30:00.000Z']);
  });

  it('changes nothing published until the new version is confirmed', async () => {
    app = await testApp({ now: '2021-05-20T09:00:00Z' });
    const c = await tg(app, 'koord').as('coordinator', null, 'en');
    const member = tg(app, 'anna');
    await c.send('/visit_edit 2021-05-27');
    expect(c.text()).toContain('Preview');
    expect(c.text()).toContain('comes from the shipped data files');
    await c.press('Edit');
    await c.press('Agenda');
    expect(c.text()).toContain('2: 12:45 Dalībnieku pievienošanās');
    await c.send('2: 12:30 Dalībnieku pievienošanās, savienojuma pārbaude');
    await c.press('Done');
    expect(c.text()).toContain('12:30–13:00 Dalībnieku pievienošanās, savienojuma pārbaude');

    await member.send('/agenda 2021-05-27');
    expect(member.text()).toContain('12.45–13.00 Dalībnieku pievienošanās semināram');
    expect(member.text()).not.toContain('savienojuma pārbaude');

    await c.press('Publish');
    expect(c.text()).toContain('Changes published');
    await member.send('/agenda 2021-05-27');
    expect(member.text()).toContain('12.30–13.00 Dalībnieku pievienošanās, savienojuma pārbaude');
    const v = (await new VisitStore(app.database.db).get('2021-05-27-online'))!;
    expect(v).toMatchObject({ origin: 'chat', revision: 1 });
    expect(v.items).toHaveLength(7);
  });

  it('cancels without a trace, and keeps the editor to coordinators', async () => {
    app = await testApp({ now: '2021-05-20T09:00:00Z' });
    const expert = await tg(app, 'e').as('expert', 'talsi', 'en');
    await expert.send('/visit_new');
    expect(expert.text()).toContain('only for coordinators');
    const c = await tg(app, 'koord').as('coordinator', null, 'en');
    await c.send('/visit_new');
    await c.press('No municipality');
    await c.send('2021-09-01');
    await c.send('10:00 Sākums');
    await c.press('Cancel');
    expect(c.text()).toContain('nothing was changed');
    expect((await new VisitStore(app.database.db).list(app.clock.now())).map((v) => v.id)).not.toContain('2021-09-01-online');
  });

  it('warns about past dates but still publishes, and refuses a visit longer than a week', async () => {
    app = await testApp({ now: '2021-05-20T09:00:00Z' });
    const c = await tg(app, 'koord').as('coordinator', null, 'en');
    await c.send('/visit_new');
    await c.press('No municipality');
    await c.send('01.06.2021-12.06.2021');
    expect(c.text()).toContain('at most 7 days');
    await c.send('2021-05-03');
    expect(c.text()).toContain('These dates are in the past');
    await c.send('10:00 Sanāksme https://teams.microsoft.com/l/abc');
    await c.press('Done');
    expect(c.text()).toContain('the day 3 May 2021 is in the past');
    expect(c.text()).toContain('🔗 teams.microsoft.com');
    await c.press('Publish');
    expect(c.text()).toContain('Published');
    expect((await new VisitStore(app.database.db).get('2021-05-03-online'))?.items[0]?.link).toBe('https://teams.microsoft.com/l/abc');
  });

  it('hands a published visit to the onPublished hook, whose replies follow the confirmation', async () => {
    app = await testApp({ now: '2021-05-20T09:00:00Z' });
    const published: Array<[string, boolean]> = [];
    const { database, clock, log, i18n, messenger, notices, people, municipalities, config } = app;
    const hooked = visitsFeature(
      { db: database.db, dialect: database.dialect, clock, log, i18n, messenger, notices, people, municipalities, registry: new Registry(), config },
      {
        onPublished: async (_ctx, p) => {
          published.push([p.visit.id, p.created]);
          return [text(esc('Notify the network?'))];
        },
      },
    );
    app.registry.flows.set(EDITOR_FLOW, hooked.flows![0]!);
    const c = await tg(app, 'koord').as('coordinator', null, 'en');
    await c.send('/visit_new');
    await c.press('No municipality');
    await c.send('2021-09-01');
    await c.press('Done');
    await c.press('Publish');
    expect(c.text()).toContain('Published: Reģionālo ekspertu tīkla tiešsaistes sanāksme'); // content stays Latvian
    expect(c.text()).toContain('Notify the network?');
    expect(published).toEqual([['2021-09-01-online', true]]);
  });
});
