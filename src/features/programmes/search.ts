import { distance } from 'fastest-levenshtein';
import { LRUCache } from 'lru-cache';
import { fold, stemOfFolded, stems, stemsOfFolded } from '../../core/text-match.ts';
import type { Catalogue, Programme } from './catalogue.ts';

/**
 * Finding a programme by the words people type: case, missing Latvian diacritics and word endings do not matter
 * ("pumpurs", "Pumpura", "skolotaja paligs", "motivacijas programma"), and one typo in a longer word is forgiven.
 */

/** Words too common in programme names to pick one out. */
const STOP = new Set(
  ['programma', 'programme', 'program', 'programs', 'programmes', 'программа', 'программы', 'projekts', 'project', 'проект', 'esf', 'the', 'of', 'and', 'for', 'un', 'par', 'uz', 'и', 'для', 'по'].map(
    (w) => stems(w)[0] ?? w,
  ),
);

interface Entry {
  programme: Programme;
  /** Folded names and aliases, for whole-phrase matches. */
  phrases: string[];
  terms: string[];
}

const cache = new WeakMap<Catalogue, Entry[]>();

function index(catalogue: Catalogue): Entry[] {
  let entries = cache.get(catalogue);
  if (!entries) {
    entries = catalogue.programmes.map((p) => {
      const texts = [
        ...Object.values(p.name),
        ...(p.project ? Object.values(p.project) : []),
        ...Object.values(p.operator),
        ...p.aliases,
        p.id.replace(/-/g, ' '),
      ];
      return {
        programme: p,
        phrases: [...Object.values(p.name), ...p.aliases, p.id].map(fold),
        terms: [...new Set(texts.flatMap(stems))],
      };
    });
    cache.set(catalogue, entries);
  }
  return entries;
}

/**
 * The programmes one typed word matches, remembered per catalogue: the same words come again and again ("labdien",
 * "programma", a name), and comparing one with every term (edit distance included) was 4% of an update.
 */
const byWord = new WeakMap<Catalogue, LRUCache<string, Set<Entry>>>();
function entriesMatching(catalogue: Catalogue, entries: Entry[], word: string): Set<Entry> {
  let memo = byWord.get(catalogue);
  if (!memo) byWord.set(catalogue, (memo = new LRUCache<string, Set<Entry>>({ max: 5000 })));
  let set = memo.get(word);
  if (!set) memo.set(word, (set = new Set(entries.filter((e) => e.terms.some((t) => termMatches(word, t))))));
  return set;
}

function termMatches(q: string, t: string): boolean {
  if (q === t) return true;
  if (q.length >= 5 && t.length >= 5 && (t.startsWith(q) || q.startsWith(t))) return true;
  const allowed = q.length >= 7 ? 2 : q.length >= 5 ? 1 : 0;
  return allowed > 0 && Math.abs(q.length - t.length) <= allowed && distance(q, t) <= allowed;
}

export interface SearchResult {
  /** Programmes every meaningful word of the query matches, best first. */
  matches: Programme[];
  /** When nothing matches: the closest names, to suggest. */
  suggestions: Programme[];
}

export function searchProgrammes(catalogue: Catalogue, query: string, suggest = true): SearchResult {
  return searchFolded(catalogue, fold(query), suggest);
}

function searchFolded(catalogue: Catalogue, q: string, suggest: boolean): SearchResult {
  const entries = index(catalogue);
  if (!q) return { matches: [], suggestions: [] };
  const byId = catalogue.byId.get(q.replace(/ /g, '-'));
  if (byId) return { matches: [byId], suggestions: [] };
  const exact = entries.filter((e) => e.phrases.includes(q)).map((e) => e.programme);
  if (exact.length) return { matches: exact, suggestions: [] };
  const all = stemsOfFolded(q);
  const words = all.filter((w) => !STOP.has(w));
  const wanted = words.length ? words : all;
  const found = wanted.map((w) => entriesMatching(catalogue, entries, w));
  const scored = entries.map((e) => ({ e, hits: found.filter((set) => set.has(e)).length })).filter((x) => x.hits > 0);
  const matches = scored.filter((x) => x.hits === wanted.length).map((x) => x.e.programme);
  if (matches.length || !suggest) return { matches, suggestions: [] };
  // Nothing matches every word: suggest the programmes matching most words, then the closest names.
  const partial = scored.sort((a, b) => b.hits - a.hits).map((x) => x.e.programme);
  const closest = entries
    .map((e) => ({ p: e.programme, d: Math.min(...e.phrases.map((ph) => distance(q, ph.slice(0, q.length + 3)) / Math.max(q.length, 1))) }))
    .sort((a, b) => a.d - b.d)
    .filter((x) => !partial.includes(x.p))
    .map((x) => x.p);
  return { matches: [], suggestions: [...partial, ...closest].slice(0, 3) };
}

/**
 * Free text outside a conversation that names a programme ("pumpurs"): the programmes it names, or nothing when
 * the text is a sentence or too vague to be a programme's name.
 */
export function programmesNamedBy(catalogue: Catalogue, text: string): Programme[] {
  if (text.length > 60) return [];
  const folded = fold(text);
  const words = folded.split(' ').filter(Boolean);
  if (words.length === 0 || words.length > 5) return [];
  if (words.every((w) => STOP.has(stemOfFolded(w)))) return [];
  if (folded.replace(/ /g, '').length < 3) return [];
  // Most such texts are chatter: no suggestions are wanted, and finding the closest names is the costly part.
  const r = searchFolded(catalogue, folded, false);
  return r.matches.length <= 3 ? r.matches : [];
}
