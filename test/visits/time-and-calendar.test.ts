import ical, { type VEvent } from 'node-ical';
import { fileBytes } from '../../src/core/files.ts';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { parseAgenda } from '../../src/features/visits/agenda-parser.ts';
import { visitCalendar } from '../../src/features/visits/calendar.ts';
import { itemLines } from '../../src/features/visits/format.ts';
import { VisitStore, type VisitWithAgenda } from '../../src/features/visits/visit-store.ts';
import { toItemRows } from '../../src/features/visits/visit-writer.ts';
import { toPlain } from '../../src/core/markup.ts';
import { testApp, TestUser } from '../helpers/harness.ts';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

function visit(id: string, day: string, agenda: string, extra: Partial<VisitWithAgenda> = {}): VisitWithAgenda {
  const parsed = parseAgenda(agenda, { startsOn: day, endsOn: day });
  expect(parsed.errors).toEqual([]);
  return {
    id,
    format: 'visit',
    place: 'Talsi',
    municipality: 'talsi',
    title: 'Tests',
    starts_on: day,
    ends_on: day,
    date_precision: 'day',
    summary: null,
    source: null,
    origin: 'chat',
    reminder_lead_minutes: null,
    revision: 2,
    published_at: '2026-01-01T00:00:00.000Z',
    created_by: null,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    items: toItemRows(id, parsed.items).map((i) => ({ ...i })),
    ...extra,
  };
}

function events(ics: string): VEvent[] {
  return Object.values(ical.sync.parseICS(ics)).filter((c): c is VEvent => c.type === 'VEVENT');
}

