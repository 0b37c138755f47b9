import { describe, expect, it } from 'vitest';
import { toPlain } from '../../src/core/markup.ts';
import { LANGUAGES } from '../../src/core/types.ts';
import { Municipalities } from '../../src/features/people/municipalities.ts';
import { textProblems } from '../../src/i18n/checks.ts';
import { createI18n, readLocales } from '../../src/i18n/index.ts';
import { fixedPlace } from '../../src/i18n/places.ts';

/**
 * Every message of every feature, rendered with realistic values, must read right: no preposition before a date
 * in the wrong case, no doubled full stop, no English from a library, no other language's quotation marks, no
 * value printed raw ("2026-12-08", "Tue Dec 08 2026 … GMT"), and in Latvian and Russian no English words.
 */

const resources = readLocales();
const municipalities = Municipalities.load();
const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(tree: Record<string, unknown>, prefix = ''): Array<[string, string]> {
  return Object.entries(tree).flatMap(([k, v]) =>
    v && typeof v === 'object' ? flatten(v as Record<string, unknown>, `${prefix}${k}.`) : [[`${prefix}${k}`, String(v)] as [string, string]],
  );
}

/** Each message key once (plural forms under their base key), with its Latvian text. */
function messages(): Array<{ key: string; plural: boolean; lv: string }> {
  const seen = new Map<string, { key: string; plural: boolean; lv: string }>();
  for (const [ns, tree] of Object.entries(resources.lv!)) {
    for (const [k, v] of flatten(tree as Record<string, unknown>)) {
      const plural = PLURAL.test(k);
      const key = `${ns}:${k.replace(PLURAL, '')}`;
      if (!seen.has(key)) seen.set(key, { key, plural, lv: v });
    }
  }
  return [...seen.values()];
}

/** Placeholders of a text: name and formatter ("until" → "date"). */
function placeholders(text: string): Array<{ name: string; format?: string }> {
  return [...text.matchAll(/\{\{-?\s*([\w.]+)\s*(?:,\s*(\w+))?[^}]*\}\}/g)].map((m) => ({ name: m[1]!, ...(m[2] ? { format: m[2] } : {}) }));
}

const PLAIN: Record<string, string | number> = {
  accounts: 'Telegram @anna_b', added: 'pumpurs', audience: 'Kurzeme', auditMonths: 12, channel: '@romu_tikls', code: 'K7P2Q9',
  command: 'palidziba', cron: '0 9 * * 1', current: 'Labās prakses vizīte Talsos', dates: '1. septembrī', deliveryDays: 30,
  edited: '01.12.2026 09.30', expected: 'laiks no 00.00 līdz 23.59', failed: 0, field: 'stunda', file: 'programma.pdf', filter: 'talsi',
  funder: 'Eiropas Sociālais fonds', going: 3, guestMonths: 6, head: 'pirmdienu, otrdienu', hours: 6, ideas: '60 idejas', inviteDays: 7,
  items: 12, kind: 'Vizīte', language: 'Latviešu', left: 2, line: 7, lines: 9, link: 'https://t.me/romu_tikls_bot?start=K7P2Q9',
  linkMinutes: 10, list: 'Talsu novads (3), Rīga (2)', lists: '12 saraksti', max: 4000, maybe: 1, mime: 'application/x-msdownload',
  min: 3, minutes: 10, n: 3, name: 'Anna Bērziņa', names: 'Izglītība; Jaunieši', no: 1, of: 2, operator: 'VIAA', other: 4,
  place: 'Sabile', platform: 'Telegram', platforms: 'Telegram, Discord', problems: 'stunda 25: 0–23', quote: 'Atbalstu piešķir, izvērtējot katru gadījumu',
  ref: '2020-07-02', region: 'Kurzeme', rest: 3, role: 'reģionālais eksperts', rule: 'katru pirmdienu plkst. 9.00', runs: '07.12.2026 09.00',
  sent: 40, skipped: 2, source: 'IKVD', status: 'nosūtīts', submitted: '01.12.2026 09.30', suggestion: 'help', text: 'Uzaicināt romu mediatoru uz skolu',
  themes: 'Izglītība · Jaunieši', time: '2026. gada 1. decembrī plkst. 09.00', times: '09.00', title: 'Labās prakses vizīte Talsos', total: 40, typed: 'Talsi',
  unreachable: 1, url: 'https://www.ikvd.gov.lv', value: '3', version: 2, visit: 'Labās prakses vizīte Talsos, 2020. gada 2. jūlijs',
  what: 'no 1. klases', who: 'skola', years: '2016–2020', count: 5, days: 'pirmdienu un ceturtdienu', first: 1, last: 5, date: '01.12.2026 09.30', changed: 'pumpurs', removed: 'nav',
  percent: 14, translated: 112, threshold: 80, rows: 830, filled: 120, changes: 112, unchanged: 5, errors: 3, before: 0, after: 14, row: 12,
  key: 'programmes:list.title_one', problem: 'par garu', detail: '60',
  controller: 'Kultūras ministrija', contact: 'pasts@km.gov.lv', months: 12, when: '01.12.2026 09.30', to: 3, langs: 'lv, en, ru', titles: 'Pumpurs', shipped: 2,
  from: 1, case: 'skolēns 3. klasē', programme: 'Pumpurs', keys: 'gives', groups: 2, group: 'all', factKind: 'int', ids: 'ikvd-pumpurs', want: 'eligible', got: 'unknown',
  mine: 'Telegram', theirs: 'Discord', held: 2, participants: 12, named: 8, municipalities: 5, institution: 'Talsu 2. vidusskola',
  reason: 'jānorāda', type: 'string', options: 'esf, esf_plus', fields: 'gives', fact: 'grade', op: 'eq', param: 'min_grade', format: 'YAML', id: 'ikvd-pumpurs',
};

