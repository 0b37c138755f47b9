import { addDays, isIsoDate, rigaDate, rigaTime, rigaToUtc } from '../../core/time.ts';
import { fold } from '../../core/text-match.ts';

/**
 * The agenda paste format, shared by coordinators in chat and by the data files (docs/visits.md):
 *
 *     1. diena                      a day heading: a date (2021-05-27, 27.05.2021) or Day N / N. diena / День N,
 *                                   counted from the visit's first date; items before any heading belong to day 1
 *     Visās dienās                  items of the whole visit, when the source does not say which day (also
 *                                   All days / Все дни); they have no times
 *     13:00–13:15 Title — Presenters @ Place https://link [method]
 *     13:00 Title                   the end time is optional; `13.00` works too; `-`, `–` or `—` between the times
 *     - a sub-point                 a line starting with `- `, `• ` or `* ` belongs to the item above
 *     Sabiles kultūras nams         a line without a time is an untimed item of the day
 *     # a comment                   ignored, as are empty lines
 *
 * After the title, a spaced dash (` — `, ` – ` or ` - `) starts the presenters (several separated by `;`), ` @ ` the
 * place, an http(s) address is the link and `[…]` the method, in any order.
 */

export interface ParsedItem {
  /** 1-based line of the pasted text. */
  line: number;
  /** The Riga date of the item, or null for an item of the whole visit (no day given, so no time either). */
  day: string | null;
  /** HH:MM in Riga time, or null for an untimed item. */
  start: string | null;
  end: string | null;
  title: string;
  presenters: string | null;
  place: string | null;
  link: string | null;
  method: string | null;
  notes: string[];
}

/** What was expected on a line that could not be read; each code has a text in `visits:parse.expected.*`. */
export type ExpectedCode =
  | 'time'
  | 'end_after_start'
  | 'title'
  | 'day_in_range'
  | 'date'
  | 'heading_alone'
  | 'bracket'
  | 'item_before_point'
  | 'line_length'
  | 'fewer_items'
  | 'day_for_time';

export interface AgendaError {
  line: number;
  text: string;
  expected: ExpectedCode;
  params?: Record<string, string | number>;
}

/** Worth a look before publishing, but not refused; texts in `visits:parse.warning.*`. */
export type WarningCode = 'overlap' | 'order' | 'past' | 'dst_gap' | 'dst_twice';

export interface AgendaWarning {
  line: number;
  text: string;
  warning: WarningCode;
  params?: Record<string, string | number>;
}

export interface ParsedAgenda {
  items: ParsedItem[];
  errors: AgendaError[];
  warnings: AgendaWarning[];
}

export interface AgendaContext {
  /** The visit's dates (YYYY-MM-DD): `Day N` counts from the first; headings outside them are errors. */
  startsOn: string;
  endsOn: string;
  /** Riga date of today; days before it are warned about. */
  today?: string;
}

export const MAX_LINE_LENGTH = 600;
export const MAX_ITEMS = 200;

const TIME_START = /^(\d{1,2})[:.](\d{2})(?!\d)/;
const TIME_LIKE = /^\d{1,2}[:.]\d/;
const RANGE_END = /^\s*[-–—]\s*(\d{1,2})[:.](\d{2})(?!\d)/;
const BULLET = /^[-•*·]\s+(.*)$/;
const ISO_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})/;
const LV_DATE = /^(\d{1,2})\.(\d{1,2})\.(\d{4})\.?/;
/** A weekday after a date heading, `27.05.2021 (ceturtdiena)` or `2021-05-27, Thursday`, is allowed and ignored. */
const HEADING_TAIL = /^\s*(?:[,(]\s*[\p{L} .]+\)?)?\s*:?\s*$/u;
const ORDINALS: Record<string, number> = {
  pirma: 1, otra: 2, tresa: 3, ceturta: 4, piekta: 5,
  first: 1, second: 2, third: 3, fourth: 4, fifth: 5,
  первыи: 1, второи: 2, третии: 3, четвертыи: 4, пятыи: 5,
};
const DAY_WORDS = '(?:day|diena|день)';
const DAY_N = new RegExp(`^(?:${DAY_WORDS}\\s*(\\d{1,2})|(\\d{1,2})\\s*(?:st|nd|rd|th|и|я|ои|ыи|ии)?\\s*${DAY_WORDS}|(\\p{L}+)\\s+${DAY_WORDS})$`, 'u');

function hhmm(h: string, m: string): string | undefined {
  const hour = Number(h);
  const minute = Number(m);
  if (hour > 23 || minute > 59) return undefined;
  return `${String(hour).padStart(2, '0')}:${m}`;
}

