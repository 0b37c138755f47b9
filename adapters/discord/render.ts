import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  escapeMarkdown,
  ModalBuilder,
  StringSelectMenuBuilder,
  TextInputBuilder,
  TextInputStyle,
  type MessageActionRowComponentBuilder,
} from 'discord.js';
import { parse as parseDiscordMarkdown } from 'discord-markdown-parser';
import { type Markup, type MarkupNode, type MarkupTag, parseMarkup, renderMarkup, splitMarkup } from '../../src/core/markup.ts';
import type { Choice, FileData, Form } from '../../src/core/types.ts';

export const DISCORD_TEXT_LIMIT = 2000;
const MAX_ROWS = 5;
const MAX_BUTTONS_PER_ROW = 5;
const MAX_SELECT_OPTIONS = 25;

const MARKS: Partial<Record<MarkupTag, string>> = { b: '**', i: '*', u: '__', s: '~~' };

/** The core's markup as Discord markdown, from its tree (so markers nest as the tags do), text escaped. */
export function toDiscordMarkdown(m: Markup): string {
  const walk = (nodes: readonly MarkupNode[]): string =>
    nodes
      .map((n) => {
        if (n.kind === 'text') return escapeMarkdown(n.text);
        const literal = () => textOfNodes(n.children).replace(/`/g, 'ˋ');
        switch (n.tag) {
          case 'code':
            return `\`${literal()}\``;
          case 'pre':
            return `\`\`\`\n${literal()}\n\`\`\``;
          case 'a': {
            const label = walk(n.children);
            return n.href ? `[${label}](${n.href.replace(/\)/g, '%29')})` : label;
          }
          case 'blockquote':
            return walk(n.children)
              .split('\n')
              .map((line) => `> ${line}`)
              .join('\n');
          default: {
            const mark = MARKS[n.tag] ?? '';
            return `${mark}${walk(n.children)}${mark}`;
          }
        }
      })
      .join('');
  return walk(parseMarkup(m));
}

function textOfNodes(nodes: readonly MarkupNode[]): string {
  return nodes.map((n) => (n.kind === 'text' ? n.text : textOfNodes(n.children))).join('');
}

type DiscordNode = { type: string; content?: string | DiscordNode[]; target?: string; [k: string]: unknown };

const DISCORD_TAGS: Record<string, MarkupTag> = { strong: 'b', em: 'i', underline: 'u', strikethrough: 's', blockQuote: 'blockquote' };

/** discord-markdown-parser's tree as the core's: formatting kept where the core has it, the rest as text. */
function fromDiscord(nodes: readonly DiscordNode[]): MarkupNode[] {
  const out: MarkupNode[] = [];
  const children = (n: DiscordNode) => (Array.isArray(n.content) ? fromDiscord(n.content) : typeof n.content === 'string' ? [{ kind: 'text' as const, text: n.content }] : []);
  for (const n of nodes) {
    const tag = DISCORD_TAGS[n.type];
    if (tag) out.push({ kind: 'el', tag, children: children(n) });
    else if (n.type === 'inlineCode') out.push({ kind: 'el', tag: 'code', children: children(n) });
    else if (n.type === 'codeBlock') out.push({ kind: 'el', tag: 'pre', children: children(n) });
    else if ((n.type === 'link' || n.type === 'url' || n.type === 'autolink') && typeof n.target === 'string' && /^https?:\/\//i.test(n.target)) {
      out.push({ kind: 'el', tag: 'a', href: n.target, children: children(n) });
    } else if (n.type === 'br' || n.type === 'newline') out.push({ kind: 'text', text: '\n' });
    else if (n.type === 'heading') out.push({ kind: 'el', tag: 'b', children: children(n) }, { kind: 'text', text: '\n' });
    else if (n.type === 'everyone' || n.type === 'here') out.push({ kind: 'text', text: `@${n.type}` });
    else if (n.type === 'timestamp') out.push({ kind: 'text', text: `<t:${String(n.timestamp)}${n.format ? `:${String(n.format)}` : ''}>` });
    else out.push(...children(n)); // text, spoilers, subtext and anything newer: their words, unformatted
  }
  return out;
}

/**
 * What a person typed with Discord's markdown as the core's markup, read by a real Discord-markdown parser into a
 * tree, so overlapping markers (`` `x **y` z** ``) give well-nested tags and an announcement written on Discord
 * keeps its formatting on Telegram.
 */
export function markdownToMarkup(text: string): Markup {
  return renderMarkup(fromDiscord(parseDiscordMarkdown(text, 'extended') as DiscordNode[]));
}

/** Texts longer than Discord's 2,000 characters become several messages, split at paragraphs. */
export function splitForDiscord(text: Markup): string[] {
  return splitMarkup(text, DISCORD_TEXT_LIMIT, (piece) => toDiscordMarkdown(piece as Markup).length).map(toDiscordMarkdown);
}

const SELECT_ROWS_PER_PAGE = MAX_ROWS - 1; // the last row holds the page buttons
const OPTIONS_PER_PAGE = SELECT_ROWS_PER_PAGE * MAX_SELECT_OPTIONS;

