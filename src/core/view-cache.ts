import { LRUCache } from 'lru-cache';

/**
 * Texts built from data that changes rarely and as a whole (the catalogue in use, a visit's agenda): the same
 * programme page is asked for by everyone, and building it (conditions, dated values, a dozen translations) was a
 * fifth of an update's work. A cached text belongs to one version of its data: when `source` is another object
 * (a catalogue published) everything cached before is dropped. The key names everything else the text depends on
 * (language, translation revision, day, limits); a text that depends on the reader's role is not cached.
 */
export class ViewCache<V extends object> {
  private readonly cache: LRUCache<string, V>;
  private source: unknown;

  constructor(max = 500) {
    this.cache = new LRUCache<string, V>({ max });
  }

  get(source: unknown, key: string, build: () => V): V {
    if (source !== this.source) {
      this.cache.clear();
      this.source = source;
    }
    let v = this.cache.get(key);
    if (v === undefined) {
      v = build();
      this.cache.set(key, v);
    }
    return v;
  }
}
