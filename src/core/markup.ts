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

/**
 * Splits markup into pieces no longer than `limit` characters (as the platform counts them, after rendering),
 * at paragraph boundaries, then line boundaries. Tags never span paragraphs in this bot's texts, so each piece
 * stays well-formed. A single line longer than the limit is cut between words.
 */
export function splitMarkup(m: Markup, limit: number, measure: (piece: string) => number = (p) => toPlain(p as Markup).length): Markup[] {
  if (measure(m) <= limit) return [m];
  const pieces: string[] = [];
  let current = '';
  const push = (unit: string, sep: string) => {
    const candidate = current ? current + sep + unit : unit;
    if (measure(candidate) <= limit) {
      current = candidate;
      return;
    }
    if (current) pieces.push(current);
    current = '';
    if (measure(unit) <= limit) {
      current = unit;
      return;
    }
    if (sep === '\n\n') {
      for (const line of unit.split('\n')) push(line, '\n');
      return;
    }
    // A single overlong line: cut at spaces, plain text only (tags inside are dropped to keep pieces valid).
    let rest = toPlain(unit as Markup);
    while (rest.length > limit) {
      let cut = rest.lastIndexOf(' ', limit);
      if (cut < limit / 2) cut = limit;
      pieces.push(esc(rest.slice(0, cut)));
      rest = rest.slice(cut).trimStart();
    }
    current = esc(rest);
  };
  for (const para of m.split('\n\n')) push(para, '\n\n');
  if (current) pieces.push(current);
  return pieces as Markup[];
}
