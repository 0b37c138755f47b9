import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import { fileBytes } from '../../src/core/files.ts';
import { CONSOLE_CAPS, tempDir, testApp, testDatabaseUrl, TestUser } from '../helpers/harness.ts';
import { FIVE_LV, insertVisit, numbered } from '../ideas/helpers.ts';

let app: Awaited<ReturnType<typeof testApp>> | undefined;
afterEach(async () => app?.stop());

const MEETING = '2021-05-27';

/** Two experts send their lists for the 2021 online meeting (collection opened afterwards by a coordinator). */
async function meetingWithIdeas() {
  app = await testApp({ now: '2021-05-28T09:00:00Z' });
  const coordinator = await new TestUser(app, { id: 'coord' }).as('coordinator', null, 'lv');
  await coordinator.send(`/ideas_open ${MEETING}`);
  const lists = {
    ilze: { municipality: 'talsi', ideas: FIVE_LV },
    juris: { municipality: 'daugavpils', ideas: ['Romu jauniešu klubs', 'Skolotāja palīgs romu bērniem', 'Vecāku skola romu ģimenēm', 'Nopirkt jaunu printeri', 'Romu kultūras diena skolā'] },
  };
  for (const [id, l] of Object.entries(lists)) {
    const u = await new TestUser(app, { id }).as('expert', l.municipality, 'lv');
    await u.send(`/ideas ${MEETING}`);
    await u.send(numbered(l.ideas));
    await u.press(/Saglabāt/);
  }
  return { coordinator };
}

async function docxParts(bytes: Uint8Array) {
  const zip = await JSZip.loadAsync(bytes);
  const xml = await zip.file('word/document.xml')!.async('string');
  // The visible text, paragraph by paragraph and cell by cell.
  const text = xml
    .replace(/<\/w:p><\/w:tc>/g, '\t')
    .replace(/<w:br\/>/g, '\n')
    .replace(/<\/w:p>/g, '\n')
    .replace(/<w:tab\/>|<\/w:tc>/g, '\t')
    .replace(/<[^>]+>/g, '')
    .replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"');
  const media = Object.keys(zip.files).filter((f) => f.startsWith('word/media/') && !zip.files[f]!.dir);
  return { xml, text, media, zip };
}

