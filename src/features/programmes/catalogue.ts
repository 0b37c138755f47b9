import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createHash } from 'node:crypto';
import { YAMLParseError } from 'yaml';
import * as z from 'zod';
import type { Role } from '../../core/access.ts';
import { isIsoDate } from '../../core/time.ts';
import { DATA_DIR } from '../../data-dir.ts';
import { parseYamlCached } from '../../yaml-cache.ts';
import { derived } from '../../derived-cache.ts';
import { checkFactValue, factDef, type FactDef, type FactName, type FactValue } from './facts.ts';
import { seeds } from '../seeds.ts';
import { english, fromZodIssue, type Problem, problem, type ReasonCode } from './reasons.ts';
import { programmeSources } from './sources.ts';
import { fieldSegments, YamlLines } from './yaml-lines.ts';
import { byCode } from '../../core/order.ts';

/** The shipped catalogue: one file per programme. Rule tests live in its `tests/` folder. */
export const PROGRAMMES_DIR = join(DATA_DIR, 'programmes');
export const RULE_TESTS_DIR = join(PROGRAMMES_DIR, 'tests');

/** `esf`: the European Social Fund of 2014–2020; `esf_plus`: ESF+ of 2021–2027 (shown apart: people ask which is open). */
export const FUNDER_KINDS = ['esf', 'esf_plus', 'eu_other', 'state', 'municipality'] as const;
export const APPLICANTS = ['person', 'school', 'municipality'] as const;
export const OPS = ['eq', 'neq', 'in', 'not_in', 'gte', 'gt', 'lte', 'lt', 'is_true', 'is_false', 'includes_any', 'includes_all', 'excludes_all'] as const;
export type Op = (typeof OPS)[number];

/**
 * The schemas of a programme file, built the first time a file is checked: a start whose files were all checked
 * before (the data cache, derived-cache.ts) never builds them, and building them was a few ms of every start.
 */
