import { DateTime } from 'luxon';
import type { Language } from './types.ts';

/** Instants are stored in UTC; people see and schedule in Riga time, across daylight-saving changes. */
export const ZONE = 'Europe/Riga';

/**
 * A Riga wall-clock time to the instant it denotes. On the spring-forward night 03:00–03:59 does not exist and
 * is read as the hour after; on the fall-back night 03:00–03:59 happens twice and the first (summer) one is taken.
 */
export function rigaToUtc(date: string, time: string): Date {
  const d = DateTime.fromISO(date, { zone: 'UTC' });
  const t = /^(\d{1,2}):(\d{2})$/.exec(time);
  if (!d.isValid || !t || Number(t[1]) > 23 || Number(t[2]) > 59) throw new Error(`not a valid Riga date and time: ${date} ${time}`);
  return rigaWallClock(d.year, d.month, d.day, Number(t[1]), Number(t[2]));
}

/** The instant of a Riga wall-clock time, with the daylight-saving rules of `rigaToUtc`. */
export function rigaWallClock(year: number, month: number, day: number, hour: number, minute: number): Date {
  const dt = DateTime.fromObject({ year, month, day, hour, minute }, { zone: ZONE });
  // For a time that happens twice luxon returns the later (winter) one; the hour before, if it shows the same
  // wall clock, is the first occurrence.
  const earlier = dt.minus({ hours: 1 });
  if (earlier.day === day && earlier.hour === hour && earlier.minute === minute) return earlier.toJSDate();
  return dt.toJSDate();
}

// Riga's calendar fields of an instant, without luxon (which builds a formatter per call: issue 17's profile) and
// mostly without Intl either: Riga's offset from UTC is asked of Intl once per hour of UTC time, then the fields
// are plain arithmetic. An hour in which the offset changes is left to Intl whole; instants before 1970 (when
// Riga's offsets had seconds, which Intl does not show) and invalid ones to luxon, as before.
// Made on first use: the first formatter with a time zone loads ICU's zone data (10 ms), which a start need not wait for.
let rigaFields: Intl.DateTimeFormat | undefined;
const HOUR_MS = 3_600_000;
const offsets = new Map<number, number | null>();

/** Riga's wall clock as if it were UTC, to the minute (by Intl). */
function rigaWallMs(ms: number): number {
  const f = { year: 0, month: 0, day: 0, hour: 0, minute: 0 };
  rigaFields ??= new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  for (const p of rigaFields.formatToParts(ms)) if (p.type in f) f[p.type as keyof typeof f] = Number(p.value);
  return Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute);
}

function rigaWallClockOf(instant: Date): Date | undefined {
  const ms = instant.getTime();
  if (!(ms >= 0)) return undefined;
  const hour = Math.floor(ms / HOUR_MS);
  let offset = offsets.get(hour);
  if (offset === undefined) {
    const start = hour * HOUR_MS;
    const atStart = rigaWallMs(start) - start;
    offset = rigaWallMs(start + HOUR_MS - 60_000) - (start + HOUR_MS - 60_000) === atStart ? atStart : null;
    if (offsets.size >= 10_000) offsets.clear();
    offsets.set(hour, offset);
  }
  // Seconds are dropped as Intl drops them (an instant at 09:05:59 is 09:05).
  return new Date(offset === null ? rigaWallMs(ms) : Math.floor((ms + offset) / 60_000) * 60_000);
}

const two = (n: number) => (n < 10 ? `0${n}` : String(n));

/** The Riga calendar date (YYYY-MM-DD) of an instant. */
export function rigaDate(instant: Date): string {
  const wall = rigaWallClockOf(instant);
  const year = wall?.getUTCFullYear();
  // Years past 9999 in luxon's ISO spelling, as before.
  if (wall === undefined || year === undefined || year > 9999) return DateTime.fromJSDate(instant, { zone: ZONE }).toISODate()!;
  return `${year}-${two(wall.getUTCMonth() + 1)}-${two(wall.getUTCDate())}`;
}

/** The Riga wall-clock time (HH:MM) of an instant. */
export function rigaTime(instant: Date): string {
  const wall = rigaWallClockOf(instant);
  if (!wall) return DateTime.fromJSDate(instant, { zone: ZONE }).toFormat('HH:mm');
  return `${two(wall.getUTCHours())}:${two(wall.getUTCMinutes())}`;
}

const LOCALES: Record<Language, string> = { lv: 'lv', en: 'en-GB', ru: 'ru' };

/**
 * "2021. gada 27. maijs" / "27 May 2021": a date in the nominative, for the contents of files (documents, sheets).
 * Messages use the `date` and `moment` formatters of src/i18n/formatters.ts instead, which put a Latvian date in
 * the case its sentence needs.
 */
export function formatDate(date: string, lng: Language, options: { weekday?: boolean; year?: boolean } = {}): string {
  const dt = DateTime.fromISO(date, { zone: ZONE }).setLocale(LOCALES[lng]);
  return dt.toLocaleString({
    day: 'numeric',
    month: 'long',
    ...(options.year !== false ? { year: 'numeric' } : {}),
    ...(options.weekday ? { weekday: 'long' } : {}),
  });
}

/** Date and time of an instant in Riga, in the nominative (see `formatDate`). */
export function formatInstant(instant: Date, lng: Language): string {
  return `${formatDate(rigaDate(instant), lng)}, ${rigaTime(instant)}`;
}

/** Adds whole days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!;
}

/** A real calendar day written YYYY-MM-DD ("2024-02-29" is one, "2023-02-29" is not). */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  // Read on every questionnaire step: Date.UTC instead of a luxon parse, which was 1.6% of an update.
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(5, 7));
  const d = Number(s.slice(8, 10));
  const day = new Date(0);
  day.setUTCFullYear(y, m - 1, d); // not Date.UTC, which reads years 0–99 as 1900–1999
  return m >= 1 && m <= 12 && day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}
