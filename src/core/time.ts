import { DateTime } from 'luxon';

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

/** The Riga calendar date (YYYY-MM-DD) of an instant. */
export function rigaDate(instant: Date): string {
  return DateTime.fromJSDate(instant, { zone: ZONE }).toISODate()!;
}

/** The Riga wall-clock time (HH:MM) of an instant. */
export function rigaTime(instant: Date): string {
  return DateTime.fromJSDate(instant, { zone: ZONE }).toFormat('HH:mm');
}

/** Adds whole days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!;
}

export function isIsoDate(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && DateTime.fromISO(s).isValid;
}
