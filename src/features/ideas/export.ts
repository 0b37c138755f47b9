import { stringify } from 'csv-stringify/sync';
import { DateTime } from 'luxon';
import { ZONE } from '../../core/time.ts';
import type { Translator } from '../../i18n/index.ts';
import type { Municipalities } from '../people/municipalities.ts';
import type { ExportList } from './idea-store.ts';
import { municipalityName } from './report.ts';
import type { Themes } from './themes.ts';

/**
 * Excel opens a CSV by double-click with the list separator of the Windows regional settings: a semicolon under
 * Latvian (and Russian) settings, where the comma is the decimal sign. The byte order mark makes it read the file
 * as UTF-8, so "ā", "ķ" and "ж" come out right; Excel's `sep=` hint would make it ignore the mark, so none is used.
 */
export const CSV_DELIMITER = ';';
export const BOM = '\ufeff';

export interface ExportContext {
  tr: Translator;
  themes: Themes;
  municipalities: Municipalities;
  /** Plain visit label for titles and the visit column. */
  visitLabel: string;
  now: Date;
}

/** Riga's offset from UTC in minutes for each UTC hour seen (it only changes on the hour), so 20,000 stamps stay cheap. */
const offsets = new Map<number, number>();
const HOUR = 3_600_000;

/** Riga wall-clock time as spreadsheets sort it: 2021-05-27 14:05. */
export function rigaStamp(iso: string | Date): string {
  const ms = typeof iso === 'string' ? Date.parse(iso) : iso.getTime();
  if (Number.isNaN(ms)) return '';
  const hour = Math.floor(ms / HOUR);
  let offset = offsets.get(hour);
  if (offset === undefined) {
    offset = DateTime.fromMillis(hour * HOUR, { zone: ZONE }).offset;
    if (offsets.size > 100_000) offsets.clear();
    offsets.set(hour, offset);
  }
  return new Date(ms + offset * 60_000).toISOString().slice(0, 16).replace('T', ' ');
}

/** Lists in the order exports show them: by municipality name, then author, then submission time. */
export function sortForExport(lists: readonly ExportList[], ctx: ExportContext): ExportList[] {
  const collator = new Intl.Collator('lv');
  const muni = new Map<string | null, string>();
  const nameOf = (id: string | null) => {
    let n = muni.get(id);
    if (n === undefined) {
      n = id ? (ctx.municipalities.get(id)?.name ?? id) : '\uffff';
      muni.set(id, n);
    }
    return n;
  };
  return [...lists].sort(
    (a, b) =>
      collator.compare(nameOf(a.municipality), nameOf(b.municipality)) ||
      collator.compare(a.author ?? '\uffff', b.author ?? '\uffff') ||
      a.submittedAt.localeCompare(b.submittedAt),
  );
}

function themeNames(ctx: ExportContext): (ids: readonly string[]) => string {
  const cache = new Map<string, string>();
  return (ids) => {
    const key = ids.join(',');
    let v = cache.get(key);
    if (v === undefined) {
      v = ids.map((id) => ctx.themes.name(id, ctx.tr.lng)).join('; ');
      cache.set(key, v);
    }
    return v;
  };
}

/** One row per idea, UTF-8 with a byte order mark, semicolon-separated (see CSV_DELIMITER). */
export function ideasCsv(lists: readonly ExportList[], ctx: ExportContext): Uint8Array {
  const { tr } = ctx;
  const anonymous = tr.plain('ideas:export.anonymous');
  const names = themeNames(ctx);
  const header = ['visit', 'municipality', 'expert', 'version', 'number', 'idea', 'themes', 'corrected', 'submitted', 'edited'].map((c) =>
    tr.plain(`ideas:export.columns.${c}`),
  );
  const yes = tr.plain('common:yes');
  const no = tr.plain('common:no');
  const rows: string[][] = [header];
  for (const l of sortForExport(lists, ctx)) {
    const municipality = municipalityName(ctx.municipalities, l.municipality, tr);
    const author = l.author ?? anonymous;
    const submitted = rigaStamp(l.submittedAt);
    const edited = rigaStamp(l.updatedAt);
    l.ideas.forEach((idea, i) => {
      rows.push([ctx.visitLabel, municipality, author, String(l.version), String(i + 1), idea.text, names(idea.themes), idea.corrected ? yes : no, submitted, edited]);
    });
  }
  const body = stringify(rows, { delimiter: CSV_DELIMITER, record_delimiter: 'windows', cast: { string: guardFormula } });
  return Buffer.from(BOM + body, 'utf8');
}

/**
 * A cell beginning with = + - @ would be run by Excel as a formula (CSV injection), quoted or not. Such a cell gets
 * a leading tab, which Excel shows as nothing: what experts typed is exported as text, never as a formula.
 */
export function guardFormula(cell: string): string {
  return /^[=+\-@]/.test(cell) ? `\t${cell}` : cell;
}

const MD_SPECIAL = /[\\`*_[\]{}<>#|~]/g;
function md(text: string): string {
  return text.replace(MD_SPECIAL, (c) => `\\${c}`);
}

/** The lists for the final report: grouped by municipality, each expert's five ideas with their themes. */
export function ideasMarkdown(lists: readonly ExportList[], ctx: ExportContext): Uint8Array {
  const { tr } = ctx;
  const names = themeNames(ctx);
  const anonymous = tr.plain('ideas:export.anonymous');
  const ideaCount = lists.reduce((n, l) => n + l.ideas.length, 0);
  const out: string[] = [];
  out.push(`# ${md(tr.plain('ideas:export.md_title', { visit: ctx.visitLabel }))}`, '');
  out.push(
    md(
      tr.plain('ideas:export.md_meta', {
        lists: tr.plain('ideas:count.lists', { count: lists.length }),
        ideas: tr.plain('ideas:count.ideas', { count: ideaCount }),
        date: rigaStamp(ctx.now),
      }),
    ),
    '',
  );
  // Translated once with markers and filled in per list: i18next per list would cost more than the rest together.
  const meta = tr.plain('ideas:export.md_list_meta', { submitted: '\u0001s', edited: '\u0001e', version: '\u0001v' });
  let municipality: string | null | undefined;
  for (const l of sortForExport(lists, ctx)) {
    if (l.municipality !== municipality || municipality === undefined) {
      municipality = l.municipality;
      out.push(`## ${md(municipalityName(ctx.municipalities, l.municipality, tr))}`, '');
    }
    out.push(`### ${md(l.author ?? anonymous)}`, '');
    const values: Record<string, string> = { s: rigaStamp(l.submittedAt), e: rigaStamp(l.updatedAt), v: String(l.version) };
    out.push(`*${md(meta.replace(/\u0001([sev])/g, (_, k: string) => values[k]!))}*`, '');
    l.ideas.forEach((idea, i) => {
      const themes = idea.themes.length ? names(idea.themes) : tr.plain('ideas:report.untagged_label');
      out.push(`${i + 1}. ${md(idea.text)}  `, `   *${md(themes)}*`);
    });
    out.push('');
  }
  return Buffer.from(out.join('\n'), 'utf8');
}
