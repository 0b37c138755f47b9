import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { YAMLParseError } from 'yaml';
import { z } from 'zod';
import { isIsoDate } from '../../core/time.ts';
import { DATA_DIR } from '../../data-dir.ts';
import { parseYamlCached } from '../../yaml-cache.ts';
import { checkFactValue, factDef, type FactDef, type FactName, type FactValue } from './facts.ts';
import { seeds } from '../seeds.ts';
import { programmeSources } from './sources.ts';

/** The shipped catalogue: one file per programme. Rule tests live in its `tests/` folder. */
export const PROGRAMMES_DIR = join(DATA_DIR, 'programmes');
export const RULE_TESTS_DIR = join(PROGRAMMES_DIR, 'tests');

const text = z.string().trim().min(1, 'must not be empty');
export const Localized = z.object({ lv: text, en: text, ru: text }).strict();
export type Localized = z.infer<typeof Localized>;

const IsoDate = z.string().refine(isIsoDate, 'must be a date written YYYY-MM-DD');

/**
 * Where a fact comes from. Either a seed document (`file`, the meeting reports in the network's archive) or a web
 * page (`url` with its `title`, `publisher` and the date it was `read`), or another reference (`ref`, e.g. a law).
 * Every source carries the words relied on (`quote`, in the original language), so a reader can check them.
 */
export const SourceSchema = z
  .object({
    /** A seed document, e.g. 003_07a1e3c4c4f769ab.txt. */
    file: z.string().regex(/^\d{3}_[0-9a-f]{16}\.txt$/, 'must name a seed file such as 003_07a1e3c4c4f769ab.txt').optional(),
    /** Where in it (part, section). */
    part: text.optional(),
    /** The words relied on, in the original language. */
    quote: text,
    /** Another reference: a law, a regulation. */
    ref: text.optional(),
    url: z.url().optional(),
    /** A web page's title, as the page gives it. */
    title: text.optional(),
    /** Who published the page (ministry, agency, municipality). */
    publisher: text.optional(),
    /** The day the page was read (YYYY-MM-DD). */
    read: IsoDate.optional(),
    /** The page's own date, where it shows one. */
    published: IsoDate.optional(),
  })
  .strict()
  .refine((s) => s.file || s.ref || s.url, 'a source needs a seed file, a reference or a URL')
  .refine((s) => !s.url || (s.title && s.publisher && s.read), {
    message: 'a web source needs title, publisher and read (the date you read it)',
    path: ['url'],
  });
export type Source = z.infer<typeof SourceSchema>;

/** `esf`: the European Social Fund of 2014–2020; `esf_plus`: ESF+ of 2021–2027 (shown apart: people ask which is open). */
export const FUNDER_KINDS = ['esf', 'esf_plus', 'eu_other', 'state', 'municipality'] as const;
export const APPLICANTS = ['person', 'school', 'municipality'] as const;
export const OPS = ['eq', 'neq', 'in', 'not_in', 'gte', 'gt', 'lte', 'lt', 'is_true', 'is_false', 'includes_any', 'includes_all', 'excludes_all'] as const;
export type Op = (typeof OPS)[number];

const Scalar = z.union([z.string(), z.number(), z.boolean()]);
const DatedValue = z
  .object({
    from: IsoDate.optional(),
    until: IsoDate.optional(),
    value: z.union([Scalar, z.array(z.string())]),
    source: SourceSchema.optional(),
  })
  .strict();

