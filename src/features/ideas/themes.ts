import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { fold } from '../../core/text-match.ts';
import type { Language } from '../../core/types.ts';
import { DATA_DIR } from '../../data-dir.ts';
import { parseYamlCached } from '../../yaml-cache.ts';
import { type DerivedCache, derived } from '../../derived-cache.ts';

// Built on first use: a start that finds the file unchanged (the data cache) never checks it.
const ThemeSchema = z.lazy(() => {
  const Localized = z.object({ lv: z.string().min(1), en: z.string().min(1), ru: z.string().min(1) }).strict();
  const Rules = z.object({ lv: z.array(z.string().min(1)), en: z.array(z.string().min(1)), ru: z.array(z.string().min(1)) }).strict();
  return z
    .object({
      id: z.string().regex(/^[a-z][a-z-]*$/),
      n: z.number().int().min(1).max(99),
      original: z.string().min(1),
      source: z.string().min(1),
      name: Localized,
      short: Localized,
      rules: Rules,
    })
    .strict();
});
const FileSchema = z.lazy(() => z.object({ themes: z.array(ThemeSchema).min(1) }).strict());

export type Theme = z.infer<typeof ThemeSchema>;

/** One folded word of a rule: a stem (matches words that begin with it) or, with `$`, a whole word. */
interface RuleWord {
  text: string;
  whole: boolean;
}

interface CompiledRule {
  theme: string;
  words: RuleWord[];
  source: string;
}

export const THEMES_FILE = join(DATA_DIR, 'themes.yaml');

/**
 * The network's twelve themes and the rules that tag an idea with them, loaded from data/themes.yaml. Matching
 * is on folded text (no case, no diacritics), so "skolotaja paligs" is tagged like "skolotāja palīgs".
 */
export class Themes {
  readonly all: readonly Theme[];
  private readonly byId: Map<string, Theme>;
  private readonly byN: Map<number, Theme>;
  /** Rules indexed by the first letters of their first word, so tagging 50,000 ideas stays fast. */
  private readonly rules: ReadonlyMap<string, CompiledRule[]>;

  /** `rules`: compiled from the themes unless given (the data cache keeps them compiled, see `load`). */
  constructor(themes: Theme[], rules: ReadonlyMap<string, CompiledRule[]> = compileRules(themes)) {
    this.all = [...themes].sort((a, b) => a.n - b.n);
    this.byId = new Map(themes.map((t) => [t.id, t]));
    this.byN = new Map(themes.map((t) => [t.n, t]));
    if (this.byId.size !== themes.length) throw new Error('themes.yaml: duplicate theme id');
    if (this.byN.size !== themes.length) throw new Error('themes.yaml: duplicate theme number');
    this.rules = rules;
  }

  /** The themes file, checked and its rules compiled once per change of the file (folding every rule was 3–5 ms of a start). */
  static load(file = THEMES_FILE, cache: DerivedCache = derived): Themes {
    const data = cache.remember('themes', readFileSync(file, 'utf8'), (text) => {
      const { themes } = FileSchema.parse(parseYamlCached(text));
      return { themes, rules: compileRules(themes) };
    });
    return new Themes(data.themes, data.rules);
  }

  get(id: string): Theme | undefined {
    return this.byId.get(id);
  }

  byNumber(n: number): Theme | undefined {
    return this.byN.get(n);
  }

  shortName(id: string, lng: Language): string {
    return this.byId.get(id)?.short[lng] ?? id;
  }

  name(id: string, lng: Language): string {
    return this.byId.get(id)?.name[lng] ?? id;
  }

  /** Known theme ids among `ids`, in theme order, without repeats (stored JSON may be old or hand-edited). */
  normalize(ids: readonly string[]): string[] {
    const set = new Set(ids);
    return this.all.filter((t) => set.has(t.id)).map((t) => t.id);
  }

  /** The themes an idea is about, in theme order; empty when no rule matches. */
  tag(text: string): string[] {
    const words = fold(text).split(' ').filter(Boolean);
    const found = new Set<string>();
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      const candidates = this.rules.get(indexKey(w));
      if (!candidates) continue;
      for (const rule of candidates) {
        if (found.has(rule.theme)) continue;
        if (matchesAt(words, i, rule.words)) found.add(rule.theme);
      }
    }
    return this.all.filter((t) => found.has(t.id)).map((t) => t.id);
  }

  /** Which rule tagged the idea with a theme (for tests and for explaining a tag). */
  why(text: string, theme: string): string | undefined {
    const words = fold(text).split(' ').filter(Boolean);
    for (let i = 0; i < words.length; i++) {
      for (const rule of this.rules.get(indexKey(words[i]!)) ?? []) {
        if (rule.theme === theme && matchesAt(words, i, rule.words)) return rule.source;
      }
    }
    return undefined;
  }
}

/** Each rule folded into words and indexed by its first word's first two letters. */
function compileRules(themes: readonly Theme[]): Map<string, CompiledRule[]> {
  const rules = new Map<string, CompiledRule[]>();
  for (const t of themes) {
    for (const lng of ['lv', 'en', 'ru'] as const) {
      for (const rule of t.rules[lng]) {
        const words = rule
          .split(/\s+/)
          .filter(Boolean)
          .map((w) => {
            const whole = w.endsWith('$');
            return { text: fold(whole ? w.slice(0, -1) : w), whole };
          })
          .filter((w) => w.text.length > 0);
        // fold() may split a word ("teacher's" → "teacher s"); keep the pieces in order. Words shorter than three
        // letters ("ar", "in", "s") would begin too many words, so they match whole words only.
        const flat = words.flatMap((w) =>
          w.text.split(' ').map((text, i, arr) => ({ text, whole: text.length < 3 || (i < arr.length - 1 ? true : w.whole) })),
        );
        if (flat.length === 0) throw new Error(`themes.yaml: theme ${t.id}: empty rule "${rule}"`);
        const key = indexKey(flat[0]!.text);
        const list = rules.get(key) ?? [];
        list.push({ theme: t.id, words: flat, source: rule });
        rules.set(key, list);
      }
    }
  }
  return rules;
}

/** Rules are indexed by their first word's first two letters. */
function indexKey(word: string): string {
  return word.slice(0, 2);
}

function matchesAt(words: readonly string[], at: number, rule: readonly RuleWord[]): boolean {
  if (at + rule.length > words.length) return false;
  for (let j = 0; j < rule.length; j++) {
    const w = words[at + j]!;
    const r = rule[j]!;
    if (r.whole ? w !== r.text : !w.startsWith(r.text)) return false;
  }
  return true;
}
