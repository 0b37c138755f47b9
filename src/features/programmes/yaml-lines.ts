import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';

/** `conditions.any[0].all[2].fact` → ['conditions', 'any', 0, 'all', 2, 'fact']. */
export function fieldSegments(field: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const part of field.split('.')) {
    if (!part) continue;
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const i of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(i[1]));
  }
  return out;
}

/**
 * Finds lines in a YAML (or JSON) text for validation messages: the line of the deepest node a field path reaches,
 * or of the key itself when it is named (an unknown field). A path that goes past what the file has (a missing
 * field) points at the nearest parent that exists.
 */
export class YamlLines {
  private readonly counter = new LineCounter();
  private readonly doc: Document | undefined;

  constructor(text: string) {
    try {
      this.doc = parseDocument(text, { lineCounter: this.counter, uniqueKeys: false });
    } catch {
      this.doc = undefined;
    }
  }

  lineOf(segments: ReadonlyArray<string | number>, key?: string): number | undefined {
    if (!this.doc) return undefined;
    let node: unknown = this.doc.contents;
    let offset = (node as Node | null)?.range?.[0];
    for (const seg of [...segments, ...(key !== undefined ? [key] : [])]) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        const keyNode = pair.key as Node;
        if (seg === key) {
          offset = keyNode.range?.[0] ?? offset;
          break;
        }
        node = pair.value;
        offset = (pair.value as Node | null)?.range?.[0] ?? keyNode.range?.[0] ?? offset;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as Node | undefined;
        if (!item) break;
        node = item;
        offset = item.range?.[0] ?? offset;
      } else break;
    }
    return offset === undefined ? undefined : this.counter.linePos(offset).line;
  }
}
