import { LRUCache } from 'lru-cache';

/**
 * Text the bot shows is `Markup`: a small HTML subset (<b>, <i>, <u>, <s>, <code>, <pre>, <a href>, <blockquote>)
 * with every piece of user or data text escaped. Telegram renders it as-is (parse_mode HTML); other adapters
 * convert it. Only `esc`, `markup` and the i18n `t` function make Markup, so unescaped user text cannot reach
 * an adapter by accident: the type system refuses a plain string where Markup is expected.
 */
declare const markupBrand: unique symbol;
export type Markup = string & { readonly [markupBrand]: true };

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

export function esc(text: string | number): Markup {
  return String(text).replace(/[&<>"]/g, (c) => ESCAPES[c]!) as Markup;
}

/**
 * Markup written in code: the template's tags are trusted, and every value must already be Markup (wrap plain
 * text with `esc`) or a number. Passing a plain string is a type error, so user text cannot slip in unescaped.
 */
export function markup(strings: TemplateStringsArray, ...values: Array<Markup | number>): Markup {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += String(v) + (strings[i + 1] ?? '');
  });
  return out as Markup;
}

export function join(parts: readonly Markup[], separator = '\n'): Markup {
  return parts.join(separator) as Markup;
}

/** Trusted constant markup (e.g. from locale files, which are reviewed like code). */
export function trusted(text: string): Markup {
  return text as Markup;
}

const ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
export function unescapeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITY[name.toLowerCase()] ?? whole;
  });
}

export type Span =
  | { kind: 'text'; text: string }
  | { kind: 'open'; tag: string; href?: string }
  | { kind: 'close'; tag: string };

/** Tokenizes Markup into text and tag spans; unknown tags are kept as text. */
export function spans(m: Markup): Span[] {
  const out: Span[] = [];
  const re = /<(\/?)(b|i|u|s|code|pre|a|blockquote)(?:\s+href="([^"]*)")?\s*>/gi;
  let last = 0;
  for (let match = re.exec(m); match; match = re.exec(m)) {
    if (match.index > last) out.push({ kind: 'text', text: unescapeEntities(m.slice(last, match.index)) });
    const tag = match[2]!.toLowerCase();
    if (match[1]) out.push({ kind: 'close', tag });
    else out.push(match[3] === undefined ? { kind: 'open', tag } : { kind: 'open', tag, href: unescapeEntities(match[3]) });
    last = re.lastIndex;
  }
  if (last < m.length) out.push({ kind: 'text', text: unescapeEntities(m.slice(last)) });
  return out;
}

/** Plain text for terminals and logs; links keep their address. */
export function toPlain(m: Markup): string {
  let out = '';
  let href: string | undefined;
  let linkText = '';
  for (const s of spans(m)) {
    if (s.kind === 'text') {
      if (href !== undefined) linkText += s.text;
      else out += s.text;
    } else if (s.kind === 'open' && s.tag === 'a') {
      href = s.href ?? '';
      linkText = '';
    } else if (s.kind === 'close' && s.tag === 'a') {
      out += href && href !== linkText ? `${linkText} (${href})` : linkText;
      href = undefined;
    }
  }
  return out;
}

/** Markup as a tree: what every platform renders from, so tags are always well nested. */
export type MarkupNode = { kind: 'text'; text: string } | { kind: 'el'; tag: MarkupTag; href?: string; children: MarkupNode[] };
export type MarkupTag = 'b' | 'i' | 'u' | 's' | 'code' | 'pre' | 'a' | 'blockquote';

/**
 * Parses Markup into a tree the way a forgiving HTML parser would: a closing tag that crosses others closes them
 * and opens them again after it (`<b>x<i>y</b>z</i>` is `<b>x<i>y</i></b><i>z</i>`), a stray closing tag is
 * ignored, and tags left open end with the text. Rendering the tree gives markup every platform accepts.
 */
export function parseMarkup(m: Markup): MarkupNode[] {
  const root: MarkupNode[] = [];
  const stack: Array<{ tag: MarkupTag; href?: string; children: MarkupNode[] }> = [];
  const top = () => stack.at(-1)?.children ?? root;
  const open = (tag: MarkupTag, href?: string) => {
    const el: MarkupNode = href === undefined ? { kind: 'el', tag, children: [] } : { kind: 'el', tag, href, children: [] };
    top().push(el);
    stack.push(el);
  };
  for (const s of spans(m)) {
    if (s.kind === 'text') {
      if (s.text) top().push({ kind: 'text', text: s.text });
    } else if (s.kind === 'open') {
      open(s.tag as MarkupTag, s.tag === 'a' ? (s.href ?? '') : undefined);
    } else {
      let at = -1;
      for (let i = stack.length - 1; i >= 0; i--) if (stack[i]!.tag === s.tag) {
        at = i;
        break;
      }
      if (at < 0) continue;
      const crossed = stack.splice(at);
      crossed.shift();
      for (const c of crossed) open(c.tag, c.href);
    }
  }
  return prune(root);
}

function prune(nodes: MarkupNode[]): MarkupNode[] {
  const out: MarkupNode[] = [];
  for (const n of nodes) {
    if (n.kind === 'text') {
      const last = out.at(-1);
      if (last?.kind === 'text') last.text += n.text;
      else if (n.text) out.push({ ...n });
      continue;
    }
    const children = prune(n.children);
    if (children.length) out.push({ ...n, children });
  }
  return out;
}

