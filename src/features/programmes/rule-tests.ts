import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { isIsoDate } from '../../core/time.ts';
import { type Catalogue, type CatalogueError, catalogueError, formatError, loadCatalogue, type Programme, PROGRAMMES_DIR, RULE_TESTS_DIR } from './catalogue.ts';
import { evaluateProgramme, fillParams, nextChange, type ProgrammeResult, type Status, STATUSES, type TraceNode } from './engine.ts';
import { type Facts, FactsSchema } from './facts.ts';
import { english, fromZodIssue, problem } from './reasons.ts';
import { programmeSources } from './sources.ts';
import { fieldSegments, YamlLines } from './yaml-lines.ts';

/** Quotes compared as words: case, spacing, quotation marks and dashes do not matter. */
function words(s: string): string {
  return s
    .toLowerCase()
    .replace(/[„“”"«»'‘’]/g, '')
    .replace(/[–—-]/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Whether the cited words are (part of) a source quote of one of the programmes, or contain one. */
export function citesASource(cites: string, programmes: Programme[]): boolean {
  const c = words(cites);
  return programmes.some((p) => programmeSources(p).some((s) => {
    const q = words(s.quote);
    return q.includes(c) || c.includes(q);
  }));
}

/**
 * Rule tests any maintainer can write: YAML lists of cases (facts, an "as of" date, the expected status per
 * programme). `npm run rules:test -- [FILES_OR_DIRS]` runs them and exits non-zero on any mismatch.
 */
const CaseSchema = z.lazy(() =>
  z
    .object({
      name: z.string().min(1),
      /** The sentence of a source this case tests, in its original words (one of the programmes' source quotes). */
      cites: z.string().trim().min(10, 'cites_short'),
      as_of: z.string().refine(isIsoDate, 'date'),
      facts: FactsSchema.default({}),
      expect: z.record(z.string(), z.enum(STATUSES as [Status, ...Status[]])).refine((e) => Object.keys(e).length > 0, 'expect_empty'),
    })
    .strict(),
);
const FileSchema = z.array(z.unknown());
export type RuleCase = z.infer<typeof CaseSchema>;

/** One case of a rule-test file, with the line it starts on. */
export interface ReadCase {
  index: number;
  line?: number;
  case: RuleCase;
}

/**
 * Reads a rule-test file sent in chat: its cases, or what is wrong with it with the line (the same reasons as for
 * programme files, so they can be said in the reader's language). Programmes are not looked up here.
 */
export function readRuleCases(file: string, text: string): { cases: ReadCase[]; errors: CatalogueError[] } {
  const lines = new YamlLines(text);
  const at = (field: string, key?: string) => {
    const line = lines.lineOf(fieldSegments(field), key);
    return line !== undefined ? { line } : {};
  };
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const line = (err as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    return { cases: [], errors: [catalogueError(file, line ? `line ${line}` : '(file)', problem('yaml_unreadable', { detail: (err as Error).message.split('\n')[0]! }), line ? { line } : {})] };
  }
  if (!Array.isArray(raw)) return { cases: [], errors: [catalogueError(file, '', problem('tests_not_list'))] };
  const cases: ReadCase[] = [];
  const errors: CatalogueError[] = [];
  raw.forEach((rawCase, index) => {
    const checked = CaseSchema.safeParse(rawCase);
    if (!checked.success) {
      for (const i of checked.error.issues) {
        const field = `[${index}]${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}`;
        const key = i.code === 'unrecognized_keys' ? i.keys[0] : undefined;
        errors.push(catalogueError(file, field, fromZodIssue(i), { ...at(field, key), ...(key ? { key } : {}) }));
      }
      return;
    }
    cases.push({ index, ...at(`[${index}]`), case: checked.data });
  });
  return { cases, errors };
}

export interface CaseOutcome {
  file: string;
  case: RuleCase;
  failures: Array<{ id: string; expected: Status; actual: Status | 'missing'; result?: ProgrammeResult }>;
}

export interface RunReport {
  files: string[];
  cases: number;
  expectations: number;
  outcomes: CaseOutcome[];
  errors: string[];
  ok: boolean;
}

function yamlFiles(target: string): string[] {
  const st = statSync(target);
  if (st.isFile()) return [target];
  return readdirSync(target)
    .sort()
    .flatMap((f) => {
      const p = join(target, f);
      return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
    });
}

function fmtValue(v: unknown): string {
  return v === undefined ? '—' : Array.isArray(v) ? `[${v.join(', ')}]` : String(v);
}

const MARK = { true: '✓', false: '✗', null: '?' } as const;

/** The trace as text: every condition, its outcome, the fact value used, its label and citation. */
export function formatTrace(t: TraceNode, params: Record<string, unknown>, indent = '    '): string[] {
  const mark = MARK[String(t.outcome) as keyof typeof MARK];
  if ('children' in t) {
    const label = t.node.label ? ` — ${fillParams(t.node.label.en, params as never)}` : '';
    return [`${indent}${mark} ${t.node.kind}${label}`, ...t.children.flatMap((c) => formatTrace(c, params, `${indent}  `))];
  }
  const n = t.node;
  const rhs = n.param !== undefined ? `${n.param}=${fmtValue(t.expected)}` : n.value !== undefined ? fmtValue(n.value) : '';
  const src = n.source ? [n.source.file, n.source.part, n.source.ref].filter(Boolean).join(', ') : '';
  return [
    `${indent}${mark} ${n.fact} ${n.op}${rhs ? ` ${rhs}` : ''} (fact: ${fmtValue(t.actual)}) — ${fillParams(n.label.en, params as never)}${src ? ` [${src}]` : ''}`,
  ];
}

export function describeResult(r: ProgrammeResult, facts: Facts): string[] {
  const w = r.programme.valid;
  const window = `window ${w.from ?? '…'} → ${w.until ?? '…'} on ${r.asOf}`;
  const later = nextChange(r.programme, facts, r.asOf);
  return [
    `    ${window}; conditions: ${MARK[String(r.conditions) as keyof typeof MARK]}`,
    ...formatTrace(r.trace, r.params),
    ...(later ? [`    from ${later.asOf}: ${later.status}`] : []),
  ];
}

export function runRuleTests(targets: string[], catalogue: Catalogue): RunReport {
  const report: RunReport = { files: [], cases: 0, expectations: 0, outcomes: [], errors: [], ok: true };
  for (const target of targets) {
    let files: string[];
    try {
      files = yamlFiles(target);
    } catch (err) {
      report.errors.push(`${target}: ${(err as Error).message}`);
      continue;
    }
    if (files.length === 0) report.errors.push(`${target}: no rule test files (*.yaml)`);
    for (const file of files) {
      report.files.push(file);
      const near = relative(process.cwd(), file);
      const rel = near && !near.startsWith('..') ? near : file;
      let raw: unknown;
      try {
        raw = parseYaml(readFileSync(file, 'utf8'));
      } catch (err) {
        report.errors.push(`${rel}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
        continue;
      }
      const parsed = FileSchema.safeParse(raw);
      if (!parsed.success) {
        for (const i of parsed.error.issues) report.errors.push(`${rel}: ${i.path.map(String).join('.') || '(file)'}: ${english(fromZodIssue(i))}`);
        continue;
      }
      parsed.data.forEach((rawCase, index) => {
        const checked = CaseSchema.safeParse(rawCase);
        if (!checked.success) {
          const name = (rawCase as { name?: unknown })?.name;
          for (const i of checked.error.issues) {
            report.errors.push(`${rel}: ${[index, ...i.path].map(String).join('.')}: ${english(fromZodIssue(i))}${typeof name === 'string' ? ` (case “${name}”)` : ''}`);
          }
          return;
        }
        const c = checked.data;
        report.cases++;
        const outcome: CaseOutcome = { file: rel, case: c, failures: [] };
        const named = Object.keys(c.expect).map((id) => catalogue.byId.get(id)).filter((p): p is Programme => p !== undefined);
        if (named.length && !citesASource(c.cites, named)) {
          report.errors.push(`${rel}: [${index}] ${c.name}: cites words found in no source quote of ${Object.keys(c.expect).join(', ')}`);
        }
        for (const [id, expected] of Object.entries(c.expect)) {
          report.expectations++;
          const p = catalogue.byId.get(id);
          if (!p) {
            report.errors.push(`${rel}: [${index}] ${c.name}: no programme ${id} in the catalogue`);
            continue;
          }
          const result = evaluateProgramme(p, c.facts, c.as_of);
          if (result.status !== expected) outcome.failures.push({ id, expected, actual: result.status, result });
        }
        report.outcomes.push(outcome);
      });
    }
  }
  report.ok = report.errors.length === 0 && report.outcomes.every((o) => o.failures.length === 0);
  return report;
}

export function formatReport(report: RunReport): string {
  const out: string[] = [];
  for (const o of report.outcomes) {
    if (o.failures.length === 0) {
      out.push(`✓ ${o.case.name}`);
      continue;
    }
    out.push(`✗ ${o.case.name}  (${o.file}, as of ${o.case.as_of})`);
    out.push(`  facts: ${JSON.stringify(o.case.facts)}`);
    for (const f of o.failures) {
      out.push(`  ${f.id}: expected ${f.expected}, actual ${f.actual}`);
      if (f.result) out.push(...describeResult(f.result, o.case.facts));
    }
  }
  for (const e of report.errors) out.push(`error: ${e}`);
  const failed = report.outcomes.filter((o) => o.failures.length > 0).length;
  out.push('');
  out.push(
    `${report.cases} cases, ${report.expectations} expectations in ${report.files.length} file(s): ${failed} case(s) failed, ${report.errors.length} error(s)` +
      (report.ok ? ' — all good' : ''),
  );
  return out.join('\n');
}

/** The command line: targets default to the project's own cases; `--catalogue DIR` tests another catalogue. */
export function rulesTestCli(argv: string[]): { code: number; output: string } {
  const args = argv.filter((a) => a !== '--');
  let dir = PROGRAMMES_DIR;
  const ci = args.indexOf('--catalogue');
  if (ci >= 0) {
    dir = args[ci + 1] ?? dir;
    args.splice(ci, 2);
  }
  const loaded = loadCatalogue(dir);
  if (!loaded.ok) return { code: 2, output: ['The catalogue does not validate:', ...loaded.errors.map((e) => `  ${formatError(e)}`)].join('\n') };
  const report = runRuleTests(args.length ? args : [RULE_TESTS_DIR], loaded.catalogue);
  return { code: report.ok ? 0 : 1, output: formatReport(report) };
}
