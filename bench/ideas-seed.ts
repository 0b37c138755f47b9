import { randomUUID } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { Themes } from '../src/features/ideas/themes.ts';

export const BENCH_VISIT = '2031-03-12-bench';

// Ideas as experts write them, in three languages, some without diacritics; lists are drawn from these.
export const POOL = [
  'Piesaistīt romu mediatoru skolai un sociālajam dienestam',
  'Skolotāja palīgs romu bērniem sākumskolā',
  'skolotaja paligs romu berniem',
  'Vecāku skola romu ģimenēm par izglītības nozīmi',
  'Romu jauniešu klubs un brīvprātīgais darbs',
  'Izmantot ESF projektu "Pumpurs" atbalstu',
  'Romu kultūras dienas pasākums aizspriedumu mazināšanai',
  'Sadarbība ar NVA romu nodarbinātībai',
  'Stipendijas un motivācijas programma romu skolēniem',
  'Ekspertu dalība konferencēs par romu jautājumiem',
  'Labās prakses popularizēšana novadā',
  'Atbalsta persona ģimenēm, kam grūti aizpildīt veidlapas',
  'Invite a Roma mediator to the school',
  'Hire a Roma teacher assistant',
  'Youth club for young Roma',
  'Пригласить ромского медиатора в школу',
  'Встречи с родителями о важности образования',
  'Клуб для ромской молодёжи',
  'Трудоустройство ромских женщин',
  'Nopirkt jaunu printeri',
];
const MUNICIPALITIES = ['riga', 'talsi', 'jelgava', 'daugavpils', 'ventspils', 'valmiera', 'limbazi', 'rezekne', 'jurmala', 'tukums', 'liepaja', 'kuldiga', 'saldus', 'bauska', 'ogre'];

/** The texts of `lists` lists of five, and their theme tags as stored (tagging is measured on these too). */
export function ideaTexts(lists: number): string[] {
  return Array.from({ length: lists * 5 }, (_, i) => `${POOL[i % POOL.length]} ${i % 7 === 0 ? '' : `(${i})`}`.trim());
}

/**
 * A visit with `lists` experts, each with a name, a municipality and a list of five, and a coordinator
 * (`telegram:1`), written straight into a migrated SQLite database.
 */
export function seedIdeaLists(sqlite: BetterSqlite3.Database, lists: number, themes: Themes, now: string, tags?: string[]): void {
  const texts = ideaTexts(lists);
  const tagged = tags ?? texts.map((t) => JSON.stringify(themes.tag(t)));
  sqlite
    .prepare("insert into visits (id, format, place, municipality, title, starts_on, ends_on, origin, published_at, created_at, updated_at) values (?, 'visit', 'Valmiera', 'valmiera', 'Pieredzes apmaiņas vizīte Valmierā', '2031-03-12', '2031-03-13', 'chat', ?, ?, ?)")
    .run(BENCH_VISIT, now, now, now);
  sqlite.prepare("insert into persons (id, role, municipality, language, registered_at, created_at, updated_at) values ('coord', 'coordinator', 'riga', 'lv', ?, ?, ?)").run(now, now, now);
  sqlite.prepare("insert into identities (key, person_id, platform, display_name, created_at, last_seen_at) values ('telegram:1', 'coord', 'telegram', 'Koordinatore', ?, ?)").run(now, now);
  sqlite.prepare("insert into idea_collections (visit_id, status, opened_by, opened_at, closed_at) values (?, 'closed', 'coord', ?, ?)").run(BENCH_VISIT, now, now);
  const person = sqlite.prepare("insert into persons (id, role, municipality, language, registered_at, created_at, updated_at) values (?, 'expert', ?, 'lv', ?, ?, ?)");
  const identity = sqlite.prepare("insert into identities (key, person_id, platform, display_name, created_at, last_seen_at) values (?, ?, 'telegram', ?, ?, ?)");
  const list = sqlite.prepare('insert into idea_lists (id, visit_id, person_id, municipality, version, submitted_at, updated_at) values (?, ?, ?, ?, 1, ?, ?)');
  const version = sqlite.prepare('insert into idea_list_versions (list_id, version, saved_at) values (?, 1, ?)');
  const idea = sqlite.prepare('insert into ideas (list_id, version, position, text, themes, themes_corrected) values (?, 1, ?, ?, ?, 0)');
  sqlite.transaction(() => {
    for (let i = 0; i < lists; i++) {
      const pid = randomUUID();
      const lid = randomUUID();
      const m = MUNICIPALITIES[i % MUNICIPALITIES.length]!;
      person.run(pid, m, now, now, now);
      identity.run(`telegram:${100 + i}`, pid, `Eksperte Nr. ${i} Bērziņa`, now, now);
      list.run(lid, BENCH_VISIT, pid, m, now, now);
      version.run(lid, now);
      for (let p = 0; p < 5; p++) idea.run(lid, p + 1, texts[i * 5 + p]!, tagged[i * 5 + p]!);
    }
  })();
}
