import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import { fileBytes } from '../../src/core/files.ts';
import { barChartSvg, PRINT_SCALE, renderBarChart } from '../../src/features/ideas/chart.ts';
import { DISCORD_CAPS, testApp, TestUser } from '../helpers/harness.ts';
import { insertVisit, numbered } from './helpers.ts';

let app: Awaited<ReturnType<typeof testApp>> | undefined;
afterEach(async () => app?.stop());

const VISIT = '2031-03-12-valmiera';

const LISTS: Record<string, { municipality: string; language: 'lv' | 'en' | 'ru'; name: string; ideas: string[] }> = {
  ilze: {
    municipality: 'talsi',
    language: 'lv',
    name: 'Ilze Bērziņa',
    ideas: [
      'Romu mediators skolā un sociālajā dienestā',
      'Skolotāja palīgs romu bērniem sākumskolā',
      'Vecāku skola romu ģimenēm',
      'Romu jauniešu klubs',
      '=HYPERLINK("http://x")', // a formula must stay text in Excel
    ],
  },
  oleg: {
    municipality: 'daugavpils',
    language: 'ru',
    name: 'Олег Жуков',
    ideas: [
      'Помощник учителя из ромов в школе',
      'Встречи с родителями о важности образования',
      'Клуб для ромской молодёжи',
      'Использовать проекты ЕСФ',
      'Купить новый принтер',
    ],
  },
  anna: {
    municipality: 'talsi',
    language: 'en',
    name: 'Anna Ozola',
    ideas: ['Invite a Roma mediator to the school', 'Hire a Roma teacher assistant', 'Roma Day festival', 'Youth club for young Roma', 'Apply for ESF funding'],
  },
};

async function setup() {
  app = await testApp({ now: '2031-03-12T10:00:00Z' });
  await insertVisit(app, { id: VISIT, starts_on: '2031-03-12', title: 'Valmiera visit', format: 'visit', place: 'Valmiera', municipality: 'valmiera' });
  const coordinator = await new TestUser(app, { id: 'coord' }).as('coordinator');
  await coordinator.send('/ideas_open');
  for (const [id, l] of Object.entries(LISTS)) {
    const u = await new TestUser(app, { id }).as('expert', l.municipality, l.language);
    await u.send('/ideas');
    await u.send(numbered(l.ideas));
    await u.press(/Save|Saglabāt|Сохранить/);
    expect(u.text()).toMatch(/version 1|1\. versija|версия 1/);
  }
  // Names as the platforms give them (TestUser identities carry none).
  for (const [id, l] of Object.entries(LISTS)) {
    await app.database.db.updateTable('identities').set({ display_name: l.name }).where('key', '=', `console:${id}`).execute();
  }
  // Someone who has not sent a list yet.
  await new TestUser(app, { id: 'late' }).as('expert', 'riga');
  return { coordinator };
}

