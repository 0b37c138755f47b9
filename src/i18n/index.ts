import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import i18next, { type i18n as I18n, type TOptions } from 'i18next';
import { LRUCache } from 'lru-cache';
import { type Markup, esc } from '../core/markup.ts';
import { contentLanguage, type Language, isLanguage, LANGUAGES, UI_LANGUAGES, type UiLanguage } from '../core/types.ts';
import { ROOT } from '../data-dir.ts';
import { type Coverage, coverageOf, type Message, messagesOf } from './catalog.ts';
import { addFormatters } from './formatters.ts';
import { compileTemplate, type FillWith, fillTemplate } from './templates.ts';

export const LOCALES_DIR = join(ROOT, 'locales');
export const DEFAULT_LANGUAGE: Language = 'lv';

type Resources = Record<string, Record<string, Record<string, unknown>>>;

/**
 * Reads `locales/<lng>/<namespace>.json`: one namespace per feature, so features own their texts. A language
 * with no folder (Romani: only what people translate, kept in the database) has no texts from files.
 */
export function readLocales(dir = LOCALES_DIR, languages: readonly UiLanguage[] = UI_LANGUAGES): Resources {
  const resources: Resources = {};
  for (const lng of languages) {
    resources[lng] = {};
    if (!existsSync(join(dir, lng))) continue;
    for (const file of readdirSync(join(dir, lng)).filter((f) => f.endsWith('.json'))) {
      resources[lng]![file.replace(/\.json$/, '')] = JSON.parse(readFileSync(join(dir, lng, file), 'utf8'));
    }
  }
  return resources;
}

export interface Translator {
  /** The language of content (catalogue, themes, places) for this reader: Latvian for Romani readers. */
  readonly lng: Language;
  /** The language of the bot's own words: the reader's choice, Romani included. */
  readonly ui: UiLanguage;
  /** Markup for messages: interpolated values are escaped (use `{{- value}}` in a locale for trusted markup). */
  t(key: string, options?: TOptions): Markup;
  /** Plain text for button labels, form titles and file names: nothing is escaped. */
  plain(key: string, options?: TOptions): string;
  /** Whether the key exists (optional texts, e.g. per-programme extras). */
  has(key: string): boolean;
  /** Changes whenever texts are added or replaced (a translation applied): cached views built with older texts are stale. */
  readonly revision: number;
}

export interface I18nService {
  readonly instance: I18n;
  translator(lng: UiLanguage): Translator;
  /** The language to use for someone whose platform says `hint` (e.g. "ru-RU", "en-GB"). */
  fromHint(hint: string | undefined | null): Language;
  /** Every message of the Latvian texts: what a translation is measured against. */
  readonly messages: readonly Message[];
  /** How much of the messages a language has, from the files and from what people translated. */
  coverage(lng: UiLanguage): Coverage;
  /** Languages in language menus: Latvian, English, Russian, and others once their coverage reaches the threshold. */
  offered(): UiLanguage[];
  /** Puts texts people translated or corrected over those of the files (`key` is `namespace:path`). */
  apply(lng: UiLanguage, texts: ReadonlyArray<{ key: string; value: string }>): void;
}

export interface I18nOptions {
  /** Percent of the messages a language needs before it is offered in language menus (default 80). */
  menuCoverage?: number;
}

/**
 * A value that ends a sentence with its own full stop ("8 декабря 2026 г.", "u.c.") and a text that adds one would
 * print two; one is kept. An ellipsis ("…" or "...") is left alone.
 */
const TIDY = 'tidy';
const tidy = {
  type: 'postProcessor' as const,
  name: TIDY,
  process: (value: string) => value.replace(/(?<!\.)\.\.(?!\.)/g, '.'),
};

