import { describe, expect, it } from 'vitest';
import { compileProgramme, makeCatalogue, type Programme } from '../../src/features/programmes/catalogue.ts';
import { evaluateProgramme, nextChange } from '../../src/features/programmes/engine.ts';
import { type Facts, worthAsking } from '../../src/features/programmes/facts.ts';
import { plan } from '../../src/features/programmes/planner.ts';
import { isStale } from '../../src/features/programmes/render.ts';
import { programmeSources, sourceTitle } from '../../src/features/programmes/sources.ts';

const L = (s: string) => `{ lv: "${s}", en: "${s}", ru: "${s}" }`;
const SEED = '{ file: 003_07a1e3c4c4f769ab.txt, part: II daļa, quote: "ar jauno mācību gadu atbalstu varēs saņemt bērni jau no pirmās klases" }';
const WEB =
  '{ url: "https://www.ikvd.gov.lv/en/projects/x", title: "ESF project PuMPuRS", publisher: "IKVD", read: 2026-12-01, quote: "03.2017. – 12.2023." }';

/** A programme from a few lines of YAML: a dated minimum grade, a window, conditions. */
function prog(id: string, valid: string, conditions: string, extra = ''): Programme {
  const yaml = `id: ${id}
name: ${L(id)}
funder: { kind: esf, name: ${L('ESF')} }
operator: ${L('Izglītības kvalitātes valsts dienests (IKVD)')}
applicant: school
gives: ${L('g')}
valid: ${valid}
checked: 2026-12-01
apply: ${L('a')}
source: ${WEB}
parameters:
  min_grade:
    label: { lv: "no {value}. klases", en: "from grade {value}", ru: "с {value}-го класса" }
    values:
      - { until: 2021-08-31, value: 5, source: ${SEED} }
      - { from: 2021-09-01, value: 1, source: ${SEED} }
${extra}
conditions:
${conditions}
`;
  const r = compileProgramme(`${id}.yaml`, yaml);
  if (!r.programme) throw new Error(JSON.stringify(r.errors));
  return r.programme;
}
const leaf = (fact: string, op: string, value?: string) =>
  `{ fact: ${fact}, op: ${op}${value !== undefined ? `, value: ${value}` : ''}, label: ${L(`${fact} ${op}`)}, source: ${SEED} }`;
const pupil = `  all:\n    - ${leaf('subject', 'eq', 'child')}\n    - { fact: grade, op: gte, param: min_grade, label: ${L('grade {min_grade}+')}, source: ${SEED} }`;

describe('answers that look ahead', () => {
  const p = prog('pupils', '{ from: 2017-03-16, until: 2023-12-31 }', pupil);

  it('tells a grade-3 pupil "not yet" in May 2021 and that it opens from grade 1 on 1 September 2021', () => {
    const facts: Facts = { subject: 'child', grade: 3 };
    expect(evaluateProgramme(p, facts, '2021-05-20').status).toBe('not_eligible');
    const later = nextChange(p, facts, '2021-05-20')!;
    expect(later).toMatchObject({ asOf: '2021-09-01', status: 'eligible' });
    expect(later.params.min_grade).toBe(1);
  });

  it('looks no further than a year, and names the end when the window closes', () => {
    const facts: Facts = { subject: 'child', grade: 3 };
    expect(nextChange(p, facts, '2020-08-01')).toBeUndefined(); // 2021-09-01 is more than a year away
    expect(nextChange(p, facts, '2023-03-01')).toMatchObject({ asOf: '2024-01-01', status: 'closed' });
    expect(nextChange(p, { subject: 'adult' }, '2021-05-20')).toBeUndefined(); // not eligible either way
  });

  it('says "possibly — ask" after the last known period when no source says it ended (valid.after: unknown)', () => {
    const q = prog('mediators', '{ until: 2025-04-30, after: unknown }', `  all:\n    - ${leaf('subject', 'eq', 'municipality')}`);
    expect(evaluateProgramme(q, { subject: 'municipality' }, '2025-04-30').status).toBe('eligible');
    const after = evaluateProgramme(q, { subject: 'municipality' }, '2026-12-01');
    expect(after).toMatchObject({ status: 'unknown', uncertainAfter: '2025-04-30' });
    expect(evaluateProgramme(q, { subject: 'child' }, '2026-12-01').status).toBe('not_eligible');
  });
});