const ProgrammeFile = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lowercase letters, digits and dashes, e.g. ikvd-pumpurs'),
    name: Localized,
    /** The full project name and number, where the programme is part of a project. */
    project: Localized.optional(),
    /** More words people use for it (searched, never shown). */
    aliases: z.array(text).optional(),
    funder: z.object({ kind: z.enum(FUNDER_KINDS), name: Localized }).strict(),
    operator: Localized,
    applicant: z.union([z.enum(APPLICANTS), z.array(z.enum(APPLICANTS)).min(1)]),
    gives: Localized,
    valid: z
      .object({
        from: IsoDate.optional(),
        until: IsoDate.optional(),
        /**
         * What is known after `until`: `closed` (the default: it ended) or `unknown` (the last known period ends
         * then, and no source says whether it goes on). Answers after such a date say "possibly — ask".
         */
        after: z.enum(['closed', 'unknown']).default('closed'),
        note: Localized.optional(),
      })
      .strict()
      .refine((v) => !v.from || !v.until || v.from <= v.until, { message: 'from must not be after until', path: ['until'] })
      .refine((v) => v.after === 'closed' || v.until, { message: 'after: unknown needs an until date', path: ['after'] }),
    apply: Localized,
    source: SourceSchema,
    /** The last day someone checked this file against its sources (shown to users; stale after some months). */
    checked: IsoDate,
    parameters: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_]*$/, 'parameter names are lowercase with underscores'),
        z
          .object({
            /** How the value reads in a sentence: "from grade {value}". */
            label: Localized.refine((l) => Object.values(l).every((t) => t.includes('{value}')), 'each language must contain {value}'),
            values: z.array(DatedValue).min(1),
          })
          .strict(),
      )
      .optional(),
    conditions: z.unknown(),
    notes: z
      .array(
        z
          .object({
            when: z.unknown().optional(),
            for: z.array(z.enum(['eligible', 'unknown', 'not_eligible'])).min(1).optional(),
            text: Localized,
            source: SourceSchema.optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

const LeafSchema = z
  .object({
    fact: z.string(),
    op: z.enum(OPS),
    value: z.union([Scalar, z.array(Scalar)]).optional(),
    param: z.string().optional(),
    label: Localized,
    source: SourceSchema,
  })
  .strict();
const LeafInNote = LeafSchema.omit({ label: true, source: true }).extend({ label: Localized.optional(), source: SourceSchema.optional() });

export interface LeafNode {
  kind: 'leaf';
  path: string;
  fact: FactName;
  op: Op;
  value?: FactValue;
  param?: string;
  label: Localized;
  source?: Source;
}
export interface GroupNode {
  kind: 'all' | 'any';
  path: string;
  children: RuleNode[];
  label?: Localized;
}
export interface NotNode {
  kind: 'not';
  path: string;
  child: RuleNode;
  label: Localized;
}
export type RuleNode = LeafNode | GroupNode | NotNode;

export interface DatedParam {
  from?: string;
  until?: string;
  value: FactValue;
  source?: Source;
}

export type FunderKind = (typeof FUNDER_KINDS)[number];
export type Applicant = (typeof APPLICANTS)[number];

export interface Programme {
  id: string;
  /** The file it came from, relative to the catalogue folder. */
  file: string;
  name: Localized;
  project?: Localized;
  aliases: string[];
  funder: { kind: FunderKind; name: Localized };
  operator: Localized;
  applicant: Applicant[];
  gives: Localized;
  valid: { from?: string; until?: string; after: 'closed' | 'unknown'; note?: Localized };
  apply: Localized;
  source: Source;
  checked: string;
  parameters: Record<string, DatedParam[]>;
  /** How each parameter's value reads: "from grade {value}". */
  parameterLabels: Record<string, Localized>;
  conditions: RuleNode;
  /** Remarks shown with a result: when a condition holds (`when`) and for some statuses only (`for`). */
  notes: Array<{ when?: LeafNode; for?: Array<'eligible' | 'unknown' | 'not_eligible'>; text: Localized; source?: Source }>;
  /** Facts its rules read. */
  facts: Set<FactName>;
  /** A fingerprint of the file's content, to tell what a reload changed. */
  digest: string;
}

export interface CatalogueError {
  file: string;
  field: string;
  reason: string;
}
export function formatError(e: CatalogueError): string {
  return `${e.file}: ${e.field || '(file)'}: ${e.reason}`;
}

export interface Catalogue {
  programmes: Programme[];
  byId: Map<string, Programme>;
  dir: string;
}

export function makeCatalogue(programmes: Programme[], dir = ''): Catalogue {
  const sorted = [...programmes].sort((a, b) => a.id.localeCompare(b.id));
  return { programmes: sorted, byId: new Map(sorted.map((p) => [p.id, p])), dir };
}

const PLACEHOLDER = /\{([a-z][a-z0-9_]*)\}/g;

function pathString(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
}

function zodErrors(file: string, base: string, error: z.ZodError): CatalogueError[] {
  return error.issues.map((issue) => {
    const field = [base, pathString(issue.path)].filter(Boolean).join('.').replace(/\.\[/g, '[');
    let reason = issue.message.replace(/^Invalid input: expected (\w+), received undefined$/, 'is required ($1)');
    if (issue.code === 'unrecognized_keys') reason = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
    return { file, field, reason };
  });
}

/** Checks a rule value (or a parameter's value) against the fact and the operator. */
function checkValue(def: FactDef, op: Op, value: unknown): string | undefined {
  const list = ['in', 'not_in', 'includes_any', 'includes_all', 'excludes_all'].includes(op);
  if (list) {
    if (!Array.isArray(value) || value.length === 0) return `${op} needs a non-empty list of values`;
    for (const v of value) {
      const bad = checkFactValue(def, v);
      if (bad) return bad;
    }
    return undefined;
  }
  if (Array.isArray(value)) return `${op} needs one value, not a list`;
  return checkFactValue(def, value);
}

function opFits(def: FactDef, op: Op): boolean {
  switch (op) {
    case 'is_true':
    case 'is_false':
      return def.kind === 'bool';
    case 'gte':
    case 'gt':
    case 'lte':
    case 'lt':
      return def.kind === 'int';
    case 'includes_any':
    case 'includes_all':
    case 'excludes_all':
      return def.kind === 'set';
    case 'in':
    case 'not_in':
      return def.kind === 'enum' || def.kind === 'int' || def.kind === 'text';
    case 'eq':
    case 'neq':
      return def.kind !== 'set';
  }
}

class Compiler {
  readonly errors: CatalogueError[] = [];
  readonly facts = new Set<FactName>();
  constructor(
    private readonly file: string,
    private readonly params: Record<string, DatedParam[]>,
  ) {}

  private err(field: string, reason: string): void {
    this.errors.push({ file: this.file, field, reason });
  }

  placeholders(field: string, l: Localized | undefined): void {
    if (!l) return;
    for (const lng of ['lv', 'en', 'ru'] as const) {
      for (const m of l[lng].matchAll(PLACEHOLDER)) {
        if (!(m[1]! in this.params)) this.err(`${field}.${lng}`, `{${m[1]}} names no parameter of this programme`);
      }
    }
  }

  leaf(raw: unknown, path: string, inNote = false): LeafNode | undefined {
    const parsed = (inNote ? LeafInNote : LeafSchema).safeParse(raw);
    if (!parsed.success) {
      this.errors.push(...zodErrors(this.file, path, parsed.error));
      return undefined;
    }
    const l = parsed.data;
    const def = factDef(l.fact);
    if (!def) {
      this.err(`${path}.fact`, `unknown fact ${JSON.stringify(l.fact)} (see the fact vocabulary in docs/programmes.md)`);
      return undefined;
    }
    if (!opFits(def, l.op)) {
      this.err(`${path}.op`, `${l.op} does not apply to ${def.name} (a ${def.kind} fact)`);
      return undefined;
    }
    const needsValue = l.op !== 'is_true' && l.op !== 'is_false';
    if (!needsValue && (l.value !== undefined || l.param !== undefined)) this.err(`${path}.value`, `${l.op} takes no value`);
    if (needsValue) {
      if ((l.value === undefined) === (l.param === undefined)) {
        this.err(`${path}.value`, `${l.op} needs either value or param`);
        return undefined;
      }
      if (l.value !== undefined) {
        const bad = checkValue(def, l.op, l.value);
        if (bad) this.err(`${path}.value`, bad);
      } else {
        const dated = this.params[l.param!];
        if (!dated) this.err(`${path}.param`, `no parameter ${l.param} in parameters`);
        else
          dated.forEach((d, i) => {
            const bad = checkValue(def, l.op, d.value);
            if (bad) this.err(`parameters.${l.param}.values[${i}].value`, bad);
          });
      }
    }
    const label = l.label ?? { lv: l.fact, en: l.fact, ru: l.fact };
    this.placeholders(`${path}.label`, l.label);
    this.facts.add(def.name as FactName);
    return {
      kind: 'leaf',
      path,
      fact: def.name as FactName,
      op: l.op,
      ...(l.value !== undefined ? { value: l.value as FactValue } : {}),
      ...(l.param !== undefined ? { param: l.param } : {}),
      label,
      ...(l.source ? { source: l.source } : {}),
    };
  }

  rule(raw: unknown, path: string): RuleNode | undefined {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      this.err(path, 'a condition is an object: {all: [...]}, {any: [...]}, {not: ...} or {fact, op, value, label, source}');
      return undefined;
    }
    const o = raw as Record<string, unknown>;
    const groups = (['all', 'any', 'not'] as const).filter((k) => k in o);
    if (groups.length > 1) {
      this.err(path, `use one of all, any, not, not ${groups.join(' and ')}`);
      return undefined;
    }
    const kind = groups[0];
    if (!kind) return this.leaf(raw, path);
    const extra = Object.keys(o).filter((k) => k !== kind && k !== 'label');
    if (extra.length) this.err(path, `unknown field${extra.length > 1 ? 's' : ''} ${extra.join(', ')} beside ${kind}`);
    let label: Localized | undefined;
    if ('label' in o) {
      const l = Localized.safeParse(o.label);
      if (l.success) label = l.data;
      else this.errors.push(...zodErrors(this.file, `${path}.label`, l.error));
      this.placeholders(`${path}.label`, label);
    }
    if (kind === 'not') {
      if (!label) this.err(`${path}.label`, 'a not condition needs its own label (what must not be the case)');
      const child = this.rule(o.not, `${path}.not`);
      return child && label ? { kind: 'not', path, child, label } : undefined;
    }
    const list = o[kind];
    if (!Array.isArray(list) || list.length === 0) {
      this.err(`${path}.${kind}`, `${kind} needs a non-empty list of conditions`);
      return undefined;
    }
    const children = list.map((c, i) => this.rule(c, `${path}.${kind}[${i}]`));
    if (children.some((c) => !c)) return undefined;
    return { kind, path, children: children as RuleNode[], ...(label ? { label } : {}) };
  }
}

function checkDated(file: string, name: string, dated: DatedParam[], errors: CatalogueError[]): void {
  const ranges = dated.map((d) => ({ from: d.from ?? '0000-01-01', until: d.until ?? '9999-12-31' }));
  ranges.forEach((r, i) => {
    if (r.from > r.until) errors.push({ file, field: `parameters.${name}.values[${i}].until`, reason: 'from must not be after until' });
    for (let j = 0; j < i; j++) {
      const o = ranges[j]!;
      if (r.from <= o.until && o.from <= r.until) {
        errors.push({ file, field: `parameters.${name}.values[${i}]`, reason: `its dates overlap those of parameters.${name}.values[${j}]` });
      }
    }
  });
}

function digestOf(s: string): string {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16);
}

/** Validates one programme file's content. The id must match the file name (ikvd-pumpurs.yaml holds ikvd-pumpurs). */
export function compileProgramme(file: string, source: string): { programme?: Programme; errors: CatalogueError[] } {
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(source) : parseYamlCached(source, { prettyErrors: true });
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? `line ${err.linePos[0].line}` : '(file)';
    const reason = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    return { errors: [{ file, field: where, reason: `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${reason}` }] };
  }
  const parsed = ProgrammeFile.safeParse(raw);
  if (!parsed.success) return { errors: zodErrors(file, '', parsed.error) };
  const f = parsed.data;
  const errors: CatalogueError[] = [];
  const stem = basename(file).replace(/\.(ya?ml|json)$/, '');
  if (stem !== f.id) errors.push({ file, field: 'id', reason: `is ${f.id}, but the file is named ${basename(file)}: name it ${f.id}.yaml` });
  const params: Record<string, DatedParam[]> = {};
  const parameterLabels: Record<string, Localized> = {};
  for (const [name, def] of Object.entries(f.parameters ?? {})) {
    parameterLabels[name] = def.label;
    params[name] = def.values.map((d) => ({
      ...(d.from ? { from: d.from } : {}),
      ...(d.until ? { until: d.until } : {}),
      value: d.value,
      ...(d.source ? { source: d.source } : {}),
    }));
    checkDated(file, name, params[name]!, errors);
  }
  const c = new Compiler(file, params);
  const conditions = f.conditions === undefined ? (c.errors.push({ file, field: 'conditions', reason: 'is required' }), undefined) : c.rule(f.conditions, 'conditions');
  const notes = (f.notes ?? []).map((n, i) => {
    const when = n.when === undefined ? undefined : c.leaf(n.when, `notes[${i}].when`, true);
    c.placeholders(`notes[${i}].text`, n.text);
    return { ...(when ? { when } : {}), ...(n.for ? { for: n.for } : {}), text: n.text, ...(n.source ? { source: n.source } : {}) };
  });
  for (const field of ['gives', 'apply'] as const) c.placeholders(field, f[field]);
  c.placeholders('valid.note', f.valid.note);
  errors.push(...c.errors);
  if (errors.length || !conditions) return { errors };
  const programme: Programme = {
    id: f.id,
    file,
    name: f.name,
    ...(f.project ? { project: f.project } : {}),
    aliases: f.aliases ?? [],
    funder: f.funder,
    operator: f.operator,
    applicant: Array.isArray(f.applicant) ? f.applicant : [f.applicant],
    gives: f.gives,
    valid: {
      ...(f.valid.from ? { from: f.valid.from } : {}),
      ...(f.valid.until ? { until: f.valid.until } : {}),
      after: f.valid.after,
      ...(f.valid.note ? { note: f.valid.note } : {}),
    },
    apply: f.apply,
    source: f.source,
    checked: f.checked,
    parameters: params,
    parameterLabels,
    conditions,
    notes,
    facts: c.facts,
    digest: digestOf(source),
  };
  const known = seeds();
  for (const s of programmeSources(programme)) {
    if (s.file && !known.has(s.file)) errors.push({ file, field: 'source', reason: `${s.file} is not a document of the network's archive (data/seeds.yaml)` });
  }
  return errors.length ? { errors } : { errors, programme };
}

/** Programme files of a folder: *.yaml, *.yml and *.json directly in it (sub-folders such as tests/ are not read). */
export function programmeFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f) && statSync(join(dir, f)).isFile())
    .sort();
}

