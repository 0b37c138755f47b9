import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import type { ManualClock } from '../../src/core/clock.ts';
import { toPlain } from '../../src/core/markup.ts';
import { loadCatalogue } from '../../src/features/programmes/catalogue.ts';
import { evaluate } from '../../src/features/programmes/engine.ts';
import { resultsMarkup } from '../../src/features/programmes/render.ts';
import { createI18n } from '../../src/i18n/index.ts';
import { testApp, TestUser } from '../helpers/harness.ts';
import { answerAll, askedFact, section } from './questionnaire.ts';

let app: App & { clock: ManualClock };
afterEach(async () => app?.stop());

const TODAY = '2026-12-01T09:00:00Z';

async function mediator(lng: 'lv' | 'en' = 'lv') {
  app = await testApp({ now: TODAY });
  return new TestUser(app, { id: 'm' }).as('mediator', 'talsi', lng);
}

describe('the network’s three cases, as of 1 December 2026', () => {
  it('a Roma pupil in grade 3 at risk of leaving school: an open ESF+ programme with a current, cited source', async () => {
    const u = await mediator();
    await u.send('/eligibility');
    const asked = await answerAll(app, u, { subject: 'Bērns / skolēns', needs: ['Palīdzība mācībās'], grade: '3', age: '9', at_risk_of_leaving_school: 'Jā' }, 'lv');
    expect(asked).not.toContain('employment_status'); // a nine-year-old is not asked about a job
    const likely = section(u.text(), 'Visticamāk der');
    expect(likely).toContain('Skola – kopienā · ESF+ · VIAA');
    expect(likely).toContain('Pieejama līdz 2029. gada 31. augustam');
    expect(likely).toContain('Par mums — Skola – kopienā');
    expect(likely).toContain('Pārbaudīts 2026. gada 1. decembrī');
    // What ended is said once, in a line, not offered as an answer.
    expect(section(u.text(), 'Beigušās')).toContain('Pumpurs (ESF): beidzās 31.12.2023');
    // Read on a phone: what a likely programme gives is told; a possible one says what to check and how to apply,
    // and what it gives is one tap away.
    expect(likely).toContain('🎁');
    const possibly = section(u.text(), 'Iespējams — vēl jāpārbauda');
    expect(possibly).toContain('❔ Jāpārbauda:');
    expect(possibly).toContain('📝');
    expect(possibly).not.toContain('🎁');
    await u.press('Skola – kopienā');
    await u.press('📄 Avoti');
    expect(u.text()).toContain('🔗 https://skola-kopiena.lv/about (skatīts 2026. gada 1. decembrī)');
    expect(u.text()).toContain('„Ņemot vērā nosacījumus par izmaksu attiecināmību, faktiskais projekta īstenošanas laiks: 01.07.2024.-31.08.2029.”');
  });

  it('a school that wants a Roma teacher’s assistant: asked what it needs and about the candidate’s education', async () => {
    const u = await mediator('en');
    await u.send('/eligibility');
    await u.press('A school');
    expect(askedFact(app, u)).toBe('school_needs');
    const asked = await answerAll(app, u, { school_needs: ["A teacher's assistant in class"], has_pedagogical_education: 'No', studying_pedagogy: 'No' });
    expect(asked).toEqual(['school_needs', 'has_pedagogical_education', 'studying_pedagogy']);
    const no = section(u.text(), '❌ Not eligible');
    expect(no).toContain('State-funded teacher\'s assistants ("Programma skolā") (state): not met');
    expect(no).toContain('72-hour');
    expect(u.text()).not.toContain('✅ Likely eligible\n\nState-funded');
    // Programmes for adults and families are counted in one line, not listed to a school.
    expect(no).not.toContain('NVA');
    expect(u.text()).toMatch(/\d+ more programmes are meant for others — all of them: \/programmes/);

    await u.send('/eligibility');
    await u.press('A school');
    await answerAll(app, u, { school_needs: ["A teacher's assistant in class"], has_pedagogical_education: "I don't know", studying_pedagogy: "I don't know" });
    expect(section(u.text(), '❔ Possibly')).toContain('State-funded teacher\'s assistants ("Programma skolā")');

    await u.send('/eligibility');
    await u.press('A school');
    await answerAll(app, u, { school_needs: ["A teacher's assistant in class"], has_pedagogical_education: 'No', studying_pedagogy: 'Yes' });
    const yes = section(u.text(), '✅ Likely eligible');
    expect(yes).toContain('State-funded teacher\'s assistants ("Programma skolā") · state · IZM');
    expect(yes).not.toContain("Teacher's assistants / second teacher"); // the 2021 ESF project has ended
  });

  it('an unemployed Roma adult: NVA, open now', async () => {
    const u = await mediator('en');
    await u.send('/eligibility');
    await answerAll(app, u, { subject: 'An adult', needs: ['A job'], employment_status: 'Unemployed', age: '34' });
    const likely = section(u.text(), '✅ Likely eligible');
    expect(likely).toContain('State Employment Agency (NVA) support for the unemployed and job seekers');
    expect(likely).toContain('Checked on 1 December 2026');
    expect(likely).toContain('80200206');
  });
});

describe('when nothing open fits', () => {
  it('says so honestly, with the day the information was checked', async () => {
    const loaded = loadCatalogue();
    if (!loaded.ok) throw new Error('catalogue invalid');
    const i18n = await createI18n();
    const facts = { subject: 'municipality' as const, mediator_candidate_found: false };
    const results = evaluate(loaded.catalogue, facts, '2031-01-01').filter((r) => r.status !== 'eligible' && r.status !== 'unknown');
    const out = toPlain(resultsMarkup(results, facts, '2031-01-01', i18n.translator('en'), { today: '2031-01-01', staleMonths: 12 }));
    expect(out).toContain('No open programme is known for this case (information checked on 1 December 2026).');
  });
});
