import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { UiLanguage } from '../core/types.ts';
import { parseYamlCached } from '../yaml-cache.ts';
import { derived } from '../derived-cache.ts';

/**
 * The bot's messages as things to translate: every Latvian text (Latvian is the source), the plural forms each
 * language needs, what each text is for and how long it may be. The spreadsheet people translate in, the check of
 * what they send back and the coverage report all read this one list.
 */

const PLURAL_ORDER = ['zero', 'one', 'two', 'few', 'many', 'other'] as const;
export type PluralForm = (typeof PLURAL_ORDER)[number];
export const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

/**
 * The plural forms a language's texts are written in, as CLDR counts (and i18next picks) them: Latvian zero, one
 * and other; Russian one, few, many and other; English one and other. Romani has no CLDR rules yet; i18next falls
 * back to one and other, which is how Romani counts (jekh čhavo, duj čhave).
 */
export function pluralForms(lng: UiLanguage): PluralForm[] {
  const cats = new Set(new Intl.PluralRules(lng).resolvedOptions().pluralCategories as string[]);
  return PLURAL_ORDER.filter((f) => cats.has(f));
}

/** One message: `ns:path` and, when it depends on a number, that it has plural forms. */
export interface Message {
  key: string;
  plural: boolean;
}

type Tree = Record<string, unknown>;
export type Resources = Record<string, Record<string, Tree>>;

function flatten(tree: Tree, prefix = ''): Array<[string, string]> {
  return Object.entries(tree).flatMap(([k, v]) => (v && typeof v === 'object' ? flatten(v as Tree, `${prefix}${k}.`) : [[`${prefix}${k}`, String(v)] as [string, string]]));
}

/**
 * Texts nobody translates, so they are neither in the sheets nor counted: the languages' own names in the language
 * menu ("Русский" reads the same to everyone), and what the bot writes into a visit in the visit's language.
 */
const NOT_TRANSLATED = [/^common:languages\./, /^visits:defaults\./];

/** Every message of the Latvian texts people translate, in file order. */
export function messagesOf(lv: Record<string, Tree>): Message[] {
  const seen = new Map<string, Message>();
  for (const [ns, tree] of Object.entries(lv)) {
    for (const [path] of flatten(tree)) {
      const plural = PLURAL_SUFFIX.test(path);
      const key = `${ns}:${path.replace(PLURAL_SUFFIX, '')}`;
      if (NOT_TRANSLATED.some((re) => re.test(key))) continue;
      if (!seen.has(key)) seen.set(key, { key, plural });
    }
  }
  return [...seen.values()];
}

/** The keys a language needs for a message: the key itself, or one per plural form of that language. */
export function keysFor(m: Message, lng: UiLanguage): string[] {
  return m.plural ? pluralForms(lng).map((f) => `${m.key}_${f}`) : [m.key];
}

/**
 * The text of a key, or, for a plural form the reading language lacks, its `other` form: the Latvian source of
 * Romani `_one` is Latvian `_one`, and of Russian `_few` Latvian `_other`.
 */
export function textOf(read: (key: string) => string | undefined, key: string): string | undefined {
  const exact = read(key);
  if (exact !== undefined) return exact;
  const m = PLURAL_SUFFIX.exec(key);
  return m ? read(key.slice(0, -m[0].length) + '_other') : undefined;
}

export interface Coverage {
  translated: number;
  total: number;
  /** 0–100, rounded down: 79.9 % is not yet 80. */
  percent: number;
}

/** How many messages a language has, a plural message counting only when it has every form the language needs. */
export function coverageOf(messages: readonly Message[], lng: UiLanguage, has: (key: string) => boolean): Coverage {
  const translated = messages.filter((m) => keysFor(m, lng).every(has)).length;
  const total = messages.length;
  return { translated, total, percent: total ? Math.floor((translated * 100) / total) : 100 };
}

/** Built when translator notes are first read (a translation sheet), not at every start. */
const Notes = z.lazy(() =>
  z.object({
    rules: z.array(z.object({ keys: z.string().min(1), limit: z.number().int().positive(), note: z.string() }).strict()),
    placeholders: z.record(z.string(), z.string()),
  }),
);
export type TranslatorNotes = z.infer<typeof Notes>;

export function loadNotes(localesDir: string): TranslatorNotes {
  return derived.remember('notes', readFileSync(join(localesDir, 'notes.yaml'), 'utf8'), (text) => Notes.parse(parseYamlCached(text)));
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^.:]*').replace(/\u0000/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/** Placeholder names of a text, in order, once each: "{{until, date(case: dat)}}" is `until`. */
export function placeholderNames(text: string): string[] {
  return [...new Set([...text.matchAll(/\{\{-?\s*([\w.]+)/g)].map((m) => m[1]!))];
}

/** Where a text appears, what its values hold, and how long it may be. */
export function noteFor(notes: TranslatorNotes, key: string, latvian: string): { note: string; limit: number } {
  const base = key.replace(PLURAL_SUFFIX, '');
  const rule = notes.rules.find((r) => globToRegExp(r.keys).test(base));
  const values = placeholderNames(latvian).map((p) => `{{${p}}} — ${notes.placeholders[p] ?? 'vērtība, ko ieliek bots'}`);
  const plural = PLURAL_SUFFIX.exec(key)?.[1];
  const parts = [
    rule?.note ?? '',
    plural ? `Forma skaitlim, kas prasa „${plural}” (piemēram, ${plural === 'one' ? '1, 21' : plural === 'zero' ? '0, 10, 11' : plural === 'few' ? '2, 3, 4' : plural === 'many' ? '5, 11' : '2, 5'}).` : '',
    values.length ? `Vērtības: ${values.join('; ')}.` : '',
  ];
  const limit = rule?.limit ?? Math.min(3500, Math.max(200, 3 * latvian.length));
  return { note: parts.filter(Boolean).join(' '), limit };
}
