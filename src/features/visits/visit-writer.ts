import type { Kysely } from 'kysely';
import { rigaDate, rigaTime, rigaToUtc } from '../../core/time.ts';
import type { DB } from '../../db/schema.ts';
import type { ParsedItem } from './agenda-parser.ts';
import type { AgendaItemsTable, VisitsTable } from './tables.ts';
import type { AgendaItem } from './visit-store.ts';

/** Parsed agenda lines as rows: times become UTC instants (Europe/Riga, across daylight-saving changes). */
export function toItemRows(visitId: string, items: readonly ParsedItem[]): AgendaItemsTable[] {
  const perDay = new Map<string | null, number>();
  return items.map((it) => {
    const position = (perDay.get(it.day) ?? 0) + 1;
    perDay.set(it.day, position);
    // The parser gives times only to items of a known day.
    const on = (time: string | null) => (time && it.day ? rigaToUtc(it.day, time).toISOString() : null);
    return {
      id: `${visitId}/${it.day ?? 'all'}/${position}`,
      visit_id: visitId,
      day: it.day,
      position,
      starts_at: on(it.start),
      ends_at: on(it.end),
      title: it.title,
      place: it.place,
      link: it.link,
      presenters: it.presenters,
      method: it.method,
      notes: it.notes.length ? it.notes.join('\n') : null,
    };
  });
}

/** Rows back to the parser's shape, to write them out as paste text for editing. */
export function toParsed(items: readonly AgendaItem[]): Array<Omit<ParsedItem, 'line'>> {
  return items.map((i) => ({
    day: i.day,
    start: i.starts_at ? rigaTime(new Date(i.starts_at)) : null,
    end: i.ends_at && rigaDate(new Date(i.ends_at)) === i.day ? rigaTime(new Date(i.ends_at)) : null,
    title: i.title,
    presenters: i.presenters,
    place: i.place,
    link: i.link,
    method: i.method,
    notes: (i.notes ?? '').split('\n').filter(Boolean),
  }));
}

/** Writes a visit and replaces its agenda in one transaction: readers see the old version or the new, never a mix. */
export async function saveVisit(db: Kysely<DB>, visit: VisitsTable, items: readonly AgendaItemsTable[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const { id, ...rest } = visit;
    await trx
      .insertInto('visits')
      .values(visit)
      .onConflict((oc) => oc.column('id').doUpdateSet(rest))
      .execute();
    await trx.deleteFrom('agenda_items').where('visit_id', '=', id).execute();
    if (items.length) await trx.insertInto('agenda_items').values([...items]).execute();
  });
}
