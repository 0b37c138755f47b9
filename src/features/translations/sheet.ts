import type ExcelJS from 'exceljs';

/** exceljs (and the zip code under it) is loaded when a sheet is made or read, not at every start. */
const excel = async () => (await import('exceljs')).default;
import { isUiLanguage, type UiLanguage } from '../../core/types.ts';

/**
 * The spreadsheet people translate in: one row per text, the key, the Latvian source, the English, a note on
 * where it appears and what its values hold, its length limit, and the translation (filled in with what is there
 * now). The columns are found by their headings when it comes back, so a sheet whose columns were moved still reads.
 */
export interface SheetRow {
  key: string;
  latvian: string;
  english: string;
  note: string;
  limit: number;
  current: string;
}

export const SHEET_HEADINGS = {
  key: 'Atslēga (key)',
  latvian: 'Latviski (avots)',
  english: 'English',
  note: 'Konteksts',
  limit: 'Garums līdz',
  translation: 'Tulkojums',
} as const;

/**
 * The workbook for one language as bytes (.xlsx): the texts, and a sheet of instructions (`readme`, in the
 * language of whoever asked for it).
 */
export async function writeSheet(locale: UiLanguage, rows: readonly SheetRow[], title: string, readme: string): Promise<Uint8Array> {
  const wb = new (await excel()).Workbook();
  wb.creator = 'roma-network-bot';
  wb.title = title;
  const ws = wb.addWorksheet(locale, { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = [
    { header: SHEET_HEADINGS.key, key: 'key', width: 38 },
    { header: SHEET_HEADINGS.latvian, key: 'latvian', width: 60 },
    { header: SHEET_HEADINGS.english, key: 'english', width: 50 },
    { header: SHEET_HEADINGS.note, key: 'note', width: 45 },
    { header: SHEET_HEADINGS.limit, key: 'limit', width: 11 },
    { header: `${SHEET_HEADINGS.translation} (${locale})`, key: 'translation', width: 60 },
  ];
  ws.getRow(1).font = { bold: true };
  for (const r of rows) ws.addRow({ key: r.key, latvian: r.latvian, english: r.english, note: r.note, limit: r.limit, translation: r.current });
  ws.eachRow((row, n) => {
    row.alignment = { vertical: 'top', wrapText: true };
    if (n > 1) {
      // The columns to read are shaded; the one to write stays white.
      for (const c of [1, 2, 3, 4, 5]) row.getCell(c).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF2F2F2' } };
    }
  });
  const help = wb.addWorksheet('README');
  help.getColumn(1).width = 120;
  for (const line of readme.split('\n')) help.addRow([line]).alignment = { wrapText: true };
  help.getRow(1).font = { bold: true };
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

export type ParsedSheet =
  | { ok: true; locale: UiLanguage; rows: Array<{ row: number; key: string; value: string }> }
  | { ok: false; reason: 'unreadable' | 'too_large' | 'no_sheet' | 'no_columns' };

/** Uncompressed bytes an .xlsx may hold: far more than any translation, far less than a zip bomb. */
const MAX_UNZIPPED = 50 * 1024 * 1024;

/**
 * The total uncompressed size a zip archive declares in its central directory, read before the archive is opened,
 * so a small file that would unpack to gigabytes is refused. Undefined when it is not a zip archive.
 */
export function declaredUnzippedSize(data: Uint8Array): number | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  // The end-of-central-directory record is at the end, after a comment of at most 64 KiB.
  for (let i = data.byteLength - 22; i >= Math.max(0, data.byteLength - 22 - 65_535); i--) {
    if (view.getUint32(i, true) !== 0x06054b50) continue;
    const entries = view.getUint16(i + 10, true);
    let at = view.getUint32(i + 16, true);
    let total = 0;
    for (let n = 0; n < entries; n++) {
      if (at + 46 > data.byteLength || view.getUint32(at, true) !== 0x02014b50) return undefined;
      const size = view.getUint32(at + 24, true);
      // 0xFFFFFFFF: a ZIP64 size, larger than anything a translation sheet needs.
      total += size === 0xffffffff ? Number.MAX_SAFE_INTEGER : size;
      at += 46 + view.getUint16(at + 28, true) + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    }
    return total;
  }
  return undefined;
}

function cellText(cell: ExcelJS.Cell): string {
  return (cell.text ?? '').replace(/\r\n?/g, '\n').trim();
}

/** Reads a filled sheet: the language from the sheet's name (or the heading of its translation column), and rows. */
export async function readSheet(data: Uint8Array): Promise<ParsedSheet> {
  const size = declaredUnzippedSize(data);
  if (size === undefined) return { ok: false, reason: 'unreadable' };
  if (size > MAX_UNZIPPED) return { ok: false, reason: 'too_large' };
  const wb = new (await excel()).Workbook();
  try {
    await wb.xlsx.load(Buffer.from(data) as unknown as ExcelJS.Buffer);
  } catch {
    return { ok: false, reason: 'unreadable' };
  }
  for (const ws of wb.worksheets) {
    const headings = new Map<string, number>();
    ws.getRow(1).eachCell((cell, col) => headings.set(cellText(cell), col));
    const translation = [...headings.entries()].find(([h]) => h.startsWith(SHEET_HEADINGS.translation));
    const named = /\(([a-z]{2,3})\)$/.exec(translation?.[0] ?? '')?.[1];
    const locale = isUiLanguage(ws.name) ? ws.name : isUiLanguage(named) ? named : undefined;
    if (!locale) continue;
    const keyCol = headings.get(SHEET_HEADINGS.key);
    if (!keyCol || !translation) return { ok: false, reason: 'no_columns' };
    const rows: Array<{ row: number; key: string; value: string }> = [];
    ws.eachRow((row, n) => {
      if (n === 1) return;
      const key = cellText(row.getCell(keyCol));
      if (key) rows.push({ row: n, key, value: cellText(row.getCell(translation[1])) });
    });
    return { ok: true, locale, rows };
  }
  return { ok: false, reason: 'no_sheet' };
}
