import { describe, expect, it } from 'vitest';
import { createI18n } from '../../src/i18n/index.ts';

const SLOW_DOWN_RU = 'Пожалуйста, чуть медленнее: слишком много сообщений за короткое время. Через минуту можно продолжить.';

/** Languages other than Latvian are read when first asked for (issue 17): nothing a reader sees may change. */
describe('languages read when first asked for', () => {
  it('answers in Russian and English from the files on first use', async () => {
    const i18n = await createI18n();
    expect(i18n.translator('ru').plain('common:errors.slow_down')).toBe(SLOW_DOWN_RU);
    expect(i18n.translator('en').plain('common:yes')).not.toBe(i18n.translator('lv').plain('common:yes'));
  });

  it("keeps people's translations over the files when they are applied before the language is first used", async () => {
    const i18n = await createI18n();
    i18n.apply('ru', [{ key: 'common:errors.slow_down', value: 'Чуть медленнее, пожалуйста.' }]);
    expect(i18n.translator('ru').plain('common:errors.slow_down')).toBe('Чуть медленнее, пожалуйста.');
    // A text nobody translated still comes from the file.
    expect(i18n.translator('ru').plain('common:yes')).toBe('да');
  });

  it('counts coverage and offers menus from the files of languages not yet used', async () => {
    const i18n = await createI18n();
    expect(i18n.coverage('ru').percent).toBeGreaterThanOrEqual(80);
    expect(i18n.offered()).toEqual(expect.arrayContaining(['lv', 'en', 'ru']));
    expect(i18n.instance.getResource('en', 'common', 'errors.slow_down')).toBeTypeOf('string');
  });
});