describe('/ideas_report and /ideas_summary', () => {
  it('counts lists, municipalities and themes, most frequent first, as text and as a chart image', async () => {
    const { coordinator } = await setup();
    await coordinator.send('/ideas_report');
    const image = coordinator.files().find((f) => f.kind === 'image');
    expect(image?.file.mime).toBe('image/png');
    expect(image!.file.name).toBe('ideas-2031-03-12.png');
    const png = PNG.sync.read(Buffer.from(image!.file.data));
    expect(png.width).toBe(900);
    expect(png.height).toBeGreaterThan(400);
    let coloured = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i]! > 120 && png.data[i + 1]! < 80) coloured++; // the bars' red
    expect(coloured).toBeGreaterThan(5000);

    const t = coordinator.text();
    expect(t).toContain('3 lists from 2 municipalities · 15 ideas');
    const themeLines = t.split('\n').filter((l) => /^\d+ · /.test(l) && !l.includes('no theme'));
    const counts = themeLines.map((l) => Number(l.split(' · ')[0]));
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(themeLines.slice(0, 3)).toEqual([
      '7 · Education as the priority',
      '3 · Developing the Roma teacher-assistant practice',
      '3 · Activating and involving Roma youth',
    ]);
    expect(t).toContain('2 · no theme');
    expect(t).toContain('Municipalities: Talsi Municipality (2), Daugavpils (1)');
    expect(t).toContain('1 registered expert has not sent a list yet');
    expect(t).not.toContain('Ilze');
  });

  it('shows members the counts but never who wrote what', async () => {
    await setup();
    const member = await new TestUser(app!, { id: 'med' }).as('mediator');
    await member.send('/ideas_summary');
    const t = member.text();
    expect(t).toContain('3 lists from 2 municipalities');
    expect(t).toContain('Municipalities: Daugavpils, Talsi Municipality');
    for (const [id, l] of Object.entries(LISTS)) {
      expect(t).not.toContain(l.name);
      expect(t).not.toContain(id);
      for (const idea of l.ideas) expect(t).not.toContain(idea);
    }
    expect(member.files().map((f) => f.kind)).toEqual(['image']);
    for (const cmd of ['/ideas_report', '/ideas_export', '/ideas_open', '/ideas_close', '/ideas_remind']) {
      await member.send(cmd);
      expect(member.text(), cmd).toContain('only for coordinators');
      expect(member.files()).toEqual([]);
    }
  });

  it('draws the chart as SVG with every label escaped', () => {
    const svg = barChartSvg({ title: 'A & <B>', subtitle: 's', bars: [{ label: 'Kultūra <x>', value: 3 }, { label: 'Zero', value: 0 }] });
    expect(svg).toContain('A &amp; &lt;B&gt;');
    expect(svg).toContain('Kultūra &lt;x&gt;');
    expect(svg).toMatch(/^<svg /);
  });

  it('wraps a long visit name in the chart title instead of cutting it, and draws the same chart at print resolution', async () => {
    const title = 'Piecu ideju kopsavilkums · Reģionālo ekspertu tīkla romu integrācijas jautājumos pieredzes apmaiņas vizīte Rēzeknes novada Maltā, 2031. gada 12. marts';
    const chart = { title, subtitle: '3 saraksti no 2 pašvaldībām · 15 idejas', bars: [{ label: 'Izglītība', value: 3 }] };
    const svg = barChartSvg(chart);
    const lines = [...svg.matchAll(/<text x="24" y="\d+" font-size="22" font-weight="bold" fill="#111">([^<]*)<\/text>/g)].map((m) => m[1]!);
    expect(lines.length).toBeGreaterThan(1);
    // Every word of the title is drawn, none cut, each line short enough for the width.
    expect(lines.join(' ')).toBe(title);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(62);
    const small = PNG.sync.read(Buffer.from(await renderBarChart(chart)));
    const print = PNG.sync.read(Buffer.from(await renderBarChart(chart, PRINT_SCALE)));
    expect(small.width).toBe(900);
    expect(print.width).toBe(900 * PRINT_SCALE);
    expect(print.height).toBe(small.height * PRINT_SCALE);
  });

  it('says so when a visit has no lists, offering the visits that have', async () => {
    await setup();
    await insertVisit(app!, { id: '2031-04-20-riga', starts_on: '2031-04-20', title: 'Riga visit' });
    const coordinator = new TestUser(app!, { id: 'coord' });
    await coordinator.send('/ideas_report 2031-04-20');
    expect(coordinator.text()).toContain('There are no idea lists for Riga visit, 20 April 2031 yet.');
    await coordinator.press('Valmiera visit');
    expect(coordinator.text()).toContain('3 lists from 2 municipalities');
  });
});

