import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import { ICalCalendar } from 'ical-generator';
import { DateTime } from 'luxon';
import { addDays, rigaDate, rigaTime, ZONE } from '../../core/time.ts';
import type { MemoryFile } from '../../core/types.ts';
import { effectiveEnd } from './format.ts';
import type { AgendaItem, VisitWithAgenda } from './visit-store.ts';
import { byCode } from '../../core/order.ts';

const UID_DOMAIN = 'roma-network-bot';

export function calendarFileName(v: Pick<VisitWithAgenda, 'starts_on'>): string {
  return `agenda-${v.starts_on}.ics`;
}

/** A Riga wall-clock time that happens exactly once (not in the hour daylight saving repeats). */
function unambiguous(instant: Date): boolean {
  const wall = `${rigaDate(instant)} ${rigaTime(instant)}`;
  return [-3_600_000, 3_600_000].every((d) => {
    const other = new Date(instant.getTime() + d);
    return `${rigaDate(other)} ${rigaTime(other)}` !== wall;
  });
}

function description(lines: Array<string | null | undefined>): string {
  return lines.filter((l): l is string => !!l).join('\n');
}

function itemDescription(item: AgendaItem, v: VisitWithAgenda): string {
  return description([
    item.presenters,
    item.method ? `[${item.method}]` : null,
    ...(item.notes ?? '').split('\n').filter(Boolean).map((n) => `- ${n}`),
    item.link,
    '',
    v.title,
  ]).trim();
}

/**
 * The visit as an iCalendar file that phones and Outlook import as they are: a VTIMEZONE for Europe/Riga and one
 * VEVENT per timed agenda item, its UID stable per item and SEQUENCE the visit's revision, so importing a newer file
 * updates the events. An item without an end lasts until the next timed item of its day (or has no DTEND).
 * Untimed items of a day are gathered into one all-day event for that day, listing them, so a visit known only by its
 * programme still lands in the calendar; items of the whole visit (no day known) make one event over all its days. Wall-clock times in the hour that daylight saving repeats are written in
 * UTC, as they are ambiguous in local time.
 */
export function visitCalendar(v: VisitWithAgenda): { ics: string; events: number } {
  const cal = newCalendar();
  const events = addVisitEvents(cal, v);
  return { ics: cal.toString(), events };
}

/**
 * Every visit with known dates in one calendar, for subscribing (`GET /calendar.ics`): the same events as the files,
 * with the same UIDs, SEQUENCE and LAST-MODIFIED, so a calendar app that polls it updates what changed.
 */
export function feedCalendar(visits: readonly VisitWithAgenda[], name: string): string {
  const cal = newCalendar();
  cal.name(name);
  cal.ttl(60 * 60);
  for (const v of visits) if (v.date_precision === 'day') addVisitEvents(cal, v);
  return cal.toString();
}

function newCalendar(): ICalCalendar {
  // No calendar name in files: phones and Outlook put the events in the default calendar instead of proposing a new one.
  const cal = new ICalCalendar({ prodId: { company: 'Kultūras ministrija', product: 'Roma network bot', language: 'LV' } });
  // No calendar-wide zone (DTSTAMP stays UTC as RFC 5545 wants); the generator adds the VTIMEZONE of the events' zone.
  cal.timezone({ name: null, generator: getVtimezoneComponent });
  cal.x('X-WR-TIMEZONE', ZONE);
  return cal;
}

function addVisitEvents(cal: ICalCalendar, v: VisitWithAgenda): number {
  const stamp = DateTime.fromISO(v.updated_at, { zone: 'utc' });
  const riga = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' }).setZone(ZONE);
  let events = 0;

  for (const item of v.items.filter((i) => i.starts_at)) {
    const end = effectiveEnd(item, v.items);
    const local = unambiguous(new Date(item.starts_at!)) && (!end || unambiguous(new Date(end)));
    cal.createEvent({
      id: `${item.id}@${UID_DOMAIN}`,
      sequence: v.revision,
      stamp,
      lastModified: stamp,
      start: local ? riga(item.starts_at!) : DateTime.fromISO(item.starts_at!, { zone: 'utc' }),
      ...(end ? { end: local ? riga(end) : DateTime.fromISO(end, { zone: 'utc' }) } : {}),
      ...(local ? { timezone: ZONE } : {}),
      summary: item.title,
      description: itemDescription(item, v),
      location: item.place ?? v.place,
      ...(item.link ? { url: item.link } : {}),
    });
    events++;
  }

  // Untimed items: one all-day event per day, and one spanning the whole visit for items whose day is not known.
  const untimedDays = [...new Set(v.items.filter((i) => !i.starts_at).map((i) => i.day))].sort((a, b) => byCode(a ?? '', b ?? ''));
  for (const day of untimedDays) {
    const untimed = v.items.filter((i) => i.day === day && !i.starts_at);
    cal.createEvent({
      id: `${v.id}/${day ?? 'all'}/day@${UID_DOMAIN}`,
      sequence: v.revision,
      stamp,
      lastModified: stamp,
      allDay: true,
      start: DateTime.fromISO(day ?? v.starts_on, { zone: 'utc' }),
      end: DateTime.fromISO(addDays(day ?? v.ends_on, 1), { zone: 'utc' }),
      summary: `${v.place}: ${v.title}`,
      description: description([
        ...untimed.map((i) => `• ${i.title}${i.presenters ? ` — ${i.presenters}` : ''}${i.place ? ` @ ${i.place}` : ''}${i.method ? ` [${i.method}]` : ''}`),
        '',
        v.summary,
      ]).trim(),
      location: v.place,
    });
    events++;
  }
  if (!v.items.length) {
    // No agenda yet: the visit's days as one all-day event, so it can still be put in the calendar.
    cal.createEvent({
      id: `${v.id}@${UID_DOMAIN}`,
      sequence: v.revision,
      stamp,
      lastModified: stamp,
      allDay: true,
      start: DateTime.fromISO(v.starts_on, { zone: 'utc' }),
      end: DateTime.fromISO(addDays(v.ends_on, 1), { zone: 'utc' }),
      summary: `${v.place}: ${v.title}`,
      ...(v.summary ? { description: v.summary } : {}),
      location: v.place,
    });
    events++;
  }
  return events;
}

export function calendarFile(v: VisitWithAgenda): MemoryFile & { events: number } {
  const { ics, events } = visitCalendar(v);
  return { name: calendarFileName(v), mime: 'text/calendar', data: new TextEncoder().encode(ics), events };
}
