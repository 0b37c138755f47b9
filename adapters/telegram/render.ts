import { InlineKeyboard } from 'grammy';
import { type Markup, splitMarkup, toPlain } from '../../src/core/markup.ts';
import type { Choice } from '../../src/core/types.ts';

export const TELEGRAM_TEXT_LIMIT = 4096;
export const TELEGRAM_CAPTION_LIMIT = 1024;
export const TELEGRAM_CALLBACK_LIMIT = 64;

/** Telegram counts a message's length after parsing entities, in UTF-16 code units. */
export function telegramLength(m: string): number {
  return toPlain(m as Markup).length;
}

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

const TAGS: Record<string, string> = { bold: 'b', italic: 'i', underline: 'u', strikethrough: 's', code: 'code', pre: 'pre', text_link: 'a', blockquote: 'blockquote' };

/**
 * A message's formatting entities as the core's markup, so what a coordinator writes in bold or with links keeps
 * its formatting when it goes out to everyone. Offsets are UTF-16 code units, as JavaScript strings count.
 */
export function entitiesToMarkup(text: string, entities: readonly Entity[] | undefined): Markup {
  const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  const used = (entities ?? []).filter((e) => TAGS[e.type] && e.length > 0);
  if (used.length === 0) return escape(text) as Markup;
  const opens = new Map<number, Entity[]>();
  const closes = new Map<number, Entity[]>();
  for (const e of used) {
    opens.set(e.offset, [...(opens.get(e.offset) ?? []), e]);
    closes.set(e.offset + e.length, [...(closes.get(e.offset + e.length) ?? []), e]);
  }
  const open = (e: Entity) => (e.type === 'text_link' ? `<a href="${escape(e.url ?? '')}">` : `<${TAGS[e.type]}>`);
  let out = '';
  const stack: Entity[] = [];
  for (let i = 0; i <= text.length; i++) {
    const ending = closes.get(i);
    if (ending) {
      // Close everything opened after the earliest entity ending here, then reopen the ones still running.
      const reopen: Entity[] = [];
      while (stack.some((e) => ending.includes(e))) {
        const top = stack.pop()!;
        out += `</${TAGS[top.type]}>`;
        if (!ending.includes(top)) reopen.unshift(top);
      }
      for (const e of reopen) {
        out += open(e);
        stack.push(e);
      }
    }
    for (const e of (opens.get(i) ?? []).sort((a, b) => b.length - a.length)) {
      out += open(e);
      stack.push(e);
    }
    if (i < text.length) out += escape(text[i]!);
  }
  while (stack.length) out += `</${TAGS[stack.pop()!.type]}>`;
  return out as Markup;
}
