import { createServer, type Server } from 'node:http';
import { run, type RunnerHandle, sequentialize } from '@grammyjs/runner';
import { Api, Bot, GrammyError, InputFile, webhookCallback, type Context } from 'grammy';
import type { Message, User } from 'grammy/types';
import type { Logger } from 'pino';
import { type Adapter, type CommandMenus, DeliveryError, type IncomingHandler } from '../../src/core/adapter.ts';
import { releaseFiles } from '../../src/core/files.ts';
import { parseCommand } from '../../src/core/input.ts';
import { type Markup, toPlain } from '../../src/core/markup.ts';
import { type Address, type Capabilities, type IdentityRef, type Incoming, LANGUAGES, type Payload, type Reply, type SentRef, type TextReply } from '../../src/core/types.ts';
import { classifyTelegramError } from './errors.ts';
import { entitiesToMarkup, keyboard, splitForTelegram, TELEGRAM_CALLBACK_LIMIT, TELEGRAM_CAPTION_LIMIT, TELEGRAM_TEXT_LIMIT, telegramLength } from './render.ts';
import { boundedRetry, REPLY_POLICY } from './retry.ts';

export interface TelegramAdapterOptions {
  token: string;
  apiRoot?: string;
  webhook?: { url: string; secret: string; port: number };
  log: Logger;
  menus: CommandMenus;
  /** First delay between retries of failing start-up calls (doubles up to a minute). */
  retryDelayMs?: number;
  /** Long-polling timeout in seconds (Telegram allows up to 50). */
  pollingTimeoutSeconds?: number;
  /** How long reading a file a person sent may take. */
  downloadTimeoutMs?: number;
}

const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024; // the Bot API's getFile limit
/** A file a person sends is read within this time or not at all (the flow says so and keeps its state). */
const DOWNLOAD_TIMEOUT_MS = 30_000;
/** A pressed button's spinner is stopped within this time even while the core is still busy with the press. */
const CALLBACK_ANSWER_MS = 2000;
const TOAST_LIMIT = 200; // Telegram's limit for a callback answer's text
const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

/**
 * Telegram through grammY: updates in, Replies out as HTML messages with inline keyboards, documents and photos.
 * Long polling through grammY's runner (webhook mode with the secret-token header checked): updates of different
 * chats are handled at once, those of one chat in order (`sequentialize`), so one slow or flooded chat never
 * holds the others. Answers get a few quick attempts (`REPLY_POLICY`); what still fails is handed back to the
 * core, which delivers it in the background or says briefly that it could not. An error in one update is logged
 * and never stops the bot.
 */
export class TelegramAdapter implements Adapter {
  readonly platform = 'telegram' as const;
  readonly capabilities: Capabilities = {
    buttons: true,
    forms: false,
    edits: true,
    files: true,
    maxTextLength: TELEGRAM_TEXT_LIMIT,
    maxActionLength: TELEGRAM_CALLBACK_LIMIT,
  };
  readonly bot: Bot;
  /**
   * Messages the bot sends first (announcements, reminders) go through their own client: no automatic retry, so
   * a 429 reaches the delivery worker, which pauses all sends for it instead of retrying one outside its pacing,
   * and a timeout well under the outbox lease, so no send outlives its claim and is sent again by another worker.
   */
  readonly outbound: Api;
  private handler: IncomingHandler | undefined;
  private server: Server | undefined;
  private runner: RunnerHandle | undefined;
  /** The newest update handled, confirmed to Telegram on stop so it is not handed out again after a restart. */
  private lastUpdateId: number | undefined;
  private stopped = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Pending delays, run at once on stop so nothing waits forever. */
  private readonly timers = new Map<NodeJS.Timeout, () => void>();

  constructor(private readonly options: TelegramAdapterOptions) {
    this.bot = new Bot(options.token, { client: { ...(options.apiRoot ? { apiRoot: options.apiRoot } : {}) } });
    this.bot.api.config.use(boundedRetry(REPLY_POLICY));
    this.outbound = new Api(options.token, { ...(options.apiRoot ? { apiRoot: options.apiRoot } : {}), timeoutSeconds: 20 });
    // One chat's updates in order (a flow's steps, a flood), different chats side by side.
    this.bot.use(sequentialize((ctx: Context) => (ctx.chat ? String(ctx.chat.id) : ctx.from ? `user:${ctx.from.id}` : undefined)));
    this.bot.use((ctx, next) => {
      this.lastUpdateId = Math.max(this.lastUpdateId ?? 0, ctx.update.update_id);
      return next();
    });
    this.bot.on('message', (ctx) => this.track(this.onMessage(ctx)));
    this.bot.on('callback_query', (ctx) => this.track(this.onCallback(ctx)));
    this.bot.catch((err) => {
      options.log.error({ err: redact(err.error), update: err.ctx.update.update_id }, 'telegram update failed');
    });
  }

