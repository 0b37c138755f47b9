import { join, type Markup } from '../../core/markup.ts';
import type { Translator } from '../../i18n/index.ts';
import type { ValidatedImport } from './validate.ts';

/** Errors and warnings listed under a report; the rest are counted. */
const MAX_LINES_SHOWN = 15;

/**
 * What a checked sheet would change, in the reader's language: counts, coverage before and after, the rows that
 * will not be saved and why, what to check, and the question. The chat adds Apply and Cancel; the command line
 * prints it.
 */
export function importReport(tr: Translator, v: ValidatedImport, fileName: string, threshold: number): Markup {
  const s = v.summary;
  const lines: Markup[] = [
    tr.t('translations:preview.title', { language: tr.plain(`common:languages.${s.locale}`), file: fileName }),
    tr.t('translations:preview.counts', { rows: s.rows, filled: s.filled, changes: s.changes, added: s.added, unchanged: s.unchanged, errors: s.errors }),
    tr.t('translations:preview.coverage', { before: s.before.percent, after: s.after.percent, translated: s.after.translated, total: s.after.total, threshold }),
  ];
  const list = (head: string, items: Array<{ row: number; key: string; problem: string }>) => {
    if (!items.length) return;
    lines.push('' as Markup, tr.t(head));
    for (const i of items.slice(0, MAX_LINES_SHOWN)) lines.push(tr.t('translations:preview.line', { row: i.row, key: i.key, problem: i.problem }));
    if (items.length > MAX_LINES_SHOWN) lines.push(tr.t('translations:preview.more', { count: items.length - MAX_LINES_SHOWN }));
  };
  list(
    'translations:preview.errors',
    v.errors.map((e) => ({ ...e, problem: tr.plain(`translations:problems.${e.problem}`, { detail: e.detail ?? '' }) })),
  );
  list(
    'translations:preview.warnings',
    v.warnings.map((w) => ({ ...w, problem: tr.plain(`translations:warnings.${w.problem}`) })),
  );
  lines.push('' as Markup, s.changes ? tr.t('translations:preview.question', { count: s.changes }) : tr.t('translations:preview.nothing'));
  return join(lines);
}
