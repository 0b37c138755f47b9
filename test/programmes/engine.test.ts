import { describe, expect, it } from 'vitest';
import { compileProgramme, loadCatalogue, makeCatalogue, type Programme } from '../../src/features/programmes/catalogue.ts';
import { evaluate, evaluateProgramme, leaves, type Tri, whyFalse, whyUnknown } from '../../src/features/programmes/engine.ts';
import type { Facts } from '../../src/features/programmes/facts.ts';

const loaded = loadCatalogue();
if (!loaded.ok) throw new Error(`shipped catalogue invalid: ${JSON.stringify(loaded.errors)}`);
const catalogue = loaded.catalogue;
const programme = (id: string) => catalogue.byId.get(id)!;
const status = (id: string, facts: Facts, asOf: string) => evaluateProgramme(programme(id), facts, asOf).status;

const SRC = 'source: { file: 003_07a1e3c4c4f769ab.txt, quote: "Sadarbības partneri ir pilsētu un novadu pašvaldības" }';
const L = (s: string) => `{ lv: "${s}", en: "${s}", ru: "${s}" }`;
/** A small programme for logic tests: conditions given as YAML. */
function prog(conditions: string, extra = ''): Programme {
  const yaml = `id: t
name: ${L('T')}
funder: { kind: esf, name: ${L('ESF')} }
operator: ${L('Op')}
applicant: person
gives: ${L('g')}
valid: { from: 2021-01-01, until: 2021-12-31 }
checked: 2026-12-01
apply: ${L('a')}
${SRC}
${extra}
conditions:
${conditions}
`;
  const r = compileProgramme('t.yaml', yaml);
  if (!r.programme) throw new Error(JSON.stringify(r.errors));
  return r.programme;
}
const leaf = (fact: string, op: string, value?: string) =>
  `{ fact: ${fact}, op: ${op}${value !== undefined ? `, value: ${value}` : ''}, label: ${L(`${fact} ${op}`)}, ${SRC} }`;

