import type { i18n as I18n } from 'i18next';
import { isUiLanguage, type UiLanguage } from '../core/types.ts';
import { type DateStyle, formatClock, formatDay, formatDays, formatMoment } from './dates.ts';
import { isLvCase, type LvCase } from './latvian.ts';
import { PlaceName } from './places.ts';

/**
 * Named formatters for locale texts, so each language's text decides the form its sentence needs and code passes
 * plain values (ISO dates, instants, place names):
 *
 * - `{{until, date(case: dat)}}`: a day (YYYY-MM-DD). `case` is the Latvian case (nom, gen, dat, acc, loc), which
 *   other languages ignore; `style: list` gives the short form for lists.
 * - `{{dates, dates(case: loc)}}`: a span `{ from, until }` (or a ready string, e.g. "2016–2020").
 * - `{{at, moment(case: loc)}}`: an instant (Date or ISO string) in Riga time, with the time of day.
 * - `{{time, clock}}`: a time of day "HH:MM" or a span "HH:MM–HH:MM" ("09.30" in Latvian).
 * - `{{municipality, place(case: gen)}}`: a PlaceName (nom, gen, loc); a plain string is printed as it is.
 *
 * Option names are kept apart from value names: i18next lets a value of the same name override an option.
 */
export const FORMATTERS = ['date', 'dates', 'moment', 'clock', 'place'] as const;
export type FormatterName = (typeof FORMATTERS)[number];

type Options = Record<string, unknown>;

function readerOf(lng: string | undefined): UiLanguage {
  return isUiLanguage(lng) ? lng : 'lv';
}
function caseOf(o: Options, fallback: LvCase): LvCase {
  return isLvCase(o.case) ? o.case : fallback;
}
function styleOf(o: Options): DateStyle {
  return o.style === 'list' ? 'list' : 'prose';
}
function isDay(v: unknown): v is string {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
}

export function addFormatters(instance: I18n): void {
  const f = instance.services.formatter!;
  f.add('date', (value: unknown, lng: string | undefined, o: Options) =>
    isDay(value) ? formatDay(value, readerOf(lng), styleOf(o), caseOf(o, 'nom')) : String(value ?? ''),
  );
  f.add('dates', (value: unknown, lng: string | undefined, o: Options) => {
    const span = value as { from?: unknown; until?: unknown } | string;
    if (typeof span === 'object' && span && isDay(span.from) && isDay(span.until)) {
      return formatDays(span.from, span.until, readerOf(lng), styleOf(o), caseOf(o, 'nom'));
    }
    return String(value ?? '');
  });
  f.add('moment', (value: unknown, lng: string | undefined, o: Options) => {
    const at = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
    if (!at || Number.isNaN(at.getTime())) return String(value ?? '');
    return formatMoment(at, readerOf(lng), styleOf(o), caseOf(o, 'loc'));
  });
  // A time or a span of times ("13:00–13:15"): each is written as the reader's language writes times.
  f.add('clock', (value: unknown, lng: string | undefined) => String(value ?? '').replace(/\b\d{1,2}:\d{2}\b/g, (t) => formatClock(t, readerOf(lng))));
  f.add('place', (value: unknown, lng: string | undefined, o: Options) =>
    value instanceof PlaceName ? value.in(readerOf(lng), caseOf(o, 'nom')) : String(value ?? ''),
  );
}