export async function createI18n(dir = LOCALES_DIR, options: I18nOptions = {}): Promise<I18nService> {
  // Latvian, the source and every language's fallback, is read now; the others when first asked for: most starts
  // answer a handful of people in one or two languages, and parsing every language's texts was 3–4 ms of each start.
  const resources = readLocales(dir, [DEFAULT_LANGUAGE]);
  const namespaces = Object.keys(resources[DEFAULT_LANGUAGE] ?? {});
  const instance = i18next.createInstance().use(tidy);
  await instance.init({
    resources,
    lng: DEFAULT_LANGUAGE,
    fallbackLng: DEFAULT_LANGUAGE,
    supportedLngs: [...UI_LANGUAGES],
    ns: namespaces,
    defaultNS: 'common',
    fallbackNS: 'common',
    returnNull: false,
    initAsync: false,
    interpolation: { escapeValue: true, escape: (s: string) => esc(s) },
    postProcess: [TIDY],
  } as Parameters<I18n['init']>[0]);
  addFormatters(instance);

  // Plain text is translated by a clone that never escapes: passing `interpolation` options per call instead
  // makes i18next rebuild its interpolator (and its regular expressions) twice on every call.
  const unescaped = instance.cloneInstance({ interpolation: { escapeValue: false } });
  // Texts without options depend on nothing but the resources: each is looked up once per language. Resources
  // added or removed later (translations people apply) empty the memo.
  const memos: Array<{ clear(): void }> = [];
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
  // Texts whose values are numbers or days repeat too: the same values give the same text. A day formatted in a
  // button's label took 30 µs (i18next reads the format's options on every call). Text values are not kept: they
  // may be what someone typed.
  const memoWith = <T extends string>(compute: (key: string, options: TOptions) => T): ((key: string, options: TOptions) => T) => {
    const cache = new LRUCache<string, T>({ max: 2000 });
    memos.push(cache);
    return (key, options) => {
      const id = valuesKey(key, options);
      if (id === undefined) return compute(key, options);
      let text = cache.get(id);
      if (text === undefined) cache.set(id, (text = compute(key, options)));
      return text;
    };
  };
  let revision = 0;
  const forget = () => {
    revision++;
    for (const m of memos) m.clear();
  };
  instance.store.on('added', forget);
  instance.store.on('removed', forget);

  const loaded = new Set<UiLanguage>([DEFAULT_LANGUAGE]);
  /** A language's texts from the files, added once, before anything reads them or people's translations go over them. */
  const ensureLoaded = (lng: UiLanguage) => {
    if (loaded.has(lng)) return;
    loaded.add(lng);
    for (const [ns, tree] of Object.entries(readLocales(dir, [lng])[lng]!)) instance.addResourceBundle(lng, ns, tree, true, true);
  };
  const ensureAllLoaded = () => UI_LANGUAGES.forEach(ensureLoaded);

  const formatter = instance.services.formatter!;
  const translators = new Map<UiLanguage, Translator>();
  for (const lng of UI_LANGUAGES) {
    // `t` with the language as an option is what getFixedT's function does, less a copy of every i18next option
    // on each call (5% of an update in a profile).
    const fixed = (key: string, options?: TOptions) => instance.t(key, { ...options, lng });
    const fixedPlain = (key: string, options?: TOptions) => unescaped.t(key, { ...options, lng });
    const markupOf = memo((key) => fixed(key) as unknown as Markup);
    const plainOf = memo((key) => fixedPlain(key) as string);
    const hasKey = memo((key) => instance.exists(key, { lng, fallbackLng: false } as TOptions));
    // Texts with values: read once into parts (the reader's language, else Latvian, as i18next falls back).
    const templateOf = memo((key) => {
      const [ns, path] = splitKey(key);
      for (const code of lng === DEFAULT_LANGUAGE ? [lng] : [lng, DEFAULT_LANGUAGE]) {
        const text = instance.getResource(code, ns, path) as unknown;
        if (text !== undefined) return typeof text === 'string' ? compileTemplate(text) : undefined;
      }
      return undefined;
    });
    const formatWith = (value: unknown, format: string, o: Record<string, unknown>) => formatter.format(value, format, lng, { ...o, lng });
    const asMarkup: FillWith = { escape: esc, format: formatWith };
    const asPlain: FillWith = { format: formatWith };
    const filled = (key: string, options: TOptions, how: FillWith): string | undefined => {
      const parts = key.includes(':') ? templateOf(key) : undefined;
      const text = parts && fillTemplate(parts, options as Record<string, unknown>, how);
      return text === undefined ? undefined : tidy.process(text);
    };
    const markupWith = memoWith((key, options) => (filled(key, options, asMarkup) ?? fixed(key, options)) as unknown as Markup);
    const plainWith = memoWith((key, options) => filled(key, options, asPlain) ?? (fixedPlain(key, options) as string));
    translators.set(lng, {
      lng: contentLanguage(lng),
      ui: lng,
      t: (key, options) => (options === undefined ? markupOf(key) : markupWith(key, options)),
      plain: (key, options) => (options === undefined ? plainOf(key) : plainWith(key, options)),
      has: hasKey,
      get revision() {
        return revision;
      },
    });
  }

  // Listed when first asked for (coverage, translation sheets), not at every start.
  let messages: Message[] | undefined;
  const allMessages = () => (messages ??= messagesOf(resources[DEFAULT_LANGUAGE] ?? {}));
  const menuCoverage = options.menuCoverage ?? 80;
  // Coverage is counted again only after texts are added (a translation applied).
  const coverages = new Map<UiLanguage, Coverage>();
  instance.store.on('added', () => coverages.clear());
  const coverage = (lng: UiLanguage): Coverage => {
    ensureLoaded(lng);
    let c = coverages.get(lng);
    if (!c) {
      c = coverageOf(allMessages(), lng, (key) => {
        const [ns, path] = splitKey(key);
        return instance.getResource(lng, ns, path) !== undefined;
      });
      coverages.set(lng, c);
    }
    return c;
  };

  return {
    get instance() {
      ensureAllLoaded();
      return instance;
    },
    get messages() {
      return allMessages();
    },
    coverage,
    offered: () => UI_LANGUAGES.filter((l) => (LANGUAGES as readonly string[]).includes(l) || coverage(l).percent >= menuCoverage),
    apply: (lng, texts) => {
      ensureLoaded(lng);
      for (const { key, value } of texts) {
        const [ns, path] = splitKey(key);
        // Each addition tells the store's listeners (coverage, memoized texts) to count again.
        instance.addResource(lng, ns, path, value);
      }
    },
    translator: (lng) => {
      ensureLoaded(lng);
      return translators.get(lng)!;
    },
    fromHint: (hint) => {
      const base = hint?.toLowerCase().split(/[-_]/)[0];
      return isLanguage(base) ? base : DEFAULT_LANGUAGE;
    },
  };
}

/** `ns:path.to.key` → [`ns`, `path.to.key`]. */
export function splitKey(key: string): [string, string] {
  const i = key.indexOf(':');
  return [key.slice(0, i), key.slice(i + 1)];
}

/** A day, a time or a number written as text (`2026-12-02`, `2026-12-02T10:30:00Z`, `13:00`). */
const DAY_OR_NUMBER = /^[\d:.+TZ-]{1,30}$/;
/** The key and its values as one string; undefined when a value is text, an object or anything else not to keep. */
function valuesKey(key: string, options: TOptions): string | undefined {
  let id = key;
  for (const name in options) {
    const v: unknown = (options as Record<string, unknown>)[name];
    if (typeof v === 'string') {
      if (!DAY_OR_NUMBER.test(v)) return undefined;
      id += `\u0000${name}\u0001s${v}`;
    } else if (typeof v === 'number' || typeof v === 'boolean') id += `\u0000${name}\u0001${typeof v === 'number' ? 'n' : 'b'}${v}`;
    else if (v !== undefined) return undefined;
  }
  return id;
}