  async start(handler: IncomingHandler): Promise<void> {
    this.handler = handler;
    await this.retrying('getMe', () => this.bot.init());
    if (this.stopped) return;
    this.options.log.info({ bot: this.bot.botInfo.username, mode: this.options.webhook ? 'webhook' : 'polling' }, 'telegram connected');
    void this.retrying('setMyCommands', () => this.setCommands());
    if (this.options.webhook) await this.startWebhook(this.options.webhook);
    else this.startPolling();
  }

  private startPolling(): void {
    if (this.stopped) return;
    const runner = run(this.bot, {
      runner: {
        fetch: { allowed_updates: ALLOWED_UPDATES, timeout: this.options.pollingTimeoutSeconds ?? 30 },
        // Network trouble is retried by the runner; it would print each failure with console.error, so we log instead.
        silent: true,
        retryInterval: 'exponential',
        maxRetryTime: 60_000,
      },
    });
    this.runner = runner;
    const restart = (err?: unknown) => {
      if (this.stopped || this.runner !== runner) return;
      this.options.log.error({ err: redact(err) }, 'telegram polling stopped; restarting');
      this.later(() => this.startPolling(), this.options.retryDelayMs ?? 5000);
    };
    runner.task()?.then(() => restart(), restart);
  }

  private async startWebhook(webhook: NonNullable<TelegramAdapterOptions['webhook']>): Promise<void> {
    const path = new URL(webhook.url).pathname;
    // grammY answers 401 itself when the X-Telegram-Bot-Api-Secret-Token header is missing or wrong. Handling that
    // outlives Telegram's patience is finished after answering, so Telegram does not resend the update.
    const callback = webhookCallback(this.bot, 'http', { secretToken: webhook.secret, onTimeout: 'return', timeoutMilliseconds: 9000 });
    this.server = createServer((req, res) => {
      if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== path) {
        res.writeHead(404).end();
        return;
      }
      callback(req, res).catch((err: unknown) => {
        this.options.log.warn({ err: redact(err) }, 'webhook request failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(webhook.port, resolve));
    await this.retrying('setWebhook', () =>
      this.bot.api.setWebhook(webhook.url, { secret_token: webhook.secret, allowed_updates: ALLOWED_UPDATES }),
    );
  }

  /** Port the webhook server listens on (useful when configured as 0 in tests). */
  get webhookPort(): number | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const [t, fn] of this.timers) {
      clearTimeout(t);
      fn();
    }
    this.timers.clear();
    const runner = this.runner;
    this.runner = undefined;
    if (runner?.isRunning()) await runner.stop();
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    await Promise.allSettled([...this.inFlight]);
    // The runner confirms updates only with its next getUpdates: confirm the last ones now, as bot.stop() would.
    if (runner && this.lastUpdateId !== undefined) {
      await this.bot.api.getUpdates({ offset: this.lastUpdateId + 1, limit: 1, timeout: 0 }).catch(() => undefined);
    }
  }

  async send(address: Address, reply: Reply): Promise<SentRef[]> {
    try {
      return await this.render(address.chatId, reply, this.outbound);
    } catch (err) {
      throw new DeliveryError(classifyTelegramError(err));
    }
  }

  async edit(ref: SentRef, reply: TextReply): Promise<void> {
    const text = splitForTelegram(reply.text)[0] ?? reply.text;
    const markup = keyboard(reply.choices);
    try {
      await this.bot.api.editMessageText(ref.address.chatId, Number(ref.messageId), text, {
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...(markup ? { reply_markup: markup } : {}),
      });
    } catch (err) {
      if (err instanceof GrammyError && /message is not modified/i.test(err.description)) return;
      throw new DeliveryError(classifyTelegramError(err));
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  private async onMessage(ctx: Context): Promise<void> {
    const msg = ctx.message!;
    // A group upgraded to a supergroup: Telegram says so in the old chat (migrate_to) and the new one (migrate_from).
    // Either may arrive first or alone; following the move twice changes nothing.
    if (msg.migrate_to_chat_id !== undefined) return this.handler?.chatMoved?.('telegram', String(msg.chat.id), String(msg.migrate_to_chat_id));
    if (msg.migrate_from_chat_id !== undefined) return this.handler?.chatMoved?.('telegram', String(msg.migrate_from_chat_id), String(msg.chat.id));
    const from = msg.from;
    if (!from || from.is_bot || !this.handler) return;
    const group = msg.chat.type !== 'private';
    const payload = this.payloadOf(msg, group);
    if (!payload) return;
    const incoming: Incoming = {
      identity: identityOf(from),
      chat: {
        platform: 'telegram',
        chatId: String(msg.chat.id),
        kind: group ? 'group' : 'private',
        ...(group && 'title' in msg.chat && msg.chat.title ? { title: msg.chat.title } : {}),
      },
      payload,
      capabilities: this.capabilities,
    };
    const replies = await this.handler.handle(incoming);
    await this.answer(incoming, replies);
  }

  /**
   * What a message means to the core. In groups only commands addressed to this bot count (`/help`,
   * `/help@ThisBot`), so the bot never interrupts a conversation; in private chats everything is answered.
   */
  private payloadOf(msg: Message, group: boolean): Payload | undefined {
    if (msg.text !== undefined) {
      const looksLikeCommand = msg.text.startsWith('/');
      const command = parseCommand(msg.text, this.bot.botInfo.username);
      if (command) return { type: 'command', ...command };
      if (group || looksLikeCommand) return undefined; // addressed to another bot, or group chatter
      return { type: 'text', text: msg.text, ...(msg.entities?.length ? { formatted: entitiesToMarkup(msg.text, msg.entities) } : {}) };
    }
    if (group) return undefined;
    if (msg.document) {
      const doc = msg.document;
      return {
        type: 'file',
        name: doc.file_name ?? 'file',
        mime: doc.mime_type ?? 'application/octet-stream',
        size: doc.file_size ?? 0,
        read: () => this.download(doc.file_id, doc.file_size),
      };
    }
    const what = msg.sticker ? 'sticker' : msg.photo ? 'photo' : msg.voice ? 'voice' : msg.video ? 'video' : msg.audio ? 'audio' : msg.location ? 'location' : 'other';
    return { type: 'unsupported', what };
  }

  private async download(fileId: string, size: number | undefined): Promise<Uint8Array> {
    if (size !== undefined && size > MAX_DOWNLOAD_BYTES) throw new Error('file too large for the Bot API');
    const signal = AbortSignal.timeout(this.options.downloadTimeoutMs ?? DOWNLOAD_TIMEOUT_MS);
    const file = await this.bot.api.getFile(fileId, signal as Parameters<Api['getFile']>[1]);
    if (!file.file_path) throw new Error('file has no path');
    const root = this.options.apiRoot ?? 'https://api.telegram.org';
    // The whole download, body included, within the time limit: a stalled transfer must not hold the chat.
    const res = await fetch(`${root}/file/bot${this.options.token}/${file.file_path}`, { signal });
    if (!res.ok) throw new Error(`download failed: ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  /**
   * A pressed button. The core decides first (whose button it is, whether it is still live); only then is the
   * keyboard touched. A press that changes nothing is answered with a toast on the button itself, never with a
   * message to the whole group; a toggle replaces the message it was pressed on.
   */
  private async onCallback(ctx: Context): Promise<void> {
    const cq = ctx.callbackQuery!;
    const message = cq.message;
    if (!message || cq.data === undefined || !this.handler) {
      await ctx.answerCallbackQuery().catch((err) => this.options.log.warn({ err: redact(err) }, 'answerCallbackQuery failed'));
      return;
    }
    const chatId = String(message.chat.id);
    const group = message.chat.type !== 'private';
    const incoming: Incoming = {
      identity: identityOf(cq.from),
      chat: { platform: 'telegram', chatId, kind: group ? 'group' : 'private' },
      payload: { type: 'action', data: cq.data },
      capabilities: this.capabilities,
    };
    const work = this.handler.handle(incoming);
    // The timer goes as soon as the answer is in: one left waiting per press piles up under load.
    let cancel = () => {};
    const quick = await Promise.race([work, new Promise<undefined>((resolve) => (cancel = this.later(() => resolve(undefined), CALLBACK_ANSWER_MS)))]);
    cancel();
    const answer = (toast?: Reply) =>
      ctx
        .answerCallbackQuery(toast?.kind === 'toast' ? { text: [...toPlain(toast.text)].slice(0, TOAST_LIMIT).join('') } : {})
        .catch((err) => this.options.log.warn({ err: redact(err) }, 'answerCallbackQuery failed'));
    let replies: Reply[];
    if (quick === undefined) {
      await answer(); // the spinner stops now; the answer follows as messages
      replies = await work;
      // A toast can no longer be shown on the button: in a private chat it becomes a message, in a group nothing.
      replies = replies.flatMap((r) => (r.kind === 'toast' ? (group ? [] : [{ kind: 'text' as const, text: r.text }]) : [r]));
    } else {
      replies = quick;
      await answer(replies.find((r) => r.kind === 'toast'));
      replies = replies.filter((r) => r.kind !== 'toast');
    }
    const refused = quick !== undefined && quick.some((r) => r.kind === 'toast');
    const source: SentRef = { address: { platform: 'telegram', chatId }, messageId: String(message.message_id) };
    // A conversation step's buttons are spent once pressed: remove them so an old step cannot be pressed twice.
    if (!refused && cq.data.startsWith('~') && !replies.some((r) => r.kind === 'text' && r.replace)) {
      void this.bot.api.editMessageReplyMarkup(chatId, message.message_id).catch(() => undefined);
    }
    await this.answer(incoming, replies, source);
  }

  /**
   * Shows the core's replies in the chat they answer. What cannot be shown after the client's quick attempts is
   * handed back to the core (delivered later, or followed by a short notice); logs carry why, never the text.
   */
  private async answer(incoming: Incoming, replies: Reply[], source?: SentRef): Promise<void> {
    const chatId = incoming.chat.chatId;
    for (let i = 0; i < replies.length; i++) {
      const r = replies[i]!;
      try {
        if (source && r.kind === 'text' && r.replace && splitForTelegram(r.text).length === 1) {
          // A message that can no longer be edited (too old, deleted) gets the new state as a new message.
          await this.edit(source, r).catch(() => this.render(chatId, r));
        } else await this.render(chatId, r);
      } catch (err) {
        const failure = classifyTelegramError(err);
        this.options.log.warn({ chat: chatId, kind: r.kind, failure: failure.kind, reason: failure.reason }, 'could not send a reply');
        const notices = (await this.handler?.undelivered?.(incoming, replies.slice(i), failure).catch(() => [])) ?? [];
        for (const n of notices) await this.render(chatId, n).catch(() => undefined);
        return;
      }
    }
    await releaseFiles(replies);
  }

  private async render(chatId: string, reply: Reply, api: Api = this.bot.api): Promise<SentRef[]> {
    const address: Address = { platform: 'telegram', chatId };
    switch (reply.kind) {
      case 'text':
      case 'toast':
      case 'form': {
        const pieces = splitForTelegram(reply.text);
        const markup = reply.kind === 'text' ? keyboard(reply.choices) : undefined;
        const refs: SentRef[] = [];
        for (let i = 0; i < pieces.length; i++) {
          const last = i === pieces.length - 1;
          const sent = await api.sendMessage(chatId, pieces[i]!, {
            parse_mode: 'HTML',
            link_preview_options: { is_disabled: true },
            ...(last && markup ? { reply_markup: markup } : {}),
          });
          refs.push({ address, messageId: String(sent.message_id) });
        }
        return refs;
      }
      case 'file':
      case 'image': {
        // grammY streams a file on disk from its path (and opens it again if a retry sends it again).
        const input = new InputFile('data' in reply.file ? reply.file.data : reply.file.path, reply.file.name);
        const caption = reply.caption && telegramLength(reply.caption) <= TELEGRAM_CAPTION_LIMIT ? reply.caption : undefined;
        const extra = caption ? { caption, parse_mode: 'HTML' as const } : {};
        const sent = reply.kind === 'image' ? await api.sendPhoto(chatId, input, extra) : await api.sendDocument(chatId, input, extra);
        const refs = [{ address, messageId: String(sent.message_id) }];
        // A caption too long for Telegram's 1,024 characters follows as its own message rather than being cut.
        if (reply.caption && !caption) refs.push(...(await this.render(chatId, { kind: 'text', text: reply.caption as Markup }, api)));
        return refs;
      }
    }
  }

  /**
   * Command menus per language: guests' commands for everyone, and each member's own (wider) menu in their
   * private chat, since Telegram scopes menus by chat, not by role.
   */
  private async setCommands(): Promise<void> {
    const menus = this.options.menus;
    const toTelegram = (cmds: ReturnType<CommandMenus['commandMenu']>) =>
      cmds.slice(0, 100).map((c) => ({ command: c.name, description: c.description.slice(0, 256) || c.name }));
    await this.bot.api.setMyCommands(toTelegram(menus.commandMenu('guest', 'lv')));
    for (const lng of LANGUAGES) {
      await this.bot.api.setMyCommands(toTelegram(menus.commandMenu('guest', lng)), { language_code: lng });
    }
    for (const account of await menus.privilegedAccounts('telegram')) {
      if (this.stopped) return;
      await this.bot.api.setMyCommands(toTelegram(menus.commandMenu(account.role, account.language)), {
        scope: { type: 'chat', chat_id: Number(account.id) },
      });
    }
  }

  /** A channel or group by `@name` or id, if the bot is an administrator allowed to post there. */
  async resolveChannel(ref: string): Promise<{ chatId: string; title: string } | { error: 'not_found' | 'not_admin' }> {
    let chat;
    try {
      chat = await this.bot.api.getChat(ref);
    } catch {
      return { error: 'not_found' };
    }
    if (chat.type === 'private') return { error: 'not_found' };
    try {
      const me = await this.bot.api.getChatMember(chat.id, this.bot.botInfo.id);
      const canPost = me.status === 'creator' || (me.status === 'administrator' && (chat.type !== 'channel' || me.can_post_messages !== false)) || (chat.type !== 'channel' && me.status === 'member');
      if (!canPost) return { error: 'not_admin' };
    } catch {
      return { error: 'not_admin' };
    }
    return { chatId: String(chat.id), title: 'title' in chat && chat.title ? chat.title : ref };
  }

  /** `https://t.me/<bot>?start=PAYLOAD`: opens the chat with the bot and sends `/start PAYLOAD` (invites). */
  startLink(payload: string): string | undefined {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(payload)) return undefined;
    try {
      return `https://t.me/${this.bot.botInfo.username}?start=${payload}`;
    } catch {
      return undefined; // not connected yet: grammY knows the bot's name only after getMe
    }
  }

  /** Refreshes one account's command menu after its role or language changed. */
  async refreshMenu(accountId: string, role: Parameters<CommandMenus['commandMenu']>[0], language: Parameters<CommandMenus['commandMenu']>[1]): Promise<void> {
    const cmds = this.options.menus.commandMenu(role, language).map((c) => ({ command: c.name, description: c.description.slice(0, 256) || c.name }));
    await this.bot.api.setMyCommands(cmds, { scope: { type: 'chat', chat_id: Number(accountId) } }).catch((err) => {
      this.options.log.warn({ err: redact(err) }, 'could not refresh a command menu');
    });
  }

  /** Runs a start-up call until it works (or the adapter stops), logging each failure; never fatal. */
  private async retrying(what: string, call: () => Promise<unknown>): Promise<void> {
    let delay = this.options.retryDelayMs ?? 1000;
    while (!this.stopped) {
      try {
        await call();
        return;
      } catch (err) {
        this.options.log.warn({ err: redact(err), call: what, retryInMs: delay }, 'telegram start-up call failed; retrying');
        await new Promise<void>((resolve) => this.later(resolve, delay));
        delay = Math.min(delay * 2, 60_000);
      }
    }
  }

  /** Runs `fn` after `ms` (or at stop); the function returned cancels it. */
  private later(fn: () => void, ms: number): () => void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.set(t, fn);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }
}

/**
 * An error as logs may carry it: grammY's errors keep the request's payload (the message text) as a property,
 * which a structured logger would print.
 */
export function redact(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out: Record<string, unknown> = { type: err.name, message: err.message };
  if (err instanceof GrammyError) Object.assign(out, { method: err.method, error_code: err.error_code, description: err.description });
  return out;
}

/** A Telegram user as the core knows them; their language_code is the first guess at their language. */
function identityOf(from: User): IdentityRef {
  return {
    platform: 'telegram',
    id: String(from.id),
    ...(from.username ? { username: from.username } : {}),
    displayName: [from.first_name, from.last_name].filter(Boolean).join(' '),
    ...(from.language_code ? { languageHint: from.language_code } : {}),
  };
}
