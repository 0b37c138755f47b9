import type { App } from '../../src/app.ts';
import type { VisitsTable } from '../../src/features/visits/tables.ts';
import { visitsReady } from '../../src/features/visits/visit-store.ts';

/**
 * A published visit row, inserted directly so these tests do not depend on the visits feature's data files or
 * parser. Tests use visits in 2031, after every shipped one, so "the current visit" is theirs.
 */
export async function insertVisit(app: App, visit: Partial<VisitsTable> & { id: string; starts_on: string }): Promise<void> {
  await visitsReady(app.database.db); // the shipped visits are loaded first, so they cannot overwrite this row
  const now = '2031-01-01T00:00:00.000Z';
  await app.database.db
    .insertInto('visits')
    .values({
      format: 'online',
      place: 'MS Teams',
      municipality: null,
      title: 'Reģionālo ekspertu sanāksme',
      ends_on: visit.starts_on,
      date_precision: 'day',
      reminder_lead_minutes: null,
      revision: 1,
      summary: null,
      source: null,
      origin: 'data',
      published_at: now,
      created_by: null,
      created_at: now,
      updated_at: now,
      ...visit,
    })
    .execute();
}

export const FIVE_LV = [
  'Piesaistīt romu mediatoru skolai un sociālajam dienestam',
  'Skolotāja palīgs romu bērniem sākumskolā',
  'Vecāku sapulces ar romu ģimenēm par izglītības nozīmi',
  'Romu jauniešu iesaiste brīvprātīgajā darbā',
  'Izmantot ESF projektu "Pumpurs" atbalstu',
];

export function numbered(ideas: readonly string[]): string {
  return ideas.map((t, i) => `${i + 1}. ${t}`).join('\n');
}
