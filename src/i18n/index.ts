import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import i18next, { type i18n as I18n, type TOptions } from 'i18next';
import { type Markup, esc } from '../core/markup.ts';
import { LANGUAGES, type Language, isLanguage } from '../core/types.ts';
import { ROOT } from '../data-dir.ts';

export const LOCALES_DIR = join(ROOT, 'locales');
export const DEFAULT_LANGUAGE: Language = 'lv';

type Resources = Record<string, Record<string, Record<string, unknown>>>;

/** Reads `locales/<lng>/<namespace>.json`: one namespace per feature, so features own their texts. */
export function readLocales(dir = LOCALES_DIR): Resources {
  const resources: Resources = {};
  for (const lng of LANGUAGES) {
    resources[lng] = {};
    for (const file of readdirSync(join(dir, lng)).filter((f) => f.endsWith('.json'))) {
      resources[lng]![file.replace(/\.json$/, '')] = JSON.parse(readFileSync(join(dir, lng, file), 'utf8'));
    }
  }
  return resources;
}

export interface Translator {
  readonly lng: Language;
  /** Markup for messages: interpolated values are escaped (use `{{- value}}` in a locale for trusted markup). */
  t(key: string, options?: TOptions): Markup;
  /** Plain text for button labels, form titles and file names: nothing is escaped. */
  plain(key: string, options?: TOptions): string;
  /** Whether the key exists (optional texts, e.g. per-programme extras). */
  has(key: string): boolean;
}

export interface I18nService {
  readonly instance: I18n;
  translator(lng: Language): Translator;
  /** The language to use for someone whose platform says `hint` (e.g. "ru-RU", "en-GB"). */
  fromHint(hint: string | undefined | null): Language;
}

export async function createI18n(dir = LOCALES_DIR): Promise<I18nService> {
  const resources = readLocales(dir);
  const namespaces = Object.keys(resources[DEFAULT_LANGUAGE] ?? {});
  const instance = i18next.createInstance();
  await instance.init({
    resources,
    lng: DEFAULT_LANGUAGE,
    fallbackLng: DEFAULT_LANGUAGE,
    supportedLngs: [...LANGUAGES],
    ns: namespaces,
    defaultNS: 'common',
    fallbackNS: 'common',
    returnNull: false,
    initAsync: false,
    interpolation: { escapeValue: true, escape: (s: string) => esc(s) },
  } as Parameters<I18n['init']>[0]);

  // Plain text is translated by a clone that never escapes: passing `interpolation` options per call instead
  // makes i18next rebuild its interpolator (and its regular expressions) twice on every call.
  const unescaped = instance.cloneInstance({ interpolation: { escapeValue: false } });
  // Texts without options depend on nothing but the resources: each is looked up once per language. Resources
  // added or removed later (none are today) empty the memo.
  const memos: Array<Map<string, unknown>> = [];
  const memo = <T>(compute: (key: string) => T): ((key: string) => T) => {
    const cache = new Map<string, T>();
    memos.push(cache);
    return (key) => {
      let v = cache.get(key);
      if (v === undefined && !cache.has(key)) {
        // Keys are the code's own, a few thousand at most; the bound is only against a key built from input.
        if (cache.size >= 20_000) cache.clear();
        cache.set(key, (v = compute(key)));
      }
      return v as T;
    };
  };
  const forget = () => {
    for (const m of memos) m.clear();
  };
  instance.store.on('added', forget);
  instance.store.on('removed', forget);

  const translators = new Map<Language, Translator>();
  for (const lng of LANGUAGES) {
    // `t` with the language as an option is what getFixedT's function does, less a copy of every i18next option
    // on each call (5% of an update in a profile).
    const fixed = (key: string, options?: TOptions) => instance.t(key, { ...options, lng });
    const fixedPlain = (key: string, options?: TOptions) => unescaped.t(key, { ...options, lng });
    const markupOf = memo((key) => fixed(key) as unknown as Markup);
    const plainOf = memo((key) => fixedPlain(key) as string);
    const hasKey = memo((key) => instance.exists(key, { lng, fallbackLng: false } as TOptions));
    translators.set(lng, {
      lng,
      t: (key, options) => (options === undefined ? markupOf(key) : (fixed(key, options) as unknown as Markup)),
      plain: (key, options) => (options === undefined ? plainOf(key) : (fixedPlain(key, options) as string)),
      has: hasKey,
    });
  }

  return {
    instance,
    translator: (lng) => translators.get(lng)!,
    fromHint: (hint) => {
      const base = hint?.toLowerCase().split(/[-_]/)[0];
      return isLanguage(base) ? base : DEFAULT_LANGUAGE;
    },
  };
}
