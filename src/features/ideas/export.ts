import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify/sync';
import { DateTime } from 'luxon';
import { tempFilePath } from '../../core/files.ts';
import { ZONE } from '../../core/time.ts';
import type { DiskFile } from '../../core/types.ts';
import { type SheetColumn, StreamingWorkbook } from '../reports/xlsx.ts';
import type { Translator } from '../../i18n/index.ts';
import type { Municipalities } from '../people/municipalities.ts';
import type { ExportList, IdeaStore } from './idea-store.ts';
import { municipalityName } from './report.ts';
import type { Themes } from './themes.ts';
import { byCode } from '../../core/order.ts';

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

/** The instant shifted by Riga's offset: its UTC fields read as Riga's wall clock. NaN for a bad instant. */
function rigaWallMs(iso: string | Date): number {
  const ms = typeof iso === 'string' ? Date.parse(iso) : iso.getTime();
  if (Number.isNaN(ms)) return NaN;
  const hour = Math.floor(ms / HOUR);
  let offset = offsets.get(hour);
  if (offset === undefined) {
    offset = DateTime.fromMillis(hour * HOUR, { zone: ZONE }).offset;
    if (offsets.size > 100_000) offsets.clear();
    offsets.set(hour, offset);
  }
  return ms + offset * 60_000;
}

