import type { Catalogue, GroupNode, LeafNode, Localized, NotNode, Programme, RuleNode } from './catalogue.ts';
import { addDays } from '../../core/time.ts';
import { type FactName, type Facts, type FactValue, schoolYearOf } from './facts.ts';

/**
 * The eligibility engine: pure functions, no I/O, no clock. Three-valued (Kleene) logic: a condition whose fact is
 * not known is `null`, never a false "no". Every condition is evaluated (no early stop), so the trace is complete.
 */
export type Tri = boolean | null;
export type Status = 'eligible' | 'not_eligible' | 'unknown' | 'closed' | 'not_yet_open';
export const STATUSES: readonly Status[] = ['eligible', 'not_eligible', 'unknown', 'closed', 'not_yet_open'];

export interface LeafTrace {
  node: LeafNode;
  outcome: Tri;
  /** The fact's value used (undefined: not known). */
  actual: FactValue | undefined;
  /** What it was compared with: the rule's value or the parameter's value on the date. */
  expected: FactValue | undefined;
}
export interface GroupTrace {
  node: GroupNode | NotNode;
  outcome: Tri;
  children: TraceNode[];
}
export type TraceNode = LeafTrace | GroupTrace;

export interface ProgrammeResult {
  programme: Programme;
  status: Status;
  /** The conditions' outcome, also for closed programmes (what it would have been). */
  conditions: Tri;
  trace: TraceNode;
  /** Parameters as they stood on the date. */
  params: Record<string, FactValue | undefined>;
  asOf: string;
  /** For `closed`: the last day it was open. */
  endedOn?: string;
  /** For `not_yet_open`: the first day it opens. */
  opensOn?: string;
  /** The last known period ended on this day and no source says whether it goes on (`valid.after: unknown`). */
  uncertainAfter?: string;
}

/** A parameter's value on a date: the dated entry whose [from, until] holds it. */
export function paramOn(p: Programme, name: string, asOf: string): FactValue | undefined {
  const list = p.parameters[name];
  if (!list) return undefined;
  for (const d of list) {
    if ((d.from === undefined || d.from <= asOf) && (d.until === undefined || asOf <= d.until)) return d.value;
  }
  return undefined;
}

function compare(op: LeafNode['op'], actual: FactValue, expected: FactValue | undefined): Tri {
  switch (op) {
    case 'is_true':
      return actual === true;
    case 'is_false':
      return actual === false;
  }
  if (expected === undefined) return null;
  switch (op) {
    case 'eq':
      return actual === expected;
    case 'neq':
      return actual !== expected;
    case 'in':
      return Array.isArray(expected) && (expected as readonly unknown[]).includes(actual);
    case 'not_in':
      return Array.isArray(expected) && !(expected as readonly unknown[]).includes(actual);
    case 'gte':
      return (actual as number) >= (expected as number);
    case 'gt':
      return (actual as number) > (expected as number);
    case 'lte':
      return (actual as number) <= (expected as number);
    case 'lt':
      return (actual as number) < (expected as number);
    case 'includes_any':
      return overlaps(actual as readonly string[], expected as readonly string[]);
    case 'includes_all':
      for (const v of expected as readonly string[]) if (!(actual as readonly string[]).includes(v)) return false;
      return true;
    case 'excludes_all':
      return !overlaps(actual as readonly string[], expected as readonly string[]);
  }
}

function overlaps(a: readonly string[], b: readonly string[]): boolean {
  for (const v of b) if (a.includes(v)) return true;
  return false;
}

export function evaluateLeaf(node: LeafNode, facts: Facts, params: Record<string, FactValue | undefined>, asOf: string): LeafTrace {
  let actual = facts[node.fact] as FactValue | undefined;
  if (actual === undefined && node.fact === 'school_year') actual = schoolYearOf(asOf);
  const expected = node.param !== undefined ? params[node.param] : node.value;
  const outcome = actual === undefined ? null : compare(node.op, actual, expected);
  return { node, outcome, actual, expected };
}

