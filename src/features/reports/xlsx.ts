import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type ExcelJS from 'exceljs';

/** How a column shows its values: a date with time, a whole number, wrapped long text, or plain text. */
export type ColumnKind = 'text' | 'wrap' | 'number' | 'datetime';

export interface SheetColumn {
  header: string;
  /** In characters, as Excel counts column widths. */
  width: number;
  kind?: ColumnKind;
}

export type Cell = string | number | Date | null;

/**
 * A part of the workbook on its way to the zip. exceljs writes each row as its own small string buffer, which it
 * reuses: the bytes are copied at once into a chunk of STAGE bytes, and only whole chunks go on. Half a million
 * rows would otherwise be half a million small Buffers waiting in line for the compressor, long enough to be
 * moved to the old heap and stay there until a full collection.
 */
class PartStream extends PassThrough {
  private stage = Buffer.allocUnsafeSlow(STAGE);
  private used = 0;

  override write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : (chunk as { toBuffer(): Buffer }).toBuffer();
    if (this.used + bytes.length > STAGE) this.pass();
    if (bytes.length > STAGE) super.write(Buffer.from(bytes));
    else {
      bytes.copy(this.stage, this.used);
      this.used += bytes.length;
    }
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') process.nextTick(done as () => void);
    return !this.writableNeedDrain;
  }

  override end(...args: unknown[]): this {
    this.pass();
    return (super.end as (...a: unknown[]) => this)(...args);
  }

  /** Hands the bytes gathered so far on to the zip. */
  pass(): void {
    if (!this.used) return;
    super.write(this.stage.subarray(0, this.used));
    this.stage = Buffer.allocUnsafeSlow(STAGE);
    this.used = 0;
  }
}

/** Bytes gathered before they go on to the compressor. */
const STAGE = 32 * 1024;

/** Bytes of a sheet's XML written ahead of the compressor before the writer waits for it. */
const PART_BUFFER = 64 * 1024;

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFEDE7E1' } };
const DATETIME_FORMAT = 'yyyy-mm-dd hh:mm';

/**
 * A workbook written row by row to a file (exceljs' streaming writer, no shared strings), so a sheet of 500,000
 * rows never sits in memory. Sheets are written one after the other, each finished before the next begins.
 */
export class StreamingWorkbook {
  private readonly wb: ExcelJS.stream.xlsx.WorkbookWriter;

  /** exceljs is loaded on first use: it takes longer to load than the rest of the bot, and most runs never export. */
  static async open(path: string, created: Date): Promise<StreamingWorkbook> {
    const { default: excel } = await import('exceljs');
    return new StreamingWorkbook(new excel.stream.xlsx.WorkbookWriter({ filename: path, useStyles: true, useSharedStrings: false }), created);
  }

  private constructor(writer: ExcelJS.stream.xlsx.WorkbookWriter, created: Date) {
    this.wb = writer;
    this.wb.creator = 'Roma network bot';
    this.wb.created = created;
    // exceljs hands each part to the zip through a buffer that never says "wait", so a big sheet piles up in memory
    // ahead of the compressor (hundreds of MiB at 500,000 rows). A PassThrough in its place says it (`drain`).
    const wb = this.wb as unknown as { zip: { append(s: PassThrough, o: { name: string }): void }; _openStream(path: string): PassThrough };
    wb._openStream = (path: string) => {
      const stream = new PartStream({ highWaterMark: PART_BUFFER });
      wb.zip.append(stream, { name: path });
      stream.on('finish', () => stream.emit('zipped'));
      return stream;
    };
  }

  /**
   * A sheet with a bold header row that stays in view (frozen), filters on every column, the widths given, and
   * dates shown as dates. `freezeFirstColumn` also keeps the first column in view (a table read across).
   */
  sheet(name: string, columns: readonly SheetColumn[], options: { freezeFirstColumn?: boolean } = {}): SheetWriter {
    const ws = this.wb.addWorksheet(safeSheetName(name), {
      views: [{ state: 'frozen', ySplit: 1, xSplit: options.freezeFirstColumn ? 1 : 0 }],
    });
    ws.columns = columns.map((c, i) => ({ key: `c${i}`, width: c.width }));
    const header = ws.addRow(columns.map((c) => c.header));
    header.font = { bold: true };
    header.alignment = { vertical: 'middle', wrapText: true };
    header.eachCell((cell) => {
      cell.fill = HEADER_FILL;
    });
    header.commit();
    return new SheetWriter(ws, columns.map((c) => c.kind ?? 'text'));
  }

  async close(): Promise<void> {
    await this.wb.commit();
  }
}

/**
 * One style object per kind of column, shared by all its cells: exceljs recognises a style object it has seen and
 * reuses its number, where a fresh copy per cell costs it a lookup by content (most of a big sheet's time).
 */
const STYLES: Record<ColumnKind, Partial<ExcelJS.Style>> = {
  text: {},
  wrap: { alignment: { wrapText: true, vertical: 'top' } },
  number: { numFmt: '0' },
  datetime: { numFmt: DATETIME_FORMAT },
};
const BOLD: Record<ColumnKind, Partial<ExcelJS.Style>> = {
  text: { font: { bold: true } },
  wrap: { ...STYLES.wrap, font: { bold: true } },
  number: { ...STYLES.number, font: { bold: true } },
  datetime: { ...STYLES.datetime, font: { bold: true } },
};

export class SheetWriter {
  private rows = 1;

  constructor(
    private readonly ws: ExcelJS.Worksheet,
    private readonly kinds: readonly ColumnKind[],
  ) {}

  row(values: readonly Cell[], style?: { bold?: boolean }): void {
    const row = this.ws.addRow(values.map((v) => (typeof v === 'string' ? xmlSafe(v) : v)));
    const styles = style?.bold ? BOLD : STYLES;
    for (let i = 0; i < this.kinds.length; i++) row.getCell(i + 1).style = styles[this.kinds[i]!];
    row.commit();
    this.rows++;
  }

  /** Waits until the rows written so far have gone on to the compressor: call it between batches of rows. */
  async drained(): Promise<void> {
    const stream = (this.ws as unknown as { stream: PartStream }).stream;
    stream.pass();
    if (stream.writableNeedDrain) await once(stream, 'drain');
  }

  /** Filters over the header and every row written, then the sheet is written out. */
  close(): void {
    this.ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: this.rows, column: this.kinds.length } };
    this.ws.commit();
  }
}

/**
 * exceljs writes a string as text, never as a formula, so what experts typed stays what they typed; only the
 * characters XML cannot carry (control characters other than tab and line breaks) are dropped.
 */
function xmlSafe(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

/** Excel's sheet names: at most 31 characters, none of : \ / ? * [ ]. */
export function safeSheetName(name: string): string {
  return [...name.replace(/[:\\/?*[\]]/g, ' ')].slice(0, 31).join('').trim() || 'Sheet';
}
