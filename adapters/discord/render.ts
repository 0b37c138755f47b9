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
import { type Markup, spans, splitMarkup } from '../../src/core/markup.ts';
import type { Choice, FileData, Form } from '../../src/core/types.ts';

export const DISCORD_TEXT_LIMIT = 2000;
const MAX_ROWS = 5;
const MAX_BUTTONS_PER_ROW = 5;
const MAX_SELECT_OPTIONS = 25;

const MARKS: Record<string, string> = { b: '**', i: '*', u: '__', s: '~~', code: '`' };

/** The core's markup as Discord markdown, with every piece of text escaped so it renders as typed. */
export function toDiscordMarkdown(m: Markup): string {
  let out = '';
  let href: string | undefined;
  let linkText = '';
  let inCode = false;
  for (const s of spans(m)) {
    if (s.kind === 'text') {
      const t = inCode ? s.text.replace(/`/g, 'ˋ') : escapeMarkdown(s.text);
      if (href !== undefined) linkText += t;
      else out += t;
      continue;
    }
    if (s.tag === 'a') {
      if (s.kind === 'open') {
        href = s.href ?? '';
        linkText = '';
      } else {
        out += href ? `[${linkText}](${href.replace(/\)/g, '%29')})` : linkText;
        href = undefined;
      }
      continue;
    }
    if (s.tag === 'pre') {
      out += s.kind === 'open' ? '```\n' : '\n```';
      inCode = s.kind === 'open';
      continue;
    }
    if (s.tag === 'blockquote') {
      if (s.kind === 'open') out += '> ';
      continue;
    }
    if (s.tag === 'code') inCode = s.kind === 'open';
    out += MARKS[s.tag] ?? '';
  }
  return out;
}

/**
 * What a person typed with Discord's markdown (bold, italics, underline, strike, code, links) as the core's markup,
 * so an announcement written on Discord keeps its formatting on Telegram too.
 */
export function markdownToMarkup(text: string): Markup {
  const escaped = text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return escaped
    .replace(/```(?:\w*\n)?([\s\S]*?)```/g, '<pre>$1</pre>')
    .replace(/`([^`\n]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*\n]+)\*\*/g, '<b>$1</b>')
    .replace(/__([^_\n]+)__/g, '<u>$1</u>')
    .replace(/~~([^~\n]+)~~/g, '<s>$1</s>')
    .replace(/(^|[^\\*\w])\*([^*\n]+)\*(?!\w)/g, '$1<i>$2</i>')
    .replace(/(^|[^\\_\w])_([^_\n]+)_(?!\w)/g, '$1<i>$2</i>')
    .replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2">$1</a>') as Markup;
}

/** Texts longer than Discord's 2,000 characters become several messages, split at paragraphs. */
export function splitForDiscord(text: Markup): string[] {
  return splitMarkup(text, DISCORD_TEXT_LIMIT, (piece) => toDiscordMarkdown(piece as Markup).length).map(toDiscordMarkdown);
}

/**
 * Choices as Discord components: buttons (at most 5 rows of 5) when they fit as laid out or packed, otherwise
 * select menus of up to 25 options each. Link choices become link buttons.
 */
export function components(choices: Choice[][] | undefined): ActionRowBuilder<MessageActionRowComponentBuilder>[] {
  if (!choices || choices.length === 0) return [];
  const all = choices.flat();
  const button = (c: Choice) =>
    'url' in c
      ? new ButtonBuilder().setStyle(ButtonStyle.Link).setLabel(c.label.slice(0, 80)).setURL(c.url)
      : new ButtonBuilder().setStyle(ButtonStyle.Secondary).setLabel(c.label.slice(0, 80)).setCustomId(c.action);
  const rowsAsLaidOut = choices.length <= MAX_ROWS && choices.every((r) => r.length <= MAX_BUTTONS_PER_ROW);
  if (rowsAsLaidOut) return choices.map((row) => new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(row.map(button)));
  if (all.length <= MAX_ROWS * MAX_BUTTONS_PER_ROW) {
    const rows: ActionRowBuilder<MessageActionRowComponentBuilder>[] = [];
    for (let i = 0; i < all.length; i += MAX_BUTTONS_PER_ROW) {
      rows.push(new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(all.slice(i, i + MAX_BUTTONS_PER_ROW).map(button)));
    }
    return rows;
  }
  const actions = all.filter((c): c is Choice & { action: string } => 'action' in c);
  const rows: ActionRowBuilder<MessageActionRowComponentBuilder>[] = [];
  for (let i = 0; i < actions.length && rows.length < MAX_ROWS; i += MAX_SELECT_OPTIONS) {
    const menu = new StringSelectMenuBuilder()
      .setCustomId(`select:${i / MAX_SELECT_OPTIONS}`)
      .setPlaceholder('…')
      .addOptions(actions.slice(i, i + MAX_SELECT_OPTIONS).map((c) => ({ label: c.label.slice(0, 100), value: c.action.slice(0, 100) })));
    rows.push(new ActionRowBuilder<MessageActionRowComponentBuilder>().addComponents(menu));
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