/** A realistic value for a placeholder: what the code passes for it, by the formatter the Latvian text uses. */
function valueFor(p: { name: string; format?: string }, talsi: boolean): unknown {
  switch (p.format) {
    case 'date':
      return '2026-12-08';
    case 'dates':
      return { from: '2019-10-17', until: '2019-10-18' };
    case 'moment':
      return new Date('2026-12-08T07:30:00Z');
    case 'clock':
      return p.name === 'time' && !talsi ? '13:00–13:15' : '18:00';
    case 'place':
      return talsi ? municipalities.get('talsi')!.place : fixedPlace('Sabile');
  }
  if (!(p.name in PLAIN)) throw new Error(`no realistic value for {{${p.name}}}: add one to PLAIN`);
  return PLAIN[p.name];
}

const ENGLISH = /(?<!\p{L})(?:the|and|is|are|of|for|with|not|please|invalid|error|expected|required|must|from|until|since|every)(?!\p{L})/iu;
// Names, formats and commands that are the same in every language.
const ALLOWED = /(?<!\p{L})(?:Telegram|Discord|Excel|Outlook|Markdown|CSV|PDF|JSON|UTF-8|MS Teams|tour de table|cron|BOT_ADMINS|Latviešu|English|Romani čhib|ESF\+?|help|on|off|ics|txt|yaml|data|programmes|pumpurs)(?!\p{L})|\/\w+|https?:\/\/\S+|@\w+/giu;