function validDate(y: string, m: string, d: string): string | undefined {
  const iso = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  return isIsoDate(iso) ? iso : undefined;
}

/** How many days from `a` to `b` (both YYYY-MM-DD). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

type Heading = { date: string | null } | { error: ExpectedCode; params?: Record<string, string | number> } | undefined;

/** The heading of items that belong to the whole visit, in the three languages (folded). */
const ALL_DAYS = new Set(['visas dienas', 'visas dienās', 'visās dienās', 'all days', 'whole visit', 'все дни'].map((w) => fold(w)));

/** The heading written for the whole visit's items (parseAgenda reads it in any of the three languages). */
export const ALL_DAYS_HEADING = 'Visās dienās';

function parseHeading(text: string, ctx: AgendaContext): Heading {
  if (ALL_DAYS.has(fold(text.replace(/:\s*$/, '')))) return { date: ctx.startsOn === ctx.endsOn ? ctx.startsOn : null };
  const range = { first: ctx.startsOn, last: ctx.endsOn };
  const iso = ISO_DATE.exec(text);
  const lv = iso ? null : LV_DATE.exec(text);
  const dated = iso ?? lv;
  if (dated) {
    const date = iso ? validDate(iso[1]!, iso[2]!, iso[3]!) : validDate(dated[3]!, dated[2]!, dated[1]!);
    if (!HEADING_TAIL.test(text.slice(dated[0].length))) return { error: 'heading_alone' };
    if (!date) return { error: 'date' };
    if (date < ctx.startsOn || date > ctx.endsOn) return { error: 'day_in_range', params: range };
    return { date };
  }
  const m = DAY_N.exec(fold(text));
  if (!m) return undefined;
  const digits = m[1] ?? m[2];
  const n = digits ? Number(digits) : ORDINALS[m[3] ?? ''];
  if (n === undefined) return undefined;
  const date = addDays(ctx.startsOn, n - 1);
  if (n < 1 || date > ctx.endsOn) return { error: 'day_in_range', params: range };
  return { date };
}

type Rest = Pick<ParsedItem, 'title' | 'presenters' | 'place' | 'link' | 'method'>;

/** Title, presenters, place, link and method from the text after the times. */
function parseRest(text: string): Rest | { error: ExpectedCode } {
  let t = text;
  const methods: string[] = [];
  t = t.replace(/\[([^[\]]*)\]/g, (_, m: string) => {
    if (m.trim()) methods.push(m.trim());
    return ' ';
  });
  if (/[[\]]/.test(t)) return { error: 'bracket' };
  let link: string | null = null;
  t = t.replace(/https?:\/\/[^\s<>"]+/, (url) => {
    link = url.replace(/[.,;:)]+$/, '');
    return ' ';
  });
  t = t.replace(/\s+/g, ' ').replace(/\s+@\s*$/, '').trim();
  const parts = t.split(/\s+([—–@-])\s+/);
  const title = (parts[0] ?? '').replace(/^[—–@-]\s*/, '').trim();
  let presenters: string | null = null;
  let place: string | null = null;
  for (let i = 1; i + 1 < parts.length; i += 2) {
    const sep = parts[i]!;
    const seg = parts[i + 1]!.trim();
    if (!seg) continue;
    if (sep === '@') place = place ? `${place}, ${seg}` : seg;
    else presenters = presenters ? `${presenters} ${sep} ${seg}` : seg;
  }
  if (!title) return { error: 'title' };
  return { title, presenters, place, link, method: methods.length ? methods.join(', ') : null };
}

/**
 * Reads a pasted agenda. Every line that cannot be read is reported with its number and what was expected, so a
 * coordinator can fix just those lines; overlapping times, days in the past and times that daylight saving skips
 * or repeats are warnings.
 */
