import type { Catalogue, Programme, RuleNode } from './catalogue.ts';
import { evaluateProgramme, missingFacts, statusOf } from './engine.ts';
import { FACTS, type FactDef, type FactName, type Facts, type FactValue, factDef, worthAsking } from './facts.ts';

/**
 * The questionnaire's planner: among the facts not yet answered or declined, the one whose answer would settle the
 * most programmes that are still `unknown`. For each candidate fact it tries every possible answer and counts the
 * programmes that some answer takes out of `unknown` (`settles`). Ties go to the vocabulary's order, which puts
 * the broad questions first (who it is about, what is needed, grade, risk of leaving school) and the narrow ones
 * (a talent, a mediator candidate) last. `expected` (the average number settled over the answers) is reported too.
 * A question that makes no sense for the subject (a pupil's job, a school's age) is never asked (see `worthAsking`).
 */
export interface FactScore {
  fact: FactName;
  settles: number;
  expected: number;
}
export interface Plan {
  fact: FactName | undefined;
  /** Programmes still unknown (in their window) before the question. */
  open: number;
  scores: FactScore[];
}

function numbersIn(node: RuleNode, fact: string, p: Programme, out: Set<number>): void {
  if (node.kind === 'leaf') {
    if (node.fact !== fact) return;
    const values = node.param !== undefined ? (p.parameters[node.param] ?? []).map((d) => d.value) : [node.value];
    for (const v of values.flat()) if (typeof v === 'number') out.add(v);
    return;
  }
  if (node.kind === 'not') numbersIn(node.child, fact, p, out);
  else for (const c of node.children) numbersIn(c, fact, p, out);
}

/** The answers to try for a fact: every option, or for numbers the values around the rules' thresholds. */
export function candidateValues(def: FactDef, programmes: readonly Programme[]): FactValue[] {
  switch (def.kind) {
    case 'bool':
      return [true, false];
    case 'enum':
      return [...def.options];
    case 'set':
      return [[], ...def.options.map((o) => [o])];
    case 'int': {
      if (def.max - def.min <= 20) {
        const all: number[] = [];
        for (let v = def.min; v <= def.max; v++) all.push(v);
        return all;
      }
      const thresholds = new Set<number>();
      for (const p of programmes) numbersIn(p.conditions, def.name, p, thresholds);
      const values = new Set<number>([def.min, def.max]);
      for (const t of thresholds) for (const v of [t - 1, t, t + 1]) if (v >= def.min && v <= def.max) values.add(v);
      return [...values].sort((a, b) => a - b);
    }
    case 'text':
      return [];
  }
}

export function plan(catalogue: Catalogue, facts: Facts, asOf: string, declined: Iterable<string> = []): Plan {
  const skip = new Set<string>(declined);
  const open = catalogue.programmes
    .map((p) => evaluateProgramme(p, facts, asOf))
    .filter((r) => r.status === 'unknown')
    .map((r) => ({ p: r.programme, missing: missingFacts(r.trace) }));
  const scores: Plan['scores'] = [];
  for (const f of FACTS) {
    if (!f.ask || skip.has(f.name) || facts[f.name as keyof Facts] !== undefined || !worthAsking(f.name, facts)) continue;
    const relevant = open.filter((o) => o.missing.has(f.name)).map((o) => o.p);
    if (relevant.length === 0) continue;
    const values = candidateValues(factDef(f.name)!, relevant);
    if (values.length === 0) continue;
    let settledSum = 0;
    const settledSome = new Set<string>();
    for (const v of values) {
      const tried = { ...facts, [f.name]: v } as Facts;
      for (const p of relevant) {
        if (statusOf(p, tried, asOf) !== 'unknown') {
          settledSum++;
          settledSome.add(p.id);
        }
      }
    }
    scores.push({ fact: f.name, settles: settledSome.size, expected: settledSum / values.length });
  }
  // Most programmes settled first; equal counts keep the vocabulary's order (sort is stable).
  const best = [...scores].sort((a, b) => b.settles - a.settles)[0];
  return { fact: best?.fact, open: open.length, scores };
}