describe('/report', () => {
  it('gives the 2021-05-27 meeting report as DOCX: agenda as Annex 1 (12:45 … 15:45), the theme table matching the ideas, the chart', async () => {
    const { coordinator } = await meetingWithIdeas();
    await coordinator.send(`/report ${MEETING}`);
    const file = coordinator.files()[0]!;
    expect(file.file.name).toBe('report-2021-05-27.docx');
    expect(file.file.mime).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(coordinator.text()).toContain('Sanāksmes ziņojuma melnraksts');
    const { text, media, zip } = await docxParts(await fileBytes(file.file));
    expect(text).toContain('Ziņojums');
    expect(text).toContain('Sanāksme par Reģionālo ekspertu tīkla romu integrācijas jautājumos');
    // Annex 1: the agenda, from the first item to the last.
    const annex1 = text.slice(text.indexOf('Pielikums Nr. 1'));
    expect(annex1).toMatch(/12:45\tDalībnieku pievienošanās semināram/);
    expect(annex1).toMatch(/15:45\tNoslēgums/);
    for (const t of ['13:00', '13:15', '13:45', '14:45', '15:00']) expect(annex1).toContain(`${t}\t`);
    // The twelve themes with the counts of the ideas sent (as /ideas_summary counts them).
    await coordinator.send(`/ideas_report ${MEETING}`);
    const summary = coordinator.text();
    const themeLines = [...summary.matchAll(/^(\d+) · (\p{Lu}.+)$/gmu)];
    expect(themeLines.length).toBeGreaterThan(3);
    for (const m of themeLines) expect(text).toContain(`${m[2]}\t${m[1]}\t`);
    expect(text).toMatch(/Romu jauniešu aktivizēšana un iesaiste\t2\t/);
    expect(text).toMatch(/Bez tēmas\t1\t/);
    // Each municipality's ideas, without their authors.
    expect(text).toContain('Talsu novads\nPiesaistīt romu mediatoru skolai');
    expect(text).toContain('Nopirkt jaunu printeri');
    // The empty sections, headed, with a hint only.
    for (const h of ['Diskusija', 'Kopsavilkums par izteiktajām vajadzībām', 'Galvenie ieteikumi turpmākai sadarbībai', 'Pielikums Nr. 2. Dalībnieku saraksts']) expect(text).toContain(h);
    // The chart, at print resolution.
    expect(media).toHaveLength(1);
    const png = PNG.sync.read(Buffer.from(await zip.file(media[0]!)!.async('uint8array')));
    expect(png.width).toBe(2700);
  });

  it('counts participants by municipality and institution, and names only those who agreed, asked when they RSVP', async () => {
    app = await testApp({ now: '2031-03-01T09:00:00Z' });
    await insertVisit(app, { id: '2031-03-12-valmiera', starts_on: '2031-03-12', title: 'Pieredzes apmaiņas vizīte Valmierā', format: 'visit', place: 'Valmiera', municipality: 'valmiera' });
    const coordinator = await new TestUser(app, { id: 'coord' }).as('coordinator');
    const ilze = await new TestUser(app, { id: 'ilze' }).as('expert', 'talsi', 'lv');
    await app.database.db.updateTable('identities').set({ display_name: 'Ilze Bērziņa' }).where('key', '=', 'console:ilze').execute();
    await ilze.send('/agenda 2031-03-12');
    await ilze.press('Piedalīšos');
    expect(ilze.text()).toContain('Vai drīkstam tajā minēt jūsu vārdu un iestādi?');
    await ilze.press(/Jā, minēt mani/);
    expect(ilze.text()).toContain('Kuru iestādi jūs pārstāvat');
    await ilze.send('x'); // too short: asked again, nothing saved
    expect(ilze.text()).toContain('no 2 līdz 200 rakstzīmēm');
    await ilze.send('Talsu novada Sociālais dienests');
    expect(ilze.text()).toContain('Pierakstīju iestādi: Talsu novada Sociālais dienests');

    // On a console (numbered choices instead of buttons), someone who only wants to be counted.
    const juris = await new TestUser(app, { id: 'juris', caps: CONSOLE_CAPS }).as('expert', 'daugavpils', 'en');
    await app.database.db.updateTable('identities').set({ display_name: 'Juris Slepenais' }).where('key', '=', 'console:juris').execute();
    await juris.send('/agenda 2031-03-12');
    await juris.press("I'm going");
    expect(juris.text()).toContain('May we name you and your institution in it?');
    await juris.press(/only count me/);
    await juris.send('Daugavpils sociālais dienests');
    // A third says "maybe": not a participant in the report.
    const anna = await new TestUser(app, { id: 'anna' }).as('expert', 'riga', 'lv');
    await anna.send('/agenda 2031-03-12');
    await anna.press('Varbūt');

    await coordinator.send('/language en');
    await coordinator.send('/report 2031-03-12');
    expect(coordinator.text()).toContain('2 participants (1 named in the annex), 0 idea lists');
    const { text } = await docxParts(await fileBytes(coordinator.files()[0]!.file));
    // An English report names municipalities in English.
    expect(text).toContain('Talsi Municipality\t1\t');
    expect(text).toContain('Daugavpils\t1\t');
    expect(text).toContain('Talsu novada Sociālais dienests\t1\t');
    expect(text).toContain('Daugavpils sociālais dienests\t1\t');
    const annex2 = text.slice(text.indexOf('Annex 2'));
    expect(annex2).toContain('Ilze Bērziņa\tTalsu novada Sociālais dienests\tTalsi Municipality');
    expect(text).not.toContain('Juris Slepenais');
    expect(annex2).toContain('1 more participant did not agree to be named');
    expect(text).toContain('No idea lists were sent for this visit.');

    // The answers and the participant list as a workbook, read back cell by cell.
    await coordinator.send('/language lv');
    await coordinator.send('/rsvps 2031-03-12');
    await coordinator.press(/Excel/);
    const xlsx = coordinator.files()[0]!;
    expect(xlsx.file.name).toBe('participants-2031-03-12.xlsx');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await fileBytes(xlsx.file)).buffer as ArrayBuffer);
    expect(book.worksheets.map((w) => w.name)).toEqual(['Atbildes', 'Dalībnieku saraksts']);
    const answers = book.getWorksheet('Atbildes')!;
    expect(answers.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(answers.autoFilter).toBe('A1:F4');
    const rows = [2, 3, 4].map((r) => answers.getRow(r).values);
    expect(rows).toContainEqual([undefined, 'Ilze Bērziņa', 'Talsu novads', 'Talsu novada Sociālais dienests', 'Piedalīšos', 'jā', new Date('2031-03-01T11:00:00.000Z')]);
    expect(rows).toContainEqual([undefined, 'Juris Slepenais', 'Daugavpils', 'Daugavpils sociālais dienests', 'Piedalīšos', 'nē', new Date('2031-03-01T11:00:00.000Z')]);
    expect(answers.getCell('F2').numFmt).toBe('yyyy-mm-dd hh:mm');
    const list = book.getWorksheet('Dalībnieku saraksts')!;
    expect(list.rowCount).toBe(2);
    expect(list.getRow(2).values).toEqual([undefined, 'Ilze Bērziņa', 'Talsu novada Sociālais dienests', 'Talsu novads']);

    // The consent is in /mydata and goes with /forget.
    await ilze.send('/mydata');
    const mydata = JSON.parse(Buffer.from(await fileBytes(ilze.files()[0]!.file)).toString('utf8'));
    expect(JSON.stringify(mydata)).toContain('"namedInParticipantList":true');
    expect(JSON.stringify(mydata)).toContain('Talsu novada Sociālais dienests');
  });

  it('works in the console: /report 2021-05-27 saves a DOCX whose Annex 1 is the meeting agenda', async () => {
    const dir = tempDir('report-console-');
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', '--as', 'coordinator'], {
      cwd: join(import.meta.dirname, '..', '..'),
      input: `/report ${MEETING}\n`,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: testDatabaseUrl(dir), CONSOLE_FILES_DIR: join(dir, 'files'), TMPDIR: dir },
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const path = /📎 (.+\.docx)/.exec(result.stdout)?.[1];
    expect(path, result.stdout).toBeDefined();
    const { text } = await docxParts(new Uint8Array(readFileSync(path!.trim())));
    const annex1 = text.slice(text.indexOf('Pielikums Nr. 1'));
    expect(annex1).toMatch(/12:45\tDalībnieku pievienošanās/);
    expect(annex1).toMatch(/15:45\tNoslēgums/);
  }, 90_000);

  it('is for coordinators in a private chat only', async () => {
    app = await testApp({ now: '2021-05-28T09:00:00Z' });
    const expert = await new TestUser(app, { id: 'e' }).as('expert', 'talsi', 'en');
    await expert.send(`/report ${MEETING}`);
    expect(expert.files()).toHaveLength(0);
  });
});

