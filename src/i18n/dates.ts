import { rigaDate, rigaTime } from '../core/time.ts';
import type { UiLanguage } from '../core/types.ts';
import { type LvCase, lvClock, lvDate, lvDateRange, lvDateTime, lvDayHeading, lvDayMonth, numericDate } from './latvian.ts';

/**
 * One date style throughout, chosen once (docs/language.md):
 *
 * | style | lv | en | ru | rom |
 * | --- | --- | --- | --- | --- |
 * | prose | 2026. gada 1. decembrī (in the case the sentence needs) | 1 December 2026 | 1 декабря 2026 г. | 01.12.2026 |
 * | list | 01.12.2026 | 1 Dec 2026 | 01.12.2026 | 01.12.2026 |
 * | time | plkst. 09.30 (the template writes "plkst.") | 09:30 | 09:30 | 09:30 |
 *
 * Romani readers get numeric dates: nobody has yet written how a Romani date is said, and a number reads the
 * same in a Romani sentence and in the Latvian one shown where a text is not translated yet.
 */
export type DateStyle = 'prose' | 'list';

const INTL: Record<'en' | 'ru', string> = { en: 'en-GB', ru: 'ru' };
const formatters = new Map<string, Intl.DateTimeFormat>();
function intl(lng: 'en' | 'ru', style: DateStyle | 'heading'): Intl.DateTimeFormat {
  const key = `${lng}:${style}`;
  let f = formatters.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      style === 'heading'
        ? { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' }
        : { day: 'numeric', month: style === 'prose' ? 'long' : 'short', year: 'numeric', timeZone: 'UTC' };
    formatters.set(key, (f = new Intl.DateTimeFormat(INTL[lng], options)));
  }
  return f;
}

const noon = (iso: string) => new Date(`${iso.slice(0, 10)}T12:00:00Z`);
// ICU puts thin or no-break spaces around a range's dash; plain ones wrap and copy better.
const plainSpaces = (s: string) => s.replace(/[\u2009\u202f\u00a0]/g, ' ');

/** A calendar day (YYYY-MM-DD) for a reader. `c` is the Latvian case; other languages need none. */
export function formatDay(iso: string, lng: UiLanguage, style: DateStyle = 'prose', c: LvCase = 'nom'): string {
  if (lng === 'rom' || (style === 'list' && lng !== 'en')) return numericDate(iso);
  if (lng === 'lv') return lvDate(iso, c);
  return plainSpaces(intl(lng, style).format(noon(iso)));
}

/** Two calendar days as one span ("2019. gada 17.–18. oktobrī", "17–18 October 2019"); one day when equal. */
export function formatDays(from: string, until: string, lng: UiLanguage, style: DateStyle = 'prose', c: LvCase = 'nom'): string {
  if (from.slice(0, 10) === until.slice(0, 10)) return formatDay(from, lng, style, c);
  if (lng === 'rom' || (style === 'list' && lng !== 'en')) return numericRange(from, until);
  if (lng === 'lv') return lvDateRange(from, until, c);
  return plainSpaces(intl(lng, style).formatRange(noon(from), noon(until)));
}

/** "17.–18.10.2019", "30.09.–01.10.2019", "30.12.2019.–02.01.2020": a span for lists. */
function numericRange(from: string, until: string): string {
  const [a, b] = [numericDate(from), numericDate(until)];
  if (a.slice(3) === b.slice(3)) return `${a.slice(0, 2)}.–${b}`;
  if (a.slice(6) === b.slice(6)) return `${a.slice(0, 6)}–${b}`;
  return `${a}–${b}`;
}

/** A time of day ("09:30") for a reader: Latvian writes "09.30". */
export function formatClock(hhmm: string, lng: UiLanguage): string {
  return lng === 'lv' ? lvClock(hhmm) : hhmm;
}

/** An instant in Riga time for a reader: "2026. gada 1. decembrī plkst. 09.30", "1 December 2026, 09:30". */
export function formatMoment(instant: Date, lng: UiLanguage, style: DateStyle = 'prose', c: LvCase = 'loc'): string {
  const day = rigaDate(instant);
  const time = rigaTime(instant);
  if (lng === 'lv' && style === 'prose') return lvDateTime(day, time, c);
  return `${formatDay(day, lng, style, c)}${style === 'prose' ? ',' : ''} ${formatClock(time, lng)}`;
}

/** "Ceturtdiena, 27. maijs" / "Thursday 27 May" / "Четверг, 27 мая": a day's heading in an agenda. */
export function formatDayHeading(iso: string, lng: UiLanguage): string {
  if (lng === 'lv' || lng === 'rom') return lng === 'lv' ? lvDayHeading(iso) : numericDate(iso);
  const s = plainSpaces(intl(lng, 'heading').format(noon(iso)));
  return s.charAt(0).toLocaleUpperCase(INTL[lng]) + s.slice(1);
}

/** A day of a month without the year ("1. septembrī", "1 September", "1 сентября"; "01.09." for Romani). */
export function formatDayMonth(month: number, day: number, lng: UiLanguage, c: LvCase = 'nom'): string {
  const iso = `2000-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  if (lng === 'lv') return lvDayMonth(iso, c);
  if (lng === 'rom') return numericDate(iso).slice(0, 6);
  return new Intl.DateTimeFormat(INTL[lng], { day: 'numeric', month: 'long', timeZone: 'UTC' }).format(noon(iso));
}