/** Text inside `code` and `pre` is shown as written; platforms refuse formatting inside them. */
const LITERAL: ReadonlySet<MarkupTag> = new Set(['code', 'pre']);

/** The tree as well-nested Markup: text escaped, no formatting inside code, no link inside a link. */
export function renderMarkup(nodes: readonly MarkupNode[]): Markup {
  const walk = (list: readonly MarkupNode[], literal: boolean, inLink: boolean): string =>
    list
      .map((n) => {
        if (n.kind === 'text') return esc(n.text);
        if (literal || (inLink && n.tag === 'a')) return walk(n.children, literal, inLink);
        const inner = walk(n.children, LITERAL.has(n.tag), inLink || n.tag === 'a');
        return n.tag === 'a' ? `<a href="${esc(n.href ?? '')}">${inner}</a>` : `<${n.tag}>${inner}</${n.tag}>`;
      })
      .join('');
  return walk(nodes, false, false) as Markup;
}

/** The text a reader sees (what Telegram counts a message's length by). */
export function textOf(nodes: readonly MarkupNode[]): string {
  return nodes.map((n) => (n.kind === 'text' ? n.text : textOf(n.children))).join('');
}

/** The part of the tree covering `[from, to)` of its text, each element that spans the cut kept on both sides. */
export function sliceMarkup(nodes: readonly MarkupNode[], from: number, to: number): MarkupNode[] {
  const out: MarkupNode[] = [];
  let pos = 0;
  for (const n of nodes) {
    const len = n.kind === 'text' ? n.text.length : textOf(n.children).length;
    const start = pos;
    pos += len;
    if (pos <= from || start >= to) continue;
    if (n.kind === 'text') out.push({ kind: 'text', text: n.text.slice(Math.max(0, from - start), Math.min(len, to - start)) });
    else {
      const children = sliceMarkup(n.children, from - start, to - start);
      if (children.length) out.push({ ...n, children });
    }
  }
  return out;
}

/** The length of the text a reader sees, in UTF-16 code units (what Telegram counts). */
export function textLength(m: string): number {
  return textOf(parseMarkup(m as Markup)).length;
}

// Made when a message first needs cutting: building it loads ICU's break rules, a few ms of every start otherwise.
let graphemes: Intl.Segmenter | undefined;

/**
 * Splits markup into pieces no longer than `limit` (as `measure` counts a rendered piece), preferring a paragraph
 * break, then a line break, then a space in the second half of the piece; failing those it cuts between
 * characters as people see them (never inside an emoji or a surrogate pair). A tag open at a cut is closed at the
 * end of one piece and opened again at the start of the next, so every piece is well-formed on its own.
 */
export function splitMarkup(m: Markup, limit: number, measure: (piece: string) => number = textLength): Markup[] {
  // The same texts are split again and again (a shared page, a question of the questionnaire, and each piece once
  // more by the adapter): a split is remembered per limit and measure, and a copy handed out.
  let byLimit = splits.get(measure);
  if (!byLimit) splits.set(measure, (byLimit = new Map()));
  let memo = byLimit.get(limit);
  if (!memo) byLimit.set(limit, (memo = new LRUCache<string, Markup[]>({ max: 300 })));
  let pieces = memo.get(m);
  if (!pieces) memo.set(m, (pieces = split(m, limit, measure)));
  return [...pieces];
}

const splits = new WeakMap<(piece: string) => number, Map<number, LRUCache<string, Markup[]>>>();

function split(m: Markup, limit: number, measure: (piece: string) => number): Markup[] {
  const tree = parseMarkup(m);
  const whole = renderMarkup(tree);
  // Most messages fit: read by its text length, the whole is measured from the tree it was just rendered from.
  if ((measure === textLength ? textOf(tree).length : measure(whole)) <= limit) return [whole];
  const plain = textOf(tree);
  const boundaries = new Set<number>();
  for (const g of (graphemes ??= new Intl.Segmenter('en', { granularity: 'grapheme' })).segment(plain)) boundaries.add(g.index);
  boundaries.add(plain.length);
  const pieces: Markup[] = [];
  const render = (a: number, b: number) => renderMarkup(sliceMarkup(tree, a, b));
  let start = 0;
  while (start < plain.length) {
    while (start < plain.length && (plain[start] === '\n' || plain[start] === ' ')) start++;
    if (start >= plain.length) break;
    if (measure(render(start, plain.length)) <= limit) {
      pieces.push(render(start, plain.length));
      break;
    }
    // The longest prefix that fits: no piece's text is longer than its rendering, so start at `limit` characters.
    let hi = Math.min(plain.length, start + limit);
    for (let over = measure(render(start, hi)) - limit; over > 0 && hi > start + 1; over = measure(render(start, hi)) - limit) {
      hi = Math.max(start + 1, hi - Math.max(1, over));
    }
    while (hi > start + 1 && !boundaries.has(hi)) hi--;
    const half = start + Math.floor((hi - start) / 2);
    const at = (sep: string) => {
      const i = plain.lastIndexOf(sep, hi - sep.length);
      return i >= half ? i : -1;
    };
    let cut = hi;
    for (const sep of ['\n\n', '\n', ' ']) {
      const i = at(sep);
      if (i > start) {
        cut = i;
        break;
      }
    }
    pieces.push(render(start, cut));
    start = cut;
  }
  return pieces;
}
