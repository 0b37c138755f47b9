import type { UiLanguage } from '../../core/types.ts';
import { type Coverage, coverageOf, keysFor, type Message, noteFor, PLURAL_SUFFIX, pluralForms, textOf, type TranslatorNotes } from '../../i18n/catalog.ts';
import { type TextProblem, textProblems } from '../../i18n/checks.ts';

/**
 * Checks a filled translation sheet before anything is applied: every row's key is a text of the bot (and a plural
 * form the language has), keeps the Latvian text's values ({{date, date}} stays a date), its formatting, and its
 * length limit, and a plural text comes with all the forms the language needs. Rows that fail are reported and
 * left out; the rest are the changes a coordinator may apply. Text a reader would see is checked for known wrong
 * patterns too (quotation marks, doubled full stops), which are shown as warnings.
 */
export type RowProblem = 'unknown_key' | 'plural_form' | 'duplicate' | 'placeholders' | 'markup' | 'too_long' | 'plural_incomplete';

export interface RowError {
  row: number;
  key: string;
  problem: RowProblem;
  /** What is missing or extra ("{{date}}"), the forms the language has, the limit. */
  detail?: string;
}

export interface RowWarning {
  row: number;
  key: string;
  problem: TextProblem;
}

export interface ImportSummary {
  locale: UiLanguage;
  /** Rows with a key. */
  rows: number;
  /** Rows with a translation. */
  filled: number;
  /** Valid translations that differ from what the bot has now: what Apply saves. */
  changes: number;
  /** Of those, texts the language did not have yet. */
  added: number;
  unchanged: number;
  errors: number;
  before: Coverage;
  after: Coverage;
}

export interface ValidatedImport {
  summary: ImportSummary;
  changes: Array<{ key: string; value: string }>;
  errors: RowError[];
  warnings: RowWarning[];
}

export interface TranslationSources {
  messages: readonly Message[];
  /** A Latvian text (the source) by full key. */
  latvian(key: string): string | undefined;
  /** What the language has now for a key (files and earlier translations), never another language's fallback. */
  current(key: string): string | undefined;
  notes: TranslatorNotes;
}

const TAG = /<\/?([a-z]+)(?:\s[^>]*)?>/gi;
const ALLOWED_TAGS = new Set(['b', 'i', 'u', 's', 'code', 'pre', 'a', 'blockquote']);

/** Placeholder name and formatter ("until|date"), as a sorted list: what must be the same in both texts. */
function valueSlots(text: string): string[] {
  return [...text.matchAll(/\{\{-?\s*([\w.]+)\s*(?:,\s*(\w+))?[^}]*\}\}/g)].map((m) => `${m[1]}|${m[2] ?? ''}`).sort();
}

function slotText(slot: string): string {
  const [name, format] = slot.split('|');
  return format ? `{{${name}, ${format}}}` : `{{${name}}}`;
}

/** Whether markup is balanced and uses only tags the source uses; stray "<" would break Telegram's HTML. */
function markupOk(translation: string, source: string): boolean {
  const sourceTags = new Set([...source.matchAll(TAG)].map((m) => m[1]!.toLowerCase()));
  const stack: string[] = [];
  for (const m of translation.matchAll(TAG)) {
    const tag = m[1]!.toLowerCase();
    if (!ALLOWED_TAGS.has(tag) || !sourceTags.has(tag)) return false;
    if (m[0].startsWith('</')) {
      if (stack.pop() !== tag) return false;
    } else stack.push(tag);
  }
  return stack.length === 0 && !/<(?![/a-z])/i.test(translation.replace(TAG, ''));
}

/** A bare "&" would break Telegram's HTML; it is written as the entity it means. */
function escapeAmpersands(text: string): string {
  return text.replace(/&(?!(?:amp|lt|gt|quot|apos|nbsp|#\d+|#x[0-9a-f]+);)/gi, '&amp;');
}

/** Length as a reader sees it: without tags, a value counted by its name. */
function shownLength(text: string): number {
  return [...text.replace(TAG, '').replace(/&[a-z]+;|&#x?[0-9a-f]+;/gi, '&')].length;
}

export function validateImport(locale: UiLanguage, rows: ReadonlyArray<{ row: number; key: string; value: string }>, src: TranslationSources): ValidatedImport {
  const byBase = new Map(src.messages.map((m) => [m.key, m]));
  const wanted = new Set(src.messages.flatMap((m) => keysFor(m, locale)));
  const errors: RowError[] = [];
  const warnings: RowWarning[] = [];
  const accepted = new Map<string, { row: number; value: string }>();
  const seen = new Set<string>();
  let filled = 0;

  for (const { row, key, value } of rows) {
    if (seen.has(key)) {
      errors.push({ row, key, problem: 'duplicate' });
      continue;
    }
    seen.add(key);
    if (!wanted.has(key)) {
      const base = byBase.get(key.replace(PLURAL_SUFFIX, ''));
      if (base?.plural) errors.push({ row, key, problem: 'plural_form', detail: pluralForms(locale).join(', ') });
      else errors.push({ row, key, problem: 'unknown_key' });
      continue;
    }
    if (!value) continue;
    filled++;
    const source = textOf((k) => src.latvian(k), key) ?? '';
    const want = valueSlots(source);
    const have = valueSlots(value);
    const missing = want.filter((s) => !have.includes(s));
    const extra = have.filter((s) => !want.includes(s));
    if (missing.length || extra.length) {
      errors.push({ row, key, problem: 'placeholders', detail: [...missing, ...extra].map(slotText).join(' ') });
      continue;
    }
    if (!markupOk(value, source)) {
      errors.push({ row, key, problem: 'markup' });
      continue;
    }
    const { limit } = noteFor(src.notes, key, source);
    if (shownLength(value) > limit) {
      errors.push({ row, key, problem: 'too_long', detail: String(limit) });
      continue;
    }
    for (const p of textProblems(value, locale)) warnings.push({ row, key, problem: p.problem });
    // Spreadsheets lose a cell's leading and trailing spaces; a text that is joined to another keeps the Latvian's.
    const edges = /^(\s*)[\s\S]*?(\s*)$/.exec(source)!;
    accepted.set(key, { row, value: `${edges[1]}${escapeAmpersands(value.trim())}${edges[2]}` });
  }

  // A plural text is applied only with every form the language needs, here or already there.
  for (const m of src.messages.filter((x) => x.plural)) {
    const keys = keysFor(m, locale);
    const given = keys.filter((k) => accepted.has(k));
    if (!given.length) continue;
    const lacking = keys.filter((k) => !accepted.has(k) && src.current(k) === undefined);
    if (!lacking.length) continue;
    for (const k of given) {
      errors.push({ row: accepted.get(k)!.row, key: k, problem: 'plural_incomplete', detail: lacking.map((l) => l.slice(m.key.length + 1)).join(', ') });
      accepted.delete(k);
    }
  }

  const changes = [...accepted.entries()].filter(([k, v]) => src.current(k) !== v.value).map(([key, v]) => ({ key, value: v.value }));
  const changed = new Set(changes.map((c) => c.key));
  const has = (k: string) => src.current(k) !== undefined;
  errors.sort((a, b) => a.row - b.row);
  return {
    changes,
    errors,
    warnings,
    summary: {
      locale,
      rows: rows.length,
      filled,
      changes: changes.length,
      added: changes.filter((c) => !has(c.key)).length,
      unchanged: accepted.size - changes.length,
      errors: errors.length,
      before: coverageOf(src.messages, locale, has),
      after: coverageOf(src.messages, locale, (k) => has(k) || changed.has(k)),
    },
  };
}
