import {
  AlignmentType,
  BorderStyle,
  Document,
  HeadingLevel,
  ImageRun,
  Packer,
  PageBreak,
  Paragraph,
  ShadingType,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import { formatDate, rigaDate, rigaTime } from '../../core/time.ts';
import { formatDays } from '../../i18n/dates.ts';
import type { Translator } from '../../i18n/index.ts';
import type { ExportList } from '../ideas/idea-store.ts';
import type { IdeasSummary } from '../ideas/report.ts';
import type { Themes } from '../ideas/themes.ts';
import type { Municipalities } from '../people/municipalities.ts';
import type { RsvpEntry } from '../visits/rsvp.ts';
import type { VisitWithAgenda } from '../visits/visit-store.ts';

/** Everything the report is drawn from: the bot's own records, nothing written by the bot itself. */
export interface MeetingReportData {
  tr: Translator;
  visit: VisitWithAgenda;
  /** "Online meeting" or "Good-practice visit", in the coordinator's language. */
  formatName: string;
  /** Those who answered "going". */
  participants: readonly RsvpEntry[];
  municipalities: Municipalities;
  themes: Themes;
  ideas: { summary: IdeasSummary; lists: readonly ExportList[]; chart: { png: Uint8Array; width: number; height: number } } | undefined;
  now: Date;
}

const FONT = 'Times New Roman';
const GREY = '808080';
/** The chart's width on an A4 page with 2.5 cm margins, in pixels at 96 dpi as docx measures images (16 cm). */
const CHART_WIDTH = 605;
/** The text's width on that page in twentieths of a point (16 cm): tables are laid out in it column by column. */
const TEXT_WIDTH = 9071;

/** Builds a DOCX laid out as the ministry's meeting reports (see seed 003): one section, annexes after page breaks. */
export async function meetingReportDocx(data: MeetingReportData): Promise<Uint8Array> {
  const { tr, visit: v } = data;
  const lng = tr.lng;
  const t = (key: string, options?: Record<string, unknown>) => tr.plain(`reports:docx.${key}`, options);
  const dates = formatDays(v.starts_on, v.ends_on, tr.ui);
  const muniName = (id: string | null) => (id ? (data.municipalities.get(id)?.place.in(tr.ui) ?? id) : t('no_municipality'));

  const children: Array<Paragraph | Table> = [];
  children.push(
    new Paragraph({ heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER, children: [new TextRun({ text: t('title'), bold: true })] }),
    new Paragraph({ alignment: AlignmentType.CENTER, spacing: { after: 240 }, children: [new TextRun({ text: v.title, bold: true, size: 28 })] }),
    table(
      [
        [t('date'), dates],
        [t('place'), v.place],
        [t('format'), data.formatName],
        [t('participants_count'), String(data.participants.length)],
      ],
      [30, 70],
    ),
  );
  if (v.summary) children.push(para(v.summary, { before: 200 }));

  // Participants: counts by municipality and by institution, from the RSVPs.
  children.push(heading(t('participants_head'), HeadingLevel.HEADING_1));
  if (!data.participants.length) {
    children.push(hint(t('participants_none')));
  } else {
    const byMunicipality = countBy(data.participants, (p) => muniName(p.municipality));
    const byInstitution = countBy(data.participants, (p) => p.institution ?? t('institution_unknown'));
    children.push(
      para(
        t('participants_intro', {
          participants: tr.plain('reports:count.participants', { count: data.participants.length }),
          municipalities: tr.plain('ideas:count.from_municipalities', { count: byMunicipality.length }),
        }),
      ),
      heading(t('by_municipality'), HeadingLevel.HEADING_2),
      table([[t('municipality'), t('count')], ...byMunicipality.map(([k, n]) => [k, String(n)])], [75, 25], true),
      heading(t('by_institution'), HeadingLevel.HEADING_2),
      table([[t('institution'), t('count')], ...byInstitution.map(([k, n]) => [k, String(n)])], [75, 25], true),
      para(t('annex2_ref'), { before: 120 }),
    );
  }

  // The five-idea results: the twelve themes with their counts, the chart, and each municipality's ideas.
  children.push(heading(t('ideas_head'), HeadingLevel.HEADING_1));
  if (!data.ideas) {
    children.push(hint(t('ideas_none')));
  } else {
    const { summary, lists, chart } = data.ideas;
    children.push(
      para(
        t('ideas_intro', {
          lists: tr.plain('ideas:count.lists', { count: summary.lists }),
          municipalities: tr.plain('ideas:count.from_municipalities', { count: summary.municipalities.length }),
          ideas: tr.plain('ideas:count.ideas', { count: summary.ideas }),
        }),
      ),
      table(
        [
          [t('theme_no'), t('theme'), t('count')],
          ...data.themes.all.map((theme, i) => [String(i + 1), data.themes.name(theme.id, lng), String(summary.themes.find((x) => x.id === theme.id)?.count ?? 0)]),
          ...(summary.untagged > 0 ? [['', t('untagged'), String(summary.untagged)]] : []),
        ],
        [8, 77, 15],
        true,
      ),
      hint(t('themes_note')),
      new Paragraph({
        alignment: AlignmentType.CENTER,
        spacing: { before: 200, after: 200 },
        children: [
          new ImageRun({
            type: 'png',
            data: chart.png,
            transformation: { width: CHART_WIDTH, height: Math.round((CHART_WIDTH * chart.height) / chart.width) },
            altText: { name: 'chart', title: t('chart_alt'), description: t('chart_alt') },
          }),
        ],
      }),
      heading(t('ideas_by_municipality'), HeadingLevel.HEADING_2),
    );
    let current: string | null | undefined;
    for (const l of lists) {
      if (l.municipality !== current || current === undefined) {
        current = l.municipality;
        children.push(heading(muniName(l.municipality), HeadingLevel.HEADING_3));
      }
      for (const idea of l.ideas) children.push(new Paragraph({ bullet: { level: 0 }, children: runs(idea.text) }));
    }
  }

  // What only the coordinator can write: headed, empty, with a hint in grey.
  for (const key of ['discussion', 'needs', 'recommendations'] as const) {
    children.push(heading(t(`${key}_head`), HeadingLevel.HEADING_1), hint(t(`${key}_hint`)), para(''));
  }

  // Annex 1: the agenda.
  children.push(new Paragraph({ children: [new PageBreak()] }), heading(t('annex1'), HeadingLevel.HEADING_1));
  children.push(para(v.title, { bold: true }), para(dates));
  if (v.items.length) {
    const rows: string[][] = [[t('time'), t('item'), t('presenters')]];
    const days = [...new Set(v.items.map((i) => i.day))];
    for (const item of v.items) {
      const time = item.starts_at ? rigaTime(new Date(item.starts_at)) : days.length > 1 && item.day ? formatDate(item.day, lng) : '';
      const title = [item.title, ...(item.notes ?? '').split('\n').filter(Boolean).map((n) => `– ${n}`)].join('\n');
      rows.push([time, title, [item.presenters, item.place, item.method ? `[${item.method}]` : null].filter(Boolean).join('\n')]);
    }
    children.push(table(rows, [12, 55, 33], true));
  } else {
    children.push(hint(t('agenda_none')));
  }

  // Annex 2: the participants who agreed to be named.
  children.push(new Paragraph({ children: [new PageBreak()] }), heading(t('annex2'), HeadingLevel.HEADING_1), para(v.title, { bold: true }), para(dates));
  const named = data.participants.filter((p) => p.listed === true);
  if (named.length) {
    children.push(table([[t('name'), t('institution'), t('municipality')], ...named.map((p) => [p.name, p.institution ?? '', muniName(p.municipality)])], [30, 45, 25], true));
  }
  const unnamed = data.participants.length - named.length;
  if (unnamed > 0 || !named.length) children.push(hint(t('annex2_unnamed', { count: unnamed })));

  children.push(para(t('footer', { date: rigaDate(data.now) }), { before: 400, color: GREY, size: 18 }));

  const doc = new Document({
    creator: 'Roma network bot',
    title: `${t('title')}: ${v.title}`,
    styles: { default: { document: { run: { font: FONT, size: 24 } } } },
    sections: [{ properties: { page: { margin: { top: 1418, bottom: 1418, left: 1418, right: 1418 } } }, children }],
  });
  return new Uint8Array(await Packer.toBuffer(doc));
}

/** The text as runs, its line breaks as Word line breaks. */
function runs(text: string, o: { bold?: boolean; color?: string; size?: number; italics?: boolean } = {}): TextRun[] {
  return text.split('\n').map((line, i) => new TextRun({ text: line, ...o, ...(i ? { break: 1 } : {}) }));
}

function para(text: string, o: { bold?: boolean; before?: number; color?: string; size?: number } = {}): Paragraph {
  return new Paragraph({ spacing: { before: o.before ?? 0, after: 120 }, children: runs(text, o) });
}

function heading(text: string, level: (typeof HeadingLevel)[keyof typeof HeadingLevel]): Paragraph {
  return new Paragraph({ heading: level, spacing: { before: 240, after: 120 }, children: [new TextRun({ text })] });
}

/** A short note in grey italics: what a section is for, or why it is empty. Never content. */
function hint(text: string): Paragraph {
  return new Paragraph({ spacing: { after: 120 }, children: runs(text, { color: GREY, italics: true, size: 20 }) });
}

function table(rows: readonly string[][], widths: readonly number[], header = false): Table {
  const border = { style: BorderStyle.SINGLE, size: 4, color: '999999' };
  return new Table({
    width: { size: TEXT_WIDTH, type: WidthType.DXA },
    columnWidths: widths.map((w) => Math.round((TEXT_WIDTH * w) / 100)),
    borders: { top: border, bottom: border, left: border, right: border, insideHorizontal: border, insideVertical: border },
    rows: rows.map(
      (cells, r) =>
        new TableRow({
          tableHeader: header && r === 0,
          children: cells.map(
            (c, i) =>
              new TableCell({
                width: { size: Math.round((TEXT_WIDTH * (widths[i] ?? 10)) / 100), type: WidthType.DXA },
                ...(header && r === 0 ? { shading: { type: ShadingType.CLEAR, fill: 'EDE7E1', color: 'auto' } } : {}),
                children: [new Paragraph({ children: runs(c, header && r === 0 ? { bold: true } : {}) })],
              }),
          ),
        }),
    ),
  });
}

/** Counts per key, most first, then by name (Latvian order). */
function countBy<T>(items: readonly T[], key: (x: T) => string): Array<[string, number]> {
  const m = new Map<string, number>();
  for (const x of items) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  const collator = new Intl.Collator('lv');
  return [...m.entries()].sort((a, b) => b[1] - a[1] || collator.compare(a[0], b[0]));
}

