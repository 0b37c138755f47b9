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
});