export function parseAgenda(text: string, ctx: AgendaContext): ParsedAgenda {
  const items: ParsedItem[] = [];
  const errors: AgendaError[] = [];
  const warnings: AgendaWarning[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let day: string | null = ctx.startsOn;
  let last: ParsedItem | undefined;
  const pastWarned = new Set<string>();

  const warnPast = (line: number, lineText: string, date: string) => {
    if (ctx.today && date < ctx.today && !pastWarned.has(date)) {
      pastWarned.add(date);
      warnings.push({ line, text: lineText, warning: 'past', params: { date } });
    }
  };

  lines.forEach((raw, index) => {
    const line = index + 1;
    const t = raw.trim();
    if (!t || t.startsWith('#')) return;
    const fail = (expected: ExpectedCode, params?: Record<string, string | number>) => {
      errors.push({ line, text: t.slice(0, 120), expected, ...(params ? { params } : {}) });
    };
    if ([...t].length > MAX_LINE_LENGTH) return fail('line_length', { max: MAX_LINE_LENGTH });

    const bullet = BULLET.exec(t);
    if (bullet) {
      if (!last) return fail('item_before_point');
      last.notes.push(bullet[1]!.trim());
      return;
    }

    const heading = parseHeading(t, ctx);
    if (heading) {
      if ('error' in heading) return fail(heading.error, heading.params);
      day = heading.date;
      last = undefined;
      warnPast(line, t, day ?? ctx.endsOn);
      return;
    }

    let start: string | null = null;
    let end: string | null = null;
    let rest = t;
    if (TIME_LIKE.test(t)) {
      const s = TIME_START.exec(t);
      start = s ? (hhmm(s[1]!, s[2]!) ?? null) : null;
      if (!s || !start) return fail('time');
      rest = t.slice(s[0].length);
      const e = RANGE_END.exec(rest);
      if (e) {
        end = hhmm(e[1]!, e[2]!) ?? null;
        if (!end) return fail('time');
        if (end <= start) return fail('end_after_start', { start });
        rest = rest.slice(e[0].length);
      } else if (/^\s*[-–—]\s*\d/.test(rest)) {
        return fail('time');
      }
      if (rest && !/^[\s:—–-]/.test(rest)) return fail('time');
      rest = rest.replace(/^\s*[:—–-]?\s*/, '');
    }
    const parsed = parseRest(rest);
    if ('error' in parsed) return fail(parsed.error);
    if (items.length >= MAX_ITEMS) return fail('fewer_items', { max: MAX_ITEMS });
    if (start && day === null) return fail('day_for_time');
    const item: ParsedItem = { line, day, start, end, ...parsed, notes: [] };
    for (const time of [start, end]) {
      if (!time || day === null) continue;
      const instant = rigaToUtc(day, time);
      if (rigaTime(instant) !== time || rigaDate(instant) !== day) warnings.push({ line, text: t.slice(0, 120), warning: 'dst_gap', params: { time } });
      else {
        const hourLater = new Date(instant.getTime() + 3_600_000);
        if (rigaTime(hourLater) === time && rigaDate(hourLater) === day) warnings.push({ line, text: t.slice(0, 120), warning: 'dst_twice', params: { time } });
      }
    }
    warnPast(line, t, day ?? ctx.endsOn);
    items.push(item);
    last = item;
  });

  // Times within a day: out of order, or overlapping an earlier item's explicit end.
  const byDay = new Map<string, ParsedItem[]>();
  for (const it of items) if (it.start && it.day) byDay.set(it.day, [...(byDay.get(it.day) ?? []), it]);
  for (const dayItems of byDay.values()) {
    dayItems.forEach((it, i) => {
      const prev = dayItems[i - 1];
      if (prev && it.start! < prev.start!) {
        warnings.push({ line: it.line, text: it.title.slice(0, 120), warning: 'order', params: { other: prev.line, time: prev.start! } });
      }
      const clash = dayItems.slice(0, i).find((o) => o.end && o.start! <= it.start! && it.start! < o.end);
      if (clash) {
        warnings.push({ line: it.line, text: it.title.slice(0, 120), warning: 'overlap', params: { other: clash.line, time: `${clash.start}–${clash.end}` } });
      }
    });
  }
  warnings.sort((a, b) => a.line - b.line);
  return { items, errors, warnings };
}

/** The visit's days, first to last (at most a week is accepted by the editor). */
export function daysOf(startsOn: string, endsOn: string): string[] {
  const n = Math.max(0, daysBetween(startsOn, endsOn));
  return Array.from({ length: n + 1 }, (_, i) => addDays(startsOn, i));
}

/** Items as the paste format again (for editing an agenda in chat): parseAgenda reads back what this writes. */
export function agendaToText(items: ReadonlyArray<Omit<ParsedItem, 'line'>>): string {
  const out: string[] = [];
  let day: string | null | undefined;
  for (const it of items) {
    if (it.day !== day) {
      if (day !== undefined) out.push('');
      out.push(it.day ?? ALL_DAYS_HEADING);
      day = it.day;
    }
    const time = it.start ? `${it.start}${it.end ? `–${it.end}` : ''} ` : '';
    const parts = [`${time}${it.title}`];
    if (it.presenters) parts.push(`— ${it.presenters}`);
    if (it.place) parts.push(`@ ${it.place}`);
    if (it.link) parts.push(it.link);
    if (it.method) parts.push(`[${it.method}]`);
    out.push(parts.join(' '));
    for (const n of it.notes) out.push(`- ${n}`);
  }
  return out.join('\n');
}

