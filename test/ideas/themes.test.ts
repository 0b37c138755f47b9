import { describe, expect, it } from 'vitest';
import { Themes } from '../../src/features/ideas/themes.ts';

const themes = Themes.load();
const tag = (t: string) => themes.tag(t);

describe('the twelve themes (data/themes.yaml)', () => {
  it('has the twelve themes of the seed, numbered as in DOMAIN.md, with names in lv, en and ru', () => {
    expect(themes.all.map((t) => t.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(themes.all.map((t) => t.id)).toEqual([
      'mediation', 'education', 'good-practice', 'motivation-support', 'labour-market', 'teacher-assistant',
      'parents-dialogue', 'culture-prejudice', 'existing-support', 'youth', 'family-support', 'expert-participation',
    ]);
    for (const t of themes.all) {
      expect(t.source).toMatch(/seeds\/003_07a1e3c4c4f769ab\.txt/);
      for (const lng of ['lv', 'en', 'ru'] as const) expect(t.short[lng].length).toBeLessThanOrEqual(24);
    }
    expect(themes.get('existing-support')!.original).toBe('esošo atbalsta pasākumu izmantošana romiem (ESF u.c.)');
  });

  it('tags each theme’s own name and the seed’s original wording with that theme, in every language', () => {
    for (const t of themes.all) {
      expect(tag(t.original), t.original).toContain(t.id);
      for (const lng of ['lv', 'en', 'ru'] as const) expect(tag(t.name[lng]), t.name[lng]).toContain(t.id);
    }
  });
});

describe('tagging ideas', () => {
  it('tags Latvian ideas, with and without diacritics alike', () => {
    const cases: Array<[string, string[]]> = [
      ['Piesaistīt romu skolotāja palīgu sākumskolā', ['education', 'teacher-assistant']],
      ['piesaistit romu skolotaja paligu sakumskola', ['education', 'teacher-assistant']],
      ['Romu mediatora darbs ar ģimenēm', ['mediation', 'family-support']],
      ['romu mediatora darbs ar gimenem', ['mediation', 'family-support']],
      ['Sadarbība ar NVA romu bezdarbnieku nodarbinātībai', ['labour-market']],
      ['Romu kultūras dienas pasākums skolā aizspriedumu mazināšanai', ['education', 'culture-prejudice']],
      ['Vecāku izglītošana par bērnu mācībām', ['education', 'parents-dialogue']],
      ['Iesaistīt jauniešus brīvprātīgajā darbā', ['youth']],
      ['Izmantot ESF projektu "Pumpurs" iespējas', ['existing-support']],
      ['Labās prakses popularizēšana novadā', ['good-practice']],
      ['Stipendijas un motivācijas programma romu skolēniem', ['education', 'motivation-support']],
      ['Atbalsta persona ģimenēm, kurām grūti aizpildīt veidlapas', ['family-support']],
      ['Ekspertu dalība konferencēs par romu jautājumiem', ['expert-participation']],
    ];
    for (const [idea, expected] of cases) expect(tag(idea), idea).toEqual(expected);
  });

  it('tags English ideas', () => {
    expect(tag('Hire a Roma teacher assistant for the primary school')).toEqual(['education', 'teacher-assistant']);
    expect(tag('Job fair with the State Employment Agency')).toEqual(['labour-market']);
    expect(tag("Teacher's assistant in every class")).toContain('teacher-assistant');
    expect(tag('Roma Day festival against prejudice')).toEqual(['culture-prejudice']);
    expect(tag('Apply for ESF funding')).toEqual(['existing-support']);
    expect(tag('Youth club for young Roma')).toEqual(['youth']);
  });

  it('tags Russian ideas, with ё or е and й or и', () => {
    expect(tag('Пригласить ромского медиатора в школу')).toEqual(['mediation', 'education']);
    expect(tag('Помощник учителя из ромов в начальной школе')).toEqual(['education', 'teacher-assistant']);
    expect(tag('Клуб для ромской молодёжи')).toEqual(['youth']);
    expect(tag('Клуб для ромской молодежи')).toEqual(['youth']);
    expect(tag('Встречи с родителями о важности образования')).toEqual(['education', 'parents-dialogue']);
    expect(tag('Трудоустройство ромских женщин')).toEqual(['labour-market']);
    expect(tag('Использовать проекты ЕСФ')).toEqual(['existing-support']);
    expect(tag('Семинар для специалистов самоуправления')).toEqual(['expert-participation']);
  });

  it('leaves an idea no rule matches untagged, and does not match inside unrelated words', () => {
    expect(tag('Nopirkt jaunu printeri')).toEqual([]);
    expect(tag('Tiklīdz iespējams, izveidot WhatsApp grupu')).toEqual([]);
    expect(tag('Buy a new printer')).toEqual([]);
    expect(tag('Workshop for the town hall')).toEqual([]);
    expect(tag('Долгосрочный план за счёт бюджета')).toEqual([]);
  });

  it('explains which rule tagged an idea', () => {
    expect(themes.why('skolotaja paligs', 'teacher-assistant')).toBe('skolotaj palig');
  });
});
