import { describe, expect, it } from 'vitest';
import { translit } from '../../src/core/text-match.ts';
import { Municipalities } from '../../src/features/people/municipalities.ts';

const municipalities = Municipalities.load();

/** Latvian place-name declension, written out independently of the data: nominative → genitive, locative. */
function lvForms(nom: string): [string, string] {
  if (nom.endsWith(' novads')) return [`${nom.slice(0, -1)}a`, `${nom.slice(0, -1)}ā`];
  if (nom.endsWith('pils')) return [nom, `${nom.slice(0, -1)}ī`]; // sixth declension: Daugavpils, Daugavpilī
  if (nom.endsWith('a')) return [`${nom}s`, `${nom.slice(0, -1)}ā`]; // fourth: Rīga, Rīgas, Rīgā
  if (nom.endsWith('e')) return [`${nom}s`, `${nom.slice(0, -1)}ē`]; // fifth: Rēzekne, Kurzeme
  if (nom.endsWith('s')) return [`${nom.slice(0, -1)}a`, `${nom.slice(0, -1)}ā`]; // first: Rīgas reģions
  throw new Error(`no rule for ${nom}`);
}

/** Russian: "-ский край" declines as an adjective with its noun; the cities as the data says (Резекне does not decline). */
function ruForms(nom: string): [string, string] | undefined {
  const m = /^(.+)ский край$/.exec(nom);
  return m ? [`${m[1]}ского края`, `${m[1]}ском крае`] : undefined;
}

describe('municipality and region names', () => {
  it('has all 43 municipalities in five regions', () => {
    expect(municipalities.all).toHaveLength(43);
    expect(municipalities.regions.map((r) => r.id).sort()).toEqual(['kurzeme', 'latgale', 'riga', 'vidzeme', 'zemgale']);
  });

  it('gives every municipality and region its Latvian genitive and locative by the declension of its name', () => {
    for (const m of municipalities.all) {
      const [gen, loc] = lvForms(m.place.lv.nom);
      expect(m.place.lv, m.id).toEqual({ nom: m.name, gen, loc });
    }
    for (const r of municipalities.regions) {
      const [gen, loc] = lvForms(r.place.lv.nom);
      expect(r.place.lv, r.id).toEqual({ nom: r.name.lv, gen, loc });
    }
    expect(`No ${municipalities.get('talsi')!.place.in('lv', 'gen')}`).toBe('No Talsu novada');
    expect(municipalities.region('kurzeme')!.place.in('lv', 'gen')).toBe('Kurzemes');
    expect(municipalities.get('daugavpils')!.place.in('lv', 'loc')).toBe('Daugavpilī');
    expect(municipalities.get('ventspils')!.place.in('lv', 'loc')).toBe('Ventspilī');
  });

  it('gives every municipality its Russian name in the cases Russian messages use', () => {
    for (const m of municipalities.all) {
      const want = ruForms(m.place.ru.nom);
      if (want) expect([m.place.ru.gen, m.place.ru.loc], m.id).toEqual(want);
      else expect(m.place.ru.nom, m.id).not.toMatch(/край/);
      expect(m.place.ru.nom, m.id).toMatch(/^[\u0400-\u04ff -]+$/);
      expect(m.place.en, m.id).toMatch(m.name.endsWith('novads') ? / Municipality$/ : /^[^ ]+$/);
    }
    expect(`Из ${municipalities.get('talsi')!.place.in('ru', 'gen')}`).toBe('Из Талсинского края');
    expect(`в ${municipalities.get('daugavpils')!.place.in('ru', 'loc')}`).toBe('в Даугавпилсе');
    expect(municipalities.get('rezekne')!.place.in('ru', 'gen')).toBe('Резекне');
    // Romani readers see the Latvian forms; English has no cases.
    expect(municipalities.get('talsi')!.place.in('rom', 'gen')).toBe('Talsu novada');
    expect(municipalities.get('talsi')!.place.in('en', 'gen')).toBe('Talsi Municipality');
  });

  it('finds each municipality by every name and case it has, in Latvian, Russian and English', () => {
    const ids = (typed: string) => municipalities.find(typed).map((x) => x.id);
    for (const m of municipalities.all) {
      for (const typed of [...Object.values(m.place.lv), ...Object.values(m.place.ru), m.place.en]) {
        // "Ventspils" and "Jelgavas" name a city and a novads alike: both are offered, never more.
        expect(ids(typed), `${m.id}: ${typed}`).toContain(m.id);
        expect(ids(typed).length, `${m.id}: ${typed}`).toBeLessThanOrEqual(2);
      }
      // A Russian speaker is offered what a Latvian typing the Latvian name is.
      expect(ids(m.place.ru.nom), m.id).toEqual(ids(m.name));
    }
  });

  it('finds Russian spellings of towns and Russian phrases', () => {
    const ids = (typed: string) => municipalities.find(typed).map((m) => m.id);
    expect(ids('Даугавпилс')).toEqual(['daugavpils']);
    expect(ids('в Даугавпилсе')).toEqual(['daugavpils']);
    expect(ids('из Даугавпилса')).toEqual(['daugavpils']);
    expect(ids('даугавпилс')).toEqual(['daugavpils']);
    expect(ids('Талси')).toEqual(['talsi']);
    expect(ids('Сабиле')).toEqual(['talsi']);
    expect(ids('Елгава')).toEqual(['jelgava']);
    expect(ids('Лиепая')).toEqual(['liepaja']);
    expect(ids('Варакляны')).toEqual(['varaklani']);
    expect(ids('Виляка')).toEqual(['balvi']);
    expect(ids('Айзкраукле')).toEqual(['aizkraukle']);
    expect(ids('Talsi')).toEqual(['talsi']);
    expect(ids('talsu')).toEqual(['talsi']);
  });

  it('finds regions by any of their names and cases', () => {
    expect(municipalities.findRegion('Kurzemes')?.id).toBe('kurzeme');
    expect(municipalities.findRegion('Курземе')?.id).toBe('kurzeme');
    expect(municipalities.findRegion('Рижский регион')?.id).toBe('riga');
    expect(municipalities.findRegion('Latgalē')?.id).toBe('latgale');
    expect(municipalities.findRegion('Talsi')).toBeUndefined();
    expect(municipalities.findRegion('Rīga')).toBeUndefined(); // the city
    expect(municipalities.findRegion('Kurz')?.id).toBe('kurzeme');
  });

  it('reads Russian Cyrillic back into Latvian letters', () => {
    expect(translit('Даугавпилс')).toBe('Daugavpils');
    expect(translit('Елгава')).toBe('Jelgava');
    expect(translit('Лиепая')).toBe('Liepaja');
    expect(translit('Юрмала')).toBe('Jurmala');
    expect(translit('Резекне')).toBe('Rezekne');
    expect(translit('Цесис')).toBe('Cesis');
  });
});
