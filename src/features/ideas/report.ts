import { esc, join, type Markup, markup } from '../../core/markup.ts';
import type { Language } from '../../core/types.ts';
import type { Translator } from '../../i18n/index.ts';
import type { Municipalities } from '../people/municipalities.ts';
import type { BarChart } from './chart.ts';
import type { Collection } from './idea-store.ts';
import type { Themes } from './themes.ts';
import { byCode } from '../../core/order.ts';

/** Counts for one visit: no names and no texts, so it may be shown to every member. */
export interface IdeasSummary {
  lists: number;
  ideas: number;
  /** Most lists first, then by name. `id` null: the author gave no municipality. */
  municipalities: Array<{ id: string | null; lists: number }>;
  /** Every theme, the most frequent first (ties in theme order). */
  themes: Array<{ id: string; count: number }>;
  /** Ideas with no theme. */
  untagged: number;
}

/** Counts themes (an idea counts once for each of its themes) and municipalities, in one pass. */
export function summarize(rows: Iterable<{ listId: string; municipality: string | null; themes: readonly string[] }>, themes: Themes): IdeasSummary {
  const perTheme = new Map<string, number>(themes.all.map((t) => [t.id, 0]));
  const listsSeen = new Map<string, string | null>();
  let ideas = 0;
  let untagged = 0;
  for (const r of rows) {
    ideas++;
    if (!listsSeen.has(r.listId)) listsSeen.set(r.listId, r.municipality);
    let tagged = false;
    for (const id of r.themes) {
      const c = perTheme.get(id);
      if (c === undefined) continue; // a theme removed from themes.yaml since
      perTheme.set(id, c + 1);
      tagged = true;
    }
    if (!tagged) untagged++;
  }
  const perMunicipality = new Map<string | null, number>();
  for (const m of listsSeen.values()) perMunicipality.set(m, (perMunicipality.get(m) ?? 0) + 1);
  const order = new Map(themes.all.map((t, i) => [t.id, i]));
  return {
    lists: listsSeen.size,
    ideas,
    municipalities: [...perMunicipality.entries()]
      .map(([id, lists]) => ({ id, lists }))
      .sort((a, b) => b.lists - a.lists || byCode(a.id ?? '\uffff', b.id ?? '\uffff')),
    themes: [...perTheme.entries()]
      .map(([id, count]) => ({ id, count }))
      .sort((a, b) => b.count - a.count || order.get(a.id)! - order.get(b.id)!),
    untagged,
  };
}

export interface SummaryView {
  tr: Translator;
  themes: Themes;
  municipalities: Municipalities;
  /** Plain visit label ("Online meeting, 27 May 2021"). */
  visitLabel: string;
  collection: Collection | undefined;
  /** Coordinators see lists per municipality and who has not sent a list; members see the counts only. */
  staff: boolean;
  /** Registered experts without a list (coordinators only). */
  pending?: number;
}

export function municipalityName(municipalities: Municipalities, id: string | null, tr: Translator): string {
  if (!id) return tr.plain('ideas:report.no_municipality');
  return municipalities.get(id)?.place.in(tr.ui) ?? id;
}

/** "12 lists from 8 municipalities · 60 ideas", plain. */
export function countsLine(tr: Translator, s: IdeasSummary): string {
  return [
    tr.plain('ideas:count.lists', { count: s.lists }),
    tr.plain('ideas:count.from_municipalities', { count: s.municipalities.length }),
    '·',
    tr.plain('ideas:count.ideas', { count: s.ideas }),
  ].join(' ');
}

/** The summary as a message: counts, themes most frequent first, municipalities. */
export function summaryText(view: SummaryView, s: IdeasSummary): Markup {
  const { tr, themes } = view;
  const lng: Language = tr.lng;
  const lines: Markup[] = [tr.t('ideas:report.title', { visit: view.visitLabel })];
  if (view.collection) {
    lines.push(
      view.collection.status === 'open'
        ? tr.t('ideas:report.status_open', { date: new Date(view.collection.opened_at) })
        : tr.t('ideas:report.status_closed', { date: new Date(view.collection.closed_at ?? view.collection.opened_at) }),
    );
  }
  lines.push(esc(countsLine(tr, s)));
  lines.push('' as Markup, tr.t('ideas:report.themes_head'));
  const zero: string[] = [];
  for (const t of s.themes) {
    if (t.count === 0) zero.push(themes.shortName(t.id, lng));
    else lines.push(markup`${t.count} · ${esc(themes.name(t.id, lng))}`);
  }
  if (s.untagged > 0) lines.push(tr.t('ideas:report.untagged', { count: s.untagged }));
  // Theme names have commas of their own ("Motivācija, atbalsts"): a list of them is split by semicolons.
  if (zero.length) lines.push(tr.t('ideas:report.zero', { names: zero.join('; ') }));
  // Coordinators: most lists first, then by name; members: by name only.
  const collator = new Intl.Collator('lv');
  const names = s.municipalities
    .map((m) => ({ name: municipalityName(view.municipalities, m.id, tr), lists: m.lists }))
    .sort((a, b) => (view.staff ? b.lists - a.lists : 0) || collator.compare(a.name, b.name))
    .map((m) => (view.staff ? `${m.name} (${m.lists})` : m.name));
  lines.push('' as Markup, tr.t('ideas:report.municipalities', { list: names.join(', ') }));
  if (view.staff && view.pending !== undefined && view.pending > 0) lines.push(tr.t('ideas:report.pending', { count: view.pending }));
  return join(lines);
}

/** The chart of the summary: every theme as a bar, the most frequent first; untagged ideas last, greyed. */
export function summaryChart(view: SummaryView, s: IdeasSummary, date: string): BarChart {
  const { tr, themes } = view;
  const bars: BarChart['bars'] = s.themes.map((t) => ({ label: themes.shortName(t.id, tr.lng), value: t.count }));
  if (s.untagged > 0) bars.push({ label: tr.plain('ideas:report.untagged_label'), value: s.untagged, muted: true });
  return {
    title: tr.plain('ideas:report.chart_title', { visit: view.visitLabel }),
    subtitle: `${countsLine(tr, s)} · ${date}`,
    bars,
    note: tr.plain('ideas:report.chart_note'),
  };
}
