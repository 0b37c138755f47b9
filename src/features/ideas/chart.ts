import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** DejaVu Sans has every Latvian and Cyrillic letter; no system font is consulted, so every machine draws the same. */
export const CHART_FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
export const CHART_FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

export interface BarChart {
  title: string;
  subtitle: string;
  bars: Array<{ label: string; value: number; muted?: boolean }>;
  /** Shown under the bars (e.g. "one idea can have several themes"). */
  note?: string;
}

const WIDTH = 900;
const LABEL_WIDTH = 300;
const BAR_X = LABEL_WIDTH + 20;
const BAR_MAX = WIDTH - BAR_X - 70;
const ROW = 34;
const TITLE_LINE = 28;
const SUBTITLE_LINE = 20;
/** Characters per line that fit the width in the title's (bold, 22 px) and subtitle's (15 px) type, with margin. */
const TITLE_CHARS = 62;
const SUBTITLE_CHARS = 100;

function xml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Cuts a text to `max` characters with an ellipsis (SVG text does not wrap). */
function clip(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/**
 * Breaks a text into lines of at most `width` characters at spaces (a word longer than a line is cut), at most
 * `maxLines` lines, the last one ending in an ellipsis if text is left over.
 */
export function wrapText(s: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of s.split(/\s+/).filter(Boolean)) {
    const w = [...word].length > width ? clip(word, width) : word;
    if (!line) line = w;
    else if ([...line].length + 1 + [...w].length <= width) line += ` ${w}`;
    else {
      lines.push(line);
      line = w;
    }
  }
  if (line) lines.push(line);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = clip(`${kept[maxLines - 1]} ${lines[maxLines]}`, width);
  if (!kept[maxLines - 1]!.endsWith('…')) kept[maxLines - 1] = `${clip(kept[maxLines - 1]!, width - 1)}…`;
  return kept;
}

/**
 * A horizontal bar chart, drawn by hand: the title and subtitle wrapped to the width (a long visit name takes a
 * second or third line rather than running off the image), then label, bar and count per row, in the order given.
 */
export function barChartSvg(chart: BarChart): string {
  const max = Math.max(1, ...chart.bars.map((b) => b.value));
  const title = wrapText(chart.title, TITLE_CHARS, 3);
  const subtitle = wrapText(chart.subtitle, SUBTITLE_CHARS, 2);
  const subtitleY = 38 + (title.length - 1) * TITLE_LINE + 28;
  const TOP = subtitleY + (subtitle.length - 1) * SUBTITLE_LINE + 30;
  const height = TOP + chart.bars.length * ROW + (chart.note ? 56 : 28);
  const rows = chart.bars.map((b, i) => {
    const y = TOP + i * ROW;
    const w = b.value === 0 ? 0 : Math.max(3, Math.round((b.value / max) * BAR_MAX));
    const fill = b.muted ? '#9aa5b1' : '#9e3039';
    return [
      i % 2 === 0 ? `<rect x="0" y="${y - 4}" width="${WIDTH}" height="${ROW}" fill="#f6f4f1"/>` : '',
      `<text x="${LABEL_WIDTH}" y="${y + 18}" text-anchor="end" font-size="16" fill="#222">${xml(clip(b.label, 32))}</text>`,
      `<rect x="${BAR_X}" y="${y + 3}" width="${w}" height="${ROW - 14}" rx="3" fill="${fill}"/>`,
      `<text x="${BAR_X + w + 8}" y="${y + 18}" font-size="16" font-weight="bold" fill="#222">${b.value}</text>`,
    ].join('');
  });
  const note = chart.note ? `<text x="24" y="${height - 20}" font-size="13" fill="#666">${xml(clip(chart.note, 110))}</text>` : '';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="DejaVu Sans">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    ...title.map((l, i) => `<text x="24" y="${38 + i * TITLE_LINE}" font-size="22" font-weight="bold" fill="#111">${xml(l)}</text>`),
    ...subtitle.map((l, i) => `<text x="24" y="${subtitleY + i * SUBTITLE_LINE}" font-size="15" fill="#444">${xml(l)}</text>`),
    ...rows,
    note,
    '</svg>',
  ].join('\n');
}

/** The chart's size in pixels at scale 1 (a chat image); a printed report draws the same chart at PRINT_SCALE. */
export function barChartSize(chart: BarChart): { width: number; height: number } {
  const m = /width="(\d+)" height="(\d+)"/.exec(barChartSvg(chart))!;
  return { width: Number(m[1]), height: Number(m[2]) };
}

/** 900 px drawn three times over: 2,700 px across a 16 cm column is about 430 dpi, sharp on paper. */
export const PRINT_SCALE = 3;

/** The chart as a PNG (rendered off the event loop's critical path by resvg's async renderer), `scale` times its size. */
export async function renderBarChart(chart: BarChart, scale = 1): Promise<Uint8Array> {
  // Loaded on the first chart: the renderer's native code was 3 % of every start.
  const { renderAsync } = await import('@resvg/resvg-js');
  const image = await renderAsync(barChartSvg(chart), {
    font: { loadSystemFonts: false, fontFiles: [CHART_FONT, CHART_FONT_BOLD], defaultFontFamily: 'DejaVu Sans' },
    fitTo: scale === 1 ? { mode: 'original' } : { mode: 'zoom', value: scale },
    background: '#ffffff',
  });
  return new Uint8Array(image.asPng());
}
