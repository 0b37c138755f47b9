import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { openTestDatabase, tempDir, testDatabaseUrl } from '../helpers/harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const VISIT = '2031-03-12-valmiera';

function run(dir: string, args: string[], input = '') {
  const result = spawnSync(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: testDatabaseUrl(dir), CONSOLE_FILES_DIR: join(dir, 'files'), TMPDIR: join(dir, 'tmp') },
    timeout: 60_000,
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

/** Adds a published visit straight into the database the processes use (SQLite file or PostgreSQL schema). */
async function insertVisit(dir: string) {
  const database = await openTestDatabase(dir);
  try {
    await database.db
      .insertInto('visits')
      .values({
        id: VISIT,
        format: 'visit',
        place: 'Valmiera',
        municipality: 'valmiera',
        title: 'Pieredzes apmaiņas vizīte Valmierā',
        starts_on: '2031-03-12',
        ends_on: '2031-03-13',
        summary: null,
        source: null,
        origin: 'chat',
        published_at: '2026-01-01T00:00:00.000Z',
        created_by: null,
        created_at: '2026-01-01T00:00:00.000Z',
        updated_at: '2026-01-01T00:00:00.000Z',
      } as never)
      .execute();
  } finally {
    await database.close();
  }
}

describe('five ideas through the console adapter (real processes, piped stdin)', () => {
  it('coordinator opens collection, an expert submits by typing, the coordinator gets the report and exports', async () => {
    const dir = tempDir();
    run(dir, ['src/db/migrate-cli.ts']);
    await insertVisit(dir);

    const opened = run(dir, ['src/main.ts', '--as', 'coordinator'], `/ideas_open ${VISIT}\n`);
    expect(opened).toContain('Pieredzes apmaiņas vizīte Valmierā, 2031. gada 12. marts: ideju vākšana atvērta.');

    // A terminal sends one line per message: the five ideas numbered on one line; idea 2 too short, fixed; then
    // the preview's first key saves.
    const ideas = [
      'Romu mediators skolā',
      'ab',
      'Vecāku skola romu ģimenēm',
      'Romu jauniešu klubs',
      'Izmantot ESF projektu “Pumpurs”',
    ];
    const typed = ideas.map((t, i) => `${i + 1}. ${t}`).join(' ');
    const expert = run(dir, ['src/main.ts', '--as', 'expert'], `/ideas\n${typed}\nSkolotāja palīgs sākumskolā\n1\n`);
    expect(expert).toContain('Nosūtiet tās vienā ziņā');
    expect(expert).toContain('❗ 2. ideja ir par īsu: 2 rakstzīmes, vajag vismaz 3.');
    expect(expert).toContain('Pārbaudiet savas piecas idejas');
    expect(expert).toContain('2. Skolotāja palīgs sākumskolā\n🏷 Izglītība · Skolotāja palīgs');
    expect(expert).toContain('[1] ✓ Saglabāt');
    expect(expert).toContain('✓ Saglabāts: jūsu piecas idejas');

    const again = run(dir, ['src/main.ts', '--as', 'expert'], '/ideas\n');
    expect(again).toContain('1. versija, saglabāta');

    const coordinator = run(dir, ['src/main.ts', '--as', 'coordinator'], `/ideas_report ${VISIT}\n/ideas_export ${VISIT}\n/ideas_close\n`);
    expect(coordinator).toContain('1 saraksts no 1 pašvaldības · 5 idejas');
    expect(coordinator).toContain('vākšana slēgta. Saņemts 1 saraksts.');
    const files = [...coordinator.matchAll(/📎 (.+)/g)].map((m) => m[1]!.trim());
    expect(files.map((f) => f.split('/').pop())).toEqual(['ideas-2031-03-12.png', 'ideas-2031-03-12.xlsx', 'ideas-2031-03-12.csv', 'ideas-2031-03-12.md']);
    for (const f of files) expect(existsSync(f)).toBe(true);
    const png = PNG.sync.read(readFileSync(files[0]!));
    expect(png.width).toBe(900);
    const rows = parse(readFileSync(files[2]!), { bom: true, delimiter: ';', columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.Ideja)).toEqual(['Romu mediators skolā', 'Skolotāja palīgs sākumskolā', ...ideas.slice(2)]);
    expect(rows[0]!.Eksperts).toBe('console expert');
    expect(readFileSync(files[3]!, 'utf8')).toContain('### console expert');
    expect(readFileSync(files[1]!).subarray(0, 2).toString()).toBe('PK'); // a zip: the XLSX workbook
    // The exports were written to temporary files, which are gone once saved where the console keeps files.
    expect(readdirSync(join(dir, 'tmp', 'roma-network-bot'))).toEqual([]);

    const closed = run(dir, ['src/main.ts', '--as', 'expert'], `/ideas ${VISIT}\n`);
    expect(closed).toContain('ideju vākšana tika slēgta');
    expect(closed).toContain('1. Romu mediators skolā');
    // Six real processes one after the other, one of them loading exceljs for the workbook: more than the default
    // 30 s on a loaded two-core machine.
  }, 90_000);
});
