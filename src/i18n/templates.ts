/**
 * A locale text read once into literal parts and placeholders, then filled per call. i18next interpolates by
 * running its regular expressions over the text on every call, and with its option copying that was most of an
 * update's translation cost. This handles what our texts use — `{{name}}`, `{{- name}}` and `{{name, format}}` —
 * exactly as i18next does (escaped, unescaped, through the same registered formatters); anything else (plurals,
 * context, nesting, a missing value) returns undefined, and the caller asks i18next. A test compares the two on
 * every text of every language.
 */

export interface Placeholder {
  name: string;
  /** The formatter and its options as written after the comma ("date(case: acc)"). */
  format?: string;
  /** `{{- name}}`: inserted as given, never escaped. */
  raw: boolean;
}
export type Template = ReadonlyArray<string | Placeholder>;

/** Options that make i18next do more than fill placeholders: plural forms, context, other keys or languages … */
const I18NEXT_OPTIONS = new Set([
  'count', 'context', 'ordinal', 'replace', 'defaultValue', 'returnObjects', 'returnDetails', 'joinArrays', 'postProcess',
  'interpolation', 'skipInterpolation', 'nest', 'lngs', 'ns', 'keyPrefix', 'formatParams', 'fallbackLng', 'lng',
]);

/** The text's parts, or undefined when only i18next can read it (nesting with `$t(`). */
export function compileTemplate(text: string): Template | undefined {
  if (text.includes('$t(')) return undefined;
  const parts: Array<string | Placeholder> = [];
  // i18next's own pattern: `{{`, the shortest run of characters other than line breaks, `}}`.
  const re = /\{\{(.+?)\}\}/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) parts.push(text.slice(last, m.index));
    const raw = m[1]!.startsWith('-');
    const inner = (raw ? m[1]!.slice(1) : m[1]!).trim();
    const comma = inner.indexOf(',');
    const name = (comma < 0 ? inner : inner.slice(0, comma)).trim();
    // A dotted name reads into nested values, which i18next does its own way.
    if (!name || name.includes('.')) return undefined;
    parts.push(comma < 0 ? { name, raw } : { name, raw, format: inner.slice(comma + 1).trim() });
    last = re.lastIndex;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

export interface FillWith {
  /** How a value is made safe for markup; undefined for plain text. */
  escape?: (value: string) => string;
  /** i18next's formatter (the one the `date`, `place` … formatters are registered with). */
  format: (value: unknown, format: string, options: Record<string, unknown>) => unknown;
}

/** The text with `options` filled in, or undefined when i18next must do it. */
export function fillTemplate(parts: Template, options: Record<string, unknown>, how: FillWith): string | undefined {
  for (const k in options) if (I18NEXT_OPTIONS.has(k)) return undefined;
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    let value: unknown = Object.prototype.hasOwnProperty.call(options, part.name) ? options[part.name] : undefined;
    // i18next leaves a placeholder with no value as written and warns: its behaviour, not ours to copy.
    if (value === undefined) return undefined;
    if (part.format !== undefined && value !== null) value = how.format(value, part.format, { ...options, interpolationkey: part.name });
    const s = value == null ? '' : typeof value === 'string' ? value : `${value as string}`;
    out += part.raw || !how.escape ? s : how.escape(s);
  }
  return out;
}