export type LoadResult = { ok: true; catalogue: Catalogue } | { ok: false; errors: CatalogueError[]; partial: Catalogue };

/** Reads and validates every programme file of a folder. Any error refuses the whole catalogue (`partial` has the valid files). */
export function loadCatalogue(dir = PROGRAMMES_DIR): LoadResult {
  const errors: CatalogueError[] = [];
  const programmes: Programme[] = [];
  let files: string[];
  try {
    files = programmeFiles(dir);
  } catch (err) {
    return { ok: false, errors: [{ file: dir, field: '', reason: `cannot read the folder: ${(err as Error).message}` }], partial: makeCatalogue([], dir) };
  }
  if (files.length === 0) errors.push({ file: dir, field: '', reason: 'no programme files (*.yaml, *.json)' });
  const seen = new Map<string, string>();
  for (const file of files) {
    let content: string;
    try {
      content = readFileSync(join(dir, file), 'utf8');
    } catch (err) {
      errors.push({ file, field: '', reason: `cannot read: ${(err as Error).message}` });
      continue;
    }
    const r = compileProgramme(file, content);
    errors.push(...r.errors);
    if (!r.programme) continue;
    const other = seen.get(r.programme.id);
    if (other) {
      errors.push({ file, field: 'id', reason: `${r.programme.id} is already used by ${other}` });
      continue;
    }
    seen.set(r.programme.id, file);
    programmes.push(r.programme);
  }
  const catalogue = makeCatalogue(programmes, dir);
  return errors.length ? { ok: false, errors, partial: catalogue } : { ok: true, catalogue };
}

