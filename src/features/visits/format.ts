import { esc, join, type Markup, markup, splitMarkup } from '../../core/markup.ts';
import { rigaTime } from '../../core/time.ts';
import type { UiLanguage } from '../../core/types.ts';
import { type DateStyle, formatClock, formatDayHeading, formatDays } from '../../i18n/dates.ts';
import type { Translator } from '../../i18n/index.ts';
import { withSeedTitles } from '../seeds.ts';
import type { AgendaItem, Visit, VisitWithAgenda } from './visit-store.ts';
import { byCode } from '../../core/order.ts';

/** Longest text of one agenda message: comfortable on a phone and under every platform's limit once split. */
export const MESSAGE_LIMIT = 3500;

/**
 * A visit's days as a value for a message's `dates` formatter (`{{dates, dates}}`): the span, or, when only the
 * years are known, the years ("2016–2020"; in prose with a note that the days are not known).
 */
export function visitSpan(v: Pick<Visit, 'starts_on' | 'ends_on' | 'date_precision'>, tr: Translator, style: DateStyle = 'prose'): { from: string; until: string } | string {
  if (v.date_precision === 'years') {
    const [a, b] = [v.starts_on.slice(0, 4), v.ends_on.slice(0, 4)];
    const years = a === b ? a : `${a}–${b}`;
    return style === 'prose' ? tr.plain('visits:dates.years_only', { years }) : years;
  }
  return { from: v.starts_on, until: v.ends_on };
}

const dates = new Map<string, string>();

/** "17.–18.10.2019" in lists, "2019. gada 17.–18. oktobris" in prose (the reader's language's style). */
export function visitDates(v: Pick<Visit, 'starts_on' | 'ends_on' | 'date_precision'>, tr: Translator, month: 'short' | 'long' = 'short'): string {
  const style: DateStyle = month === 'short' ? 'list' : 'prose';
  const span = visitSpan(v, tr, style);
  if (typeof span === 'string') return span;
  // Formatting a range is slow even with the formatter kept, and lists show the same few visits again and again.
  const key = `${tr.ui}:${style}:${span.from}:${span.until}`;
  let out = dates.get(key);
  if (out === undefined) {
    out = formatDays(span.from, span.until, tr.ui, style);
    if (dates.size >= 5000) dates.clear();
    dates.set(key, out);
  }
  return out;
}

/** "Ceturtdiena, 27. maijs" / "Thursday 27 May" / "Четверг, 27 мая". */
export function dayHeading(date: string, lng: UiLanguage): string {
  return formatDayHeading(date, lng);
}

export function formatName(v: Pick<Visit, 'format'>, tr: Translator): string {
  return tr.plain(`visits:format.${v.format}`);
}

/** A timed item without an end lasts until the next timed item of its day starts (the 2021 agenda gives starts only). */
export function effectiveEnd(item: AgendaItem, items: readonly AgendaItem[]): string | null {
  if (item.ends_at || !item.starts_at) return item.ends_at;
  const next = items
    .filter((o) => o.day === item.day && o.starts_at && o.starts_at > item.starts_at!)
    .map((o) => o.starts_at!)
    .sort()[0];
  return next ?? null;
}

function linkLabel(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, '');
  } catch {
    return url;
  }
}

/**
 * One item: its time (as the reader's language writes times) and title, then presenters, place, link and method on
 * a second, quieter line.
 */
export function itemLines(item: AgendaItem, items: readonly AgendaItem[], lng: UiLanguage): Markup[] {
  const end = effectiveEnd(item, items);
  const clock = (at: string) => formatClock(rigaTime(new Date(at)), lng);
  const time = item.starts_at ? `${clock(item.starts_at)}${end ? `–${clock(end)}` : ''}` : '';
  const head = time ? markup`<b>${esc(time)}</b> ${esc(item.title)}` : markup`• ${esc(item.title)}`;
  const details: Markup[] = [];
  if (item.presenters) details.push(esc(item.presenters));
  if (item.place) details.push(markup`📍 ${esc(item.place)}`);
  if (item.link) details.push(markup`🔗 <a href="${esc(item.link)}">${esc(linkLabel(item.link))}</a>`);
  if (item.method) details.push(markup`[${esc(item.method)}]`);
  const lines = [head];
  if (details.length) lines.push(markup`    <i>${join(details, ' · ')}</i>`);
  for (const note of (item.notes ?? '').split('\n').filter(Boolean)) lines.push(markup`    ◦ ${esc(note)}`);
  return lines;
}

/** Title, place, dates and kind of a visit: the head of its agenda. */
export function visitHeader(v: Visit, tr: Translator): Markup {
  const lines: Markup[] = [markup`<b>${esc(v.title)}</b>`, markup`📍 ${esc(v.place)} · ${esc(visitDates(v, tr, 'long'))} · ${esc(formatName(v, tr))}`];
  if (v.summary) lines.push(markup`<i>${esc(v.summary)}</i>`);
  return join(lines);
}

/**
 * The whole agenda as messages: the header, then day by day, packed so each message stays under the limit (a day
 * is never split unless it alone is too long). The source, when known, closes the last message.
 */
export function agendaMessages(v: VisitWithAgenda, tr: Translator, limit = MESSAGE_LIMIT): Markup[] {
  const blocks: Markup[] = [visitHeader(v, tr)];
  // Items of the whole visit (the source gives no day) come first, under the visit's dates.
  const days = [...new Set(v.items.map((i) => i.day))].sort((a, b) => byCode(a ?? '', b ?? ''));
  for (const day of days) {
    const dayItems = v.items.filter((i) => i.day === day);
    const heading = day ? esc(dayHeading(day, tr.ui)) : tr.t('visits:agenda.all_days', { dates: visitSpan(v, tr) });
    blocks.push(join([markup`<b>${heading}</b>`, ...dayItems.flatMap((i) => itemLines(i, v.items, tr.ui))]));
  }
  if (!v.items.length) blocks.push(tr.t(v.date_precision === 'years' ? 'visits:agenda.no_details' : 'visits:agenda.no_items'));
  if (v.source) blocks.push(markup`<i>${tr.t('visits:agenda.source', { source: withSeedTitles(v.source, tr.lng) })}</i>`);

  const messages: Markup[] = [];
  let current = '';
  for (const block of blocks.flatMap((b) => splitMarkup(b, limit))) {
    const candidate = current ? `${current}\n\n${block}` : block;
    if (current && candidate.length > limit) {
      messages.push(current as Markup);
      current = block;
    } else current = candidate;
  }
  if (current) messages.push(current as Markup);
  return messages;
}

/** A short line for lists and buttons: "Jelgava 2017". */
export function shortLabel(v: Visit): string {
  const year = v.date_precision === 'years' ? `${v.starts_on.slice(0, 4)}–${v.ends_on.slice(0, 4)}` : v.starts_on.slice(0, 4);
  return `${v.place} ${year}`;
}