function buildSchemas() {
  const text = z.string().trim().min(1, 'empty');
  const Localized = z.object({ lv: text, en: text, ru: text }).strict();

  const IsoDate = z.string().refine(isIsoDate, 'date');

  /**
   * Where a fact comes from. Either a seed document (`file`, the meeting reports in the network's archive) or a web
   * page (`url` with its `title`, `publisher` and the date it was `read`), or another reference (`ref`, e.g. a law).
   * Every source carries the words relied on (`quote`, in the original language), so a reader can check them.
   */
  const SourceSchema = z
    .object({
      /** A seed document, e.g. 003_07a1e3c4c4f769ab.txt. */
      file: z.string().regex(/^\d{3}_[0-9a-f]{16}\.txt$/, 'seed_file_name').optional(),
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
    .refine((s) => s.file || s.ref || s.url, 'source_kind')
    .refine((s) => !s.url || (s.title && s.publisher && s.read), { message: 'web_source', path: ['url'] });

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
      id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'id_format'),
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
        .refine((v) => !v.from || !v.until || v.from <= v.until, { message: 'from_after_until', path: ['until'] })
        .refine((v) => v.after === 'closed' || v.until, { message: 'after_unknown', path: ['after'] }),
      apply: Localized,
      source: SourceSchema,
      /** The last day someone checked this file against its sources (shown to users; stale after some months). */
      checked: IsoDate,
      parameters: z
        .record(
          z.string().regex(/^[a-z][a-z0-9_]*$/, 'param_name'),
          z
            .object({
              /** How the value reads in a sentence: "from grade {value}". */
              label: Localized.refine((l) => Object.values(l).every((t) => t.includes('{value}')), 'label_value'),
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
  return { Localized, SourceSchema, ProgrammeFile, LeafSchema, LeafInNote };
}
let built: ReturnType<typeof buildSchemas> | undefined;
const schemas = () => (built ??= buildSchemas());

export type Localized = z.infer<ReturnType<typeof schemas>['Localized']>;
export type Source = z.infer<ReturnType<typeof schemas>['SourceSchema']>;

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
  /** The file's content as read (YAML with its comments): what a version stores and an export writes. */
  text: string;
}

export interface CatalogueError {
  file: string;
  field: string;
  /** In English, for the command line and logs; chat answers say `code` in the reader's language. */
  reason: string;
  code: ReasonCode;
  params?: Record<string, string | number>;
  /** The line of the file the field is on (YAML and JSON files), where it can be found. */
  line?: number;
  /** An unknown field's name, to find its line. */
  key?: string;
}

export function catalogueError(file: string, field: string, why: Problem, extra: { line?: number; key?: string } = {}): CatalogueError {
  return { file, field, reason: english(why), code: why.code, ...(why.params ? { params: why.params } : {}), ...extra };
}

export function formatError(e: CatalogueError): string {
  return `${e.file}${e.line ? `:${e.line}` : ''}: ${e.field || '(file)'}: ${e.reason}`;
}

export interface Catalogue {
  programmes: Programme[];
  byId: Map<string, Programme>;
  dir: string;
}

export function makeCatalogue(programmes: Programme[], dir = ''): Catalogue {
  const sorted = [...programmes].sort((a, b) => byCode(a.id, b.id));
  return { programmes: sorted, byId: new Map(sorted.map((p) => [p.id, p])), dir };
}

const PLACEHOLDER = /\{([a-z][a-z0-9_]*)\}/g;

function pathString(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
}

function zodErrors(file: string, base: string, error: z.ZodError): CatalogueError[] {
  return error.issues.map((issue) => {
    const field = [base, pathString(issue.path)].filter(Boolean).join('.').replace(/\.\[/g, '[');
    const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    return catalogueError(file, field, fromZodIssue(issue), key !== undefined ? { key } : {});
  });
}

/** Checks a rule value (or a parameter's value) against the fact and the operator. */
function checkValue(def: FactDef, op: Op, value: unknown): Problem | undefined {
  const list = ['in', 'not_in', 'includes_any', 'includes_all', 'excludes_all'].includes(op);
  if (list) {
    if (!Array.isArray(value) || value.length === 0) return problem('list_needed', { op });
    for (const v of value) {
      const bad = checkFactValue(def, v);
      if (bad) return bad;
    }
    return undefined;
  }
  if (Array.isArray(value)) return problem('one_value', { op });
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

  private err(field: string, why: Problem, key?: string): void {
    this.errors.push(catalogueError(this.file, field, why, key !== undefined ? { key } : {}));
  }

  placeholders(field: string, l: Localized | undefined): void {
    if (!l) return;
    for (const lng of ['lv', 'en', 'ru'] as const) {
      for (const m of l[lng].matchAll(PLACEHOLDER)) {
        if (!(m[1]! in this.params)) this.err(`${field}.${lng}`, problem('placeholder', { name: `{${m[1]}}` }));
      }
    }
  }

  leaf(raw: unknown, path: string, inNote = false): LeafNode | undefined {
    const parsed = (inNote ? schemas().LeafInNote : schemas().LeafSchema).safeParse(raw);
    if (!parsed.success) {
      this.errors.push(...zodErrors(this.file, path, parsed.error));
      return undefined;
    }
    const l = parsed.data;
    const def = factDef(l.fact);
    if (!def) {
      this.err(`${path}.fact`, problem('unknown_fact', { fact: l.fact }));
      return undefined;
    }
    if (!opFits(def, l.op)) {
      this.err(`${path}.op`, problem('op_fact', { op: l.op, fact: def.name, factKind: def.kind }));
      return undefined;
    }
    const needsValue = l.op !== 'is_true' && l.op !== 'is_false';
    if (!needsValue && (l.value !== undefined || l.param !== undefined)) this.err(`${path}.value`, problem('no_value', { op: l.op }));
    if (needsValue) {
      if ((l.value === undefined) === (l.param === undefined)) {
        this.err(`${path}.value`, problem('value_or_param', { op: l.op }));
        return undefined;
      }
      if (l.value !== undefined) {
        const bad = checkValue(def, l.op, l.value);
        if (bad) this.err(`${path}.value`, bad);
      } else {
        const dated = this.params[l.param!];
        if (!dated) this.err(`${path}.param`, problem('no_param', { param: l.param! }));
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
      this.err(path, problem('condition_shape'));
      return undefined;
    }
    const o = raw as Record<string, unknown>;
    const groups = (['all', 'any', 'not'] as const).filter((k) => k in o);
    if (groups.length > 1) {
      this.err(path, problem('condition_groups', { groups: groups.join(' and ') }));
      return undefined;
    }
    const kind = groups[0];
    if (!kind) return this.leaf(raw, path);
    const extra = Object.keys(o).filter((k) => k !== kind && k !== 'label');
    if (extra.length) this.err(path, problem('unknown_fields_beside', { keys: extra.join(', '), count: extra.length, kind }), extra[0]);
    let label: Localized | undefined;
    if ('label' in o) {
      const l = schemas().Localized.safeParse(o.label);
      if (l.success) label = l.data;
      else this.errors.push(...zodErrors(this.file, `${path}.label`, l.error));
      this.placeholders(`${path}.label`, label);
    }
    if (kind === 'not') {
      if (!label) this.err(`${path}.label`, problem('not_label'));
      const child = this.rule(o.not, `${path}.not`);
      return child && label ? { kind: 'not', path, child, label } : undefined;
    }
    const list = o[kind];
    if (!Array.isArray(list) || list.length === 0) {
      this.err(`${path}.${kind}`, problem('group_empty', { group: kind }));
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
    if (r.from > r.until) errors.push(catalogueError(file, `parameters.${name}.values[${i}].until`, problem('from_after_until')));
    for (let j = 0; j < i; j++) {
      const o = ranges[j]!;
      if (r.from <= o.until && o.from <= r.until) {
        errors.push(catalogueError(file, `parameters.${name}.values[${i}]`, problem('overlap', { other: `parameters.${name}.values[${j}]` })));
      }
    }
  });
}

/** A fingerprint of a file's content: tells changed files apart, and a shipped file from versions published in chat. */
export function contentDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Validates one programme file's content. The id must match the file name (ikvd-pumpurs.yaml holds ikvd-pumpurs). */
export function compileProgramme(file: string, source: string): { programme?: Programme; errors: CatalogueError[] } {
  const r = compileUnlined(file, source);
  if (r.errors.length) {
    const lines = new YamlLines(source);
    for (const e of r.errors) if (e.line === undefined) {
      const line = lines.lineOf(fieldSegments(e.field), e.key);
      if (line !== undefined) e.line = line;
    }
  }
  return r;
}

/** A YAML library error code, as the few kinds a person can act on. */
function yamlProblem(err: YAMLParseError): ReasonCode {
  switch (err.code) {
    case 'DUPLICATE_KEY':
      return 'yaml_duplicate_key';
    case 'TAB_AS_INDENT':
      return 'yaml_tab';
    case 'BAD_INDENT':
    case 'MULTILINE_IMPLICIT_KEY':
    case 'BLOCK_AS_IMPLICIT_KEY':
      return 'yaml_indent';
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return 'yaml_bracket';
    default:
      return 'yaml_unreadable';
  }
}

function compileUnlined(file: string, source: string): { programme?: Programme; errors: CatalogueError[] } {
  // The file's own checks depend on its name and text only; the sources it cites are checked against seeds.yaml
  // each time, as that file may have changed.
  const r = derived.remember(`programme\0${file}`, source, () => checkAndCompile(file, source), (r) => r.programme !== undefined && r.errors.length === 0);
  if (!r.programme) return r;
  const errors: CatalogueError[] = [];
  const known = seeds();
  for (const s of programmeSources(r.programme)) {
    if (!s.file || known.has(s.file)) continue;
    const at = source.indexOf(s.file);
    const line = at >= 0 ? source.slice(0, at).split('\n').length : undefined;
    errors.push(catalogueError(file, 'source', problem('seed_unknown', { file: s.file }), line ? { line } : {}));
  }
  return errors.length ? { errors } : { errors, programme: r.programme };
}

function checkAndCompile(file: string, source: string): { programme?: Programme; errors: CatalogueError[] } {
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(source) : parseYamlCached(source, { prettyErrors: true });
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    if (err instanceof YAMLParseError) {
      const line = err.linePos?.[0].line;
      return { errors: [catalogueError(file, line ? `line ${line}` : '(file)', problem(yamlProblem(err), { detail }), line ? { line } : {})] };
    }
    return { errors: [catalogueError(file, '(file)', problem(file.endsWith('.json') ? 'json' : 'yaml_unreadable', { detail }))] };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { errors: [catalogueError(file, '', problem('not_mapping'))] };
  const parsed = schemas().ProgrammeFile.safeParse(raw);
  if (!parsed.success) return { errors: zodErrors(file, '', parsed.error) };
  const f = parsed.data;
  const errors: CatalogueError[] = [];
  const stem = basename(file).replace(/\.(ya?ml|json)$/, '');
  if (stem !== f.id) errors.push(catalogueError(file, 'id', problem('id_file', { id: f.id, file: basename(file) })));
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
  const conditions = f.conditions === undefined ? (c.errors.push(catalogueError(file, 'conditions', problem('required_plain'))), undefined) : c.rule(f.conditions, 'conditions');
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
    digest: contentDigest(source),
    text: source,
  };
  return { errors, programme };
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
    return { ok: false, errors: [catalogueError(dir, '', problem('cannot_read_folder', { detail: (err as Error).message }))], partial: makeCatalogue([], dir) };
  }
  if (files.length === 0) errors.push(catalogueError(dir, '', problem('no_files')));
  const seen = new Map<string, string>();
  for (const file of files) {
    let content: string;
    try {
      content = readFileSync(join(dir, file), 'utf8');
    } catch (err) {
      errors.push(catalogueError(file, '', problem('cannot_read', { detail: (err as Error).message })));
      continue;
    }
    const r = compileProgramme(file, content);
    errors.push(...r.errors);
    if (!r.programme) continue;
    const other = seen.get(r.programme.id);
    if (other) {
      errors.push(catalogueError(file, 'id', problem('id_used', { id: r.programme.id, other })));
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
  /** Shipped files that changed and took over from versions published in chat (they are new versions now). */
  takenOver: Array<{ programmeId: string; version: number }>;
}

/**
 * Versions published in chat, as the store needs them (the database's `VersionStore` is one). The store only reads
 * them, and takes over shipped files that changed in a release.
 */
export interface PublishedVersions {
  signature(): Promise<string>;
  latest(): Promise<Array<{ programme_id: string; version: number; content: string; change: string; published_at: string }>>;
  takeOverShipped(shipped: ReadonlyArray<{ id: string; text: string }>, by: { id: string; role: Role } | null, at: Date): Promise<Array<{ programmeId: string; version: number }>>;
}

/** Where the programme in use comes from, and its number in the history. */
export interface ProgrammeVersion {
  /** 1 for a shipped file nobody has changed yet. */
  version: number;
  from: 'file' | 'database';
  /** For database versions: how it came to be (`publish`, `restore`, `checked` …) and when. */
  change?: string;
  at?: string;
}

/**
 * The catalogue in use: the shipped files (data/programmes) with the newest version of each programme published in
 * chat on top. `sync()` notices a publication made on any instance (the versions' signature changed) and rebuilds;
 * the object behind `current` changes only then, so a reader holds one consistent catalogue. A reload that fails
 * validation is refused and the previous catalogue stays.
 */
export class CatalogueStore {
  private shipped: Catalogue;
  private shippedErrors: CatalogueError[];
  private versionErrors: CatalogueError[] = [];
  private currentCatalogue: Catalogue;
  private info = new Map<string, ProgrammeVersion>();
  private seen: string | undefined;
  private syncing: Promise<boolean> | undefined;
  /** Compiled database versions by content digest: a sync compiles only what is new. */
  private compiled = new Map<string, { programme?: Programme; errors: CatalogueError[] }>();

  constructor(
    readonly dir = PROGRAMMES_DIR,
    private readonly versions?: PublishedVersions,
  ) {
    const r = loadCatalogue(dir);
    this.shipped = r.ok ? r.catalogue : r.partial;
    this.shippedErrors = r.ok ? [] : r.errors;
    this.currentCatalogue = this.shipped;
    for (const p of this.shipped.programmes) this.info.set(p.id, { version: 1, from: 'file' });
  }

  /** Errors of the catalogue in use: shipped files refused at start (until a good reload), database versions that no longer validate. */
  get startErrors(): readonly CatalogueError[] {
    return [...this.shippedErrors, ...this.versionErrors];
  }

  get current(): Catalogue {
    return this.currentCatalogue;
  }

  versionOf(id: string): ProgrammeVersion | undefined {
    return this.info.get(id);
  }

  /** The shipped file's content of a programme, if it has one. */
  shippedText(id: string): string | undefined {
    return this.shipped.byId.get(id)?.text;
  }

  /** At start: shipped files changed in a release take over, then the published versions are read. */
  async load(at: Date): Promise<Array<{ programmeId: string; version: number }>> {
    if (!this.versions) return [];
    const taken = await this.versions.takeOverShipped(this.shipped.programmes, null, at);
    await this.sync(true);
    return taken;
  }

  /** Reads the published versions if any were added since the last look; true when the catalogue in use changed. */
  sync(force = false): Promise<boolean> {
    if (!this.versions) return Promise.resolve(false);
    // One look at a time: a poll and a publication on this instance must not rebuild over each other.
    const run = (this.syncing ?? Promise.resolve(false)).catch(() => false).then(() => this.syncNow(force));
    this.syncing = run;
    return run;
  }

  private async syncNow(force: boolean): Promise<boolean> {
    const signature = await this.versions!.signature();
    if (!force && signature === this.seen) return false;
    const rows = await this.versions!.latest();
    this.seen = signature;
    this.rebuild(rows);
    return true;
  }

  private rebuild(rows: Awaited<ReturnType<PublishedVersions['latest']>>): void {
    const programmes = new Map(this.shipped.byId);
    const info = new Map<string, ProgrammeVersion>();
    for (const p of this.shipped.programmes) info.set(p.id, { version: 1, from: 'file' });
    const errors: CatalogueError[] = [];
    const used = new Map<string, { programme?: Programme; errors: CatalogueError[] }>();
    for (const row of rows) {
      const key = contentDigest(row.content);
      const c = this.compiled.get(key) ?? compileProgramme(`${row.programme_id}.yaml`, row.content);
      used.set(key, c);
      if (c.programme && c.programme.id === row.programme_id) {
        programmes.set(row.programme_id, c.programme);
        info.set(row.programme_id, { version: row.version, from: 'database', change: row.change, at: row.published_at });
      } else {
        // A version that validated when published and no longer does (the vocabulary or the seeds changed): the
        // shipped file, if any, answers meanwhile, and staff are told.
        errors.push(...c.errors.map((e) => ({ ...e, file: `${row.programme_id} v${row.version}` })));
      }
    }
    this.compiled = used;
    this.versionErrors = errors;
    this.info = info;
    this.currentCatalogue = makeCatalogue([...programmes.values()], this.dir);
  }

  async reload(by: string, at: Date, role: Role = 'admin'): Promise<ReloadRecord> {
    const r = loadCatalogue(this.dir);
    const base = { by, at: at.toISOString(), dir: this.dir };
    if (!r.ok) return { ...base, ok: false, count: this.currentCatalogue.programmes.length, added: [], removed: [], changed: [], errors: r.errors, takenOver: [] };
    const before = this.currentCatalogue.byId;
    this.shipped = r.catalogue;
    this.shippedErrors = [];
    let takenOver: Array<{ programmeId: string; version: number }> = [];
    if (this.versions) {
      takenOver = await this.versions.takeOverShipped(r.catalogue.programmes, { id: by, role }, at);
      await this.sync(true);
    } else {
      this.currentCatalogue = r.catalogue;
      this.info = new Map(r.catalogue.programmes.map((p) => [p.id, { version: 1, from: 'file' as const }]));
    }
    const after = this.currentCatalogue.byId;
    const added = [...after.keys()].filter((id) => !before.has(id));
    const removed = [...before.keys()].filter((id) => !after.has(id));
    const changed = [...after.keys()].filter((id) => before.has(id) && before.get(id)!.digest !== after.get(id)!.digest);
    return { ...base, ok: true, count: this.currentCatalogue.programmes.length, added, removed, changed, errors: [], takenOver };
  }
}
