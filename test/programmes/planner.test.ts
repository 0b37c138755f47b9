import { describe, expect, it } from 'vitest';
import { compileProgramme, loadCatalogue, makeCatalogue } from '../../src/features/programmes/catalogue.ts';
import { plan } from '../../src/features/programmes/planner.ts';

const loaded = loadCatalogue();
if (!loaded.ok) throw new Error('shipped catalogue invalid');
const catalogue = loaded.catalogue;

const L = (s: string) => `{ lv: "${s}", en: "${s}", ru: "${s}" }`;
const SRC = 'source: { file: 003_07a1e3c4c4f769ab.txt, quote: "Sadarbības partneri ir pilsētu un novadu pašvaldības" }';
function prog(id: string, conditions: string) {
  const r = compileProgramme(
    `${id}.yaml`,
    `id: ${id}\nname: ${L(id)}\nfunder: { kind: state, name: ${L('S')} }\noperator: ${L('O')}\napplicant: person\ngives: ${L('g')}\nvalid: {}\nchecked: 2026-12-01\napply: ${L('a')}\n${SRC}\nconditions:\n${conditions}\n`,
  );
  if (!r.programme) throw new Error(JSON.stringify(r.errors));
  return r.programme;
}
const leaf = (fact: string, op: string, value?: string) => `{ fact: ${fact}, op: ${op}${value ? `, value: ${value}` : ''}, label: ${L(fact)}, ${SRC} }`;

describe('question planner', () => {
  it('asks first who the question is about: it settles the most programmes', () => {
    const p = plan(catalogue, {}, '2021-10-01');
    expect(p.fact).toBe('subject');
    const inWindow = catalogue.programmes.filter((x) => (!x.valid.from || x.valid.from <= '2021-10-01') && (!x.valid.until || '2021-10-01' <= x.valid.until));
    expect(p.open).toBe(inWindow.length);
    const subject = p.scores.find((s) => s.fact === 'subject')!;
    // Every programme open on the date is settled by some answer (a child or a school rules most out).
    expect(subject.settles).toBeGreaterThan(catalogue.programmes.length / 2);
    for (const s of p.scores) expect(s.settles).toBeLessThanOrEqual(subject.settles);
  });

  it('picks the fact that settles the most open programmes, not the first one in the vocabulary', () => {
    const c = makeCatalogue([
      prog('a', `  all:\n    - ${leaf('high_achiever', 'is_true')}`),
      prog('b', `  all:\n    - ${leaf('mediator_candidate_found', 'is_true')}\n    - ${leaf('high_achiever', 'is_true')}`),
      prog('c', `  all:\n    - ${leaf('at_risk_of_leaving_school', 'is_true')}`),
    ]);
    const p = plan(c, {}, '2021-10-01');
    expect(p.fact).toBe('high_achiever'); // settles a and b; at_risk (earlier in the vocabulary) settles only c
    expect(p.scores.find((s) => s.fact === 'high_achiever')!.settles).toBe(2);
  });

  it('skips answered and declined facts, and facts no open programme needs', () => {
    const after = plan(catalogue, { subject: 'child' }, '2021-10-01', ['needs']);
    expect(after.fact).not.toBe('needs');
    expect(after.fact).not.toBe('subject');
    expect(after.scores.map((s) => s.fact)).not.toContain('has_pedagogical_education'); // the adult branch is settled false
    expect(after.scores.map((s) => s.fact)).not.toContain('mediator_candidate_found');
  });

  it('asks a school what it needs, then about the assistant’s pedagogy, and nothing more once every programme is settled', () => {
    expect(plan(catalogue, { subject: 'school' }, '2021-10-01').fact).toBe('school_needs');
    const p = plan(catalogue, { subject: 'school', school_needs: ['teacher_assistant'] }, '2021-10-01');
    expect(p.fact).toBe('has_pedagogical_education');
    const done = plan(catalogue, { subject: 'school', school_needs: ['teacher_assistant'], has_pedagogical_education: true }, '2021-10-01');
    expect(done.open).toBe(0);
    expect(done.fact).toBeUndefined();
  });

  it('asks nothing about programmes outside their window', () => {
    const p = plan(catalogue, { subject: 'adult', needs: ['job'] }, '2026-03-01');
    expect(p.scores.map((s) => s.fact)).not.toContain('high_achiever'); // talent programmes are for pupils
    expect(p.scores.map((s) => s.fact)).not.toContain('grade');
    expect(p.fact).toBe('employment_status');
  });
});
