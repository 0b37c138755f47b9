import type { LeafNode, Localized, Programme, RuleNode, Source } from '../programmes/catalogue.ts';
import { programmeSources } from '../programmes/sources.ts';
import { LANGUAGES, type Language } from '../../core/types.ts';

/** Texts a coordinator recognises, in the order a programme's page shows them. */
export const TEXT_FIELDS = ['name', 'project', 'funder', 'operator', 'gives', 'valid_note', 'apply', 'notes'] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

export type DateField = 'from' | 'until' | 'after' | 'checked';

export interface TextChange {
  field: TextField;
  /** The languages whose text differs. */
  languages: Language[];
  /** The new text (for notes: the first that changed), or none when it was removed. */
  after?: Localized;
}

/**
 * What differs between two versions of a programme, in the terms of its page: dates, conditions (by their labels),
 * dated values, texts, sources. `layout` means the file differs only in comments or formatting.
 */
export interface ProgrammeDiff {
  dates: Array<{ field: DateField; before?: string; after?: string }>;
  /** Conditions as their labels read; `structure` when the same conditions are combined differently. */
  conditions: { removed: LeafNode[]; added: LeafNode[]; structure: boolean };
  /** Dated values whose dates or values changed, by parameter name. */
  parameters: string[];
  texts: TextChange[];
  sources: { added: Source[]; removed: number };
  applicant?: { before: string[]; after: string[] };
  funderKind?: { before: string; after: string };
  aliases: boolean;
  /** When remarks are shown (their `when` and `for`) changed. */
  remarks: boolean;
  layout: boolean;
}

function leafKey(n: LeafNode): string {
  return JSON.stringify([n.fact, n.op, n.value ?? null, n.param ?? null, n.label]);
}

function leavesOf(n: RuleNode, out: LeafNode[] = []): LeafNode[] {
  if (n.kind === 'leaf') out.push(n);
  else if (n.kind === 'not') leavesOf(n.child, out);
  else n.children.forEach((c) => leavesOf(c, out));
  return out;
}

/** The tree's shape without labels and sources: same leaves, different all/any/not is a structural change. */
function shape(n: RuleNode): unknown {
  if (n.kind === 'leaf') return [n.fact, n.op, n.value ?? null, n.param ?? null];
  if (n.kind === 'not') return ['not', shape(n.child)];
  return [n.kind, n.children.map(shape)];
}

function sourceKey(s: Source): string {
  return JSON.stringify([s.file ?? null, s.url ?? null, s.ref ?? null, s.part ?? null, s.quote]);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function languagesDiffering(a: Localized | undefined, b: Localized | undefined): Language[] {
  return LANGUAGES.filter((l) => a?.[l] !== b?.[l]);
}

/** Removes from `a` one element equal (by key) to each element of `b`: a multiset difference. */
function minus<T>(a: T[], b: T[], key: (x: T) => string): T[] {
  const counts = new Map<string, number>();
  for (const x of b) counts.set(key(x), (counts.get(key(x)) ?? 0) + 1);
  return a.filter((x) => {
    const n = counts.get(key(x)) ?? 0;
    if (n > 0) {
      counts.set(key(x), n - 1);
      return false;
    }
    return true;
  });
}

export function diffProgrammes(before: Programme, after: Programme): ProgrammeDiff {
  const dates: ProgrammeDiff['dates'] = [];
  const date = (field: DateField, b: string | undefined, a: string | undefined) => {
    if (b !== a) dates.push({ field, ...(b !== undefined ? { before: b } : {}), ...(a !== undefined ? { after: a } : {}) });
  };
  date('from', before.valid.from, after.valid.from);
  date('until', before.valid.until, after.valid.until);
  date('after', before.valid.after, after.valid.after);
  date('checked', before.checked, after.checked);

  const oldLeaves = leavesOf(before.conditions);
  const newLeaves = leavesOf(after.conditions);
  const removed = minus(oldLeaves, newLeaves, leafKey);
  const added = minus(newLeaves, oldLeaves, leafKey);
  const structure = !removed.length && !added.length && !same(shape(before.conditions), shape(after.conditions));

  const names = new Set([...Object.keys(before.parameters), ...Object.keys(after.parameters)]);
  const parameters = [...names].filter(
    (n) =>
      !same(
        before.parameters[n]?.map((d) => [d.from, d.until, d.value]),
        after.parameters[n]?.map((d) => [d.from, d.until, d.value]),
      ) || !same(before.parameterLabels[n], after.parameterLabels[n]),
  );

  const texts: TextChange[] = [];
  const text = (field: TextField, b: Localized | undefined, a: Localized | undefined) => {
    const languages = languagesDiffering(b, a);
    if (languages.length) texts.push({ field, languages, ...(a ? { after: a } : {}) });
  };
  text('name', before.name, after.name);
  text('project', before.project, after.project);
  text('funder', before.funder.name, after.funder.name);
  text('operator', before.operator, after.operator);
  text('gives', before.gives, after.gives);
  text('valid_note', before.valid.note, after.valid.note);
  text('apply', before.apply, after.apply);
  const oldNotes = before.notes.map((n) => n.text);
  const newNotes = after.notes.map((n) => n.text);
  if (!same(oldNotes, newNotes)) {
    const changed = newNotes.find((n, i) => !same(n, oldNotes[i]));
    const languages = LANGUAGES.filter((l) => !same(oldNotes.map((n) => n[l]), newNotes.map((n) => n[l])));
    texts.push({ field: 'notes', languages, ...(changed ? { after: changed } : {}) });
  }

  const oldSources = programmeSources(before);
  const newSources = programmeSources(after);
  const sources = { added: minus(newSources, oldSources, sourceKey), removed: minus(oldSources, newSources, sourceKey).length };

  const diff: ProgrammeDiff = {
    dates,
    conditions: { removed, added, structure },
    parameters,
    texts,
    sources,
    aliases: !same(before.aliases, after.aliases),
    remarks: !same(
      before.notes.map((n) => [n.when ? leafKey(n.when) : null, n.for ?? null]),
      after.notes.map((n) => [n.when ? leafKey(n.when) : null, n.for ?? null]),
    ),
    layout: false,
  };
  if (!same(before.applicant, after.applicant)) diff.applicant = { before: before.applicant, after: after.applicant };
  if (before.funder.kind !== after.funder.kind) diff.funderKind = { before: before.funder.kind, after: after.funder.kind };
  diff.layout = before.digest !== after.digest && isEmpty(diff);
  return diff;
}

export function isEmpty(d: ProgrammeDiff): boolean {
  return (
    !d.dates.length &&
    !d.conditions.removed.length &&
    !d.conditions.added.length &&
    !d.conditions.structure &&
    !d.parameters.length &&
    !d.texts.length &&
    !d.sources.added.length &&
    !d.sources.removed &&
    !d.applicant &&
    !d.funderKind &&
    !d.aliases &&
    !d.remarks
  );
}
