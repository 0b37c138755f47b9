import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { Language } from '../core/types.ts';
import { DATA_DIR } from '../data-dir.ts';
import { parseYamlCached } from '../yaml-cache.ts';
import { derived } from '../derived-cache.ts';

/**
 * The network's own documents, named for people: a mediator sees "Report on the network meeting of 27 May 2021
 * (Ministry of Culture)", never `003_07a1e3c4c4f769ab.txt`. Read once from data/seeds.yaml.
 */
// Built on first use: a start that finds the file unchanged (the data cache) never checks it.
const SeedEntry = z.lazy(() => {
  const text = z.string().trim().min(1);
  const L = z.object({ lv: text, en: text, ru: text }).strict();
  return z
    .object({
      /** The document's own date, or only its year where it gives no day. */
      date: z.string().regex(/^\d{4}(-\d{2}-\d{2})?$/),
      publisher: L,
      title: L,
    })
    .strict();
});
export type SeedEntry = z.infer<typeof SeedEntry>;

export const SEEDS_FILE = join(DATA_DIR, 'seeds.yaml');

let cache: Map<string, SeedEntry> | undefined;

/** The seed registry; a broken file is a developer's error and stops the start, like a missing locale. */
export function seeds(): Map<string, SeedEntry> {
  if (!cache) {
    const raw = derived.remember('seeds', readFileSync(SEEDS_FILE, 'utf8'), (text) => z.record(z.string(), SeedEntry).parse(parseYamlCached(text)));
    cache = new Map(Object.entries(raw));
  }
  return cache;
}

/**
 * A source line for people (a visit's `source`): a seed file name followed by its own description ("002_….txt — KM
 * presentation …") loses the file name; a bare file name becomes the document's title in the reader's language.
 */
export function withSeedTitles(text: string, lng: Language): string {
  return text.replace(/(\d{3}_[0-9a-f]{16}\.txt)(\s*—\s*)?/g, (whole, file: string, dash?: string) => {
    if (dash) return '';
    const seed = seeds().get(file);
    return seed ? `${seed.title[lng]} (${seed.publisher[lng]})` : whole;
  });
}
