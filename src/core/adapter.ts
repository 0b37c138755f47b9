import type { Role } from './access.ts';
import type { Address, Capabilities, Incoming, Platform, Reply, SentRef, TextReply, UiLanguage } from './types.ts';

/** The core's side of an adapter: hand it an Incoming, get back the replies to show in that chat. */
export interface IncomingHandler {
  handle(incoming: Incoming): Promise<Reply[]>;
  /**
   * Replies the adapter could not show (after its own few quick attempts). A temporary failure is delivered later in
   * the background; a permanent one is answered with the short notice returned here, which the adapter tries once.
   */
  undelivered?(incoming: Incoming, replies: Reply[], failure: DeliveryFailure): Promise<Reply[]>;
  /**
   * A chat lives on under a new id (Telegram tells of a group upgraded to a supergroup by a service message in each),
   * so what refers to the old id (a registered audience) follows it before a send has to fail first.
   */
  chatMoved?(platform: Platform, from: string, to: string): Promise<void>;
}

/**
 * The contract every platform implements. Adapters translate; they never query tables or decide anything a
 * user would call behaviour. Optional methods are capabilities the core checks for before using.
 */
export interface Adapter {
  readonly platform: Platform;
  readonly capabilities: Capabilities;
  start(handler: IncomingHandler): Promise<void>;
  /** Stops taking new input, waits for work in flight, releases the platform connection. */
  stop(): Promise<void>;
  /** Sends outside a conversation (announcements, reminders, notices). Throws DeliveryError on failure. */
  send(address: Address, reply: Reply): Promise<SentRef[]>;
  /** Replaces the text of a message sent earlier (progress in place). */
  edit?(ref: SentRef, reply: TextReply): Promise<void>;
  /**
   * A link that opens a private chat with the bot and sends `/start PAYLOAD` (Telegram's deep link
   * `https://t.me/<bot>?start=PAYLOAD`); undefined where the platform has none or the bot's name is not known yet.
   */
  startLink?(payload: string): string | undefined;
  /**
   * Finds a channel by the name people use for it (Telegram `@name`) and checks the bot may post there, so a
   * coordinator can register it as an audience from a private chat.
   */
  resolveChannel?(ref: string): Promise<{ chatId: string; title: string } | { error: 'not_found' | 'not_admin' }>;
  /** Shows an account the command menu of its (new) role and language, where the platform keeps one per chat. */
  refreshMenu?(accountId: string, role: Role, language: UiLanguage): Promise<void>;
}

/**
 * Why a send failed, as the delivery worker needs to know it: `unreachable` will never work (blocked, chat gone),
 * `retry` may work later (rate limit, server error, network), `failed` is a permanent error of this message.
 */
export type DeliveryFailure =
  | { kind: 'unreachable'; reason: string }
  /** The chat lives on under another id (a Telegram group upgraded to a supergroup): send there instead. */
  | { kind: 'moved'; reason: string; chatId: string }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'failed'; reason: string };

export class DeliveryError extends Error {
  constructor(readonly failure: DeliveryFailure) {
    super(`${failure.kind}: ${failure.reason}`);
    this.name = 'DeliveryError';
  }
}

export interface MenuCommand {
  name: string;
  description: string;
  arg?: { name: string; description: string; required: boolean };
}

/** What adapters need to show command menus (Telegram's menu button, Discord's slash commands). */
export interface CommandMenus {
  commandMenu(role: Role, lng: UiLanguage): MenuCommand[];
  /** Accounts on a platform whose role is above guest, to give them their own menu where the platform allows. */
  privilegedAccounts(platform: Platform): Promise<Array<{ id: string; role: Role; language: UiLanguage }>>;
}
