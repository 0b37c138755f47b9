import type { Markup } from './markup.ts';

export const PLATFORMS = ['console', 'telegram', 'discord'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** `telegram:123`: numeric ids alone are ambiguous across platforms. */
export type IdentityKey = `${Platform}:${string}`;
export function identityKey(platform: Platform, id: string | number): IdentityKey {
  return `${platform}:${id}`;
}
export function parseIdentityKey(key: string): { platform: Platform; id: string } | undefined {
  const i = key.indexOf(':');
  if (i < 0) return undefined;
  const platform = key.slice(0, i);
  const id = key.slice(i + 1);
  return (PLATFORMS as readonly string[]).includes(platform) && id ? { platform: platform as Platform, id } : undefined;
}

/** The languages the bot's content is written in (catalogue, themes, places): every such text exists in each. */
export const LANGUAGES = ['lv', 'en', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];
export function isLanguage(x: unknown): x is Language {
  return typeof x === 'string' && (LANGUAGES as readonly string[]).includes(x);
}

/**
 * The languages people may read the bot's own words in: the three above, and Romani, which people who speak it
 * translate key by key (what they have not translated stays Latvian).
 */
export const UI_LANGUAGES = [...LANGUAGES, 'rom'] as const;
export type UiLanguage = (typeof UI_LANGUAGES)[number];
export function isUiLanguage(x: unknown): x is UiLanguage {
  return typeof x === 'string' && (UI_LANGUAGES as readonly string[]).includes(x);
}

/** The content language a reader of `ui` sees: Romani readers get the Latvian catalogue, themes and places. */
export function contentLanguage(ui: UiLanguage): Language {
  return ui === 'rom' ? 'lv' : ui;
}

/** Where a message goes: a private chat, a group or a channel on one platform. */
export interface Address {
  platform: Platform;
  chatId: string;
  /** A group or channel rather than a person's private chat (Discord needs to know: a DM is opened by user id). */
  group?: boolean;
}
export function addressKey(a: Address): string {
  return `${a.platform}:${a.chatId}`;
}

/** What an adapter can show. The core asks and degrades: no buttons means numbered choices, and so on. */
export interface Capabilities {
  /** Inline buttons under a message. Without them, choices are shown with keys to type. */
  buttons: boolean;
  /** A native multi-field form (a Discord modal). Without it, flows ask field by field or in one message. */
  forms: boolean;
  /** Editing a sent message in place (progress). */
  edits: boolean;
  /** Sending files and images. */
  files: boolean;
  /** Longest text one message may carry, as the platform counts it. */
  maxTextLength: number;
  /** Longest button data the platform carries back (Telegram: 64 bytes). */
  maxActionLength: number;
  /** Answers in a group are seen only by the asker (Discord's ephemeral replies), so personal flows may run there. */
  privateInGroups?: boolean;
}

export interface IdentityRef {
  platform: Platform;
  id: string;
  username?: string;
  displayName?: string;
  /** The platform's idea of the user's language (Telegram's language_code, Discord's locale). */
  languageHint?: string;
}

export type ChatKind = 'private' | 'group';

export type Payload =
  | { type: 'command'; name: string; args: string }
  /** `formatted` is the same text with the sender's formatting (bold, links) as Markup, where the platform has it. */
  | { type: 'text'; text: string; formatted?: Markup }
  /** A pressed button or picked menu entry: the data the core put in the Choice. */
  | { type: 'action'; data: string }
  /** A submitted native form (Discord modal). */
  | { type: 'form'; formId: string; values: Record<string, string> }
  | { type: 'file'; name: string; mime: string; size: number; read: () => Promise<Uint8Array> }
  /** A file the person meant to send that could not be read (the console's `/file PATH` with a wrong path). */
  | { type: 'unreadable_file'; name: string }
  /** Stickers, voice notes, photos and the like. */
  | { type: 'unsupported'; what: string };

export interface Incoming {
  identity: IdentityRef;
  /** `title` is a group's or channel's name, where the platform gives one. */
  chat: Address & { kind: ChatKind; title?: string };
  payload: Payload;
  capabilities: Capabilities;
}

export type Choice = { label: string; action: string; key?: string } | { label: string; url: string; key?: string };

export interface FormField {
  id: string;
  label: string;
  placeholder?: string;
  value?: string;
  minLength?: number;
  maxLength: number;
  multiline?: boolean;
  required?: boolean;
}

export interface Form {
  id: string;
  title: string;
  fields: FormField[];
}

/**
 * A file the bot sends: its bytes, or a file on disk (a large export written as a stream, so it is never held in
 * memory whole). A `temporary` file is the bot's own: the adapter removes it once the replies are sent.
 */
export type FileData = MemoryFile | DiskFile;
export interface MemoryFile {
  name: string;
  mime: string;
  data: Uint8Array;
}
export interface DiskFile {
  name: string;
  mime: string;
  path: string;
  temporary?: boolean;
}

/**
 * What the core asks an adapter to show. `personal` replies in a group are shown only to the asker where the
 * platform can (Discord ephemeral); elsewhere they are sent as usual.
 */
export type Reply =
  /**
   * `replace`: an answer to a pressed button that stands in for the message carrying it (a ticked box), edited in
   * place where the platform can; sent as a new message elsewhere.
   */
  | { kind: 'text'; text: Markup; choices?: Choice[][]; personal?: boolean; progressOf?: string; replace?: boolean }
  /**
   * A short answer to a pressed button only its presser sees, without a message in the chat (Telegram's callback
   * answer, a Discord ephemeral reply): a press that changes nothing, such as someone else's or an old button.
   */
  | { kind: 'toast'; text: Markup }
  | { kind: 'file'; file: FileData; caption?: Markup; personal?: boolean }
  /** Images are small (a chart) and kept in memory. */
  | { kind: 'image'; file: MemoryFile; caption?: Markup; personal?: boolean }
  /** A form to fill in; only sent to adapters with `forms`. `text` introduces it where it cannot open at once. */
  | { kind: 'form'; form: Form; text: Markup; openLabel: string };

export type TextReply = Extract<Reply, { kind: 'text' }>;

export function text(t: Markup, choices?: Choice[][]): TextReply {
  return choices && choices.length ? { kind: 'text', text: t, choices } : { kind: 'text', text: t };
}

/** Messages (a long answer split, or a page shared by every reader) with buttons under the last one. */
export function withButtons(messages: readonly Markup[], choices: Choice[][]): Reply[] {
  return messages.map((m, i) => (i === messages.length - 1 ? text(m, choices) : text(m)));
}

/** What an adapter returns for a sent message, so it can be edited later. */
export interface SentRef {
  address: Address;
  messageId: string;
}