describe('freshness', () => {
  const p = prog('fresh', '{}', pupil);
  it('marks a programme unchecked for longer than the configured months', () => {
    expect(isStale(p, { today: '2027-12-01', staleMonths: 12 })).toBe(false);
    expect(isStale(p, { today: '2027-12-02', staleMonths: 12 })).toBe(true);
    expect(isStale(p, { today: '2027-06-02', staleMonths: 6 })).toBe(true);
    expect(isStale(p, { today: '2027-01-31', staleMonths: 2 })).toBe(false);
    expect(isStale(p, { today: '2027-02-02', staleMonths: 2 })).toBe(true);
  });
});

describe('sources in words', () => {
  const p = prog('cited', '{}', pupil);
  it('names a seed by its document and publisher, a web page by its title and publisher, never by a file name', () => {
    const sources = programmeSources(p);
    expect(sources).toHaveLength(2); // the web page once, the seed's sentence once (used twice)
    expect(sourceTitle(sources[0]!, 'lv')).toBe('ESF project PuMPuRS — IKVD');
    expect(sourceTitle(sources[1]!, 'lv')).toBe('Ziņojums par ekspertu tīkla sanāksmi 2021. gada 27. maijā — Kultūras ministrija');
    expect(sourceTitle(sources[1]!, 'en')).toBe('Report on the network meeting of 27 May 2021 — Ministry of Culture');
  });
});

describe('questions that make sense for the subject', () => {
  it('never asks a pupil about a job unless they are 15 or older, nor a school about a grade', () => {
    expect(worthAsking('employment_status', { subject: 'child' })).toBe(false);
    expect(worthAsking('employment_status', { subject: 'child', age: 9 })).toBe(false);
    expect(worthAsking('employment_status', { subject: 'child', age: 16 })).toBe(true);
    expect(worthAsking('employment_status', { subject: 'adult' })).toBe(true);
    expect(worthAsking('grade', { subject: 'school' })).toBe(false);
    expect(worthAsking('school_needs', { subject: 'school' })).toBe(true);
    expect(worthAsking('school_needs', { subject: 'child' })).toBe(false);
    expect(worthAsking('grade', {})).toBe(true); // subject not known: anything may matter
  });

  it('asks a school what it needs, and about the assistant’s education only when it needs an assistant', () => {
    const assistants = prog(
      'assistants',
      '{}',
      `  all:\n    - ${leaf('subject', 'eq', 'school')}\n    - ${leaf('school_needs', 'includes_any', '[teacher_assistant]')}\n    - any:\n        - ${leaf('has_pedagogical_education', 'is_true')}\n        - ${leaf('studying_pedagogy', 'is_true')}`,
    );
    const groups = prog('groups', '{}', `  all:\n    - ${leaf('subject', 'eq', 'school')}\n    - ${leaf('school_needs', 'includes_any', '[learning_groups]')}`);
    const jobs = prog(
      'jobs',
      '{}',
      `  all:\n    - ${leaf('subject', 'in', '[adult, child]')}\n    - ${leaf('age', 'gte', '15')}\n    - ${leaf('employment_status', 'in', '[unemployed]')}`,
    );
    const c = makeCatalogue([assistants, groups, jobs]);
    expect(plan(c, { subject: 'school' }, '2026-12-01').fact).toBe('school_needs');
    expect(plan(c, { subject: 'school', school_needs: ['learning_groups'] }, '2026-12-01').fact).toBeUndefined();
    expect(plan(c, { subject: 'school', school_needs: ['teacher_assistant'] }, '2026-12-01').fact).toBe('has_pedagogical_education');
    expect(plan(c, { subject: 'school', school_needs: ['teacher_assistant'], has_pedagogical_education: false }, '2026-12-01').fact).toBe('studying_pedagogy');
    // A grade-3 pupil: age first (it can rule the job out), never their job while the age is not known.
    expect(plan(c, { subject: 'child', grade: 3 }, '2026-12-01').fact).toBe('age');
    expect(plan(c, { subject: 'child', grade: 3, age: 9 }, '2026-12-01').fact).toBeUndefined();
  });
});