export interface ReloadRecord {
  ok: boolean;
  /** Who asked (a person id) and when: for the audit log. */
  by: string;
  at: string;
  dir: string;
  count: number;
  added: string[];
  removed: string[];
  changed: string[];
  errors: CatalogueError[];
}

/** The catalogue in use. A reload that fails validation is refused and the previous catalogue stays. */
export class CatalogueStore {
  private currentCatalogue: Catalogue;
  private errorsAtStart: CatalogueError[];

  constructor(readonly dir = PROGRAMMES_DIR) {
    const r = loadCatalogue(dir);
    this.currentCatalogue = r.ok ? r.catalogue : r.partial;
    this.errorsAtStart = r.ok ? [] : r.errors;
  }

  /** Errors of the catalogue read at start, if it was refused (the valid files are used meanwhile) until a good reload. */
  get startErrors(): readonly CatalogueError[] {
    return this.errorsAtStart;
  }

  get current(): Catalogue {
    return this.currentCatalogue;
  }

  reload(by: string, at: Date): ReloadRecord {
    const r = loadCatalogue(this.dir);
    const base = { by, at: at.toISOString(), dir: this.dir };
    if (!r.ok) return { ...base, ok: false, count: this.currentCatalogue.programmes.length, added: [], removed: [], changed: [], errors: r.errors };
    const before = this.currentCatalogue.byId;
    const after = r.catalogue.byId;
    const added = [...after.keys()].filter((id) => !before.has(id));
    const removed = [...before.keys()].filter((id) => !after.has(id));
    const changed = [...after.keys()].filter((id) => before.has(id) && before.get(id)!.digest !== after.get(id)!.digest);
    this.currentCatalogue = r.catalogue;
    this.errorsAtStart = [];
    return { ...base, ok: true, count: r.catalogue.programmes.length, added, removed, changed, errors: [] };
  }
}