/**
 * Opened as a person would: LibreOffice (Debian's libreoffice-writer, headless) converts the DOCX to PDF, whose text
 * holds the title, the theme table and the agenda, whose first page renders to a PNG, and which carries the chart
 * as an image. CI installs LibreOffice and poppler-utils; a machine without them skips this with a message.
 */
const soffice = ['soffice', 'libreoffice'].find((c) => spawnSync('which', [c]).status === 0);
const poppler = spawnSync('which', ['pdftoppm']).status === 0;
const missing = !soffice ? 'LibreOffice (soffice) is not installed: apt-get install libreoffice-writer' : !poppler ? 'poppler-utils (pdftoppm) is not installed' : '';
if (missing && process.env.CI) throw new Error(`CI must run the LibreOffice test: ${missing}`);

describe.skipIf(!!missing)(`the report opened in LibreOffice${missing ? ` — SKIPPED: ${missing}` : ''}`, () => {
  it('converts to PDF without errors; page 1 has the title and a table, and the PDF carries the chart', async () => {
    const { coordinator } = await meetingWithIdeas();
    await coordinator.send(`/report ${MEETING}`);
    const dir = tempDir('report-lo-');
    const docx = join(dir, 'report.docx');
    writeFileSync(docx, await fileBytes(coordinator.files()[0]!.file));
    // A profile of its own, so a LibreOffice the developer has open does not take the job (or lock the profile).
    const r = spawnSync(soffice!, [`-env:UserInstallation=file://${join(dir, 'profile')}`, '--headless', '--convert-to', 'pdf', '--outdir', dir, docx], {
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const pdf = join(dir, 'report.pdf');
    expect(existsSync(pdf)).toBe(true);
    const page1 = execFileSync('pdftotext', ['-f', '1', '-l', '1', '-layout', pdf, '-'], { encoding: 'utf8' });
    expect(page1).toContain('Ziņojums');
    expect(page1).toMatch(/Datums\s+2021\. gada 27\. maijs/); // the visit data table
    const all = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    expect(all).toMatch(/Romu jauniešu aktivizēšana un iesaiste\s+2/);
    expect(all).toContain('Pielikums Nr. 1');
    expect(all).toMatch(/15:45\s+Noslēgums/);
    // The chart is an image in the PDF, at print resolution (LibreOffice keeps 300 dpi: 16 cm is 1,890 pixels).
    const images = execFileSync('pdfimages', ['-list', pdf], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
    expect(images.length).toBeGreaterThanOrEqual(1);
    expect(Number(images[0]!.trim().split(/\s+/)[3])).toBeGreaterThanOrEqual(1800);
    // The first page as a picture: a real page, not blank.
    execFileSync('pdftoppm', ['-f', '1', '-l', '1', '-r', '50', '-png', pdf, join(dir, 'page')]);
    const png = PNG.sync.read(readFileSync(join(dir, 'page-1.png')));
    expect(png.width).toBeGreaterThan(300);
    let dark = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i]! < 128) dark++;
    expect(dark).toBeGreaterThan(500);
  }, 240_000);
});