describe('times in Europe/Riga across daylight-saving changes', () => {
  // 2026-03-29 and 2026-10-25 are the last Sundays of March and October: clocks go 03:00→04:00 and 04:00→03:00.
  it('stores a night item and a normal item on the spring-forward Sunday as the right instants', () => {
    const v = visit('dst-spring', '2026-03-29', '02:30–04:30 Nakts\n10:00–11:00 Diena');
    expect(v.items.map((i) => [i.starts_at, i.ends_at])).toEqual([
      ['2026-03-29T00:30:00.000Z', '2026-03-29T01:30:00.000Z'], // 02:30 EET, 04:30 EEST: one hour apart
      ['2026-03-29T07:00:00.000Z', '2026-03-29T08:00:00.000Z'], // summer time, UTC+3
    ]);
    expect(itemLines(v.items[0]!, v.items, 'en').map((l) => toPlain(l))[0]).toBe('02:30–04:30 Nakts');
    // Latvian writes times with a full stop.
    expect(itemLines(v.items[0]!, v.items, 'lv').map((l) => toPlain(l))[0]).toBe('02.30–04.30 Nakts');
  });

  it('stores a night item and a normal item on the fall-back Sunday as the right instants', () => {
    const v = visit('dst-autumn', '2026-10-25', '02:30–04:30 Nakts\n10:00–11:00 Diena');
    expect(v.items.map((i) => [i.starts_at, i.ends_at])).toEqual([
      ['2026-10-24T23:30:00.000Z', '2026-10-25T02:30:00.000Z'], // 02:30 EEST, 04:30 EET: three hours apart
      ['2026-10-25T08:00:00.000Z', '2026-10-25T09:00:00.000Z'], // winter time, UTC+2
    ]);
    expect(itemLines(v.items[0]!, v.items, 'en').map((l) => toPlain(l))[0]).toBe('02:30–04:30 Nakts');
  });

  it('writes a calendar that a parser reads back at the same instants on both nights', () => {
    for (const day of ['2026-03-29', '2026-10-25']) {
      const v = visit(`dst-${day}`, day, '02:30–04:30 Nakts\n10:00–11:00 Diena');
      const { ics } = visitCalendar(v);
      expect(ics).toContain('BEGIN:VTIMEZONE');
      expect(ics).toContain('TZID:Europe/Riga');
      expect(ics).toContain(`DTSTART;TZID=Europe/Riga:${day.replace(/-/g, '')}T023000`);
      const read = events(ics).sort((a, b) => a.start.getTime() - b.start.getTime());
      expect(read.map((e) => [e.start.toISOString(), e.end.toISOString()])).toEqual(v.items.map((i) => [i.starts_at, i.ends_at]));
    }
  });

  it('writes a time in the repeated autumn hour in UTC, so it cannot be read as the other 03:30', () => {
    const v = visit('dst-twice', '2026-10-25', '03:30–04:30 Divreiz');
    const { ics } = visitCalendar(v);
    expect(ics).toContain('DTSTART:20261025T003000Z');
    expect(events(ics)[0]!.start.toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });
});

describe('the calendar file', () => {
  it('has one event per timed item of the 2021-05-27 meeting, at its Riga times, read back by node-ical', async () => {
    app = await testApp({ now: '2021-05-20T09:00:00Z' });
    const v = (await new VisitStore(app.database.db).get('2021-05-27-online'))!;
    const { ics, events: count } = visitCalendar(v);
    expect(count).toBe(7);
    const read = events(ics).sort((a, b) => a.start.getTime() - b.start.getTime());
    // Summer time: Riga is UTC+3, so 12:45 is 09:45Z.
    expect(read.map((e) => e.start.toISOString())).toEqual([
      '2021-05-27T09:45:00.000Z',
      '2021-05-27T10:00:00.000Z',
      '2021-05-27T10:15:00.000Z',
      '2021-05-27T10:45:00.000Z',
      '2021-05-27T11:45:00.000Z',
      '2021-05-27T12:00:00.000Z',
      '2021-05-27T12:45:00.000Z',
    ]);
    // An item without an end lasts until the next one starts.
    expect(read[0]!.end.toISOString()).toBe('2021-05-27T10:00:00.000Z');
    expect((read[0]!.start as Date & { tz?: string }).tz).toBe('Europe/Riga');
    expect(read[1]!.summary).toContain('Vispārīga informācija');
    expect(read[1]!.location).toBe('Microsoft Teams');
    expect(String(read[3]!.description)).toContain('Karīna Dzene');
    // UIDs are stable per item: the same file twice has the same UIDs.
    expect(events(visitCalendar(v).ics).map((e) => e.uid).sort()).toEqual(read.map((e) => e.uid).sort());
    expect(new Set(read.map((e) => e.uid)).size).toBe(7);
  });

  it('gathers a day of untimed items into one all-day event (Jelgava 2017: two days, two events)', async () => {
    app = await testApp();
    const v = (await new VisitStore(app.database.db).get('2017-02-23-jelgava'))!;
    const read = events(visitCalendar(v).ics).sort((a, b) => a.start.getTime() - b.start.getTime());
    expect(read).toHaveLength(2);
    expect(read.map((e) => (e.start as Date & { dateOnly?: boolean }).dateOnly)).toEqual([true, true]);
    expect(String(read[0]!.description)).toContain('SIA „Viktorija B”');
    expect(String(read[1]!.description)).toContain('[tour de table]');
  });

  it('puts a two-day visit whose items have no day (Ventspils 2019) in the calendar over both days', async () => {
    app = await testApp();
    const v = (await new VisitStore(app.database.db).get('2019-10-17-ventspils'))!;
    const read = events(visitCalendar(v).ics);
    expect(read).toHaveLength(1);
    const e = read[0]!;
    expect((e.start as Date & { dateOnly?: boolean }).dateOnly).toBe(true);
    // All-day DTEND is exclusive: 17 and 18 October.
    expect([e.start.toISOString().slice(0, 10), e.end!.toISOString().slice(0, 10)]).toEqual(['2019-10-17', '2019-10-19']);
    expect(String(e.description)).toContain('Pārventas bibliotēka');
  });

  it('is sent as a .ics file by /calendar and by the button under the agenda', async () => {
    app = await testApp();
    const u = new TestUser(app, { id: 'cal' });
    await u.send('/calendar 2021-05-27');
    const [file] = u.files();
    expect(file?.file).toMatchObject({ name: 'agenda-2021-05-27.ics', mime: 'text/calendar' });
    expect(events(new TextDecoder().decode(await fileBytes(file!.file)))).toHaveLength(7);
    expect(u.text()).toContain('7 notikumi');
    await u.send('/agenda 2021-05-27');
    await u.press('kalendār');
    expect(u.files()[0]?.file.name).toBe('agenda-2021-05-27.ics');
  });

  it('says there is no file for a visit whose dates are not known', async () => {
    app = await testApp();
    const u = new TestUser(app, { id: 'cal2' });
    await u.send('/language en');
    await u.send('/calendar Jūrmala');
    expect(u.files()).toEqual([]);
    expect(u.text()).toContain('dates of this visit are not known');
  });
});
