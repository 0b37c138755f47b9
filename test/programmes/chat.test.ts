import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import type { ManualClock } from '../../src/core/clock.ts';
import { testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';
import { answerAll, askedFact, section } from './questionnaire.ts';

let app: App & { clock: ManualClock };
afterEach(async () => app?.stop());

async function conversations(a: App) {
  const rows = await a.database.db.selectFrom('chat_state').select(['flow', 'state']).where('flow', 'is not', null).execute();
  return rows.map((r) => ({ flow: r.flow!, state: r.state! }));
}

async function mediator(a: App, lng: 'lv' | 'en' | 'ru' = 'en', id = 'm1') {
  return new TestUser(a, { id }).as('mediator', 'talsi', lng);
}

/** Says "I don't know" until the questionnaire asks about the fact. */
async function until(a: App, u: TestUser, fact: string) {
  for (let i = 0; i < 15 && askedFact(a, u) !== fact; i++) await u.press("I don't know");
  expect(askedFact(a, u)).toBe(fact);
}

describe('/eligibility: the issue’s two cases, end to end', () => {
  it('Talsi: a grade-1 child missing school whose family cannot pay for meals gets Pumpurs, with meals (Latvian)', async () => {
    app = await testApp({ now: '2021-10-01T09:00:00Z' });
    const u = await mediator(app, 'lv');
    await u.send('/eligibility');
    expect(u.text()).toContain('vārdus nejautāšu');
    const asked = await answerAll(
      app,
      u,
      { subject: 'Bērns / skolēns', needs: ['Ēdināšana'], at_risk_of_leaving_school: 'Jā', grade: '1', employment_status: 'Mācās' },
      'lv',
    );
    expect(asked[0]).toBe('subject');
    expect(asked).toContain('grade');
    expect(asked).not.toContain('has_pedagogical_education'); // not a question about a child
    const out = u.text();
    expect(out).toContain('Programmas uz 2021. gada 1. oktobri');
    const likely = section(out, 'Visticamāk der');
    expect(likely).toContain('Pumpurs');
    expect(likely).toMatch(/ēdināšana/);
    // Sources in words: the agency's page, never a file name; and when the information was checked.
    expect(likely).toContain('Izglītības kvalitātes valsts dienests (IKVD)');
    expect(likely).not.toMatch(/\d{3}_[0-9a-f]{16}\.txt/);
    expect(likely).toContain('Pārbaudīts 2026. gada 1. decembrī');
    expect(likely).toContain('Caur bērna skolu');
    const no = section(out, 'Neder');
    expect(no).toContain('Mācīšanās grupas');
    expect(no).toMatch(/mācās 5\.–12\. klasē \(atbilde: 1\)/);
    // Programmes of 2024 and later are not shown as "not yet open" to a 2021 case that they would not fit.
    expect(out).not.toContain('Subsidētās darba vietas');
    expect(await conversations(app)).toEqual([]); // answers deleted with the results
    expect(u.choices().some((c) => c.action === 'programmes:show:ikvd-pumpurs')).toBe(true);
  });

  it('a Roma mother without pedagogical education: teacher assistants not eligible, with the reason; a pedagogy student is eligible', async () => {
    app = await testApp({ now: '2021-10-01T09:00:00Z' });
    const u = await mediator(app);
    await u.send('/eligibility');
    const asked = await answerAll(app, u, {
      subject: 'An adult',
      needs: ["Teacher's assistant"],
      has_pedagogical_education: 'No',
      studying_pedagogy: 'No',
    });
    expect(asked.slice(0, 2)).toEqual(['subject', 'needs']);
    expect(asked).toContain('has_pedagogical_education');
    expect(asked).toContain('studying_pedagogy');
    expect(asked).not.toContain('grade'); // not a question about an adult
    const no = section(u.text(), '❌ Not eligible');
    expect(no).toMatch(/Teacher's assistants \/ second teacher \(ESF\): not met: the assistant must have pedagogical education or be studying pedagogy/);
    expect(no).toContain('72-hour pedagogy programme');
    expect(section(u.text(), '✅ Likely eligible')).not.toContain("Teacher's assistants");

    await u.send('/eligibility');
    await answerAll(app, u, { subject: 'An adult', needs: ["Teacher's assistant"], has_pedagogical_education: 'No', studying_pedagogy: 'Yes' });
    const yes = section(u.text(), '✅ Likely eligible');
    expect(yes).toContain("Teacher's assistants / second teacher");
    expect(yes).toContain('ESF');
    expect(yes).toContain('The school took part through its municipality');
  });
});

describe('/eligibility: dates', () => {
  it('shows closed programmes with their end date as of 2026, and still answers for open-ended ones', async () => {
    app = await testApp({ now: '2026-03-01T09:00:00Z' });
    const u = await mediator(app);
    await u.send('/eligibility');
    await u.press('Show results now');
    const closed = section(u.text(), '⏹ Closed');
    expect(closed).toContain('Pumpurs (reducing early school leaving) (ESF): ended on 31 Dec 2023');
    expect(closed).toContain('Motivation programme (ESF): ended on 31 Dec 2022');
    expect(closed).toContain('Learning groups (ESF): ended on 31 Aug 2023');
    const possibly = section(u.text(), '❔ Possibly');
    expect(possibly).toContain('Support person service');
    expect(possibly).toContain('No known end date');
    expect(possibly).toContain('To check:');
    expect(possibly).toContain('School in the Community');
    expect(possibly).toContain('ESF+');
  });

  it('answers as of the next school year, or a typed date, and re-asks a date it cannot read', async () => {
    app = await testApp({ now: '2021-05-20T09:00:00Z' });
    const u = await mediator(app);
    await u.send('/eligibility');
    await u.press('A child / pupil');
    await u.press('📅 As of');
    await u.send('32.13.2021');
    expect(u.text()).toContain('I could not read “32.13.2021” as a date');
    await u.press('Next school year');
    expect(u.text()).toContain('As of 1 September 2021.');
    expect(askedFact(app, u)).toBe('needs'); // the answer about the child is kept
    await u.press('📅 As of');
    await u.send('01.10.2021');
    await u.press('Show results now');
    expect(u.text()).toContain('Programmes as of 1 October 2021');
    // A grade-3 pupil in May 2021: Pumpurs is "not eligible" today, and the answer says it opens from grade 1 in September.
    await u.send('/eligibility 2021-05-20');
    await answerAll(app, u, { subject: 'A child / pupil', grade: '3', at_risk_of_leaving_school: 'Yes' });
    const no = section(u.text(), '❌ Not eligible');
    expect(no).toContain('Pumpurs (reducing early school leaving) (ESF): not met: in grade 5 or higher (answer: 3)');
    // Whether the pupil is at risk of leaving school was not asked (grade 3 settled it): "possibly" then.
    expect(no).toContain('📅 From 1 September 2021: from grade 1 — possibly eligible');
    await u.send('/eligibility 2024-06-01');
    await u.press('A child / pupil');
    await u.press('Show results now');
    expect(section(u.text(), '⏳ Not yet open')).toContain('School in the Community (Skola – kopienā) (ESF+): opens on 1 Jul 2024');
  });
});

describe('/eligibility: bad input is re-asked with the valid range, nothing lost', () => {
  it('grade 0, 15 and text for a number', async () => {
    app = await testApp({ now: '2021-10-01T09:00:00Z' });
    const u = await mediator(app);
    await u.send('/eligibility');
    await u.press('A child / pupil');
    await until(app, u, 'grade');
    const before = await conversations(app);
    for (const bad of ['0', '15', 'seven', '3.5']) {
      await u.send(bad);
      expect(u.text()).toContain('The grade must be a whole number from 1 to 12.');
      expect(askedFact(app, u)).toBe('grade');
      expect((await conversations(app)).map((c) => JSON.parse(c.state).s.facts)).toEqual(before.map((c) => JSON.parse(c.state).s.facts));
    }
    expect(u.text()).toContain('“3.5” is not a number.');
    await u.send('3');
    expect(askedFact(app, u)).not.toBe('grade');
    expect(JSON.parse((await conversations(app))[0]!.state).s.facts).toMatchObject({ subject: 'child', grade: 3 });
  });

  it('age -3, 200 and text for a number', async () => {
    app = await testApp({ now: '2022-03-01T09:00:00Z' });
    const u = await mediator(app);
    await u.send('/eligibility');
    await u.press('A child / pupil');
    await until(app, u, 'age');
    for (const [bad, why] of [
      ['-3', '-3 is not possible here.'],
      ['200', '200 is not possible here.'],
      ['abc', '“abc” is not a number.'],
    ] as const) {
      await u.send(bad);
      expect(u.text()).toContain(why);
      expect(u.text()).toContain('The age must be a whole number of years from 0 to 120.');
      expect(askedFact(app, u)).toBe('age');
    }
    await u.send('16');
    expect(askedFact(app, u)).not.toBe('age');
    expect(u.text()).not.toContain('not possible');
  });

  it('Back undoes the last answer, and the questionnaire forgets everything after a day', async () => {
    app = await testApp({ now: '2021-10-01T09:00:00Z' });
    const u = await mediator(app);
    await u.send('/eligibility');
    await u.press('An adult');
    expect(askedFact(app, u)).toBe('needs');
    await u.press('← Back');
    expect(askedFact(app, u)).toBe('subject');
    await u.press('A school'); // a school is asked what it needs
    expect(askedFact(app, u)).toBe('school_needs');
    await u.press('Show results now');
    expect(u.text()).toContain('Programmes as of 1 October 2021');
    expect(await conversations(app)).toEqual([]);
    await u.send('/eligibility');
    await u.press('An adult');
    expect(await conversations(app)).toHaveLength(1);
    app.clock.advance(25 * 60 * 60 * 1000);
    await app.core.sweep();
    expect(await conversations(app)).toEqual([]);
  });

  it('starts again, saying so, when the stored answers no longer fit the questions (a bot updated mid-conversation)', async () => {
    app = await testApp({ now: '2021-10-01T09:00:00Z' });
    const [a, b] = [await mediator(app, 'en', 'm1'), await mediator(app, 'en', 'm2')];
    for (const u of [a, b]) {
      await u.send('/eligibility');
      await u.press('An adult');
    }
    // An answer an older version stored that this one no longer offers; both see it, the second from the cache.
    const rows = await app.database.db.selectFrom('chat_state').select(['person_id', 'chat_key', 'state']).where('flow', 'is not', null).execute();
    for (const row of rows) {
      const stored = JSON.parse(row.state!) as { s: { facts: Record<string, unknown> } };
      stored.s.facts = { ...stored.s.facts, subject: 'family' };
      await app.database.db.updateTable('chat_state').set({ state: JSON.stringify(stored) }).where('person_id', '=', row.person_id).where('chat_key', '=', row.chat_key).execute();
    }
    for (const u of [a, b]) {
      await u.press("I don't know");
      expect(u.text()).toContain('The questionnaire was out of date, so I started it again.');
      expect(askedFact(app, u)).toBe('subject');
    }
    await a.press('An adult');
    expect(askedFact(app, a)).toBe('needs');
  });

  it('works on Telegram, with button data within 64 bytes and long answers split', async () => {
    app = await testApp({ now: '2022-03-01T09:00:00Z' });
    const u = await new TestUser(app, { platform: 'telegram', id: '77', caps: TELEGRAM_CAPS }).as('mediator', 'talsi', 'ru');
    await u.send('/eligibility');
    expect(u.text()).toContain('О ком вопрос?');
    await u.press('Школа');
    expect(u.text()).toContain('Что нужно школе?');
    await u.press('Помощник педагога в классе');
    await u.press('Готово');
    await u.press('Да'); // the candidate has pedagogical education
    expect(u.text()).toContain('Программы на 1 марта 2022 г.');
    for (const r of u.last) if (r.kind === 'text') expect(r.text.length).toBeLessThan(4096);
    for (const c of u.choices()) expect(Buffer.byteLength(c.action)).toBeLessThanOrEqual(64);
    expect(section(u.text(), '✅ Скорее всего подходит')).toContain('Помощники педагогов');
    expect(u.text()).toContain('ЕСФ');
  });
});

describe('/programmes and /programme NAME', () => {
  it('lists what is open today, ESF+ first, with what has ended one tap away', async () => {
    app = await testApp({ now: '2026-12-01T09:00:00Z' });
    const u = await mediator(app);
    await u.send('/programmes');
    const out = u.text();
    expect(out).toMatch(/Support programmes: \d+ open \(as of 1 December 2026\)/);
    const lines = out.split('\n').filter((l) => l.startsWith('• '));
    expect(lines[0]).toMatch(/ · ESF\+ · /);
    expect(out).toContain('School in the Community (Skola – kopienā) · ESF+ · VIAA · until 31 Aug 2029');
    expect(out).toContain('A Roma mediator for the municipality · EU, not ESF · KM · known period until 30 Apr 2025, continuation unknown');
    expect(out).not.toContain('Pumpurs');
    expect(out).toMatch(/⏹ \d+ programmes have ended/);
    await u.press('⏹ Ended');
    expect(u.text()).toContain('Pumpurs (reducing early school leaving) · ESF · ended 31 Dec 2023');
    await u.press('Pumpurs');
    expect(u.text()).toContain('ended on 31 December 2023');
  });

  it('marks a programme not checked for longer than CATALOGUE_STALE_MONTHS, in the list and on its page', async () => {
    app = await testApp({ now: '2028-01-10T09:00:00Z', env: { CATALOGUE_STALE_MONTHS: '12' } });
    const u = await mediator(app);
    await u.send('/programmes');
    expect(u.text()).toContain('School in the Community (Skola – kopienā) · ESF+ · VIAA · until 31 Aug 2029 · ⚠️ not checked for long');
    await u.send('/programme skola kopiena');
    expect(u.text()).toContain('⚠️ Checked on 1 December 2026 — more than 12 months ago, may be out of date');
  });

  for (const typed of ['pumpurs', 'Pumpura', 'PUMPURS', 'skolotaja paligs', 'motivacijas programma', 'Skolotāju palīgi', 'пумпурс']) {
    it(`finds a programme by “${typed}”`, async () => {
      app = await testApp({ now: '2021-10-01T09:00:00Z' });
      const u = await mediator(app);
      await u.send(`/programme ${typed}`);
      if (/skolot/i.test(typed)) {
        // Two programmes pay teacher's assistants: the 2021 ESF one and the state's since 2025; both are offered.
        expect(u.text()).toContain('Several programmes match');
        expect(u.choices().map((c) => c.label)).toEqual(expect.arrayContaining(["Teacher's assistants / second teacher"]));
        await u.press("Teacher's assistants / second teacher");
      }
      const expected = /skolot/i.test(typed) ? "Teacher's assistants / second teacher" : /motiv/.test(typed) ? 'Motivation programme' : 'Pumpurs';
      expect(u.text().split('\n')[0]).toContain(expected);
      expect(u.text()).toContain('How to apply');
      expect(u.text()).toMatch(/Source: .+ — .+/);
      expect(u.text()).not.toMatch(/\d{3}_[0-9a-f]{16}\.txt/);
    });
  }

  it('shows the conditions as of today, with the dated parameter history', async () => {
    app = await testApp({ now: '2021-10-01T09:00:00Z' });
    const u = await mediator(app);
    await u.send('/programme pumpurs');
    const out = u.text();
    expect(out).toContain('in grade 1 or higher');
    expect(out).toContain('from grade 5 (until 31 August 2021)');
    expect(out).toContain('from grade 1 (from 1 September 2021)');
    expect(out).not.toContain('min_grade');
    // The exact words relied on are one tap away.
    await u.press('📄 Sources');
    expect(u.text()).toContain('“iepriekš tas bija tikai no 5.klases”');
    expect(u.text()).toContain('Report on the network meeting of 27 May 2021 — Ministry of Culture');
    expect(u.text()).toContain('🔗 https://www.ikvd.gov.lv/');
    expect(u.text()).toContain('(read on 1 December 2026)');
    await u.press('← Pumpurs');
    expect(u.text()).toContain('How to apply');
    expect(out).toContain('European Social Fund (ESF) · State Service of Education Quality (IKVD)');
    app.clock.set('2021-05-20T09:00:00Z');
    await u.send('/programme pumpurs');
    expect(u.text()).toContain('in grade 5 or higher');
  });

  it('suggests the closest programmes for an unknown name', async () => {
    app = await testApp({ now: '2021-10-01T09:00:00Z' });
    const u = await mediator(app);
    // One typo in a longer word is forgiven.
    await u.send('/programme talantu programa');
    expect(u.text().split('\n')[0]).toBe('Talent programme');
    await u.send('/programme talanti zzzz');
    expect(u.text()).toContain('I found no programme “talanti zzzz”. Did you mean:');
    expect(u.choices().map((c) => c.label)).toContain('Talent programme');
    await u.send('/programme qqqqq');
    expect(u.text()).toMatch(/I found no programme “qqqqq”/);
    expect(u.choices().length).toBeGreaterThan(0);
    await u.send('/programme visc');
    expect(u.text()).toContain('Several programmes match “visc”');
    expect(u.choices()).toHaveLength(6);
  });

  it('recognizes a programme’s name typed as free text, and leaves other text alone', async () => {
    app = await testApp({ now: '2021-10-01T09:00:00Z' });
    const u = await mediator(app);
    await u.send('pumpurs');
    expect(u.text().split('\n')[0]).toContain('Pumpurs');
    await u.send('Motivācijas programma');
    expect(u.text().split('\n')[0]).toContain('Motivation programme');
    await u.send('hello there');
    expect(u.text()).not.toContain('Pumpurs');
    await u.send('programma');
    expect(u.text()).not.toContain('How to apply');
  });
});

describe('/reload', () => {
  it('is for coordinators: it reloads the catalogue and says what changed', async () => {
    app = await testApp({ now: '2021-10-01T09:00:00Z' });
    const m = await mediator(app);
    await m.send('/reload');
    expect(m.text()).toContain('only for coordinators');
    const c = await new TestUser(app, { id: 'c1' }).as('coordinator');
    await c.send('/reload');
    expect(c.text()).toContain('Catalogue reloaded: 19 programmes in use.');
    expect(c.text()).toContain('Added: none. Changed: none. Removed: none.');
  });
});
