import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/app.ts';
import { ManualClock } from '../src/core/clock.ts';
import type { Capabilities, Incoming, Reply } from '../src/core/types.ts';
import { loadConfig } from '../src/config.ts';
import { openSqlite } from '../src/db/database.ts';
import { ideasCsv, ideasMarkdown } from '../src/features/ideas/export.ts';
import { IdeaStore } from '../src/features/ideas/idea-store.ts';
import { Themes } from '../src/features/ideas/themes.ts';
import { visitsReady } from '../src/features/visits/visit-store.ts';
import type { BenchModule, BenchResult } from './run.ts';

export const title = 'ideas';

const VISIT = '2031-03-12-bench';
const CAPS: Capabilities = { buttons: true, forms: false, edits: true, files: true, maxTextLength: 4096, maxActionLength: 64 };

// Ideas as experts write them, in three languages, some without diacritics; lists are drawn from these.
const POOL = [
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time<T>(runs: number, fn: () => Promise<T>): Promise<{ ms: number; all: number[]; last: T }> {
  const all: number[] = [];
  let last!: T;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = await fn();
    all.push(performance.now() - t0);
  }
  return { ms: median(all), all, last };
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const lists = quick ? 1_000 : 10_000;
  const runs = quick ? 2 : 5;
  const clock = new ManualClock('2031-03-13T10:00:00Z');
  const database = openSqlite(':memory:');
  const app = await createApp({ config: loadConfig({}), clock, database });
  const sqlite = database.sqlite!;
  const themes = Themes.load();
  await visitsReady(database.db);

  // Tagging speed: every idea of the workload is tagged once when saved.
  const texts = Array.from({ length: lists * 5 }, (_, i) => `${POOL[i % POOL.length]} ${i % 7 === 0 ? '' : `(${i})`}`);
  const tagStart = performance.now();
  const tags = texts.map((t) => JSON.stringify(themes.tag(t)));
  const tagMs = performance.now() - tagStart;

  // 10,000 experts, each with a name, a municipality and a list of five, written straight into SQLite.
  const now = clock.now().toISOString();
  sqlite
    .prepare("insert into visits (id, format, place, municipality, title, starts_on, ends_on, origin, published_at, created_at, updated_at) values (?, 'visit', 'Valmiera', 'valmiera', 'Pieredzes apmaiņas vizīte Valmierā', '2031-03-12', '2031-03-13', 'chat', ?, ?, ?)")
    .run(VISIT, now, now, now);
  sqlite.prepare("insert into persons (id, role, municipality, language, registered_at, created_at, updated_at) values ('coord', 'coordinator', 'riga', 'lv', ?, ?, ?)").run(now, now, now);
  sqlite.prepare("insert into identities (key, person_id, platform, display_name, created_at, last_seen_at) values ('telegram:1', 'coord', 'telegram', 'Koordinatore', ?, ?)").run(now, now);
  sqlite.prepare("insert into idea_collections (visit_id, status, opened_by, opened_at, closed_at) values (?, 'closed', 'coord', ?, ?)").run(VISIT, now, now);
  const person = sqlite.prepare("insert into persons (id, role, municipality, language, registered_at, created_at, updated_at) values (?, 'expert', ?, 'lv', ?, ?, ?)");
  const identity = sqlite.prepare("insert into identities (key, person_id, platform, display_name, created_at, last_seen_at) values (?, ?, 'telegram', ?, ?, ?)");
  const list = sqlite.prepare('insert into idea_lists (id, visit_id, person_id, municipality, version, submitted_at, updated_at) values (?, ?, ?, ?, 1, ?, ?)');
  const version = sqlite.prepare('insert into idea_list_versions (list_id, version, saved_at) values (?, 1, ?)');
  const idea = sqlite.prepare('insert into ideas (list_id, version, position, text, themes, themes_corrected) values (?, 1, ?, ?, ?, 0)');
  const seedStart = performance.now();
  sqlite.transaction(() => {
    for (let i = 0; i < lists; i++) {
      const pid = randomUUID();
      const lid = randomUUID();
      const m = MUNICIPALITIES[i % MUNICIPALITIES.length]!;
      person.run(pid, m, now, now, now);
      identity.run(`telegram:${100 + i}`, pid, `Eksperte Nr. ${i} Bērziņa`, now, now);
      list.run(lid, VISIT, pid, m, now, now);
      version.run(lid, now);
      for (let p = 0; p < 5; p++) idea.run(lid, p + 1, texts[i * 5 + p]!.trim(), tags[i * 5 + p]!);
    }
  })();
  const seedMs = performance.now() - seedStart;

  // The coordinator's commands, end to end through the core as an adapter hands them over.
  const command = (name: string): Promise<Reply[]> => {
    const incoming: Incoming = {
      identity: { platform: 'telegram', id: '1', displayName: 'Koordinatore' },
      chat: { platform: 'telegram', chatId: '1', kind: 'private' },
      payload: { type: 'command', name, args: VISIT },
      capabilities: CAPS,
    };
    return app.core.handle(incoming);
  };
  const exported = await time(runs, () => command('ideas_export'));
  const reported = await time(runs, () => command('ideas_report'));
  // Where the export's time goes: reading the lists, writing the CSV, writing the Markdown.
  const store = new IdeaStore(database.db);
  const read = await time(runs, () => store.exportLists(VISIT));
  const ectx = { tr: app.i18n.translator('lv'), themes, municipalities: app.municipalities, visitLabel: 'Pieredzes apmaiņas vizīte Valmierā', now: clock.now() };
  const csv = await time(runs, async () => ideasCsv(read.last, ectx));
  const md = await time(runs, async () => ideasMarkdown(read.last, ectx));
  const files = exported.last.flatMap((r) => (r.kind === 'file' ? [r.file] : []));
  const chart = reported.last.find((r) => r.kind === 'image');
  const summary = reported.last.find((r) => r.kind === 'text');
  if (files.length !== 2 || !chart || !summary) throw new Error('export or report did not produce their files');
  await app.stop();

  const target = quick ? undefined : 'well under a few seconds';
  return [
    {
      name: `export ${lists.toLocaleString('en')} lists (CSV + Markdown, /ideas_export end to end)`,
      value: exported.ms,
      unit: 'ms',
      details: {
        runs,
        min: Math.min(...exported.all),
        readMs: read.ms,
        csvMs: csv.ms,
        mdMs: md.ms,
        csvMiB: files[0]!.data.length / 2 ** 20,
        mdMiB: files[1]!.data.length / 2 ** 20,
      },
      ...(target ? { target } : {}),
    },
    {
      name: `report ${lists.toLocaleString('en')} lists (counts, text, PNG chart, /ideas_report end to end)`,
      value: reported.ms,
      unit: 'ms',
      details: { runs, min: Math.min(...reported.all), pngKiB: chart.kind === 'image' ? chart.file.data.length / 1024 : 0 },
      ...(target ? { target } : {}),
    },
    { name: `tag ${(lists * 5).toLocaleString('en')} ideas with themes`, value: tagMs, unit: 'ms', details: { perIdeaUs: (tagMs * 1000) / (lists * 5) } },
    { name: `seed ${lists.toLocaleString('en')} lists into SQLite (setup, for scale)`, value: seedMs, unit: 'ms' },
  ];
}

export default { title, run } satisfies BenchModule;
