import type { UiLanguage } from '../core/types.ts';
import { type LvCase, MONTHS } from './latvian.ts';
import { hasForeignQuotes } from './quotes.ts';

/**
 * Known wrong patterns in a text a reader would see, found mechanically: the tests run every message through
 * these, and a translation or correction sent to the bot is checked with them before it is applied.
 */
export type TextProblem = 'preposition_case' | 'double_stop' | 'library_english' | 'quotes' | 'raw_value' | 'agreement';

/** The case each Latvian preposition takes in the singular, for a date after it. */
const PREPOSITIONS: ReadonlyMap<string, LvCase> = new Map([
  ['līdz', 'dat'],
  ['kopš', 'gen'],
  ['no', 'gen'],
  ['pēc', 'gen'],
  ['pirms', 'gen'],
  ['uz', 'acc'],
]);

const ANY_MONTH = new RegExp(`^(?:\\d{4}\\. gada )?\\d{1,2}\\.(?:–\\d{1,2}\\.)? (${[...new Set(Object.values(MONTHS).flat())].join('|')})(?!\\p{L})`, 'u');
const MONTH_CASE = new Map<string, LvCase[]>();
for (const [c, names] of Object.entries(MONTHS) as Array<[LvCase, readonly string[]]>) {
  for (const n of names) MONTH_CASE.set(n, [...(MONTH_CASE.get(n) ?? []), c]);
}

/** "līdz 2026. gada 8. decembris": a Latvian preposition followed by a date in a case it does not take. */
function prepositionCaseProblems(text: string): string[] {
  const out: string[] = [];
  // "Kopš: 1. decembris" is as wrong as "kopš 1. decembris": a label does not change the case a preposition takes.
  const words = /(\p{L}+):?\s+(?=\d)/gu;
  for (let m = words.exec(text); m; m = words.exec(text)) {
    const wanted = PREPOSITIONS.get(m[1]!.toLocaleLowerCase('lv'));
    if (!wanted) continue;
    const date = ANY_MONTH.exec(text.slice(m.index + m[0].length));
    if (date && !(MONTH_CASE.get(date[1]!) ?? []).includes(wanted)) out.push(`${m[1]} ${date[0]}`);
  }
  return out;
}

/**
 * Sentences of libraries (node-cron, zod, Intl, JavaScript) that must never reach a reader, and the traces of a
 * value printed without its formatter.
 */
const LIBRARY_ENGLISH = /\b(?:is a invalid expression|impossible day of month|Invalid input|expected \w+, received|Required|Invalid Date|undefined|NaN)\b|\[object Object\]/;
const RAW_VALUE = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|GMT[+-]\d{4}|\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{2}\b/;

/** Every known wrong pattern in a text of a language, with the words it was found in. */
export function textProblems(text: string, lng: UiLanguage): Array<{ problem: TextProblem; at: string }> {
  const out: Array<{ problem: TextProblem; at: string }> = [];
  if (lng === 'lv') {
    for (const at of prepositionCaseProblems(text)) out.push({ problem: 'preposition_case', at });
    const agreement = /Pašvaldība: nav zināms\b/.exec(text);
    if (agreement) out.push({ problem: 'agreement', at: agreement[0] });
  }
  const stops = /(?<![.…])\.\.(?![.…])/.exec(text);
  if (stops) out.push({ problem: 'double_stop', at: text.slice(Math.max(0, stops.index - 20), stops.index + 2) });
  const lib = LIBRARY_ENGLISH.exec(text);
  if (lib) out.push({ problem: 'library_english', at: lib[0] });
  const raw = RAW_VALUE.exec(text);
  if (raw) out.push({ problem: 'raw_value', at: raw[0] });
  if (hasForeignQuotes(text, lng)) out.push({ problem: 'quotes', at: text.slice(0, 60) });
  return out;
}
