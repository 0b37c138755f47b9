import { type Document, isMap, isPair, isScalar, type Node, parseDocument, type Scalar, visit, type YAMLMap } from 'yaml';

/**
 * The edits a coordinator makes from a programme's page, applied to the programme's YAML text in place: only the
 * value changed is rewritten, so comments, quoting and layout stay as they were (the file remains a good diff
 * against the repository). Where a file's shape does not allow that (a flow mapping), the document is written anew.
 */
type Splice = { start: number; end: number; text: string };

class Editor {
  readonly doc: Document;
  private readonly splices: Splice[] = [];
  private rewrite = false;

  constructor(readonly source: string) {
    this.doc = parseDocument(source);
  }

  /** Sets `path` to a plain scalar (dates, `closed`), with an optional comment after it on the same line. */
  set(path: string[], value: string, comment?: string): void {
    const node = this.doc.getIn(path, true) as Node | undefined;
    if (isScalar(node) && node.range) {
      const [start, valueEnd, nodeEnd] = node.range;
      if (comment === undefined) {
        this.splices.push({ start, end: valueEnd, text: value });
      } else {
        const old = this.source.slice(start, nodeEnd);
        this.splices.push({ start, end: nodeEnd, text: `${value} # ${comment}${old.endsWith('\n') ? '\n' : ''}` });
      }
      return;
    }
    const parent = this.doc.getIn(path.slice(0, -1), true) as Node | undefined;
    const key = path[path.length - 1]!;
    if (node === undefined && isMap(parent) && !parent.flow && parent.items.length) {
      const first = parent.items[0]!;
      const last = parent.items[parent.items.length - 1]!;
      const firstKey = first.key as Node;
      const lineStart = this.source.lastIndexOf('\n', firstKey.range![0] - 1) + 1;
      const indent = ' '.repeat(firstKey.range![0] - lineStart);
      const end = ((last.value as Node | null)?.range ?? (last.key as Node).range)![2];
      const lead = this.source[end - 1] === '\n' ? '' : '\n';
      this.splices.push({ start: end, end, text: `${lead}${indent}${key}: ${value}${comment ? ` # ${comment}` : ''}${lead ? '' : '\n'}` });
      return;
    }
    this.rewrite = true;
    this.doc.setIn(path, value);
    if (comment) (this.doc.getIn(path, true) as Scalar).comment = ` ${comment}`;
  }

  /** Removes a field (its line) from a block mapping. */
  remove(path: string[]): void {
    const parent = this.doc.getIn(path.slice(0, -1), true) as Node | undefined;
    const key = path[path.length - 1]!;
    if (!isMap(parent)) return;
    const pair = (parent as YAMLMap).items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
    if (!pair) return;
    const keyNode = pair.key as Node;
    const valueNode = pair.value as Node | null;
    if (!parent.flow && keyNode.range && valueNode?.range) {
      const lineStart = this.source.lastIndexOf('\n', keyNode.range[0] - 1) + 1;
      this.splices.push({ start: lineStart, end: valueNode.range[2], text: '' });
      return;
    }
    this.rewrite = true;
    this.doc.deleteIn(path);
  }

  /** Replaces a mapping with an empty one (`valid: {}`), when all its fields go. */
  emptyMap(path: string[]): void {
    this.rewrite = true;
    const map = this.doc.createNode({}) as YAMLMap;
    map.flow = true;
    this.doc.setIn(path, map);
  }

  /** Every source map (`url: …`) whose address is `url`: its `read` date becomes `day`. */
  sourcesAt(url: string, day: string): number {
    let n = 0;
    visit(this.doc, {
      Map: (_key, map) => {
        const u = map.get('url', true);
        const read = map.get('read', true);
        if (!isScalar(u) || String(u.value) !== url || !isScalar(read) || !read.range) return;
        n++;
        if (this.rewrite) read.value = day;
        else this.splices.push({ start: read.range[0], end: read.range[1], text: day });
      },
    });
    return n;
  }

  text(): string {
    if (this.rewrite) return this.doc.toString({ lineWidth: 0 });
    let out = this.source;
    for (const s of [...this.splices].sort((a, b) => b.start - a.start)) out = out.slice(0, s.start) + s.text + out.slice(s.end);
    return out;
  }
}

/** A new end date (`valid.until`), or none: no end is known. */
export function withEndDate(source: string, until: string | undefined): string {
  const e = new Editor(source);
  if (until === undefined) {
    const valid = e.doc.getIn(['valid'], true);
    const rest = isMap(valid) ? valid.items.filter((p) => isScalar(p.key) && !['until', 'after'].includes(String(p.key.value))) : [];
    if (!rest.length) e.emptyMap(['valid']);
    else {
      e.remove(['valid', 'until']);
      e.remove(['valid', 'after']);
    }
  } else e.set(['valid', 'until'], until);
  return e.text();
}

/** Closed: its last open day is `lastDay`, and nothing is expected after it. */
export function closedOn(source: string, lastDay: string): string {
  const e = new Editor(source);
  e.set(['valid', 'until'], lastDay);
  if (e.doc.getIn(['valid', 'after']) !== undefined) e.set(['valid', 'after'], 'closed');
  return e.text();
}

/**
 * Checked today against a source: `checked` becomes today with the address in a comment beside it, and every source
 * at that address was read today.
 */
export function checkedToday(source: string, today: string, url: string): string {
  const e = new Editor(source);
  e.set(['checked'], today, `against ${url}`);
  e.sourcesAt(url, today);
  return e.text();
}
