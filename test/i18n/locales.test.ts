import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LANGUAGES } from '../../src/core/types.ts';
import { createI18n, LOCALES_DIR, readLocales } from '../../src/i18n/index.ts';

const PLURAL_SUFFIX = /_(zero|one|two|few|many|other)$/;

function flatten(obj: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    v && typeof v === 'object' ? flatten(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

const resources = readLocales();
/** ns:key without plural suffixes, per language, and the plural forms each plural key has. */
function keysOf(lng: string) {
  const plain = new Set<string>();
  const plurals = new Map<string, Set<string>>();
  for (const [ns, tree] of Object.entries(resources[lng]!)) {
    for (const key of flatten(tree)) {
      const m = PLURAL_SUFFIX.exec(key);
      if (m) {
        const base = `${ns}:${key.slice(0, -m[0].length)}`;
        if (!plurals.has(base)) plurals.set(base, new Set());
        plurals.get(base)!.add(m[1]!);
      } else plain.add(`${ns}:${key}`);
    }
  }
  return { plain, plurals };
}

describe('locales', () => {
  it('has the same namespaces and keys in lv, en and ru', () => {
    const lv = keysOf('lv');
    for (const lng of LANGUAGES) {
      expect(Object.keys(resources[lng]!).sort(), `${lng} namespaces`).toEqual(Object.keys(resources.lv!).sort());
      const other = keysOf(lng);
      expect([...other.plain].sort(), `${lng} keys`).toEqual([...lv.plain].sort());
      expect([...other.plurals.keys()].sort(), `${lng} plural keys`).toEqual([...lv.plurals.keys()].sort());
    }
  });

  it('has every CLDR plural form each language needs (lv: zero/one/other, ru: one/few/many/other)', () => {
    for (const lng of LANGUAGES) {
      const needed = new Intl.PluralRules(lng).resolvedOptions().pluralCategories;
      for (const [key, forms] of keysOf(lng).plurals) {
        for (const form of needed) expect(forms.has(form), `${lng} ${key}_${form}`).toBe(true);
      }
    }
  });

  it('picks Latvian plural forms as CLDR says: 0, 10–20, 30 zero; 1, 21, 31 one', async () => {
    const i18n = await createI18n();
    const lv = i18n.translator('lv');
    expect(lv.t('common:errors.too_long', { count: 4021, max: 4000 })).toContain('4021 rakstzīme,');
    expect(lv.t('common:errors.too_long', { count: 4010, max: 4000 })).toContain('4010 rakstzīmes');
    const ru = i18n.translator('ru');
    expect(ru.t('common:errors.too_long', { count: 4022, max: 4000 })).toContain('4022 символа');
    expect(ru.t('common:errors.too_long', { count: 4025, max: 4000 })).toContain('4025 символов');
  });

  it('has no empty texts and balanced markup tags', () => {
    for (const lng of LANGUAGES) {
      for (const [ns, tree] of Object.entries(resources[lng]!)) {
        const walk = (o: Record<string, unknown>, path: string) => {
          for (const [k, v] of Object.entries(o)) {
            if (v && typeof v === 'object') walk(v as Record<string, unknown>, `${path}${k}.`);
            else {
              expect(String(v).trim(), `${lng}/${ns}:${path}${k}`).not.toBe('');
              const opens = String(v).match(/<(b|i|u|s|code|pre|a)[\s>]/g)?.length ?? 0;
              const closes = String(v).match(/<\/(b|i|u|s|code|pre|a)>/g)?.length ?? 0;
              expect(opens, `${lng}/${ns}:${path}${k} tags`).toBe(closes);
            }
          }
        };
        walk(tree as Record<string, unknown>, '');
      }
    }
  });

  it('has every key the code asks for', () => {
    const lv = keysOf('lv');
    const known = (k: string) => lv.plain.has(k) || lv.plurals.has(k);
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk(join(LOCALES_DIR, '..', 'src'));
    walk(join(LOCALES_DIR, '..', 'adapters'));
    const missing: string[] = [];
    for (const file of files) {
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/['"`]([a-z_]+:[a-z0-9_]+(?:\.[a-z0-9_]+)+)['"`]/g)) {
        const key = m[1]!;
        const ns = key.split(':')[0]!;
        if (!(ns in resources.lv!)) continue; // not a locale key (button data such as 'lang:set')
        if (!known(key)) missing.push(`${file}: ${key}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