describe('eligibility engine', () => {
  it('gives each of the five statuses', () => {
    expect(status('ikvd-pumpurs', { subject: 'child', grade: 1, at_risk_of_leaving_school: true }, '2021-10-01')).toBe('eligible');
    expect(status('ikvd-pumpurs', { subject: 'adult' }, '2021-10-01')).toBe('not_eligible');
    expect(status('ikvd-pumpurs', { subject: 'child' }, '2021-10-01')).toBe('unknown');
    expect(status('ikvd-pumpurs', { subject: 'child', grade: 1, at_risk_of_leaving_school: true }, '2024-01-01')).toBe('closed');
    expect(status('viaa-skola-kopiena', { subject: 'child', grade: 3, at_risk_of_leaving_school: true }, '2024-06-30')).toBe('not_yet_open');
  });

  it('checks the window first: closed or not yet open whatever the facts, with the date', () => {
    const closed = evaluateProgramme(programme('sif-motivation-programme'), {}, '2026-03-01');
    expect(closed.status).toBe('closed');
    expect(closed.endedOn).toBe('2022-12-31');
    expect(closed.conditions).toBeNull(); // still evaluated, for the trace
    const early = evaluateProgramme(programme('viaa-skola-kopiena'), { subject: 'adult' }, '2024-06-30');
    expect(early.status).toBe('not_yet_open');
    expect(early.opensOn).toBe('2024-07-01');
    expect(status('viaa-skola-kopiena', { subject: 'school', school_needs: ['early_leaving_support'] }, '2024-07-01')).toBe('eligible');
  });

  it('uses the dated parameter in force on the date (Pumpurs: grade 5 until 2021/22, grade 1 after)', () => {
    const facts: Facts = { subject: 'child', grade: 2, at_risk_of_leaving_school: true };
    const before = evaluateProgramme(programme('ikvd-pumpurs'), facts, '2021-08-31');
    const after = evaluateProgramme(programme('ikvd-pumpurs'), facts, '2021-09-01');
    expect(before.params.min_grade).toBe(5);
    expect(after.params.min_grade).toBe(1);
    expect(before.status).toBe('not_eligible');
    expect(after.status).toBe('eligible');
    const gradeLeaf = leaves(before.trace).find((l) => l.node.fact === 'grade')!;
    expect(gradeLeaf).toMatchObject({ outcome: false, actual: 2, expected: 5 });
  });

  it('never says a false "no" for a missing fact, and a known "no" wins over unknowns (Kleene)', () => {
    const p = prog(`  all:\n    - ${leaf('subject', 'eq', 'adult')}\n    - ${leaf('employment_status', 'in', '[unemployed]')}`);
    const s = (facts: Facts) => evaluateProgramme(p, facts, '2021-06-01').status;
    expect(s({})).toBe('unknown');
    expect(s({ subject: 'adult' })).toBe('unknown');
    expect(s({ employment_status: 'employed' })).toBe('not_eligible');
    expect(s({ subject: 'adult', employment_status: 'unemployed' })).toBe('eligible');
    const q = prog(`  any:\n    - ${leaf('subject', 'eq', 'adult')}\n    - ${leaf('high_achiever', 'is_true')}`);
    const t = (facts: Facts) => evaluateProgramme(q, facts, '2021-06-01').conditions;
    expect([t({}), t({ subject: 'child' }), t({ high_achiever: true }), t({ subject: 'child', high_achiever: false })]).toEqual([null, null, true, false]);
    const n = prog(`  not: ${leaf('high_achiever', 'is_true')}\n  label: ${L('not a high achiever')}`);
    const u = (facts: Facts): Tri => evaluateProgramme(n, facts, '2021-06-01').conditions;
    expect([u({}), u({ high_achiever: true }), u({ high_achiever: false })]).toEqual([null, false, true]);
  });

  it('evaluates every condition (no early stop) and traces each: outcome, value used, label and citation', () => {
    const r = evaluateProgramme(programme('visc-teacher-assistants'), { subject: 'school', school_needs: ['teacher_assistant'], studying_pedagogy: true }, '2021-10-01');
    expect(r.status).toBe('eligible');
    const all = leaves(r.trace);
    // the school's branch decided it, yet the other alternatives were evaluated too
    expect(all).toHaveLength(11);
    for (const l of all) {
      expect(l.node.label.en.length).toBeGreaterThan(0);
      expect(l.node.source?.quote).toBeTruthy();
      expect(['boolean', 'object']).toContain(typeof l.outcome);
    }
    expect(all.find((l) => l.node.fact === 'has_pedagogical_education')).toMatchObject({ outcome: null, actual: undefined });
    expect(all.filter((l) => l.node.fact === 'subject').map((l) => [l.outcome, l.actual])).toEqual([
      [true, 'school'],
      [false, 'school'],
      [false, 'school'],
    ]);
  });

  it('explains a "no" with the condition that failed, in the person’s own case', () => {
    const mother = evaluateProgramme(
      programme('visc-teacher-assistants'),
      { subject: 'adult', needs: ['roma_teacher_assistant'], has_pedagogical_education: false, studying_pedagogy: false },
      '2021-10-01',
    );
    expect(mother.status).toBe('not_eligible');
    const why = whyFalse(mother.trace);
    expect(why).toHaveLength(1);
    expect('label' in why[0]! && why[0].label.en).toMatch(/pedagogical education or be studying pedagogy/);
    const pupil = evaluateProgramme(programme('visc-learning-groups'), { subject: 'child', grade: 1, needs: ['learning_support'] }, '2021-10-01');
    const w = whyFalse(pupil.trace)[0]!;
    expect('leaf' in w && w.leaf?.actual).toBe(1);
    const open = evaluateProgramme(programme('ikvd-pumpurs'), { subject: 'child' }, '2021-10-01');
    expect(whyUnknown(open.trace).map((x) => ('label' in x ? x.label.en : ''))).toEqual(['in grade {min_grade} or higher', 'at risk of leaving school early']);
  });

  it('evaluates the whole catalogue for one set of facts', () => {
    const results = evaluate(catalogue, { subject: 'child', grade: 1, at_risk_of_leaving_school: true, needs: ['meals'] }, '2021-10-01');
    expect(results).toHaveLength(catalogue.programmes.length);
    expect(results.find((r) => r.programme.id === 'ikvd-pumpurs')?.status).toBe('eligible');
    expect(makeCatalogue([]).programmes).toEqual([]);
  });
});
