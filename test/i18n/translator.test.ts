import { describe, expect, it } from 'vitest';
import { createI18n } from '../../src/i18n/index.ts';

describe('translators', () => {
  it('escape values in messages and leave them alone in plain text, in each language asked for', async () => {
    const i18n = await createI18n();
    const lv = i18n.translator('lv');
    const en = i18n.translator('en');
    expect(lv.t('common:errors.unknown_command', { command: '<b>x&y</b>' })).toContain('/&lt;b&gt;x&amp;y&lt;/b&gt;');
    expect(lv.plain('common:errors.unknown_command', { command: '<b>x&y</b>' })).toContain('/<b>x&y</b>');
    // Escaping for one call does not leak into the next (i18next keeps one interpolator per instance).
    expect(lv.t('common:errors.unknown_command', { command: 'a<b' })).toContain('/a&lt;b');
    expect(en.t('common:buttons.cancel')).toBe('Cancel');
    expect(lv.t('common:buttons.cancel')).toBe('Atcelt');
    expect(en.has('common:buttons.cancel')).toBe(true);
    expect(en.has('common:buttons.no_such_button')).toBe(false);
  });

  it('see texts added after start', async () => {
    const i18n = await createI18n();
    const en = i18n.translator('en');
    expect(en.plain('common:extra.greeting')).not.toBe('Hello');
    expect(en.has('common:extra.greeting')).toBe(false);
    i18n.instance.addResourceBundle('en', 'common', { extra: { greeting: 'Hello' } }, true, true);
    expect(en.plain('common:extra.greeting')).toBe('Hello');
    expect(en.has('common:extra.greeting')).toBe(true);
  });

  it('see a text with values replaced after start, though the same values were asked for before', async () => {
    const i18n = await createI18n();
    const en = i18n.translator('en');
    const before = en.plain('programmes:flow.date_button', { date: '2026-12-02' });
    expect(en.plain('programmes:flow.date_button', { date: '2026-12-02' })).toBe(before);
    i18n.apply('en', [{ key: 'programmes:flow.date_button', value: 'As of {{date, date}} (<i>change</i>)' }]);
    expect(en.plain('programmes:flow.date_button', { date: '2026-12-02' })).toBe('As of 2 December 2026 (<i>change</i>)');
    expect(en.t('programmes:flow.date_button', { date: '2026-12-02' })).toBe('As of 2 December 2026 (<i>change</i>)');
    // Kept texts are told apart by every value.
    expect(en.plain('programmes:flow.question_head', { n: 3 })).not.toBe(en.plain('programmes:flow.question_head', { n: 4 }));
    expect(en.plain('programmes:flow.date_button', { date: '2026-12-03' })).toBe('As of 3 December 2026 (<i>change</i>)');
  });
});

describe('texts with values', () => {
  it('read the same as i18next gives them: every text of every language, escaped and plain, with awkward values', async () => {
    const { Municipalities } = await import('../../src/features/people/municipalities.ts');
    const { UI_LANGUAGES } = await import('../../src/core/types.ts');
    const { splitKey } = await import('../../src/i18n/index.ts');
    const i18n = await createI18n();
    // Some Romani texts, as translators would apply them, so a language with few texts is compared too.
    i18n.apply('rom', [{ key: 'common:errors.unknown_command', value: 'Na džanav /{{command}}.' }]);
    const plain = i18n.instance.cloneInstance({ interpolation: { escapeValue: false } });
    const place = Municipalities.load().get('talsi')!.place;
    const sample = (format: string | undefined, variant: number): unknown => {
      const name = format?.split('(')[0]?.trim();
      if (name === 'date') return ['2026-12-01', '2021-09-01', 'not a date'][variant];
      if (name === 'dates') return [{ from: '2026-12-01', until: '2026-12-03' }, '2016–2020', { from: '2021-05-27', until: '2021-05-27' }][variant];
      if (name === 'moment') return ['2026-12-01T10:30:00Z', new Date('2021-03-28T00:30:00Z'), 'nonsense'][variant];
      if (name === 'clock') return ['09:30–10:00', '13:00', ''][variant];
      if (name === 'place') return [place, 'Sabile & <Talsi>', place][variant];
      return ['a <b>&amp; "c"</b>', 0, ''][variant];
    };
    let compared = 0;
    for (const lng of UI_LANGUAGES) {
      const tr = i18n.translator(lng);
      const keys = new Set<string>();
      for (const code of [lng, 'lv']) {
        for (const [ns, tree] of Object.entries(i18n.instance.store.data[code] ?? {})) {
          const walk = (o: Record<string, unknown>, prefix: string) => {
            for (const [k, v] of Object.entries(o)) {
              if (v && typeof v === 'object') walk(v as Record<string, unknown>, `${prefix}${k}.`);
              else keys.add(`${ns}:${prefix}${k}`.replace(/_(zero|one|two|few|many|other)$/, ''));
            }
          };
          walk(tree as Record<string, unknown>, '');
        }
      }
      for (const key of keys) {
        const [ns, path] = splitKey(key);
        const text = String(i18n.instance.getResource(lng, ns, path) ?? i18n.instance.getResource('lv', ns, path) ?? i18n.instance.getResource('lv', ns, `${path}_other`) ?? '');
        const names = [...text.matchAll(/\{\{-?\s*([^},]+?)\s*(?:,\s*([^}]*))?\}\}/g)].map((m) => [m[1]!, m[2]] as const);
        for (let variant = 0; variant < 3; variant++) {
          const options: Record<string, unknown> = {};
          for (const [name, format] of names) options[name] = sample(format, variant);
          // Texts with plural forms get a count (i18next picks the form) in one variant.
          if (variant === 1 && i18n.instance.getResource('lv', ns, `${path}_other`) !== undefined) options.count = 3;
          expect(tr.t(key, options), `${lng} ${key} #${variant}`).toBe(i18n.instance.t(key, { ...options, lng }));
          expect(tr.plain(key, options), `${lng} ${key} #${variant} (plain)`).toBe(plain.t(key, { ...options, lng }));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(3000);
  });
});