function evalNode(node: RuleNode, facts: Facts, params: Record<string, FactValue | undefined>, asOf: string): TraceNode {
  if (node.kind === 'leaf') return evaluateLeaf(node, facts, params, asOf);
  if (node.kind === 'not') {
    const child = evalNode(node.child, facts, params, asOf);
    return { node, outcome: child.outcome === null ? null : !child.outcome, children: [child] };
  }
  // Every child is evaluated (no early stop), so the trace is complete; Kleene's AND / OR fold as they come:
  // one decisive child (false for all, true for any) decides, otherwise any unknown child leaves it unknown.
  const all = node.kind === 'all';
  const children: TraceNode[] = new Array(node.children.length);
  let decided = false;
  let unknown = false;
  for (let i = 0; i < node.children.length; i++) {
    const c = evalNode(node.children[i]!, facts, params, asOf);
    children[i] = c;
    if (c.outcome === null) unknown = true;
    else if (c.outcome !== all) decided = true;
  }
  const outcome: Tri = decided ? !all : unknown ? null : all;
  return { node, outcome, children };
}

const NO_PARAMS: Record<string, FactValue | undefined> = Object.freeze({});

export function paramsOn(p: Programme, asOf: string): Record<string, FactValue | undefined> {
  let params: Record<string, FactValue | undefined> | undefined;
  for (const name in p.parameters) {
    params ??= {};
    params[name] = paramOn(p, name, asOf);
  }
  return params ?? NO_PARAMS;
}

/** One programme on a date: the window first (closed or not yet open whatever the facts), then the conditions. */
export function evaluateProgramme(p: Programme, facts: Facts, asOf: string): ProgrammeResult {
  const params = paramsOn(p, asOf);
  const trace = evalNode(p.conditions, facts, params, asOf);
  const conditions = trace.outcome;
  const { from, until } = p.valid;
  if (from !== undefined && asOf < from) return { programme: p, status: 'not_yet_open', conditions, trace, params, asOf, opensOn: from };
  if (until !== undefined && asOf > until) {
    if (p.valid.after === 'closed') return { programme: p, status: 'closed', conditions, trace, params, asOf, endedOn: until };
    return { programme: p, status: conditions === false ? 'not_eligible' : 'unknown', conditions, trace, params, asOf, uncertainAfter: until };
  }
  const status: Status = conditions === true ? 'eligible' : conditions === false ? 'not_eligible' : 'unknown';
  return { programme: p, status, conditions, trace, params, asOf };
}

function outcomeOf(node: RuleNode, facts: Facts, params: Record<string, FactValue | undefined>, asOf: string): Tri {
  if (node.kind === 'leaf') {
    let actual = facts[node.fact] as FactValue | undefined;
    if (actual === undefined && node.fact === 'school_year') actual = schoolYearOf(asOf);
    return actual === undefined ? null : compare(node.op, actual, node.param !== undefined ? params[node.param] : node.value);
  }
  if (node.kind === 'not') {
    const o = outcomeOf(node.child, facts, params, asOf);
    return o === null ? null : !o;
  }
  const all = node.kind === 'all';
  let unknown = false;
  for (const c of node.children) {
    const o = outcomeOf(c, facts, params, asOf);
    if (o === null) unknown = true;
    else if (o !== all) return !all;
  }
  return unknown ? null : all;
}

/** The status alone, without a trace (the planner tries many answers and needs no explanation). */
export function statusOf(p: Programme, facts: Facts, asOf: string): Status {
  const { from, until } = p.valid;
  if (from !== undefined && asOf < from) return 'not_yet_open';
  const ended = until !== undefined && asOf > until;
  if (ended && p.valid.after === 'closed') return 'closed';
  const o = outcomeOf(p.conditions, facts, paramsOn(p, asOf), asOf);
  if (ended) return o === false ? 'not_eligible' : 'unknown';
  return o === true ? 'eligible' : o === false ? 'not_eligible' : 'unknown';
}

/** Every programme of the catalogue for a set of facts as of a date (YYYY-MM-DD). */
export function evaluate(catalogue: Catalogue, facts: Facts, asOf: string): ProgrammeResult[] {
  return catalogue.programmes.map((p) => evaluateProgramme(p, facts, asOf));
}

