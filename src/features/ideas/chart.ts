import { createRequire } from 'node:module';
import { renderAsync } from '@resvg/resvg-js';

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
const TOP = 96;

function xml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Cuts a text to `max` characters with an ellipsis (SVG text does not wrap). */
function clip(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

/** A horizontal bar chart, drawn by hand: label, bar and count per row, in the order given. */
export function barChartSvg(chart: BarChart): string {
  const max = Math.max(1, ...chart.bars.map((b) => b.value));
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
    `<text x="24" y="38" font-size="22" font-weight="bold" fill="#111">${xml(clip(chart.title, 70))}</text>`,
    `<text x="24" y="66" font-size="15" fill="#444">${xml(clip(chart.subtitle, 100))}</text>`,
    ...rows,
    note,
    '</svg>',
  ].join('\n');
}

/** The chart as a PNG (rendered off the event loop's critical path by resvg's async renderer). */
export async function renderBarChart(chart: BarChart): Promise<Uint8Array> {
  const image = await renderAsync(barChartSvg(chart), {
    font: { loadSystemFonts: false, fontFiles: [CHART_FONT, CHART_FONT_BOLD], defaultFontFamily: 'DejaVu Sans' },
    fitTo: { mode: 'original' },
    background: '#ffffff',
  });
  return new Uint8Array(image.asPng());
}
