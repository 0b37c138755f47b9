import { describe, expect, it } from 'vitest';
import { markdownToMarkup, splitForDiscord, toDiscordMarkdown } from '../../adapters/discord/render.ts';
import { entitiesToMarkup, splitForTelegram, telegramLength } from '../../adapters/telegram/render.ts';
import { esc, type Markup, parseMarkup, renderMarkup, splitMarkup, textOf, trusted } from '../../src/core/markup.ts';
import { parseHtml } from '../fakes/telegram-bot-api.ts';

/** Telegram's own HTML parser (the fake's port of TDLib's) must accept it: it refuses crossed and unclosed tags. */
function acceptedByTelegram(m: string): string {
  return parseHtml(m).text;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A small seeded PRNG, so a failing case can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('markup as a tree', () => {
  it('turns crossed tags into well-nested ones, closes what is left open and drops stray closing tags', () => {
    expect(renderMarkup(parseMarkup(trusted('<b>x<i>y</b>z</i>')))).toBe('<b>x<i>y</i></b><i>z</i>');
    expect(renderMarkup(parseMarkup(trusted('<b>open')))).toBe('<b>open</b>');
    expect(renderMarkup(parseMarkup(trusted('a</i>b')))).toBe('ab');
    expect(renderMarkup(parseMarkup(trusted('<code>a <b>b</b></code>')))).toBe('<code>a b</code>'); // no formatting inside code
    expect(renderMarkup(parseMarkup(trusted('<a href="https://a.lv">x &amp; <b>y</b></a>')))).toBe('<a href="https://a.lv">x &amp; <b>y</b></a>');
    expect(() => acceptedByTelegram('<b>x<i>y</b>z</i>')).toThrow(/Unmatched end tag/); // what Telegram would say to the input
  });
});

describe('splitting long markup', () => {
  it('closes the tags open at a cut and opens them again in the next piece', () => {
    const words = Array.from({ length: 400 }, (_, i) => `vārds${i}`).join(' ');
    const m = trusted(`<b>${words}</b> and <i><a href="https://example.lv">${words}</a></i>`);
    const pieces = splitMarkup(m, 1000);
    expect(pieces.length).toBeGreaterThan(3);
    for (const p of pieces) {
      expect(textOf(parseMarkup(p)).length).toBeLessThanOrEqual(1000);
      acceptedByTelegram(p);
    }
    expect(pieces[1]!.startsWith('<b>')).toBe(true);
    expect(pieces.at(-1)!).toMatch(/^<i><a href="https:\/\/example\.lv">.*<\/a><\/i>$/s);
    // Nothing lost but the spaces at the cuts.
    expect(pieces.map((p) => textOf(parseMarkup(p))).join(' ').replace(/\s+/g, ' ')).toBe(textOf(parseMarkup(m)).replace(/\s+/g, ' '));
  });

  it('cuts between characters as people see them, never inside an emoji', () => {
    const family = '👨‍👩‍👧';
    const m = esc(family.repeat(700)); // no spaces or line breaks to cut at
    const pieces = splitForTelegram(m);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) {
      const plain = acceptedByTelegram(p);
      expect(plain).not.toMatch(LONE_SURROGATE);
      expect(plain.length % family.length).toBe(0);
      expect(telegramLength(p)).toBeLessThanOrEqual(4096);
    }
    expect(pieces.map((p) => acceptedByTelegram(p)).join('')).toBe(family.repeat(700));
  });

  it('prefers a paragraph break, then a line break, then a space', () => {
    const para = (c: string) => c.repeat(60);
    const m = esc(`${para('a')} ${para('b')}\n${para('c')}\n\n${para('d')}`);
    expect(splitMarkup(m, 200).map((p) => p.slice(0, 1))).toEqual(['a', 'd']);
    expect(splitMarkup(m, 150).map((p) => p.slice(0, 1))).toEqual(['a', 'c']);
    expect(splitMarkup(m, 100).map((p) => p.slice(0, 1))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('splits for Discord by the length of the markdown it sends', () => {
    const m = trusted(`<b>${'ž '.repeat(1500)}</b>`);
    const pieces = splitForDiscord(m);
    expect(pieces.length).toBe(2);
    for (const p of pieces) {
      expect(p.length).toBeLessThanOrEqual(2000);
      expect(p.startsWith('**')).toBe(true);
      expect(p.endsWith('**')).toBe(true);
    }
  });
});

describe('what people type, as markup every platform accepts', () => {
  it('reads overlapping Discord markers with a real parser into well-nested tags', () => {
    expect(markdownToMarkup('`x **y` z**')).toBe('<code>x **y</code> z**');
    expect(markdownToMarkup('**bold *both* bold** __under__ ~~gone~~ [link](https://lm.gov.lv) <b>')).toBe(
      '<b>bold <i>both</i> bold</b> <u>under</u> <s>gone</s> <a href="https://lm.gov.lv">link</a> &lt;b&gt;',
    );
    expect(markdownToMarkup('```\ncode **not bold**\n```')).toBe('<pre>code **not bold**</pre>');
    expect(toDiscordMarkdown(markdownToMarkup('**a *b* c**'))).toBe('**a *b* c**');
  });

  it('never produces markup Telegram refuses, whatever the markers (2,000 random texts)', () => {
    const rnd = prng(20261201);
    const atoms = ['*', '**', '_', '__', '~~', '`', '```', '[', ']', '(https://a.lv)', '<', '>', '&', '\\', ' ', '\n', 'a', 'ž', '😀', '||'];
    for (let n = 0; n < 2000; n++) {
      let s = '';
      for (let k = 0, len = 1 + Math.floor(rnd() * 24); k < len; k++) s += atoms[Math.floor(rnd() * atoms.length)];
      const m = markdownToMarkup(s);
      expect(() => acceptedByTelegram(m), JSON.stringify(s)).not.toThrow();
    }
  });

  it('turns overlapping Telegram entities into well-nested tags with the same text', () => {
    const t = 'Sanāksme ceturtdien 13:00 Talsos';
    const m = entitiesToMarkup(t, [
      { type: 'bold', offset: 0, length: 19 },
      { type: 'italic', offset: 9, length: 16 },
      { type: 'text_link', offset: 20, length: 12, url: 'https://talsi.lv' },
    ]);
    expect(m).toBe('<b>Sanāksme <i>ceturtdien</i></b><i> <a href="https://talsi.lv">13:00</a></i><a href="https://talsi.lv"> Talsos</a>');
    expect(acceptedByTelegram(m)).toBe(t);
  });

  it('keeps random overlapping entities well nested (1,000 cases)', () => {
    const rnd = prng(7);
    const types = ['bold', 'italic', 'underline', 'strikethrough', 'code', 'text_link'];
    const t = 'Ab 😀 cd <ef> & gh ij kl';
    for (let n = 0; n < 1000; n++) {
      const entities = Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => {
        let offset = Math.floor(rnd() * t.length);
        let end = Math.min(t.length, offset + 1 + Math.floor(rnd() * 10));
        // Telegram's offsets never fall inside a surrogate pair.
        if (/[\uDC00-\uDFFF]/.test(t[offset] ?? '')) offset--;
        if (/[\uDC00-\uDFFF]/.test(t[end] ?? '')) end++;
        const type = types[Math.floor(rnd() * types.length)]!;
        return { type, offset, length: end - offset, ...(type === 'text_link' ? { url: 'https://a.lv' } : {}) };
      });
      const m: Markup = entitiesToMarkup(t, entities);
      expect(acceptedByTelegram(m), JSON.stringify(entities)).toBe(t);
    }
  });
});
