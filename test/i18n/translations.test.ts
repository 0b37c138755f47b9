import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { fileBytes } from '../../src/core/files.ts';
import { toPlain } from '../../src/core/markup.ts';
import { declaredUnzippedSize } from '../../src/features/translations/sheet.ts';
import { validateImport } from '../../src/features/translations/validate.ts';
import { TranslationService } from '../../src/features/translations/service.ts';
import { loadNotes } from '../../src/i18n/catalog.ts';
import { createI18n, LOCALES_DIR } from '../../src/i18n/index.ts';
import { CONSOLE_CAPS, openTestDatabase, TestUser, tempDir, testApp, testDatabaseUrl } from '../helpers/harness.ts';

/**
 * Romani with the people who speak it: a coordinator gets the sheet, translators fill it in, the coordinator sends
 * it back in a private chat, sees what would be saved and the coverage before and after, and applies it. The texts
 * below are marked "(rom)": they stand for what people write, and no machine-made Romani is shipped.
 */

let apps: App[] = [];
afterEach(async () => {
  for (const a of apps) await a.stop();
  apps = [];
});

async function start(options: Parameters<typeof testApp>[0] = {}): Promise<App> {
  const app = await testApp({ now: '2026-12-01T10:00:00Z', ...options });
  apps.push(app);
  return app;
}

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

async function sheetOf(u: TestUser): Promise<ExcelJS.Workbook> {
  const file = u.files()[0];
  expect(file?.file.name).toMatch(/^translations-\w+-2026-12-01\.xlsx$/);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(await fileBytes(file!.file)) as unknown as ExcelJS.Buffer);
  return wb;
}

/** The sheet's rows as key → [row number, Latvian, English, note, limit, translation]. */
function rowsOf(wb: ExcelJS.Workbook, sheet: string): Map<string, { n: number; lv: string; en: string; note: string; limit: number; tr: string }> {
  const ws = wb.getWorksheet(sheet)!;
  const out = new Map<string, { n: number; lv: string; en: string; note: string; limit: number; tr: string }>();
  ws.eachRow((row, n) => {
    if (n === 1) return;
    out.set(row.getCell(1).text, { n, lv: row.getCell(2).text, en: row.getCell(3).text, note: row.getCell(4).text, limit: Number(row.getCell(5).value), tr: row.getCell(6).text });
  });
  return out;
}