describe('every message as a reader sees it', async () => {
  const i18n = await createI18n();
  const all = messages();

  it('covers every message with a realistic value for each placeholder', () => {
    expect(all.length).toBeGreaterThan(500);
    for (const m of all) for (const p of placeholders(m.lv)) expect(() => valueFor(p, true), m.key).not.toThrow();
  });

  it('uses the same formatter for a placeholder in every language, so no date or place is printed raw', () => {
    const bad: string[] = [];
    for (const lng of LANGUAGES) {
      for (const [ns, tree] of Object.entries(resources[lng]!)) {
        for (const [k, v] of flatten(tree as Record<string, unknown>)) {
          const lvText = resources.lv![ns] && flatten(resources.lv![ns] as Record<string, unknown>).find(([lk]) => lk.replace(PLURAL, '') === k.replace(PLURAL, ''))?.[1];
          if (lvText === undefined) continue;
          const want = new Map(placeholders(lvText).map((p) => [p.name, p.format]));
          for (const p of placeholders(v)) if (want.get(p.name) !== p.format) bad.push(`${lng} ${ns}:${k} {{${p.name}${p.format ? `, ${p.format}` : ''}}}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  for (const lng of LANGUAGES) {
    it(`reads right in ${lng}: cases after prepositions, one full stop, own quotation marks, no raw values or library English`, () => {
      const tr = i18n.translator(lng);
      const problems: string[] = [];
      for (const m of all) {
        for (const talsi of [true, false]) {
          for (const count of m.plural ? [0, 1, 2, 5, 21] : [undefined]) {
            const values: Record<string, unknown> = {};
            for (const p of placeholders(m.lv)) values[p.name] = valueFor(p, talsi);
            if (count !== undefined) values.count = count;
            const rendered = tr.t(m.key, values);
            const shown = toPlain(rendered);
            for (const p of textProblems(shown, lng)) problems.push(`${m.key}: ${p.problem}: ${p.at}`);
            if (lng !== 'en') {
              // What is set as code (field names, commands, examples) is the same in every language.
              const prose = toPlain(rendered.replace(/<code>[\s\S]*?<\/code>/g, ' ') as typeof rendered);
              const english = ENGLISH.exec(prose.replace(ALLOWED, ' '));
              if (english) problems.push(`${m.key}: English word “${english[0]}”: ${shown.slice(0, 80)}`);
            }
            if (shown.includes('{{')) problems.push(`${m.key}: a placeholder left: ${shown}`);
          }
        }
      }
      expect([...new Set(problems)]).toEqual([]);
    });
  }

  it('says "Pašvaldība: nav zināma", agreeing with the feminine noun, when a municipality is not known', () => {
    const lv = i18n.translator('lv');
    const summary = toPlain(lv.t('people:start.summary', { language: 'Latviešu', role: 'viesis', municipality: lv.plain('common:municipality_unknown') }));
    expect(summary).toContain('Pašvaldība: nav zināma');
  });

  it('declines a municipality and a region in Latvian and Russian sentences', () => {
    const place = municipalities.get('talsi')!.place;
    expect(toPlain(i18n.translator('lv').t('access:contacts.empty_filtered', { place }))).toMatch(/^No Talsu novada /);
    expect(toPlain(i18n.translator('lv').t('access:contacts.empty_filtered', { place: municipalities.region('kurzeme')!.place }))).toMatch(/^No Kurzemes /);
    expect(toPlain(i18n.translator('ru').t('access:contacts.empty_filtered', { place }))).toMatch(/^Из Талсинского края /);
    expect(toPlain(i18n.translator('en').t('access:contacts.empty_filtered', { place }))).toContain('Talsi Municipality');
  });

  it('puts each date in the case its preposition takes', () => {
    const lv = i18n.translator('lv');
    expect(toPlain(lv.t('access:invite.created', { role: 'eksperts', municipality: 'x', code: 'K', until: new Date('2026-12-08T10:00:00Z') }))).toContain('Derīgs līdz 2026. gada 8. decembrim plkst. 12.00');
    expect(toPlain(lv.t('access:roles.request_line', { name: 'A', accounts: 'B', role: 'eksperts', municipality: 'x', date: new Date('2026-12-01T10:00:00Z') }))).toContain('kopš 2026. gada 1. decembra');
    expect(toPlain(lv.t('ideas:preview.title_saved', { visit: 'V', version: 2, date: new Date('2026-12-01T10:00:00Z') }))).toContain('saglabāta 2026. gada 1. decembrī');
    expect(toPlain(lv.t('programmes:details.valid_between', { from: '2024-07-01', until: '2029-08-31' }))).toBe('⏳ No 2024. gada 1. jūlija līdz 2029. gada 31. augustam');
    expect(toPlain(lv.t('programmes:results.title', { date: '2026-12-01' }))).toBe('Programmas uz 2026. gada 1. decembri');
  });
});
