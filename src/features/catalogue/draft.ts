import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type Catalogue, type CatalogueError, catalogueError, compileProgramme, makeCatalogue, type Programme } from '../programmes/catalogue.ts';
import { evaluateProgramme, type Status } from '../programmes/engine.ts';
import { problem } from '../programmes/reasons.ts';
import { citesASource, type ReadCase, readRuleCases, type RuleCase } from '../programmes/rule-tests.ts';
import { diffProgrammes, type ProgrammeDiff } from './diff.ts';
import type { DraftFile } from './intake.ts';

/** A rule-test case and where it comes from. */
export interface SourcedCase {
  file: string;
  line?: number;
  case: RuleCase;
}

/** The project's rule tests (data/programmes/tests): every preview runs those that name a changed programme. */
export function loadShippedCases(dir: string): { cases: SourcedCase[]; errors: CatalogueError[] } {
  const cases: SourcedCase[] = [];
  const errors: CatalogueError[] = [];
  const walk = (d: string): string[] => {
    try {
      return readdirSync(d)
        .sort()
        .flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : /\.ya?ml$/.test(f) ? [join(d, f)] : []));
    } catch {
      return [];
    }
  };
  for (const path of walk(dir)) {
    const name = relative(join(dir, '..'), path);
    const r = readRuleCases(name, readFileSync(path, 'utf8'));
    errors.push(...r.errors);
    cases.push(...r.cases.map((c: ReadCase) => ({ file: name, ...(c.line !== undefined ? { line: c.line } : {}), case: c.case })));
  }
  return { cases, errors };
}

export interface DraftProgramme {
  id: string;
  /** The file name as sent. */
  file: string;
  text: string;
  programme: Programme;
  before?: Programme;
  kind: 'new' | 'changed' | 'same';
  diff?: ProgrammeDiff;
}

/** A rule-test answer that changes: "case: before → after", with what the case expects. */
export interface AnswerChange {
  caseName: string;
  file: string;
  sent: boolean;
  programmeId: string;
  before?: Status;
  after: Status;
  expected: Status;
}

export interface DraftReport {
  /** Nothing can be published while there is any. */
  errors: CatalogueError[];
  programmes: DraftProgramme[];
  answers: AnswerChange[];
  casesRun: { shipped: number; sent: number };
  /** Cases of the project's rule tests whose expectation the new version no longer meets. */
  expectationsBroken: number;
  after: Catalogue;
}

/** The id a programme file declares, to compile it under its own name: a phone names files as it likes. */
function declaredId(text: string): string | undefined {
  try {
    const raw = parseYaml(text) as { id?: unknown } | null;
    return raw && typeof raw === 'object' && typeof raw.id === 'string' && /^[a-z][a-z0-9-]*$/.test(raw.id) ? raw.id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks a draft against the catalogue in use: every programme file validates (field, line, reason), the rule tests
 * sent with it pass against the new version, and the project's rule tests naming a changed programme are run
 * before and after, so the preview can say which answers change.
 */
export function evaluateDraft(draft: { programmes: DraftFile[]; tests: DraftFile[] }, current: Catalogue, shipped: SourcedCase[]): DraftReport {
  const errors: CatalogueError[] = [];
  const programmes: DraftProgramme[] = [];
  const seen = new Map<string, string>();
  for (const f of draft.programmes) {
    const id = declaredId(f.text);
    const r = compileProgramme(id ? `${id}.yaml` : f.name, f.text);
    if (!r.programme) {
      errors.push(...r.errors.map((e) => ({ ...e, file: f.name })));
      continue;
    }
    const p = r.programme;
    const other = seen.get(p.id);
    if (other) {
      errors.push(catalogueError(f.name, 'id', problem('id_used', { id: p.id, other })));
      continue;
    }
    seen.set(p.id, f.name);
    const before = current.byId.get(p.id);
    const diff = before ? diffProgrammes(before, p) : undefined;
    const kind = !before ? 'new' : before.digest === p.digest ? 'same' : 'changed';
    programmes.push({ id: p.id, file: f.name, text: f.text, programme: p, ...(before ? { before } : {}), kind, ...(diff ? { diff } : {}) });
  }
  const replaced = new Map(current.byId);
  for (const d of programmes) replaced.set(d.id, d.programme);
  const after = makeCatalogue([...replaced.values()], current.dir);

  const sent: SourcedCase[] = [];
  for (const f of draft.tests) {
    const r = readRuleCases(f.name, f.text);
    errors.push(...r.errors);
    sent.push(...r.cases.map((c) => ({ file: f.name, ...(c.line !== undefined ? { line: c.line } : {}), case: c.case })));
  }
  for (const s of sent) {
    const c = s.case;
    const where = { ...(s.line !== undefined ? { line: s.line } : {}) };
    const named = Object.keys(c.expect).map((id) => after.byId.get(id)).filter((p): p is Programme => p !== undefined);
    if (named.length && !citesASource(c.cites, named)) errors.push(catalogueError(s.file, c.name, problem('cites_unmatched', { ids: Object.keys(c.expect).join(', ') }), where));
    for (const [id, expected] of Object.entries(c.expect)) {
      const p = after.byId.get(id);
      if (!p) {
        errors.push(catalogueError(s.file, c.name, problem('no_programme', { id }), where));
        continue;
      }
      const got = evaluateProgramme(p, c.facts, c.as_of).status;
      if (got !== expected) errors.push(catalogueError(s.file, c.name, problem('case_failed', { id, want: expected, got }), where));
    }
  }

  const changed = new Set(programmes.filter((p) => p.kind !== 'same').map((p) => p.id));
  const answers: AnswerChange[] = [];
  let expectationsBroken = 0;
  let shippedRun = 0;
  const run = (s: SourcedCase, isSent: boolean) => {
    const ids = Object.keys(s.case.expect).filter((id) => changed.has(id));
    if (!ids.length) return false;
    for (const id of ids) {
      const old = current.byId.get(id);
      const before = old ? evaluateProgramme(old, s.case.facts, s.case.as_of).status : undefined;
      const afterStatus = evaluateProgramme(after.byId.get(id)!, s.case.facts, s.case.as_of).status;
      const expected = s.case.expect[id]!;
      if (!isSent && afterStatus !== expected) expectationsBroken++;
      if (before !== afterStatus) answers.push({ caseName: s.case.name, file: s.file, sent: isSent, programmeId: id, ...(before ? { before } : {}), after: afterStatus, expected });
    }
    return true;
  };
  for (const s of shipped) if (run(s, false)) shippedRun++;
  for (const s of sent) run(s, true);
  return { errors, programmes, answers, casesRun: { shipped: shippedRun, sent: sent.length }, expectationsBroken, after };
}
