import type { Language } from '../../core/types.ts';
import { seeds } from '../seeds.ts';
import type { Localized, Programme, RuleNode, Source } from './catalogue.ts';

/** A source as a short line in words: the document's or page's title and who published it. */
export function sourceTitle(s: Source, lng: Language): string {
  if (s.file) {
    const seed = seeds().get(s.file);
    return seed ? `${seed.title[lng]} — ${seed.publisher[lng]}` : s.file;
  }
  if (s.url) return `${s.title} — ${s.publisher}`;
  return s.ref ?? '';
}

/** Every distinct source a programme relies on: its own, its conditions', its dated values'. In reading order. */
export function programmeSources(p: Programme): Source[] {
  const out: Source[] = [];
  const seen = new Set<string>();
  const add = (s: Source | undefined) => {
    if (!s) return;
    const key = JSON.stringify([s.file, s.url, s.ref, s.part, s.quote]);
    if (seen.has(key)) return;
    seen.add(key);
    out.push(s);
  };
  add(p.source);
  const walk = (n: RuleNode) => {
    if (n.kind === 'leaf') add(n.source);
    else if (n.kind === 'not') walk(n.child);
    else n.children.forEach(walk);
  };
  walk(p.conditions);
  for (const list of Object.values(p.parameters)) for (const d of list) add(d.source);
  for (const n of p.notes) add(n.source);
  return out;
}

/** The localized name of a seed's document, for validation messages and docs. */
export function seedTitle(file: string): Localized | undefined {
  return seeds().get(file)?.title;
}
