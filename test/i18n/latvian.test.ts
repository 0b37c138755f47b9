import { describe, expect, it } from 'vitest';
import { formatDay, formatDayHeading, formatDays, formatMoment } from '../../src/i18n/dates.ts';
import { LV_CASES, lvClock, lvDate, lvDateRange, lvDayHeading, MONTHS, numericDate, WEEKDAYS } from '../../src/i18n/latvian.ts';

const NOMINATIVES = ['janvāris', 'februāris', 'marts', 'aprīlis', 'maijs', 'jūnijs', 'jūlijs', 'augusts', 'septembris', 'oktobris', 'novembris', 'decembris'];

/**
 * The declension rules, written out again independently of the table under test: first declension (-s) and second
 * (-is, with l softened to ļ in the genitive), as Latvian grammars give them.
 */
function declined(nom: string): Record<(typeof LV_CASES)[number], string> {
  if (nom.endsWith('is')) {
    const stem = nom.slice(0, -2);
    const gen = stem.endsWith('l') ? `${stem.slice(0, -1)}ļa` : `${stem}a`;
    return { nom, gen, dat: `${stem}im`, acc: `${stem}i`, loc: `${stem}ī` };
  }
  const stem = nom.slice(0, -1);
  return { nom, gen: `${stem}a`, dat: `${stem}am`, acc: `${stem}u`, loc: `${stem}ā` };
}

describe('Latvian dates', () => {
  it('declines every month in every case as the first and second declensions do', () => {
    NOMINATIVES.forEach((nom, i) => {
      const want = declined(nom);
      for (const c of LV_CASES) expect(MONTHS[c][i], `${nom} ${c}`).toBe(want[c]);
      const iso = `2026-${String(i + 1).padStart(2, '0')}-08`;
      expect(`līdz ${lvDate(iso, 'dat')}`).toBe(`līdz 2026. gada 8. ${want.dat}`);
      expect(`kopš ${lvDate(iso, 'gen')}`).toBe(`kopš 2026. gada 8. ${want.gen}`);
      expect(`uz ${lvDate(iso, 'acc')}`).toBe(`uz 2026. gada 8. ${want.acc}`);
      expect(lvDate(iso, 'loc')).toBe(`2026. gada 8. ${want.loc}`);
    });
  });

  it('writes the forms the issue and the grammars quote', () => {
    expect(`Kopš: ${lvDate('2026-12-01', 'gen')}`).toBe('Kopš: 2026. gada 1. decembra');
    expect(`Derīgs līdz ${lvDate('2026-12-08', 'dat')}`).toBe('Derīgs līdz 2026. gada 8. decembrim');
    expect(`saglabāta ${lvDate('2026-12-01', 'loc')}`).toBe('saglabāta 2026. gada 1. decembrī');
    // "no 2022. gada 1. aprīļa", "no 4. līdz 16. aprīlim" (the softened l of aprīlis)
    expect(lvDate('2022-04-01', 'gen')).toBe('2022. gada 1. aprīļa');
    expect(lvDate('2022-04-16', 'dat')).toBe('2022. gada 16. aprīlim');
    expect(lvDate('2021-05-27')).toBe('2021. gada 27. maijs');
  });

  it('declines the weekdays of the fifth declension', () => {
    for (const c of LV_CASES) expect(WEEKDAYS[c]).toHaveLength(7);
    expect(WEEKDAYS.acc[6]).toBe('svētdienu');
    expect(WEEKDAYS.loc[0]).toBe('pirmdienā');
    expect(lvDayHeading('2021-05-27')).toBe('Ceturtdiena, 27. maijs');
    expect(lvDayHeading('2026-11-29')).toBe('Svētdiena, 29. novembris');
  });

  it('writes spans within a month, across months and across years', () => {
    expect(lvDateRange('2019-10-17', '2019-10-18')).toBe('2019. gada 17.–18. oktobris');
    expect(lvDateRange('2019-10-17', '2019-10-18', 'loc')).toBe('2019. gada 17.–18. oktobrī');
    expect(lvDateRange('2019-09-30', '2019-10-01', 'gen')).toBe('2019. gada 30. septembra – 1. oktobra');
    expect(lvDateRange('2019-12-30', '2020-01-02')).toBe('2019. gada 30. decembris – 2020. gada 2. janvāris');
    expect(lvDateRange('2021-05-27', '2021-05-27', 'loc')).toBe('2021. gada 27. maijā');
  });

  it('writes list dates numerically and times with a full stop', () => {
    expect(numericDate('2026-12-01')).toBe('01.12.2026');
    expect(lvClock('03:30')).toBe('03.30');
    expect(formatDays('2019-10-17', '2019-10-18', 'lv', 'list')).toBe('17.–18.10.2019');
    expect(formatDays('2019-09-30', '2019-10-01', 'ru', 'list')).toBe('30.09.–01.10.2019');
    expect(formatDays('2019-12-30', '2020-01-02', 'lv', 'list')).toBe('30.12.2019–02.01.2020');
  });

  it('gives each language its own style, and Romani numeric dates', () => {
    expect(formatDay('2026-12-08', 'lv', 'prose', 'dat')).toBe('2026. gada 8. decembrim');
    expect(formatDay('2026-12-08', 'en')).toBe('8 December 2026');
    expect(formatDay('2026-12-08', 'en', 'list')).toBe('8 Dec 2026');
    expect(formatDay('2026-12-08', 'ru')).toBe('8 декабря 2026 г.');
    expect(formatDay('2026-12-08', 'ru', 'list')).toBe('08.12.2026');
    expect(formatDay('2026-12-08', 'rom')).toBe('08.12.2026');
    expect(formatDays('2019-10-17', '2019-10-18', 'en')).toBe('17 – 18 October 2019');
    expect(formatDayHeading('2021-05-27', 'ru')).toBe('Четверг, 27 мая');
    expect(formatDayHeading('2021-05-27', 'en')).toBe('Thursday 27 May');
  });

  it('writes instants in Riga time across daylight saving', () => {
    expect(formatMoment(new Date('2026-12-01T07:30:00Z'), 'lv')).toBe('2026. gada 1. decembrī plkst. 09.30');
    expect(formatMoment(new Date('2026-07-01T07:30:00Z'), 'lv', 'prose', 'dat')).toBe('2026. gada 1. jūlijam plkst. 10.30');
    expect(formatMoment(new Date('2026-12-01T07:30:00Z'), 'lv', 'prose', 'nom')).toBe('2026. gada 1. decembris, plkst. 09.30');
    expect(formatMoment(new Date('2026-12-01T07:30:00Z'), 'en')).toBe('1 December 2026, 09:30');
    expect(formatMoment(new Date('2026-12-01T07:30:00Z'), 'lv', 'list')).toBe('01.12.2026 09.30');
  });
});