/** Riga wall-clock time as spreadsheets sort it: 2021-05-27 14:05. */
export function rigaStamp(iso: string | Date): string {
  const ms = rigaWallMs(iso);
  return Number.isNaN(ms) ? '' : new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/**
 * The instant as a spreadsheet date: Excel's dates have no time zone, and exceljs writes a Date's UTC fields, so
 * the Date carries Riga's wall clock there. Null for a bad instant (an empty cell).
 */
export function sheetDate(iso: string | Date): Date | null {
  const ms = rigaWallMs(iso);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** Lists in the order exports show them: by municipality name, then author, then submission time. */
export function sortForExport<T extends Pick<ExportList, 'municipality' | 'author' | 'submittedAt'>>(lists: readonly T[], ctx: ExportContext): T[] {
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
      byCode(a.submittedAt, b.submittedAt),
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

/**
 * A text file written piece by piece: pieces are gathered into chunks of a few KiB (strings that small die young;
 * large ones go straight to the old heap and stay there until a full collection), and the writer waits whenever
 * the disk is behind, so memory stays flat however long the file.
 */
class TextSink {
  private readonly out: WriteStream;
  private pending: string[] = [];
  private size = 0;
  private constructor(path: string) {
    this.out = createWriteStream(path, { encoding: 'utf8' });
  }
  static async open(path: string): Promise<TextSink> {
    const sink = new TextSink(path);
    await once(sink.out, 'ready');
    return sink;
  }
  push(s: string): void {
    this.pending.push(s);
    this.size += s.length;
    if (this.size >= TEXT_CHUNK) this.flush();
  }
  private flush(): void {
    if (!this.pending.length) return;
    this.out.write(this.pending.join(''));
    this.pending = [];
    this.size = 0;
  }
  /** Hands the gathered pieces on and waits while the file's buffer is full. */
  async drained(): Promise<void> {
    this.flush();
    if (this.out.writableNeedDrain) await once(this.out, 'drain');
  }
  async close(): Promise<void> {
    this.flush();
    this.out.end();
    await finished(this.out);
  }
  destroy(): void {
    this.out.destroy();
  }
}

/** Characters gathered before they are written. */
const TEXT_CHUNK = 16_384;

/** Lists written per batch: the export reads the ideas of a few dozen lists at a time and hands them to each file. */
interface ListSink {
  lists(batch: readonly ExportList[]): Promise<void>;
  close(): Promise<void>;
  destroy(): void;
}

/** One row per idea, UTF-8 with a byte order mark, semicolon-separated (see CSV_DELIMITER). */
function csvSink(out: TextSink, ctx: ExportContext): ListSink & { start(): Promise<void> } {
  const { tr } = ctx;
  const anonymous = tr.plain('ideas:export.anonymous');
  const names = themeNames(ctx);
  const yes = tr.plain('common:yes');
  const no = tr.plain('common:no');
  const options = { delimiter: CSV_DELIMITER, record_delimiter: 'windows', cast: { string: guardFormula } } as const;
  return {
    start: async () => out.push(BOM + stringify([IDEA_COLUMNS.map((c) => tr.plain(`ideas:export.columns.${c}`))], options)),
    async lists(batch) {
      for (const l of batch) {
        const rows: string[][] = [];
        const municipality = municipalityName(ctx.municipalities, l.municipality, tr);
        const author = l.author ?? anonymous;
        const submitted = rigaStamp(l.submittedAt);
        const edited = rigaStamp(l.updatedAt);
        l.ideas.forEach((idea, i) => {
          rows.push([ctx.visitLabel, municipality, author, String(l.version), String(i + 1), idea.text, names(idea.themes), idea.corrected ? yes : no, submitted, edited]);
        });
        out.push(stringify(rows, options));
      }
      await out.drained();
    },
    close: () => out.close(),
    destroy: () => out.destroy(),
  };
}

/** The lists for the final report: grouped by municipality, each expert's five ideas with their themes. */
function markdownSink(out: TextSink, ctx: ExportContext, totals: { lists: number; ideas: number }): ListSink & { start(): Promise<void> } {
  const { tr } = ctx;
  const names = themeNames(ctx);
  const anonymous = tr.plain('ideas:export.anonymous');
  // Translated once with markers and filled in per list: i18next per list would cost more than the rest together.
  const meta = tr.plain('ideas:export.md_list_meta', { submitted: '\u0001s', edited: '\u0001e', version: '\u0001v' });
  let municipality: string | null | undefined;
  return {
    start: async () =>
      out.push(
        [
          `# ${md(tr.plain('ideas:export.md_title', { visit: ctx.visitLabel }))}`,
          '',
          md(
            tr.plain('ideas:export.md_meta', {
              lists: tr.plain('ideas:count.lists', { count: totals.lists }),
              ideas: tr.plain('ideas:count.ideas', { count: totals.ideas }),
              date: rigaStamp(ctx.now),
            }),
          ),
          '',
          '',
        ].join('\n'),
      ),
    async lists(batch) {
      for (const l of batch) {
        const lines: string[] = [];
        if (l.municipality !== municipality || municipality === undefined) {
          municipality = l.municipality;
          lines.push(`## ${md(municipalityName(ctx.municipalities, l.municipality, tr))}`, '');
        }
        lines.push(`### ${md(l.author ?? anonymous)}`, '');
        const values: Record<string, string> = { s: rigaStamp(l.submittedAt), e: rigaStamp(l.updatedAt), v: String(l.version) };
        lines.push(`*${md(meta.replace(/\u0001([sev])/g, (_, k: string) => values[k]!))}*`, '');
        l.ideas.forEach((idea, i) => {
          const themes = idea.themes.length ? names(idea.themes) : tr.plain('ideas:report.untagged_label');
          lines.push(`${i + 1}. ${md(idea.text)}  `, `   *${md(themes)}*`);
        });
        lines.push('');
        out.push(`${lines.join('\n')}\n`);
      }
      await out.drained();
    },
    close: () => out.close(),
    destroy: () => out.destroy(),
  };
}

const IDEA_COLUMNS = ['visit', 'municipality', 'expert', 'version', 'number', 'idea', 'themes', 'corrected', 'submitted', 'edited'] as const;
const XLSX_COLUMNS: Record<(typeof IDEA_COLUMNS)[number], Omit<SheetColumn, 'header'>> = {
  visit: { width: 28 },
  municipality: { width: 20 },
  expert: { width: 24 },
  version: { width: 9, kind: 'number' },
  number: { width: 6, kind: 'number' },
  idea: { width: 60, kind: 'wrap' },
  themes: { width: 40, kind: 'wrap' },
  corrected: { width: 12 },
  submitted: { width: 17, kind: 'datetime' },
  edited: { width: 17, kind: 'datetime' },
};

/**
 * The workbook: a sheet of ideas (one row per idea, as the CSV, with real numbers and dates) and a sheet of counts,
 * ideas per theme (rows) and municipality (columns), with the number of lists and ideas per municipality below.
 */
async function xlsxSink(path: string, ctx: ExportContext): Promise<ListSink> {
  const { tr } = ctx;
  const book = await StreamingWorkbook.open(path, ctx.now);
  const ideasSheet = book.sheet(
    tr.plain('ideas:export.sheet_ideas'),
    IDEA_COLUMNS.map((c) => ({ header: tr.plain(`ideas:export.columns.${c}`), ...XLSX_COLUMNS[c] })),
  );
  const anonymous = tr.plain('ideas:export.anonymous');
  const names = themeNames(ctx);
  const yes = tr.plain('common:yes');
  const no = tr.plain('common:no');
  const UNTAGGED = '';
  // theme id (or UNTAGGED) → municipality id ('' for none) → ideas; and lists and ideas per municipality.
  const counts = new Map<string, Map<string, number>>();
  const perMunicipality = new Map<string, { lists: number; ideas: number }>();
  const bump = (theme: string, m: string) => {
    let row = counts.get(theme);
    if (!row) counts.set(theme, (row = new Map()));
    row.set(m, (row.get(m) ?? 0) + 1);
  };
  return {
    async lists(batch) {
      for (const l of batch) {
        const m = l.municipality ?? '';
        const totals = perMunicipality.get(m) ?? { lists: 0, ideas: 0 };
        totals.lists++;
        totals.ideas += l.ideas.length;
        perMunicipality.set(m, totals);
        const municipality = municipalityName(ctx.municipalities, l.municipality, tr);
        const author = l.author ?? anonymous;
        const submitted = sheetDate(l.submittedAt);
        const edited = sheetDate(l.updatedAt);
        l.ideas.forEach((idea, i) => {
          let tagged = false;
          for (const t of idea.themes) {
            if (!ctx.themes.all.some((x) => x.id === t)) continue;
            bump(t, m);
            tagged = true;
          }
          if (!tagged) bump(UNTAGGED, m);
          ideasSheet.row([ctx.visitLabel, municipality, author, l.version, i + 1, idea.text, names(idea.themes), idea.corrected ? yes : no, submitted, edited]);
        });
      }
      // The compressor catches up with the rows handed to it, so they do not pile up in memory.
      await ideasSheet.drained();
    },
    async close() {
      ideasSheet.close();
      const collator = new Intl.Collator('lv');
      const municipalities = [...perMunicipality.keys()].sort((a, b) =>
        a === '' ? 1 : b === '' ? -1 : collator.compare(municipalityName(ctx.municipalities, a, tr), municipalityName(ctx.municipalities, b, tr)),
      );
      const sheet = book.sheet(
        tr.plain('ideas:export.sheet_counts'),
        [
          { header: tr.plain('ideas:export.columns.theme'), width: 48, kind: 'wrap' },
          ...municipalities.map((m) => ({ header: municipalityName(ctx.municipalities, m || null, tr), width: 14, kind: 'number' as const })),
          { header: tr.plain('ideas:export.columns.total'), width: 10, kind: 'number' },
        ],
        { freezeFirstColumn: true },
      );
      const line = (label: string, value: (m: string) => number, bold = false) => {
        const cells = municipalities.map(value);
        sheet.row([label, ...cells, cells.reduce((a, b) => a + b, 0)], { bold });
      };
      for (const t of ctx.themes.all) line(ctx.themes.name(t.id, tr.lng), (m) => counts.get(t.id)?.get(m) ?? 0);
      line(tr.plain('ideas:report.untagged_label'), (m) => counts.get(UNTAGGED)?.get(m) ?? 0);
      line(tr.plain('ideas:export.columns.lists'), (m) => perMunicipality.get(m)?.lists ?? 0, true);
      line(tr.plain('ideas:export.columns.ideas'), (m) => perMunicipality.get(m)?.ideas ?? 0, true);
      sheet.close();
      await book.close();
    },
    destroy() {
      // Nothing to stop: the workbook writes only when handed rows, and its file goes with its folder.
    },
  };
}

export interface IdeaExport {
  lists: number;
  ideas: number;
  csv: DiskFile;
  markdown: DiskFile;
  xlsx: DiskFile;
}

/** Lists whose ideas are read and written at a time: big enough to be quick, small enough to keep memory flat. */
const EXPORT_BATCH = 50;

/**
 * Every current list of a visit as CSV (for tools), Markdown (for the report) and XLSX (for people), written as
 * streams to temporary files in one pass: municipality by municipality, the lists' heads are sorted (author, time),
 * then their ideas are read a batch at a time, written to all three, and let go. Undefined when there are no lists.
 */
export async function writeIdeaExports(store: IdeaStore, visitId: string, baseName: string, ctx: ExportContext): Promise<IdeaExport | undefined> {
  const lists = await store.countLists(visitId);
  if (!lists) return undefined;
  // Municipality by municipality, in the order sortForExport puts them: only one municipality's heads are held.
  const municipalities = sortForExport(
    (await store.listMunicipalities(visitId)).map((municipality) => ({ municipality, author: null, submittedAt: '' })),
    ctx,
  ).map((m) => m.municipality);
  const ideas = await store.countCurrentIdeas(visitId);
  const paths = { csv: await tempFilePath(`${baseName}.csv`), markdown: await tempFilePath(`${baseName}.md`), xlsx: await tempFilePath(`${baseName}.xlsx`) };
  const sinks: ListSink[] = [];
  try {
    const csv = csvSink(await TextSink.open(paths.csv), ctx);
    sinks.push(csv);
    const markdown = markdownSink(await TextSink.open(paths.markdown), ctx, { lists, ideas });
    sinks.push(markdown);
    await csv.start();
    await markdown.start();
    sinks.push(await xlsxSink(paths.xlsx, ctx));
    for (const municipality of municipalities) {
      const sorted = sortForExport(await store.exportHeads(visitId, municipality), ctx);
      for (let i = 0; i < sorted.length; i += EXPORT_BATCH) {
        const batch = await store.readLists(sorted.slice(i, i + EXPORT_BATCH));
        for (const sink of sinks) await sink.lists(batch);
      }
    }
    for (const sink of sinks) await sink.close();
  } catch (err) {
    for (const sink of sinks) sink.destroy();
    await Promise.all(Object.values(paths).map((p) => rm(dirname(p), { recursive: true, force: true })));
    throw err;
  }
  const file = (path: string, name: string, mime: string): DiskFile => ({ name, mime, path, temporary: true });
  return {
    lists,
    ideas,
    csv: file(paths.csv, `${baseName}.csv`, 'text/csv'),
    markdown: file(paths.markdown, `${baseName}.md`, 'text/markdown'),
    xlsx: file(paths.xlsx, `${baseName}.xlsx`, XLSX_MIME),
  };
}

export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
