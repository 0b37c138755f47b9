import { InlineKeyboard } from 'grammy';
import { type Markup, type MarkupNode, type MarkupTag, renderMarkup, splitMarkup, textLength } from '../../src/core/markup.ts';
import type { Choice } from '../../src/core/types.ts';

export const TELEGRAM_TEXT_LIMIT = 4096;
export const TELEGRAM_CAPTION_LIMIT = 1024;
export const TELEGRAM_CALLBACK_LIMIT = 64;

/** Telegram counts a message's length after parsing entities, in UTF-16 code units. */
export const telegramLength: (m: string) => number = textLength;

/** Long texts become several messages, split at paragraph boundaries; buttons go under the last one. */
export function splitForTelegram(text: Markup): Markup[] {
  return splitMarkup(text, TELEGRAM_TEXT_LIMIT, telegramLength);
}

export function keyboard(choices: Choice[][] | undefined): InlineKeyboard | undefined {
  if (!choices || choices.length === 0) return undefined;
  const kb = new InlineKeyboard();
  choices.forEach((row, i) => {
    if (i > 0) kb.row();
    for (const c of row) {
      if ('url' in c) kb.url(c.label.slice(0, 64), c.url);
      else kb.text(c.label.slice(0, 64), c.action);
    }
  });
  return kb;
}

type Entity = { type: string; offset: number; length: number; url?: string };

const TAGS: Record<string, MarkupTag> = { bold: 'b', italic: 'i', underline: 'u', strikethrough: 's', code: 'code', pre: 'pre', text_link: 'a', blockquote: 'blockquote', expandable_blockquote: 'blockquote' };

/**
 * A message's formatting entities as the core's markup, so what a coordinator writes in bold or with links keeps
 * its formatting when it goes out to everyone. Entities become a tree: each is placed inside the ones that contain
 * it, and one that overlaps another without containing it is cut in two at the other's edge, so the result is
 * always well nested. Offsets are UTF-16 code units, as JavaScript strings count.
 */
export function entitiesToMarkup(text: string, entities: readonly Entity[] | undefined): Markup {
  const used = (entities ?? [])
    .filter((e) => TAGS[e.type] && e.length > 0 && e.offset >= 0 && e.offset + e.length <= text.length)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);
  const build = (from: number, to: number, list: readonly Entity[]): MarkupNode[] => {
    const out: MarkupNode[] = [];
    let pos = from;
    let rest = [...list];
    while (rest.length) {
      const e = rest.shift()!;
      const end = Math.min(e.offset + e.length, to);
      if (e.offset > pos) out.push({ kind: 'text', text: text.slice(pos, e.offset) });
      // Entities starting inside this one: wholly inside go in; one running past its end is cut at the end.
      const inner: Entity[] = [];
      const later: Entity[] = [];
      for (const o of rest) {
        if (o.offset >= end) later.push(o);
        else if (o.offset + o.length <= end) inner.push(o);
        else {
          inner.push({ ...o, length: end - o.offset });
          later.push({ ...o, offset: end, length: o.offset + o.length - end });
        }
      }
      const tag = TAGS[e.type]!;
      const children = build(e.offset, end, inner);
      out.push(tag === 'a' ? { kind: 'el', tag, href: e.url ?? '', children } : { kind: 'el', tag, children });
      pos = end;
      rest = later.sort((a, b) => a.offset - b.offset || b.length - a.length);
    }
    if (pos < to) out.push({ kind: 'text', text: text.slice(pos, to) });
    return out;
  };
  return renderMarkup(build(0, text.length, used));
}