/** Every leaf of a trace, in order. */
export function leaves(t: TraceNode): LeafTrace[] {
  return 'children' in t ? t.children.flatMap(leaves) : [t];
}

function count(t: TraceNode, outcome: Tri): number {
  return leaves(t).filter((l) => l.outcome === outcome).length;
}

/**
 * Why, in few words. `Why` items are conditions with their labels (a labelled group counts as one condition);
 * `or` lists alternatives. For a false result: what failed; for an unknown one: what is still to check.
 */
export type Why = { label: Localized; leaf?: LeafTrace } | { or: Why[] } | { and: Why[] };

function labelled(t: TraceNode): Why | undefined {
  if ('children' in t && t.node.label) return { label: t.node.label };
  if (!('children' in t)) return { label: t.node.label, leaf: t };
  return undefined;
}

/** The conditions that made a false outcome false. For `any`, the alternative that came closest. */
export function whyFalse(t: TraceNode): Why[] {
  if (t.outcome !== false) return [];
  const own = labelled(t);
  if (own) return [own];
  const g = t as GroupTrace;
  if (g.node.kind === 'all') return g.children.filter((c) => c.outcome === false).flatMap(whyFalse);
  // any: every alternative failed; explain the one that matched most (the person's own case, usually).
  const best = [...g.children].sort((a, b) => count(b, true) - count(a, true) || count(a, false) - count(b, false))[0];
  return best ? whyFalse(best) : [];
}

/** What is still to be known before an unknown outcome settles. */
export function whyUnknown(t: TraceNode): Why[] {
  if (t.outcome !== null) return [];
  const own = labelled(t);
  if (own) return [own];
  const g = t as GroupTrace;
  const open = g.children.filter((c) => c.outcome === null);
  if (g.node.kind === 'any' && open.length > 1) return [{ or: open.map((c) => ({ and: whyUnknown(c) })) }];
  return open.flatMap(whyUnknown);
}

/**
 * Facts whose absence keeps a trace unknown: those of unknown conditions that can still decide it (a condition
 * inside an alternative already ruled out cannot).
 */
export function missingFacts(t: TraceNode, out = new Set<FactName>()): Set<FactName> {
  if (t.outcome !== null) return out;
  if ('children' in t) for (const c of t.children) missingFacts(c, out);
  else if (t.actual === undefined) out.add(t.node.fact);
  return out;
}

/** Fills `{param}` placeholders with the parameters' values on the date. */
export function fillParams(text: string, params: Record<string, FactValue | undefined>): string {
  return text.replace(/\{([a-z][a-z0-9_]*)\}/g, (whole, name: string) => {
    const v = params[name];
    return v === undefined ? whole : Array.isArray(v) ? v.join(', ') : String(v);
  });
}

/** Days on which something of a programme changes: its window opens or closes, a dated parameter takes a new value. */
function changeDays(p: Programme): string[] {
  const days = new Set<string>();
  if (p.valid.from) days.add(p.valid.from);
  if (p.valid.until) days.add(addDays(p.valid.until, 1));
  for (const list of Object.values(p.parameters)) {
    for (const d of list) {
      if (d.from) days.add(d.from);
      if (d.until) days.add(addDays(d.until, 1));
    }
  }
  return [...days].sort();
}

/** How far ahead an answer looks for a change worth telling ("from 1 September it is open from grade 1"). */
export const LOOKAHEAD_DAYS = 365;

/**
 * The first day within the look-ahead on which the answer for these facts would be different, with the answer
 * then: a pupil "not eligible" in May who will be eligible from 1 September, a programme that will close.
 */
export function nextChange(p: Programme, facts: Facts, asOf: string, days = LOOKAHEAD_DAYS): ProgrammeResult | undefined {
  const now = statusOf(p, facts, asOf);
  const horizon = addDays(asOf, days);
  for (const day of changeDays(p)) {
    if (day <= asOf || day > horizon) continue;
    if (statusOf(p, facts, day) !== now) return evaluateProgramme(p, facts, day);
  }
  return undefined;
}
