/**
 * Text formatting as the Telegram Bot API does it: `parse_mode` HTML / MarkdownV2 / Markdown turned into plain text
 * plus entities (offsets in UTF-16 code units), with the same error texts the real server gives (the HTML parser is a
 * port of TDLib's `parse_html`), trimming of surrounding whitespace, and the entities Telegram detects by itself
 * (bot_command, mention, hashtag, url).
 */
import type { MessageEntity, User } from 'grammy/types';

/** A parse failure; `message` is the part after "Bad Request: can't parse entities: ". */
export class EntityParseError extends Error {}

export interface FormattedText {
  text: string;
  entities: MessageEntity[];
}

type Entity = MessageEntity;

function byteOffset(text: string, index: number): number {
  return Buffer.byteLength(text.slice(0, index), 'utf8');
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\v' || c === '\f';
}

/** TDLib's decode_html_entity: &lt; &gt; &amp; &quot; &#NN; &#xHH; (the `;` is required); anything else is literal. */
function decodeEntity(text: string, i: number): { value: string; end: number } | undefined {
  const semi = text.indexOf(';', i + 1);
  if (semi < 0 || semi - i > 12) return undefined;
  const name = text.slice(i + 1, semi);
  let code: number | undefined;
  if (name === 'lt') code = 0x3c;
  else if (name === 'gt') code = 0x3e;
  else if (name === 'amp') code = 0x26;
  else if (name === 'quot') code = 0x22;
  else if (/^#[0-9]{1,8}$/.test(name)) code = Number.parseInt(name.slice(1), 10);
  else if (/^#x[0-9a-fA-F]{1,6}$/.test(name)) code = Number.parseInt(name.slice(2), 16);
  if (code === undefined || code === 0 || code >= 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
  return { value: String.fromCodePoint(code), end: semi + 1 };
}

const HTML_TAGS = new Set([
  'a', 'b', 'strong', 'i', 'em', 's', 'strike', 'del', 'u', 'ins', 'tg-spoiler', 'tg-emoji', 'span', 'pre', 'code',
  'blockquote',
]);

/** Telegram accepts a link if it looks like one; others are dropped silently (no entity, no error). */
function checkLink(url: string): string | undefined {
  const u = url.trim();
  if (/^(https?|ftp|tg|ton|mailto|tonsite):/i.test(u)) return u;
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)+([/?#:].*)?$/i.test(u)) return `http://${u}`;
  return undefined;
}

interface OpenTag {
  tag: string;
  argument: string;
  expandable: boolean;
  offset: number; // UTF-16 offset in the result
  resultPos: number;
}

/** TDLib's HTML parser (Bot API parse_mode "HTML"). */
export function parseHtml(text: string, resolveUser?: (id: number) => User | undefined): FormattedText {
  const n = text.length;
  let result = '';
  const entities: Entity[] = [];
  const stack: OpenTag[] = [];
  const fail = (message: string): never => {
    throw new EntityParseError(message);
  };
  for (let i = 0; i < n; i++) {
    const c = text[i]!;
    if (c === '&') {
      const decoded = decodeEntity(text, i);
      if (decoded) {
        result += decoded.value;
        i = decoded.end - 1;
        continue;
      }
    }
    if (c !== '<') {
      result += c;
      continue;
    }
    const begin = i++;
    if (text[i] !== '/') {
      while (i < n && !isSpace(text[i]) && text[i] !== '>') i++;
      if (i >= n) fail(`Unclosed start tag at byte offset ${byteOffset(text, begin)}`);
      const tag = text.slice(begin + 1, i).toLowerCase();
      if (!HTML_TAGS.has(tag)) fail(`Unsupported start tag "${tag}" at byte offset ${byteOffset(text, begin)}`);
      let argument = '';
      let expandable = false;
      while (text[i] !== '>') {
        while (i < n && isSpace(text[i])) i++;
        if (i >= n) fail(`Unclosed start tag at byte offset ${byteOffset(text, begin)}`);
        if (text[i] === '>') break;
        const attrBegin = i;
        while (i < n && !isSpace(text[i]) && text[i] !== '=' && text[i] !== '>') i++;
        const attr = text.slice(attrBegin, i).toLowerCase();
        if (attr === '') fail(`Empty attribute name in the tag "${tag}" at byte offset ${byteOffset(text, begin)}`);
        while (i < n && isSpace(text[i])) i++;
        if (text[i] !== '=') {
          if (tag === 'blockquote' && attr === 'expandable') {
            expandable = true;
            continue;
          }
          fail(`Expected equal sign in declaration of an attribute of the tag "${tag}" at byte offset ${byteOffset(text, begin)}`);
        }
        i++;
        while (i < n && isSpace(text[i])) i++;
        if (i >= n) fail(`Unclosed start tag "${tag}" at byte offset ${byteOffset(text, begin)}`);
        let value = '';
        if (text[i] !== "'" && text[i] !== '"') {
          const tokenBegin = i;
          while (i < n && /[A-Za-z0-9.-]/.test(text[i]!)) i++;
          value = text.slice(tokenBegin, i).toLowerCase();
          if (!isSpace(text[i]) && text[i] !== '>') fail(`Unexpected end of name token at byte offset ${byteOffset(text, tokenBegin)}`);
        } else {
          const quote = text[i++];
          while (i < n && text[i] !== quote) {
            if (text[i] === '&') {
              const decoded = decodeEntity(text, i);
              if (decoded) {
                value += decoded.value;
                i = decoded.end;
                continue;
              }
            }
            value += text[i++];
          }
          if (text[i] !== quote) fail(`Unclosed start tag at byte offset ${byteOffset(text, begin)}`);
          i++;
        }
        if (tag === 'a' && attr === 'href') argument = value;
        else if (tag === 'code' && attr === 'class' && value.startsWith('language-')) argument = value.slice(9);
        else if (tag === 'span' && attr === 'class' && value.startsWith('tg-')) argument = value.slice(3);
        else if (tag === 'tg-emoji' && attr === 'emoji-id') argument = value;
      }
      if (tag === 'span' && argument !== 'spoiler') fail(`Tag "span" must have class "tg-spoiler" at byte offset ${byteOffset(text, begin)}`);
      stack.push({ tag, argument, expandable, offset: result.length, resultPos: result.length });
    } else {
      if (stack.length === 0) fail(`Unexpected end tag at byte offset ${byteOffset(text, begin)}`);
      i = begin + 2;
      while (i < n && !isSpace(text[i]) && text[i] !== '>') i++;
      const endTag = text.slice(begin + 2, i).toLowerCase();
      while (i < n && isSpace(text[i])) i++;
      if (text[i] !== '>') fail(`Unclosed end tag at byte offset ${byteOffset(text, begin)}`);
      const open = stack.pop()!;
      if (endTag !== '' && endTag !== open.tag) {
        fail(`Unmatched end tag at byte offset ${byteOffset(text, begin)}, expected "</${open.tag}>", found "</${endTag}>"`);
      }
      const length = result.length - open.offset;
      if (length > 0) {
        const offset = open.offset;
        switch (open.tag) {
          case 'b':
          case 'strong':
            entities.push({ type: 'bold', offset, length });
            break;
          case 'i':
          case 'em':
            entities.push({ type: 'italic', offset, length });
            break;
          case 'u':
          case 'ins':
            entities.push({ type: 'underline', offset, length });
            break;
          case 's':
          case 'strike':
          case 'del':
            entities.push({ type: 'strikethrough', offset, length });
            break;
          case 'tg-spoiler':
          case 'span':
            entities.push({ type: 'spoiler', offset, length });
            break;
          case 'blockquote':
            entities.push({ type: open.expandable ? 'expandable_blockquote' : 'blockquote', offset, length });
            break;
          case 'code': {
            const e: Entity = { type: 'code', offset, length };
            if (open.argument) (e as unknown as Record<string, unknown>)._language = open.argument;
            entities.push(e);
            break;
          }
          case 'pre': {
            const last = entities.at(-1) as (Entity & { _language?: string }) | undefined;
            if (last && last.type === 'code' && last.offset === offset && last.length === length && last._language) {
              entities[entities.length - 1] = { type: 'pre', offset, length, language: last._language };
            } else {
              entities.push({ type: 'pre', offset, length });
            }
            break;
          }
          case 'a': {
            const url = open.argument || result.slice(open.resultPos);
            const mention = /^tg:\/\/user\?id=(\d+)$/i.exec(url.trim());
            if (mention) {
              const user = resolveUser?.(Number(mention[1]));
              if (user) entities.push({ type: 'text_mention', offset, length, user });
            } else {
              const link = checkLink(url);
              if (link) entities.push({ type: 'text_link', offset, length, url: link });
            }
            break;
          }
          case 'tg-emoji':
            if (!/^\d{1,19}$/.test(open.argument)) fail('Invalid custom emoji identifier specified');
            entities.push({ type: 'custom_emoji', offset, length, custom_emoji_id: open.argument });
            break;
        }
      }
    }
  }
  if (stack.length > 0) fail(`Can't find end tag corresponding to start tag "${stack.at(-1)!.tag}"`);
  for (const e of entities) delete (e as unknown as Record<string, unknown>)._language;
  return { text: result, entities };
}

const MDV2_RESERVED = '_*[]()~`>#+-=|{}.!';
const MDV2_NAMES: Record<string, string> = {
  bold: 'Bold', italic: 'Italic', underline: 'Underline', strikethrough: 'Strikethrough', spoiler: 'Spoiler',
  code: 'Code', pre: 'Pre', text_link: 'TextUrl', custom_emoji: 'CustomEmoji',
};

/** Bot API parse_mode "MarkdownV2" (the reserved-character rule, nesting by a stack, links, pre with language, quotes). */
export function parseMarkdownV2(text: string): FormattedText {
  const n = text.length;
  let result = '';
  const entities: Entity[] = [];
  const stack: Array<{ type: string; offset: number; begin: number; language?: string }> = [];
  let quoteStart: number | undefined;
  const fail = (message: string): never => {
    throw new EntityParseError(message);
  };
  for (let i = 0; i < n; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < n && text.charCodeAt(i + 1) > 0 && text.charCodeAt(i + 1) <= 126) {
      result += text[++i];
      continue;
    }
    if (c === '\n' && quoteStart !== undefined && text[i + 1] !== '>') {
      if (result.length > quoteStart) entities.push({ type: 'blockquote', offset: quoteStart, length: result.length - quoteStart });
      quoteStart = undefined;
    }
    if (!MDV2_RESERVED.includes(c)) {
      result += c;
      continue;
    }
    const top = stack.at(-1);
    let isEnd = false;
    if (top) {
      switch (top.type) {
        case 'bold': isEnd = c === '*'; break;
        case 'italic': isEnd = c === '_' && text[i + 1] !== '_'; break;
        case 'underline': isEnd = c === '_' && text[i + 1] === '_'; break;
        case 'strikethrough': isEnd = c === '~'; break;
        case 'spoiler': isEnd = c === '|' && text[i + 1] === '|'; break;
        case 'code': isEnd = c === '`'; break;
        case 'pre': isEnd = c === '`' && text[i + 1] === '`' && text[i + 2] === '`'; break;
        case 'text_link': case 'custom_emoji': isEnd = c === ']'; break;
      }
      if (!isEnd && (top.type === 'code' || top.type === 'pre')) {
        result += c;
        continue;
      }
      // "_" closing italic inside "__" underline: let the underline close when it is on top
      if (!isEnd && top.type === 'italic' && c === '_' && text[i + 1] === '_') {
        isEnd = true;
      }
    }
    if (!isEnd) {
      const begin = i;
      let type: string;
      let language: string | undefined;
      switch (c) {
        case '_':
          if (text[i + 1] === '_') {
            type = 'underline';
            i++;
          } else type = 'italic';
          break;
        case '*': type = 'bold'; break;
        case '~': type = 'strikethrough'; break;
        case '|':
          if (text[i + 1] !== '|') fail(`Character '|' is reserved and must be escaped with the preceding '\\'`);
          type = 'spoiler';
          i++;
          break;
        case '[': type = 'text_link'; break;
        case '`':
          if (text[i + 1] === '`' && text[i + 2] === '`') {
            type = 'pre';
            i += 3;
            const nl = text.indexOf('\n', i);
            const first = nl < 0 ? '' : text.slice(i, nl);
            if (nl >= 0 && /^[^\s`]*$/.test(first)) {
              language = first || undefined;
              i = nl; // the newline after the language is not part of the text
            } else i--;
          } else type = 'code';
          break;
        case '!':
          if (text[i + 1] !== '[') fail(`Character '!' is reserved and must be escaped with the preceding '\\'`);
          type = 'custom_emoji';
          i++;
          break;
        case '>':
          if (i === 0 || text[i - 1] === '\n') {
            if (quoteStart === undefined) quoteStart = result.length;
            continue;
          }
          return fail(`Character '>' is reserved and must be escaped with the preceding '\\'`);
        default:
          return fail(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
      }
      stack.push({ type, offset: result.length, begin, ...(language ? { language } : {}) });
      continue;
    }
    const open = stack.pop()!;
    let url: string | undefined;
    if (open.type === 'underline' || open.type === 'spoiler') i++;
    if (open.type === 'pre') i += 2;
    if (open.type === 'text_link' || open.type === 'custom_emoji') {
      if (text[i + 1] === '(') {
        let j = i + 2;
        url = '';
        while (j < n && text[j] !== ')') {
          if (text[j] === '\\' && j + 1 < n) j++;
          url += text[j++];
        }
        if (j >= n) fail(`Can't find end of a URL at byte offset ${byteOffset(text, i + 1)}`);
        i = j;
      } else if (open.type === 'custom_emoji') {
        fail(`Custom emoji entity must contain a tg://emoji URL`);
      } else url = result.slice(open.offset);
    }
    const length = result.length - open.offset;
    if (length <= 0) continue;
    const offset = open.offset;
    if (open.type === 'text_link') {
      const link = url === undefined ? undefined : checkLink(url);
      if (link) entities.push({ type: 'text_link', offset, length, url: link });
    } else if (open.type === 'custom_emoji') {
      const id = /^tg:\/\/emoji\?id=(\d+)$/.exec(url ?? '');
      if (!id) fail('Invalid custom emoji identifier specified');
      entities.push({ type: 'custom_emoji', offset, length, custom_emoji_id: id![1]! });
    } else if (open.type === 'pre') {
      entities.push(open.language ? { type: 'pre', offset, length, language: open.language } : { type: 'pre', offset, length });
    } else {
      entities.push({ type: open.type, offset, length } as Entity);
    }
  }
  if (stack.length > 0) {
    const open = stack.at(-1)!;
    fail(`Can't find end of ${MDV2_NAMES[open.type] ?? open.type} entity at byte offset ${byteOffset(text, open.begin)}`);
  }
  if (quoteStart !== undefined && result.length > quoteStart) {
    entities.push({ type: 'blockquote', offset: quoteStart, length: result.length - quoteStart });
  }
  return { text: result, entities };
}

/** Legacy parse_mode "Markdown": *bold* _italic_ `code` ```pre``` [text](url); "\" escapes only _ * ` [. */
export function parseMarkdown(text: string): FormattedText {
  const n = text.length;
  let result = '';
  const entities: Entity[] = [];
  for (let i = 0; i < n; i++) {
    const c = text[i]!;
    if (c === '\\' && '_*`['.includes(text[i + 1] ?? '')) {
      result += text[++i];
      continue;
    }
    if (!'_*`['.includes(c)) {
      result += c;
      continue;
    }
    const begin = i;
    const offset = result.length;
    if (c === '[') {
      const close = text.indexOf(']', i + 1);
      if (close < 0) throw new EntityParseError(`Can't find end of the entity starting at byte offset ${byteOffset(text, begin)}`);
      const label = text.slice(i + 1, close);
      let url = label;
      i = close;
      if (text[close + 1] === '(') {
        const end = text.indexOf(')', close + 2);
        if (end < 0) throw new EntityParseError(`Can't find end of the entity starting at byte offset ${byteOffset(text, begin)}`);
        url = text.slice(close + 2, end);
        i = end;
      }
      result += label;
      const link = checkLink(url);
      if (link && label.length > 0) entities.push({ type: 'text_link', offset, length: label.length, url: link });
      continue;
    }
    const isPre = c === '`' && text.startsWith('```', i);
    const marker = isPre ? '```' : c;
    const start = i + marker.length;
    const end = text.indexOf(marker, start);
    if (end < 0) throw new EntityParseError(`Can't find end of the entity starting at byte offset ${byteOffset(text, begin)}`);
    let inner = text.slice(start, end);
    let language: string | undefined;
    if (isPre) {
      const nl = inner.indexOf('\n');
      if (nl >= 0 && /^[^\s`]+$/.test(inner.slice(0, nl))) {
        language = inner.slice(0, nl);
        inner = inner.slice(nl + 1);
      }
    }
    result += inner;
    i = end + marker.length - 1;
    if (inner.length === 0) continue;
    const type = isPre ? 'pre' : c === '*' ? 'bold' : c === '_' ? 'italic' : 'code';
    entities.push(language ? { type: 'pre', offset, length: inner.length, language } : ({ type, offset, length: inner.length } as Entity));
  }
  return { text: result, entities };
}

const TRIM = /[\s\u200b-\u200f\u2060\ufeff]/;

/** Telegram strips leading and trailing whitespace from message texts and captions; entities move with the text. */
export function trimFormatted(ft: FormattedText): FormattedText {
  let start = 0;
  let end = ft.text.length;
  while (start < end && TRIM.test(ft.text[start]!)) start++;
  while (end > start && TRIM.test(ft.text[end - 1]!)) end--;
  if (start === 0 && end === ft.text.length) return ft;
  const entities: Entity[] = [];
  for (const e of ft.entities) {
    const s = Math.max(e.offset, start);
    const f = Math.min(e.offset + e.length, end);
    if (f > s) entities.push({ ...e, offset: s - start, length: f - s });
  }
  return { text: ft.text.slice(start, end), entities };
}

const DETECTORS: Array<{ type: 'bot_command' | 'mention' | 'hashtag' | 'url'; re: RegExp }> = [
  { type: 'bot_command', re: /(?<![\w/@.])\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])/g },
  { type: 'mention', re: /(?<![\w@/])@[A-Za-z0-9_]{4,32}(?![\w@])/g },
  { type: 'hashtag', re: /(?<![\p{L}\p{N}_#])#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*/gu },
  { type: 'url', re: /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'}]/gi },
];
const OPAQUE = new Set(['code', 'pre', 'text_link', 'url', 'text_mention', 'custom_emoji']);

/** The entities Telegram finds by itself in any message text (outside code, pre and links). */
export function detectEntities(text: string, existing: readonly Entity[] = []): Entity[] {
  const found: Entity[] = [];
  const blocked = existing.filter((e) => OPAQUE.has(e.type));
  for (const { type, re } of DETECTORS) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const offset = m.index;
      const length = m[0].length;
      const overlaps = (e: Entity) => e.offset < offset + length && offset < e.offset + e.length;
      if (blocked.some(overlaps) || found.some(overlaps)) continue;
      found.push({ type, offset, length } as Entity);
    }
  }
  return found;
}

export function sortEntities(entities: Entity[]): Entity[] {
  return entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
}

/**
 * A text or caption as Telegram stores it: parsed by `parseMode` (or taken with explicit `entities`), trimmed, with
 * the auto-detected entities added. Throws EntityParseError for markup Telegram refuses.
 */
export function formatText(
  raw: string,
  parseMode: string | undefined,
  explicitEntities: unknown,
  resolveUser?: (id: number) => User | undefined,
): FormattedText {
  let ft: FormattedText;
  const mode = parseMode?.toLowerCase();
  if (mode === 'html') ft = parseHtml(raw, resolveUser);
  else if (mode === 'markdownv2') ft = parseMarkdownV2(raw);
  else if (mode === 'markdown') ft = parseMarkdown(raw);
  else if (mode === undefined || mode === '') {
    ft = { text: raw, entities: Array.isArray(explicitEntities) ? (explicitEntities as Entity[]).map((e) => ({ ...e })) : [] };
  } else throw new EntityParseError(`Unsupported parse_mode "${parseMode}"`);
  ft = trimFormatted(ft);
  const all = [...ft.entities, ...detectEntities(ft.text, ft.entities)];
  return { text: ft.text, entities: sortEntities(all) };
}