async function filled(wb: ExcelJS.Workbook, sheet: string, texts: Record<string, string>, extra: Array<[string, string]> = []): Promise<Uint8Array> {
  const ws = wb.getWorksheet(sheet)!;
  const rows = rowsOf(wb, sheet);
  for (const [key, value] of Object.entries(texts)) {
    const r = rows.get(key);
    if (!r) throw new Error(`no row ${key}`);
    ws.getRow(r.n).getCell(6).value = value;
  }
  for (const [key, value] of extra) ws.addRow([key, '', '', '', '', value]);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

async function coordinatorWithSheet(app: App, locale = 'rom') {
  const c = await new TestUser(app, { id: 'koord', caps: CONSOLE_CAPS }).as('coordinator', 'riga', 'lv');
  await c.send(`/translations ${locale}`);
  return { c, wb: await sheetOf(c) };
}

describe('translations made by people, applied in chat', () => {
  it('exports a sheet with key, Latvian, English, a note, a length limit and the current translation; Romani has one and other', async () => {
    const app = await start();
    const { wb } = await coordinatorWithSheet(app);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['rom', 'README']);
    const ws = wb.getWorksheet('rom')!;
    expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual(['Atslēga (key)', 'Latviski (avots)', 'English', 'Konteksts', 'Garums līdz', 'Tulkojums (rom)']);
    const rows = rowsOf(wb, 'rom');
    expect(rows.size).toBe(app.i18n.messages.reduce((n, m) => n + (m.plural ? 2 : 1), 0));
    expect(rows.get('ideas:count.lists_one')).toMatchObject({ lv: '{{count}} saraksts', en: '{{count}} list', tr: '' });
    expect(rows.has('ideas:count.lists_other')).toBe(true);
    expect(rows.has('ideas:count.lists_zero')).toBe(false); // Latvian has a zero form; Romani, like English, does not
    const until = rows.get('programmes:results.until')!;
    expect(until.lv).toBe('⏳ Pieejama līdz {{date, date(case: dat)}}');
    expect(until.note).toContain('{{date}} — datums');
    expect(rows.get('common:buttons.back')).toMatchObject({ limit: 60 });
    expect(rows.get('people:commands.help')).toMatchObject({ limit: 100 });
    expect(rows.has('common:languages.lv')).toBe(false);
    expect(wb.getWorksheet('README')!.getRow(2).getCell(1).text).toContain('„Tulkojums”');
  });

  it('checks a filled sheet, shows what would be saved and the coverage, and applies it with the audit log saying who', async () => {
    const app = await start();
    const { c, wb } = await coordinatorWithSheet(app);
    const total = app.i18n.messages.length;
    const data = await filled(
      wb,
      'rom',
      {
        'people:menu.title': '(rom) Sar te keras?',
        'common:buttons.back': '(rom) ← Palpale',
        'programmes:results.until': '(rom) ⏳ Dži {{date, date}}',
        'ideas:count.lists_one': '(rom) {{count}} lista',
        'ideas:count.lists_other': '(rom) {{count}} liste',
        // Errors: a value lost, a value made up, markup not in the source, a button too long, half a plural.
        'programmes:results.ended': '(rom) agorisajlo',
        'people:start.welcome_back': '(rom) {{role}} {{name}}',
        'people:menu.help': '<b>(rom)</b> Pomoc',
        'common:buttons.cancel': '(rom) '.repeat(20),
        'ideas:count.ideas_one': '(rom) {{count}} idea',
      },
      [
        ['ideas:count.ideas_few', '(rom) {{count}}'],
        ['no:such.key', 'x'],
        ['people:menu.title', '(rom) again'],
      ],
    );
    await c.sendFile('translations-rom.xlsx', data, XLSX);
    const report = c.text();
    expect(report).toContain('Tulkojumi: Romani čhib');
    // Five texts of four messages (a plural message counts once, with both its forms).
    expect(report).toContain('saglabāšu: 5 (jaunas: 5)');
    expect(report).toContain(`Iztulkots: 0 % → ${Math.floor((4 * 100) / total)} % (4 no ${total} tekstiem)`);
    expect(report).toMatch(/programmes:results\.ended\): vērtībām figūriekavās jābūt tādām pašām kā latviešu tekstā: \{\{date, date\}\}/);
    expect(report).toMatch(/people:start\.welcome_back\): vērtībām figūriekavās .*\{\{name\}\}/);
    expect(report).toContain('people:menu.help): formatējumam');
    expect(report).toContain('common:buttons.cancel): par garu: ne vairāk kā 60 rakstzīmes');
    expect(report).toContain('ideas:count.ideas_one): trūkst citu formu: other');
    expect(report).toContain('ideas:count.ideas_few): šai valodai tādas formas nav (ir: one, other)');
    expect(report).toContain('no:such.key): tādas atslēgas botam nav');
    expect(report).toContain('people:menu.title): šī atslēga tabulā jau bija');
    expect(report).toContain('Saglabāt 5 tekstus?');
    // Nothing is saved before Apply.
    expect(await app.database.db.selectFrom('translations').selectAll().execute()).toEqual([]);

    const apply = c.choices().find((x) => x.label.includes('Saglabāt'))!.action;
    await c.action(apply);
    expect(c.text()).toContain('Saglabāts: Romani čhib, tekstu skaits: 5.');
    const saved = await app.database.db.selectFrom('translations').select(['locale', 'key', 'value']).orderBy('key').execute();
    expect(saved.map((r) => r.key)).toEqual(['common:buttons.back', 'ideas:count.lists_one', 'ideas:count.lists_other', 'people:menu.title', 'programmes:results.until']);
    const audit = await app.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'translations.apply').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor_role).toBe('coordinator');
    expect(JSON.parse(audit[0]!.details!)).toMatchObject({ locale: 'rom', texts: 5, via: 'chat' });

    // A Romani reader gets what people translated, and Latvian for the rest, key by key.
    const rom = app.i18n.translator('rom');
    expect(toPlain(rom.t('ideas:count.lists', { count: 1 }))).toBe('(rom) 1 lista');
    expect(toPlain(rom.t('ideas:count.lists', { count: 3 }))).toBe('(rom) 3 liste');
    expect(toPlain(rom.t('programmes:results.until', { date: '2029-08-31' }))).toBe('(rom) ⏳ Dži 31.08.2029');
    expect(toPlain(rom.t('people:cancel.done'))).toBe('Labi, pārtraucu. Ko darām tālāk?');

    // A second press changes nothing.
    await c.action(apply);
    expect(c.text()).toContain('jau ir saglabāta vai atcelta');
    await c.send('/translations');
    expect(c.text()).toContain(`Romani čhib: 0 % (4 no ${total} tekstiem) · valodu izvēlnē būs no 80 %`);
    expect(c.text()).toContain('Latviešu: 100 %');
  });

  it('offers Romani in the language menu only above the coverage threshold, and Romani readers then see it', async () => {
    const app = await start();
    const { c, wb } = await coordinatorWithSheet(app);
    const reader = new TestUser(app, { id: 'reader' });
    await reader.send('/language');
    expect(reader.choices().map((x) => x.label)).toEqual(['Latviešu', 'English', 'Русский']);
    await reader.send('/language rom');
    expect(reader.text()).toContain('Romani čhib vēl nav pietiekami iztulkota (0 %)');

    // Every text "translated" (the Latvian marked as if people had written it), which brings coverage to 100 %.
    const all: Record<string, string> = {};
    for (const [key, r] of rowsOf(wb, 'rom')) all[key] = `(rom) ${r.lv}`.slice(0, r.limit);
    await c.sendFile('rom.xlsx', await filled(wb, 'rom', all), XLSX);
    expect(c.text()).toContain('→ 100 %');
    await c.press('Saglabāt');
    expect(c.text()).toContain('Romani čhib tagad ir valodu izvēlnē.');

    await reader.send('/language');
    expect(reader.choices().map((x) => x.label)).toEqual(['Latviešu', 'English', 'Русский', 'Romani čhib']);
    await reader.press('Romani čhib');
    expect(reader.text()).toContain('(rom) Valoda: (rom) romu');
    await reader.send('/help');
    expect(reader.text()).toContain('(rom) ');
  });

  it('keeps applied translations across a restart and brings them to another instance', async () => {
    const dbFile = join(tempDir(), 'bot.sqlite');
    const first = await start({ dbFile });
    // Another instance on the same database: its own connection, translators and translation service.
    const other = await openTestDatabase(dbFile);
    const otherI18n = await createI18n();
    const otherService = new TranslationService({ db: other.db, i18n: otherI18n, notes: loadNotes(LOCALES_DIR), log: first.log });
    await otherService.refresh();
    const { c, wb } = await coordinatorWithSheet(first);
    await c.sendFile('rom.xlsx', await filled(wb, 'rom', { 'people:menu.title': '(rom) Sar te keras?' }), XLSX);
    await c.press('Saglabāt');
    expect(toPlain(first.i18n.translator('rom').t('people:menu.title'))).toBe('(rom) Sar te keras?');
    // The other instance reads it at its next refresh (every minute); the test asks for it at once.
    expect(toPlain(otherI18n.translator('rom').t('people:menu.title'))).toBe('Ko darām?');
    expect(await otherService.refresh()).toBe(true);
    expect(toPlain(otherI18n.translator('rom').t('people:menu.title'))).toBe('(rom) Sar te keras?');
    expect(await otherService.refresh()).toBe(false);
    await other.close();
    await first.stop();
    apps = [];
    const restarted = await start({ dbFile });
    expect(toPlain(restarted.i18n.translator('rom').t('people:menu.title'))).toBe('(rom) Sar te keras?');
  });

  it('takes corrections to Latvian the same way, and cancelling saves nothing', async () => {
    const app = await start();
    const { c, wb } = await coordinatorWithSheet(app, 'lv');
    const rows = rowsOf(wb, 'lv');
    expect(rows.get('people:menu.title')!.tr).toBe('Ko darām?');
    expect(rows.has('ideas:count.lists_zero')).toBe(true);
    const data = await filled(wb, 'lv', { 'people:menu.title': 'Ko darīsim?' });
    await c.sendFile('lv.xlsx', data, XLSX);
    // Every other Latvian text comes back as it is: unchanged, and within its limits.
    expect(c.text()).toMatch(/saglabāšu: 1 \(jaunas: 0\); nemainītas: \d+; ar kļūdām: 0\./);
    await c.press('Atcelt');
    expect(c.text()).toContain('nekas netika saglabāts');
    expect(toPlain(app.i18n.translator('lv').t('people:menu.title'))).toBe('Ko darām?');
    await c.sendFile('lv.xlsx', data, XLSX);
    await c.press('Saglabāt');
    expect(toPlain(app.i18n.translator('lv').t('people:menu.title'))).toBe('Ko darīsim?');
  });

  it('finds the shipped Latvian, English and Russian texts within their own limits, values and forms', async () => {
    const app = await start();
    for (const locale of ['lv', 'en', 'ru'] as const) {
      const rows = app.translations.rows(locale).map((r, i) => ({ row: i + 2, key: r.key, value: r.current }));
      const v = validateImport(locale, rows, app.translations.sources(locale));
      expect(v.errors, locale).toEqual([]);
      expect(v.summary.after.percent, locale).toBe(100);
    }
  });

  it('refuses sheets from members and in groups, and files that are not translation sheets', async () => {
    const app = await start();
    const { wb } = await coordinatorWithSheet(app);
    const data = await filled(wb, 'rom', { 'people:menu.title': '(rom) x' });
    const expert = await new TestUser(app, { id: 'expert' }).as('expert', 'talsi', 'lv');
    await expert.sendFile('rom.xlsx', data, XLSX);
    expect(expert.text()).toContain('Tulkojumus saglabā tīkla koordinators');
    const inGroup = await new TestUser(app, { id: 'koord2', chatId: 'group-1', chatKind: 'group' }).as('coordinator', 'riga', 'lv');
    await inGroup.sendFile('rom.xlsx', data, XLSX);
    expect(inGroup.text()).toContain('tikai privāti');
    const c = await new TestUser(app, { id: 'koord3' }).as('coordinator', 'riga', 'lv');
    await c.sendFile('notes.xlsx', 'not a spreadsheet', XLSX);
    expect(c.text()).toContain('nevaru izlasīt kā Excel tabulu');
    const other = new ExcelJS.Workbook();
    other.addWorksheet('Sheet1').addRow(['a', 'b']);
    await c.sendFile('other.xlsx', new Uint8Array(await other.xlsx.writeBuffer()), XLSX);
    expect(c.text()).toContain('nav tulkojumu lapas');
    expect(await app.database.db.selectFrom('translation_imports').selectAll().execute()).toHaveLength(0);
  });

  it('reads the sizes a zip declares before opening it, so a zip bomb is refused', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('rom').addRow(['x']);
    const data = new Uint8Array(await wb.xlsx.writeBuffer());
    const size = declaredUnzippedSize(data)!;
    expect(size).toBeGreaterThan(data.byteLength);
    expect(declaredUnzippedSize(new TextEncoder().encode('plain text'))).toBeUndefined();
  });

  it('exports and imports from the command line, with the same report, saving with --apply', async () => {
    const dir = tempDir('i18n-cli-');
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: testDatabaseUrl(dir) };
    const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', ...args], { cwd: process.cwd(), env, encoding: 'utf8', timeout: 120_000 });
    const out = join(dir, 'rom.xlsx');
    const exported = run(['scripts/i18n-export.ts', 'rom', '--out', out]);
    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stdout).toContain('rom: 0 %');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    const filledFile = join(dir, 'rom-filled.xlsx');
    writeFileSync(filledFile, await filled(wb, 'rom', { 'people:menu.title': '(rom) Sar te keras?' }));
    const checked = run(['scripts/i18n-import.ts', filledFile]);
    expect(checked.status, checked.stderr).toBe(0);
    expect(checked.stdout).toContain('saglabāšu: 1');
    expect(checked.stdout).toContain('Saglabāt 1 tekstu?');
    const applied = run(['scripts/i18n-import.ts', filledFile, '--apply', '--lang', 'en']);
    expect(applied.status, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Saved: Romani čhib, 1 texts.');
    const app = await start({ dbFile: dir });
    expect(toPlain(app.i18n.translator('rom').t('people:menu.title'))).toBe('(rom) Sar te keras?');
    const audit = await app.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'translations.apply').execute();
    expect(audit.map((a) => [a.actor_id, JSON.parse(a.details!).via])).toEqual([[null, 'command line']]);
  }, 300_000); // three processes, each starting TypeScript: slow on a loaded machine
});
