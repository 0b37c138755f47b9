import { join, type Markup, markup } from '../../core/markup.ts';
import type { Translator } from '../../i18n/index.ts';
import type { CatalogueError } from './catalogue.ts';

/** Parameters whose values are words of the vocabulary, said in the reader's language where a word exists. */
const WORDS: Record<string, string> = { expected: 'type', factKind: 'kind', want: 'status', got: 'status' };

function params(e: CatalogueError, tr: Translator): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(e.params ?? {})) {
    const group = WORDS[k];
    const key = group ? `programmes:validation.${group}.${String(v)}` : undefined;
    out[k] = key && tr.has(key) ? tr.plain(key) : v;
  }
  return out;
}

/**
 * One refusal in the reader's language: where (file, line, field) and why. "ikvd-pumpurs.yaml, 31. rinda,
 * valid.until: jābūt datumam formā GGGG-MM-DD".
 */
export function problemLine(e: CatalogueError, tr: Translator): Markup {
  const field = /^line \d+$|^\(file\)$/.test(e.field) ? '' : e.field;
  const where = e.line
    ? tr.t(field ? 'programmes:validation.at_line_field' : 'programmes:validation.at_line', { file: e.file, line: e.line, field })
    : tr.t(field ? 'programmes:validation.at_field' : 'programmes:validation.at_file', { file: e.file, field });
  return markup`${where}: ${tr.t(`programmes:validation.reason.${e.code}`, params(e, tr))}`;
}

/** Refusals as lines, at most `max` of them, and how many more there are. */
export function problemLines(errors: readonly CatalogueError[], tr: Translator, max = 15): Markup {
  const shown = errors.slice(0, max).map((e) => markup`• ${problemLine(e, tr)}`);
  if (errors.length > max) shown.push(tr.t('programmes:reload.more', { count: errors.length - max }));
  return join(shown);
}