describe('/ideas_export', () => {
  it('gives a CSV that a CSV reader (and Excel) reads back with every Latvian and Russian letter intact', async () => {
    const { coordinator } = await setup();
    await coordinator.send(`/ideas_export ${VISIT}`);
    const csv = coordinator.files().find((f) => f.file.name.endsWith('.csv'))!;
    expect(csv.file.name).toBe('ideas-2031-03-12.csv');
    expect(csv.file.mime).toBe('text/csv');
    const bytes = Buffer.from(await fileBytes(csv.file));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 byte order mark
    const rows = parse(bytes, { bom: true, delimiter: ';', columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(15);
    expect(Object.keys(rows[0]!)).toEqual([
      'Visit', 'Municipality', 'Expert', 'List version', 'No.', 'Idea', 'Themes', 'Themes chosen by the expert', 'Submitted (Riga time)', 'Last edited (Riga time)',
    ]);
    // Grouped by municipality (Daugavpils before Talsu novads, in the English file Talsi Municipality), then expert.
    expect(rows.map((r) => r.Expert)).toEqual([...Array(5).fill('Олег Жуков'), ...Array(5).fill('Anna Ozola'), ...Array(5).fill('Ilze Bērziņa')]);
    const ilze = rows.filter((r) => r.Expert === 'Ilze Bērziņa');
    expect(ilze.map((r) => r.Idea)).toEqual([...LISTS.ilze!.ideas.slice(0, 4), '\t=HYPERLINK("http://x")']);
    expect(ilze[1]).toMatchObject({
      Visit: 'Valmiera visit, 12 March 2031',
      Municipality: 'Talsi Municipality',
      'List version': '1',
      'No.': '2',
      Themes: 'Education as the priority; Developing the Roma teacher-assistant practice',
      'Submitted (Riga time)': '2031-03-12 12:00',
      'Last edited (Riga time)': '2031-03-12 12:00',
    });
    expect(rows.find((r) => r.Idea === 'Клуб для ромской молодёжи')?.Themes).toBe('Activating and involving Roma youth');
    expect(rows.find((r) => r.Idea === 'Купить новый принтер')?.Themes).toBe('');
  });

  it('gives an XLSX workbook that a spreadsheet reader opens: letters intact, dates as dates, header frozen, filters on', async () => {
    const { coordinator } = await setup();
    await coordinator.send('/language lv');
    await coordinator.send(`/ideas_export ${VISIT}`);
    const file = coordinator.files().find((f) => f.file.name.endsWith('.xlsx'))!;
    expect(file.file.name).toBe('ideas-2031-03-12.xlsx');
    expect(file.file.mime).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(coordinator.text()).toContain('3 saraksti, 15 idejas: Excel darbgrāmata');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await fileBytes(file.file)).buffer as ArrayBuffer);
    expect(book.worksheets.map((w) => w.name)).toEqual(['Idejas', 'Skaits pa tēmām']);

    const ideas = book.getWorksheet('Idejas')!;
    expect(ideas.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ideas.autoFilter).toBe('A1:J16');
    expect(ideas.getRow(1).values).toEqual([
      undefined, 'Vizīte', 'Pašvaldība', 'Eksperts', 'Saraksta versija', 'Nr.', 'Ideja', 'Tēmas', 'Tēmas izvēlējies eksperts', 'Iesūtīts (Rīgas laiks)', 'Pēdējoreiz labots (Rīgas laiks)',
    ]);
    expect(ideas.getRow(1).font?.bold).toBe(true);
    expect(ideas.getColumn(6).width).toBe(60);
    expect(ideas.rowCount).toBe(16);
    // Daugavpils first, then Talsu novads: Anna Ozola before Ilze Bērziņa.
    expect(ideas.getCell('C2').value).toBe('Олег Жуков');
    expect(ideas.getCell('F2').value).toBe('Помощник учителя из ромов в школе');
    const ilze = [12, 13, 14, 15, 16].map((r) => ideas.getRow(r));
    expect(ilze.map((r) => r.getCell(3).value)).toEqual(Array(5).fill('Ilze Bērziņa'));
    expect(ilze[1]!.getCell(6).value).toBe('Skolotāja palīgs romu bērniem sākumskolā');
    expect(ilze[1]!.getCell(2).value).toBe('Talsu novads');
    expect(ilze[1]!.getCell(1).value).toBe('Valmiera visit, 2031. gada 12. marts');
    expect(ilze[1]!.getCell(4).value).toBe(1); // a number, not text
    expect(ilze[1]!.getCell(5).value).toBe(2);
    // A formula typed as an idea stays text.
    expect(ilze[4]!.getCell(6).value).toBe('=HYPERLINK("http://x")');
    expect(ilze[4]!.getCell(6).formula).toBeUndefined();
    // A date cell holding Riga's wall clock (12:00 in Riga is 10:00 UTC), shown as a date.
    const submitted = ilze[0]!.getCell(9);
    expect(submitted.value).toBeInstanceOf(Date);
    expect((submitted.value as Date).toISOString()).toBe('2031-03-12T12:00:00.000Z');
    expect(submitted.numFmt).toBe('yyyy-mm-dd hh:mm');

    const counts = book.getWorksheet('Skaits pa tēmām')!;
    expect(counts.getRow(1).values).toEqual([undefined, 'Tēma', 'Daugavpils', 'Talsu novads', 'Kopā']);
    const byTheme = new Map<string, unknown[]>();
    counts.eachRow((row, n) => {
      if (n > 1) byTheme.set(String(row.getCell(1).value), [row.getCell(2).value, row.getCell(3).value, row.getCell(4).value]);
    });
    expect(byTheme.get('Romu jauniešu aktivizēšana un iesaiste')).toEqual([1, 2, 3]);
    expect(byTheme.get('Bez tēmas')).toEqual([1, 1, 2]);
    expect(byTheme.get('Saraksti')).toEqual([1, 2, 3]);
    expect(byTheme.get('Idejas')).toEqual([5, 10, 15]);
  });

  it('gives Markdown for the report, grouped by municipality, in the coordinator’s language', async () => {
    const { coordinator } = await setup();
    await coordinator.send('/language lv');
    await coordinator.send('/ideas_export');
    const md = Buffer.from(await fileBytes(coordinator.files().find((f) => f.file.name.endsWith('.md'))!.file)).toString('utf8');
    expect(md).toContain('# Piecu ideju saraksti · Valmiera visit, 2031. gada 12. marts');
    expect(md).toContain('3 saraksti · 15 idejas');
    expect(md.indexOf('## Daugavpils')).toBeLessThan(md.indexOf('## Talsu novads'));
    expect(md).toContain('### Ilze Bērziņa');
    expect(md).toContain('1. Romu mediators skolā un sociālajā dienestā  \n   *Romu mediācijas prakses attīstība; Izglītības veicināšana kā prioritāte; Profesionāls atbalsts sociālo jautājumu risināšanai romu ģimenēs*');
    expect(md).toContain('5. Купить новый принтер  \n   *Bez tēmas*');
    expect(md).toContain('*Iesūtīts 2031-03-12 12:00 · pēdējoreiz labots 2031-03-12 12:00 · 1. versija*');
  });

  it('keeps a list, anonymous, with its municipality, after its author erased their data', async () => {
    const { coordinator } = await setup();
    const person = await app!.database.db.selectFrom('identities').select('person_id').where('key', '=', 'console:anna').executeTakeFirstOrThrow();
    await app!.database.db.deleteFrom('persons').where('id', '=', person.person_id).execute();
    await coordinator.send('/ideas_export');
    const rows = parse(Buffer.from(await fileBytes(coordinator.files().find((f) => f.file.name.endsWith('.csv'))!.file)), { bom: true, delimiter: ';', columns: true }) as Array<Record<string, string>>;
    const anon = rows.filter((r) => r.Expert === 'anonymous');
    expect(anon).toHaveLength(5);
    expect(anon[0]!.Municipality).toBe('Talsi Municipality');
    expect(anon[0]!.Idea).toBe('Invite a Roma mediator to the school');
  });

  it('works where files and forms are native (Discord)', async () => {
    await setup();
    const coordinator = await new TestUser(app!, { platform: 'discord', id: '42', caps: DISCORD_CAPS }).as('coordinator');
    await coordinator.send('/ideas_export');
    expect(coordinator.files().map((f) => f.file.name)).toEqual(['ideas-2031-03-12.xlsx', 'ideas-2031-03-12.csv', 'ideas-2031-03-12.md']);
    expect(coordinator.text()).toContain('3 lists, 15 ideas');
  });
});