type Row = ActionRowBuilder<MessageActionRowComponentBuilder>;

/** More action choices than five select menus of 25 hold: shown a page at a time. */
export function needsPages(choices: Choice[][]): boolean {
  const all = choices.flat();
  const fitsButtons = all.length <= MAX_ROWS * MAX_BUTTONS_PER_ROW;
  return !fitsButtons && all.filter((c) => 'action' in c).length > MAX_ROWS * MAX_SELECT_OPTIONS;
}

/**
 * Choices as Discord components: buttons (at most 5 rows of 5) when they fit as laid out or packed, otherwise
 * select menus of up to 25 options each, whose values are the choices' data. Beyond five menus the choices are
 * paged (`paging`): four menus a page and a row of ‹ › buttons (`page:TOKEN:N`), so none is dropped. Link choices
 * become link buttons.
 */
export function components(choices: Choice[][] | undefined, paging?: { token: string; page: number }): Row[] {
  if (!choices || choices.length === 0) return [];
  const all = choices.flat();
  const button = (c: Choice) =>
    'url' in c
      ? new ButtonBuilder().setStyle(ButtonStyle.Link).setLabel(c.label.slice(0, 80)).setURL(c.url)
      : new ButtonBuilder().setStyle(ButtonStyle.Secondary).setLabel(c.label.slice(0, 80)).setCustomId(c.action);
  const rowsAsLaidOut = choices.length <= MAX_ROWS && choices.every((r) => r.length <= MAX_BUTTONS_PER_ROW);
  if (rowsAsLaidOut) return choices.map((row) => new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(row.map(button)));
  if (all.length <= MAX_ROWS * MAX_BUTTONS_PER_ROW) {
    const rows: Row[] = [];
    for (let i = 0; i < all.length; i += MAX_BUTTONS_PER_ROW) {
      rows.push(new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(all.slice(i, i + MAX_BUTTONS_PER_ROW).map(button)));
    }
    return rows;
  }
  const actions = all.filter((c): c is Choice & { action: string } => 'action' in c);
  const paged = paging !== undefined && actions.length > MAX_ROWS * MAX_SELECT_OPTIONS;
  const pages = paged ? Math.ceil(actions.length / OPTIONS_PER_PAGE) : 1;
  const page = paged ? Math.min(Math.max(0, paging.page), pages - 1) : 0;
  const shown = paged ? actions.slice(page * OPTIONS_PER_PAGE, (page + 1) * OPTIONS_PER_PAGE) : actions;
  const rows: Row[] = [];
  for (let i = 0; i < shown.length && rows.length < (paged ? SELECT_ROWS_PER_PAGE : MAX_ROWS); i += MAX_SELECT_OPTIONS) {
    const menu = new StringSelectMenuBuilder()
      .setCustomId(`select:${page}:${i / MAX_SELECT_OPTIONS}`)
      .setPlaceholder(`${page * OPTIONS_PER_PAGE + i + 1}–${page * OPTIONS_PER_PAGE + Math.min(i + MAX_SELECT_OPTIONS, shown.length)}`)
      .addOptions(shown.slice(i, i + MAX_SELECT_OPTIONS).map((c) => ({ label: c.label.slice(0, 100), value: c.action.slice(0, 100) })));
    rows.push(new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(menu));
  }
  if (paged) {
    const nav: ButtonBuilder[] = [];
    if (page > 0) nav.push(new ButtonBuilder().setStyle(ButtonStyle.Secondary).setLabel(`‹ ${page}/${pages}`).setCustomId(`page:${paging.token}:${page - 1}`));
    if (page < pages - 1) nav.push(new ButtonBuilder().setStyle(ButtonStyle.Secondary).setLabel(`${page + 2}/${pages} ›`).setCustomId(`page:${paging.token}:${page + 1}`));
    rows.push(new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(nav));
  }
  return rows;
}

export function attachment(file: FileData): AttachmentBuilder {
  // A file on disk is streamed by discord.js from its path, never read into memory whole.
  return new AttachmentBuilder('data' in file ? Buffer.from(file.data) : file.path, { name: file.name });
}

/** A form as a Discord modal: up to five text inputs (Discord's limit), labels and title within 45 characters. */
export function modal(form: Form): ModalBuilder {
  const m = new ModalBuilder().setCustomId(form.id).setTitle(form.title.slice(0, 45));
  for (const f of form.fields.slice(0, 5)) {
    const input = new TextInputBuilder()
      .setCustomId(f.id)
      .setLabel(f.label.slice(0, 45))
      .setStyle(f.multiline ? TextInputStyle.Paragraph : TextInputStyle.Short)
      .setRequired(f.required ?? false)
      .setMaxLength(Math.min(f.maxLength, 4000));
    if (f.minLength !== undefined && f.required) input.setMinLength(Math.min(f.minLength, f.maxLength));
    if (f.placeholder) input.setPlaceholder(f.placeholder.slice(0, 100));
    if (f.value) input.setValue(f.value.slice(0, Math.min(f.maxLength, 4000)));
    m.addComponents(new ActionRowBuilder<TextInputBuilder>().addComponents(input));
  }
  return m;
}
