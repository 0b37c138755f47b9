/**
 * # FakeTelegram — a local, faithful Telegram Bot API server for tests and benchmarks
 *
 * ```ts
 * const fake = await FakeTelegram.start();                       // 127.0.0.1, random port
 * const bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot } });
 * bot.command('start', (ctx) => ctx.reply('Hi <b>there</b>', { parse_mode: 'HTML' }));
 * void bot.start();
 * fake.userSays({ userId: 42, text: '/start' });
 * const reply = await fake.waitForMessage(42, /Hi/);             // reply.text === 'Hi <b>there</b>', reply.plainText === 'Hi there'
 * await bot.stop(); await fake.stop();                           // stop the bot first: bot.stop() confirms the offset
 * ```
 *
 * ## Start / stop
 * - `FakeTelegram.start(options?)` → `Promise<FakeTelegram>`. Options (all optional):
 *   `token` (default `FakeTelegram.DEFAULT_TOKEN`; its number before ':' is the bot's user id), `botUsername`
 *   (default 'fake_test_bot'), `botName`, `rateLimit` (`true` for Telegram's limits, or `{ perSecond?: 30,
 *   perChatPerSecond?: 1, perGroupPerMinute?: 20, methods? }`; omitted fields take Telegram's value, `Infinity`
 *   disables one; default: no limits), `timeScale` (default 1, see below), `unknownChats` ('accept' (default):
 *   sending to an id never seen creates the chat — positive ids private, negative groups, -100… supergroups;
 *   'reject': 400 "Bad Request: chat not found" like Telegram for users who never wrote), `webhookRetryMs`
 *   (default 200: pause after a failed webhook delivery), `clock` (() => epoch ms for `date` fields; default Date.now),
 *   `firstUpdateId` (default 100000001).
 * - `fake.apiRoot` ('http://127.0.0.1:PORT', for grammY's `client.apiRoot`), `fake.token`, `fake.botId`,
 *   `fake.botUsername`, `fake.port`. `await fake.stop()` answers pending long polls, aborts webhook deliveries,
 *   destroys every socket and rejects pending `waitFor`s; it never hangs.
 *
 * ## HTTP surface
 * `POST|GET /bot<token>/<method>` with JSON, x-www-form-urlencoded, multipart/form-data (files: grammY's
 * "attach://id" parts and plain file fields) or query parameters. Method names are case-insensitive. Answers are
 * Bot API envelopes `{ok:true,result[,description]}` / `{ok:false,error_code,description[,parameters]}` with the same
 * HTTP status. Wrong token → 401 Unauthorized; unknown method → 404 Not Found.
 * `GET /file/bot<token>/<file_path>` serves files (see getFile).
 * Methods: getMe, getUpdates (long polling: offset confirms, negative offset, limit 1–100, timeout in seconds,
 * allowed_updates remembered; a second concurrent getUpdates ends the first with 409; 409 while a webhook is set),
 * setWebhook / deleteWebhook / getWebhookInfo (the fake POSTs updates to the URL — http allowed, unlike Telegram —
 * with X-Telegram-Bot-Api-Secret-Token; up to max_connections in parallel but one at a time per chat; a non-2xx or
 * network error is retried after `webhookRetryMs` and shows in getWebhookInfo.last_error_message; a JSON reply with
 * a `method` field is executed like Telegram's webhook reply), sendMessage, editMessageText, editMessageCaption,
 * editMessageReplyMarkup, deleteMessage, answerCallbackQuery, sendDocument, sendPhoto (photos must be PNG/JPEG/GIF/
 * WEBP/BMP, else 400 IMAGE_PROCESS_FAILED), sendChatAction, getFile, setMyCommands / getMyCommands /
 * deleteMyCommands, setChatMenuButton / getChatMenuButton, set/getMyDescription, set/getMyShortDescription,
 * set/getMyName, getChat, close, logOut. Add or override any with `fake.handle(method, fn)`.
 * Texts and captions are checked like Telegram: parse_mode HTML (TDLib's parser: supported tags only, balanced, the
 * &lt; &gt; &amp; &quot; and numeric entities; an unknown "&name;" stays literal text like on Telegram),
 * MarkdownV2 (reserved characters) and Markdown; errors are 400 "Bad Request: can't parse entities: …" with
 * Telegram's wording. Text 1–4096 and caption 0–1024 UTF-16 code units after parsing and trimming. Inline keyboards:
 * callback_data 1–64 bytes else 400 "Bad Request: BUTTON_DATA_INVALID". Editing to identical content → 400 "Bad
 * Request: message is not modified: …". Like Telegram, an edit without reply_markup removes the inline keyboard.
 *
 * ## Recorded state (for assertions)
 * - `fake.calls: ApiCall[]` — every request: `{ method, params, time, via, status, ok, description? }` (file
 *   parameters appear as `{ fileName, mimeType, size }`). `fake.callsTo(method)`.
 * - `fake.sent: SentMessage[]` — every message the bot sent (kind 'message' | 'document' | 'photo') or edited
 *   (kind 'edit'): `{ kind, method, chatId, messageId, text (as the bot sent it, markup included), plainText (what the
 *   user sees), parseMode, entities, replyMarkup, files: SentFile[] (fileName, mimeType, bytes, size, fileId),
 *   caption?, message (the Message object returned), time }`.
 * - `fake.messagesTo(chatId)`, `fake.lastMessageTo(chatId)`, `fake.message(chatId, messageId)` (current state of a
 *   message: `{ message, fromBot, deleted }`), `fake.commands` (Map key → BotCommand[]; key is
 *   `scopeType[:chat_id][:user_id]` plus `/language_code` if any, e.g. 'default', 'default/lv',
 *   'all_private_chats/ru', 'chat:42'), `fake.commandsFor(scope?, languageCode?)`, `fake.callbackAnswers` (Map
 *   query id → `{ text?, showAlert, url?, cacheTime?, time }`), `fake.webhookDeliveries` (one per POST, pushed when
 *   sent; `status` / `error` filled in when answered), `fake.pendingUpdates` (not yet confirmed or delivered),
 *   `fake.webhookInfo`, `fake.files` (Map file_id → StoredFile), `fake.users`, `fake.clearRecords()`.
 * - `await fake.waitFor(predicate, timeoutMs = 10000)` — resolves with the predicate's first value that is not
 *   undefined / null / false, re-checked on every state change of the fake and every 20 ms (so it may also look at
 *   the bot's or the test's state); rejects after the timeout with a summary of the latest calls. `await fake.waitForMessage(chatId, matcher?, { timeoutMs?, since? })` — the first
 *   SentMessage to that chat (sends and edits) at index ≥ `since` (e.g. `fake.sent.length` taken before acting)
 *   whose text or plainText matches (string: substring; RegExp; or a function of the SentMessage).
 *   `await fake.waitForCall(method, predicate?, timeoutMs?)`.
 *
 * ## Simulating users (each returns the Update it enqueued; update ids increase monotonically)
 * - `fake.userSays({ userId, text, chat?, languageCode?, username?, firstName?, lastName?, replyTo?, entities? })` —
 *   a `message` update; `chat` defaults to the private chat with the user (`{ id, type, title?, username? }`).
 *   Privacy mode (option `privacyMode`, default on, like Telegram): in a group only commands for this bot and
 *   replies to its messages reach the bot; anything else is stored in the chat and returned with update_id -1.
 *   Entities are detected as Telegram does (bot_command for "/cmd", mention, hashtag, url).
 * - `fake.userPresses({ userId, message, data? | button?, chat?, force? })` — a `callback_query` with a fresh id whose
 *   `message` is the bot's message as currently stored. `message`: a SentMessage, a Message, `{ chatId, messageId }`
 *   or a message id (in `chat` or the user's private chat). `button` presses by label (string or RegExp). Pressing a
 *   button the message does not have throws, unless `force: true`.
 * - `fake.userSends({ userId, kind: 'sticker' | 'photo' | 'voice' | 'document' | 'location' | 'contact', caption?,
 *   fileName?, mimeType?, bytes?, emoji?, duration?, latitude?, longitude?, phoneNumber?, chat?, … })` — the file is
 *   registered, so getFile and the /file/ download work.
 * - `fake.addUser(spec)` / `fake.addChat(spec)` register users and chats without an update (for getChat, or
 *   `unknownChats: 'reject'`). Users are remembered from their updates; a private chat's user writing again unblocks.
 *
 * ## Faults on demand
 * - `fake.failNext(method | '*', fault, { chatId?, count? = 1 })` where fault is `{ status: 429, retryAfter?: seconds }`,
 *   `{ status: 500 }`, `{ status: 403, description? }`, `{ status: 400, description, parameters? }`, `{ drop: true }`
 *   (socket destroyed, no response), `{ delayMs }` (then answered normally), or combinations (`{ delayMs, status }`).
 *   Faults are used in the order given, once per matching request; `count: Infinity` for a permanent one.
 *   `fake.clearFaults()`.
 * - `fake.blockUser(chatId)` / `fake.unblockUser(chatId)` — sends, edits and chat actions to that chat answer 403
 *   "Forbidden: bot was blocked by the user" (groups: "Forbidden: bot was kicked from the group chat").
 * - `fake.upgradeGroup(groupId, supergroupId, by)` — a group becomes a supergroup: service messages in both chats,
 *   and sends to the old id answer 400 with `migrate_to_chat_id`.
 *
 * ## Rate limits and time scaling
 * With `rateLimit`, sends (sendMessage, sendDocument, sendPhoto, or `rateLimit.methods`) are limited by exact sliding
 * windows: at most perSecond in any 1 fake second overall, perChatPerSecond in any 1 fake second per chat, and
 * perGroupPerMinute in any 60 fake seconds per group/supergroup/channel. A refused send gets 429 "Too Many
 * Requests: retry after N" with `parameters.retry_after` N, and has no effect. `fake.setRateLimit(opts | undefined)`
 * changes the limits at run time. `fake.stats()` → `{ requests, sends (accepted), rateLimited (429s from the limiter),
 * faultsInjected, maxPerSecond (most sends accepted in one fixed fake-second bucket), perSecond (accepted per bucket),
 * secondMs, timeScale }` — sends and the buckets are counted with or without limits.
 * `timeScale` T (default 1) makes one fake second last `secondMs` = 1000 / T real ms. It scales ONLY: the rate-limit
 * windows, and every retry_after the fake sends (limiter and `failNext` 429 `retryAfter`, both given in fake seconds):
 * the fake computes a whole number of fake seconds N ≥ 1 (rounded up, like Telegram) and puts N / T on the wire
 * (e.g. T = 10, N = 3 → `retry_after: 0.3`, description "retry after 0.3"), so a client that waits retry_after real
 * seconds (grammY's auto-retry does `setTimeout(1000 * retry_after)`) waits exactly the fake time. With T = 1 every
 * retry_after is an integer like Telegram's. NOT scaled: getUpdates `timeout` (real seconds), `delayMs`,
 * `webhookRetryMs`, `waitFor` timeouts, and message `date`s (from `clock`).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { BotCommand, Chat, Message, MessageEntity, Update, User } from 'grammy/types';
import { BodyError, type ParsedBody, type UploadedFile, parseBody } from './telegram/body.ts';
import { EntityParseError, type FormattedText, detectEntities, formatText, sortEntities } from './telegram/format.ts';
import { imageInfo, mimeFor } from './telegram/media.ts';
import { type RateLimitOptions, RateLimiter, SecondBuckets } from './telegram/rate-limit.ts';

export type { RateLimitOptions } from './telegram/rate-limit.ts';
export { EntityParseError, formatText, parseHtml, parseMarkdownV2 } from './telegram/format.ts';

// ───────────────────────────── public types ─────────────────────────────

export interface FakeTelegramOptions {
  token?: string;
  botUsername?: string;
  botName?: string;
  rateLimit?: RateLimitOptions | boolean;
  timeScale?: number;
  unknownChats?: 'accept' | 'reject';
  webhookRetryMs?: number;
  clock?: () => number;
  firstUpdateId?: number;
  /**
   * Telegram's privacy mode (on for every bot unless turned off with BotFather, and the default here): in groups
   * the bot gets only commands (`/cmd`, or `/cmd@this_bot` but not `/cmd@other_bot`) and replies to its own
   * messages; other messages there are recorded but never handed to the bot.
   */
  privacyMode?: boolean;
}

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
  /** Epoch ms when the request arrived. */
  time: number;
  via: 'http' | 'webhook-reply';
  /** HTTP status answered (undefined while pending; 0 when the socket was dropped or the client went away). */
  status?: number;
  ok?: boolean;
  description?: string;
}

export interface SentFile {
  field: string;
  source: 'upload' | 'file_id' | 'url';
  fileName?: string;
  /** As uploaded (grammY always sends application/octet-stream); `message.document.mime_type` is Telegram's guess. */
  mimeType?: string;
  bytes: Buffer;
  size: number;
  fileId: string;
  url?: string;
}

export interface SentMessage {
  kind: 'message' | 'document' | 'photo' | 'edit';
  method: string;
  chatId: number;
  messageId: number;
  /** Text or caption exactly as the bot sent it (markup included). For editMessageReplyMarkup: the current text. */
  text: string | undefined;
  /** Text or caption as Telegram shows it (after parse_mode and trimming). */
  plainText: string | undefined;
  caption?: string;
  parseMode: string | undefined;
  entities: MessageEntity[] | undefined;
  replyMarkup: ReplyMarkup | undefined;
  files: SentFile[];
  params: Record<string, unknown>;
  message: Message;
  time: number;
}

export interface InlineButton {
  text: string;
  callback_data?: string;
  url?: string;
  [key: string]: unknown;
}
export type ReplyMarkup =
  | { inline_keyboard: InlineButton[][] }
  | { keyboard: unknown[][]; [key: string]: unknown }
  | { remove_keyboard: true; [key: string]: unknown }
  | { force_reply: true; [key: string]: unknown };

export interface StoredMessage {
  message: Message;
  fromBot: boolean;
  deleted: boolean;
}

export interface StoredFile {
  fileId: string;
  fileUniqueId: string;
  filePath: string;
  fileName?: string;
  mimeType?: string;
  bytes: Buffer;
}

export interface ChatSpec {
  id: number;
  type: 'private' | 'group' | 'supergroup' | 'channel';
  title?: string;
  username?: string;
  firstName?: string;
}

export interface UserSpec {
  userId: number;
  username?: string;
  firstName?: string;
  lastName?: string;
  languageCode?: string;
  isPremium?: boolean;
}

export type MessageRef = number | SentMessage | Message | { chatId: number | string; messageId: number };

export interface Fault {
  status?: number;
  description?: string;
  /** For 429: fake seconds (scaled by timeScale on the wire). Default 1. */
  retryAfter?: number;
  parameters?: Record<string, unknown>;
  drop?: boolean;
  delayMs?: number;
}

export interface CallbackAnswer {
  text?: string;
  showAlert: boolean;
  url?: string;
  cacheTime?: number;
  time: number;
}

export interface WebhookDelivery {
  updateId: number;
  url: string;
  time: number;
  status?: number;
  error?: string;
  secretSent: boolean;
}

export interface FakeStats {
  requests: number;
  sends: number;
  rateLimited: number;
  faultsInjected: number;
  maxPerSecond: number;
  perSecond: number[];
  secondMs: number;
  timeScale: number;
}

/** Throw from a custom handler (`fake.handle`) to answer `{ok:false,error_code,description,parameters}`. */
export class TelegramError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: Record<string, unknown>,
  ) {
    super(description);
  }
}

/** Parameters of one request, with Telegram's coercions (form values are strings; JSON fields may be strings). */
export class Args {
  constructor(
    readonly raw: Record<string, unknown>,
    readonly files: Map<string, UploadedFile>,
  ) {}

  has(key: string): boolean {
    const v = this.raw[key];
    return v !== undefined && v !== null && v !== '';
  }

  str(key: string): string | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return JSON.stringify(v);
  }

  int(key: string): number | undefined {
    const v = this.raw[key];
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n)) throw new TelegramError(400, `Bad Request: invalid ${key} specified`);
    return n;
  }

  bool(key: string): boolean {
    const v = this.raw[key];
    return v === true || v === 'true' || v === 1 || v === '1';
  }

  json(key: string, error: string): unknown {
    const v = this.raw[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v);
    } catch {
      throw new TelegramError(400, error);
    }
  }
}

export type CustomHandler = (args: Args, fake: FakeTelegram) => unknown;

// ───────────────────────────── internals ─────────────────────────────

interface Conn {
  closed: boolean;
  onClose(cb: () => void): void;
}

interface ChatState {
  chat: Record<string, unknown> & { id: number; type: string };
  nextMessageId: number;
  messages: Map<number, StoredMessage>;
  blocked: boolean;
  /** Upgraded to a supergroup: sends here answer 400 with the new id (`upgradeGroup`). */
  migratedTo?: number;
  menuButton?: unknown;
}

interface Poller {
  limit: number;
  resolve(updates: Update[]): void;
  reject(err: TelegramError): void;
  timer: NodeJS.Timeout;
}

interface PendingFault {
  method: string;
  chatId?: string;
  remaining: number;
  fault: Fault;
}

interface Webhook {
  url: string;
  secret?: string;
  maxConnections: number;
  ipAddress?: string;
  lastErrorDate?: number;
  lastErrorMessage?: string;
}

/** A handler result with the envelope's optional `description` (setWebhook: "Webhook was set"). */
class Described {
  constructor(
    readonly result: unknown,
    readonly description: string,
  ) {}
}

type Handler = (a: Args, conn: Conn) => unknown;
type Envelope = { ok: true; result: unknown; description?: string } | { ok: false; error_code: number; description: string; parameters?: Record<string, unknown> };
type Outcome = { status: number; body: Envelope } | { drop: true };

const UPDATE_TYPES_EXCLUDED_BY_DEFAULT = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);
const DEFAULT_LIMITED = ['sendMessage', 'sendDocument', 'sendPhoto', 'sendSticker', 'sendVoice', 'sendAudio', 'sendVideo',
  'sendAnimation', 'sendMediaGroup', 'sendLocation', 'sendContact', 'sendPoll', 'sendDice', 'copyMessage', 'forwardMessage'];
const CHAT_ACTIONS = new Set(['typing', 'upload_photo', 'record_video', 'upload_video', 'record_voice', 'upload_voice',
  'upload_document', 'choose_sticker', 'find_location', 'record_video_note', 'upload_video_note']);
const BUTTON_ACTIONS = ['callback_data', 'url', 'login_url', 'switch_inline_query', 'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat', 'copy_text', 'callback_game', 'pay', 'web_app'];
const SCOPES = new Set(['default', 'all_private_chats', 'all_group_chats', 'all_chat_administrators', 'chat', 'chat_administrators', 'chat_member']);
const NOT_MODIFIED = 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

function bad(description: string): TelegramError {
  return new TelegramError(400, `Bad Request: ${description}`);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined && o[k] !== null).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function chatIdKey(v: unknown): string | undefined {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string' && v !== '') return v.trim();
  return undefined;
}

function updateType(u: Update): string {
  for (const k of Object.keys(u)) if (k !== 'update_id') return k;
  return 'unknown';
}

/** Updates for the same chat are delivered to a webhook one at a time, in order. */
function updateChatKey(u: Update): string {
  const anyU = u as unknown as Record<string, { chat?: { id: number }; message?: { chat?: { id: number } }; from?: { id: number } } | undefined>;
  const body = anyU[updateType(u)];
  const id = body?.chat?.id ?? body?.message?.chat?.id ?? body?.from?.id;
  return id === undefined ? `u${u.update_id}` : String(id);
}

// ───────────────────────────── the fake ─────────────────────────────

export class FakeTelegram {
  static readonly DEFAULT_TOKEN = '7000000001:AAFakeTelegramTokenForLocalTests_01';

  readonly token: string;
  readonly botId: number;
  readonly botUsername: string;
  readonly botName: string;
  readonly timeScale: number;
  /** Real milliseconds in one fake second (1000 / timeScale). */
  readonly secondMs: number;
  apiRoot = '';
  port = 0;

  readonly calls: ApiCall[] = [];
  readonly sent: SentMessage[] = [];
  readonly commands = new Map<string, BotCommand[]>();
  readonly callbackAnswers = new Map<string, CallbackAnswer>();
  readonly webhookDeliveries: WebhookDelivery[] = [];
  readonly files = new Map<string, StoredFile>();
  readonly users = new Map<number, User>();

  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly handlers = new Map<string, { name: string; fn: Handler }>();
  private readonly chats = new Map<number, ChatState>();
  private readonly clock: () => number;
  private readonly unknownChats: 'accept' | 'reject';
  private readonly privacyMode: boolean;
  private readonly webhookRetryMs: number;
  private readonly waiters = new Set<() => boolean>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly delayed = new Set<() => void>();
  private readonly profile = new Map<string, string>();
  private queue: Update[] = [];
  private nextUpdateId: number;
  private allowedUpdates: string[] = [];
  private poller: Poller | undefined;
  private wakeScheduled = false;
  private faults: PendingFault[] = [];
  private limiter: RateLimiter | undefined;
  private limited = new Set(DEFAULT_LIMITED);
  private buckets: SecondBuckets;
  private counters = { sends: 0, rateLimited: 0, faultsInjected: 0 };
  private webhook: Webhook | undefined;
  private readonly inflight = new Map<number, AbortController>();
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent = new https.Agent({ keepAlive: true });
  private readonly inflightChats = new Set<string>();
  private webhookPausedUntil = 0;
  private webhookTimer: NodeJS.Timeout | undefined;
  private callbackCounter = 0;
  private fileCounter = 0;
  private stopped = false;

  private constructor(options: FakeTelegramOptions) {
    this.token = options.token ?? FakeTelegram.DEFAULT_TOKEN;
    const id = Number(this.token.split(':')[0]);
    this.botId = Number.isSafeInteger(id) && id > 0 ? id : 7000000001;
    this.botUsername = options.botUsername ?? 'fake_test_bot';
    this.botName = options.botName ?? 'Fake Test Bot';
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new Error('timeScale must be > 0');
    this.secondMs = 1000 / this.timeScale;
    this.clock = options.clock ?? Date.now;
    this.unknownChats = options.unknownChats ?? 'accept';
    this.privacyMode = options.privacyMode ?? true;
    this.webhookRetryMs = options.webhookRetryMs ?? 200;
    this.nextUpdateId = options.firstUpdateId ?? 100_000_001;
    this.buckets = new SecondBuckets(this.secondMs);
    if (options.rateLimit) this.setRateLimit(options.rateLimit === true ? {} : options.rateLimit);
    this.installHandlers();
    this.server = http.createServer({ keepAlive: true }, (req, res) => this.onRequest(req, res));
    this.server.keepAliveTimeout = 120_000;
    this.server.headersTimeout = 0;
    this.server.requestTimeout = 0;
    this.server.on('connection', (s: Socket) => {
      s.setNoDelay(true);
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  static async start(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
    const fake = new FakeTelegram(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.port = (fake.server.address() as AddressInfo).port;
    fake.apiRoot = `http://127.0.0.1:${fake.port}`;
    return fake;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.poller) this.finishPoller(this.poller, []);
    for (const ac of this.inflight.values()) ac.abort();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    if (this.webhookTimer) clearTimeout(this.webhookTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const release of this.delayed) release();
    this.delayed.clear();
    for (const check of [...this.waiters]) check();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // let the answers just written reach their sockets, then cut everything
    await new Promise((r) => setImmediate(r));
    this.server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  // ───────────── configuration at run time ─────────────

  setRateLimit(options: RateLimitOptions | undefined): void {
    this.limiter = options ? new RateLimiter(options, this.secondMs) : undefined;
    this.limited = new Set(options?.methods ?? DEFAULT_LIMITED);
  }

  /** Adds or replaces a Bot API method. The function gets the request's Args; throw TelegramError to fail. */
  handle(method: string, fn: CustomHandler): void {
    this.handlers.set(method.toLowerCase(), { name: method, fn: (a) => fn(a, this) });
  }

  failNext(method: string, fault: Fault, options: { chatId?: number | string; count?: number } = {}): void {
    this.faults.push({
      method: method === '*' ? '*' : method.toLowerCase(),
      ...(options.chatId !== undefined ? { chatId: String(options.chatId) } : {}),
      remaining: options.count ?? 1,
      fault,
    });
  }

  clearFaults(): void {
    this.faults = [];
  }

  blockUser(chatId: number): void {
    this.chatState(chatId, true).blocked = true;
  }

  unblockUser(chatId: number): void {
    const c = this.chats.get(chatId);
    if (c) c.blocked = false;
  }

  /** A user who has started the bot: remembered for getChat, and their private chat exists (see unknownChats). */
  addUser(spec: UserSpec): User {
    const user = this.rememberUser(spec);
    this.chatState(user.id, true);
    return user;
  }

  /**
   * A member upgrades a group to a supergroup, as Telegram does it: the group's id is dead from now on (sends answer
   * 400 with `migrate_to_chat_id`), and the bot gets a service message in each chat — `migrate_to_chat_id` in the old
   * one, `migrate_from_chat_id` in the new — whatever privacy mode says. Returns the two updates.
   */
  upgradeGroup(groupId: number, supergroupId: number, by: UserSpec): [Update, Update] {
    const from = this.rememberUser(by);
    const old = this.chatState(groupId, true);
    const title = old.chat.title;
    const fresh = this.rememberChat({ id: supergroupId, type: 'supergroup', ...(typeof title === 'string' ? { title } : {}) } as ChatSpec);
    const service = (chat: ChatState, field: Record<string, number>): Update => {
      const message = { message_id: chat.nextMessageId++, from, chat: this.chatObject(chat), date: this.now(), ...field } as unknown as Message;
      chat.messages.set(message.message_id, { message, fromBot: false, deleted: false });
      return this.enqueue({ message } as Omit<Update, 'update_id'>);
    };
    const first = service(old, { migrate_to_chat_id: supergroupId });
    old.migratedTo = supergroupId;
    return [first, service(fresh, { migrate_from_chat_id: groupId })];
  }

  addChat(spec: ChatSpec): void {
    this.rememberChat(spec);
  }

  clearRecords(): void {
    this.calls.length = 0;
    this.sent.length = 0;
    this.webhookDeliveries.length = 0;
    this.callbackAnswers.clear();
    this.buckets = new SecondBuckets(this.secondMs);
    this.counters = { sends: 0, rateLimited: 0, faultsInjected: 0 };
  }

  // ───────────── assertions ─────────────

  stats(): FakeStats {
    return {
      requests: this.calls.length,
      ...this.counters,
      maxPerSecond: this.buckets.max(),
      perSecond: [...this.buckets.counts],
      secondMs: this.secondMs,
      timeScale: this.timeScale,
    };
  }

  callsTo(method: string): ApiCall[] {
    const m = method.toLowerCase();
    return this.calls.filter((c) => c.method.toLowerCase() === m);
  }

  messagesTo(chatId: number | string): SentMessage[] {
    const id = Number(chatId);
    return this.sent.filter((s) => s.chatId === id);
  }

  lastMessageTo(chatId: number | string): SentMessage | undefined {
    const id = Number(chatId);
    for (let i = this.sent.length - 1; i >= 0; i--) if (this.sent[i]!.chatId === id) return this.sent[i];
    return undefined;
  }

  /** The current state of a message (after edits; `deleted` once deleteMessage'd). */
  message(chatId: number | string, messageId: number): StoredMessage | undefined {
    return this.chats.get(Number(chatId))?.messages.get(messageId);
  }

  commandsFor(scope: { type: string; chat_id?: number | string; user_id?: number } = { type: 'default' }, languageCode = ''): BotCommand[] | undefined {
    return this.commands.get(commandKey(scope, languageCode));
  }

  get pendingUpdates(): Update[] {
    return [...this.queue];
  }

  get webhookInfo(): Record<string, unknown> {
    return this.getWebhookInfo();
  }

  waitFor<T>(predicate: (fake: FakeTelegram) => T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let poll: NodeJS.Timeout | undefined;
      const done = () => {
        this.waiters.delete(check);
        if (timer) clearTimeout(timer);
        if (poll) clearInterval(poll);
      };
      const check = (): boolean => {
        if (this.stopped) {
          done();
          reject(new Error('FakeTelegram stopped while waiting'));
          return true;
        }
        let v: T | undefined | null | false;
        try {
          v = predicate(this);
        } catch (err) {
          done();
          reject(err);
          return true;
        }
        if (v === undefined || v === null || v === false) return false;
        done();
        resolve(v);
        return true;
      };
      if (check()) return;
      this.waiters.add(check);
      // the predicate may also look at state outside the fake (the bot's, the test's): re-check now and then too
      poll = setInterval(check, 20);
      timer = setTimeout(() => {
        done();
        reject(new Error(`FakeTelegram.waitFor timed out after ${timeoutMs} ms\n${this.describeRecent()}`));
      }, timeoutMs);
    });
  }

  waitForMessage(
    chatId: number | string,
    matcher?: string | RegExp | ((m: SentMessage) => boolean),
    options: { timeoutMs?: number; since?: number } = {},
  ): Promise<SentMessage> {
    const id = Number(chatId);
    const test = (m: SentMessage): boolean => {
      if (matcher === undefined) return true;
      if (typeof matcher === 'function') return matcher(m);
      const texts = [m.text ?? '', m.plainText ?? ''];
      return typeof matcher === 'string' ? texts.some((t) => t.includes(matcher)) : texts.some((t) => { matcher.lastIndex = 0; return matcher.test(t); });
    };
    let scanned = options.since ?? 0;
    return this.waitFor(() => {
      for (; scanned < this.sent.length; scanned++) {
        const m = this.sent[scanned]!;
        if (m.chatId === id && test(m)) return m;
      }
      return undefined;
    }, options.timeoutMs);
  }

  waitForCall(method: string, predicate?: (c: ApiCall) => boolean, timeoutMs?: number): Promise<ApiCall> {
    const m = method.toLowerCase();
    return this.waitFor(() => this.calls.find((c) => c.method.toLowerCase() === m && c.status !== undefined && (!predicate || predicate(c))), timeoutMs);
  }

  // ───────────── simulating users ─────────────

  userSays(o: UserSpec & { text: string; chat?: ChatSpec; replyTo?: MessageRef; entities?: MessageEntity[]; date?: number }): Update {
    const from = this.rememberUser(o);
    const chat = this.userChat(o.userId, o.chat);
    const message: Record<string, unknown> = { message_id: chat.nextMessageId++, from, chat: this.chatObject(chat), date: this.now(), text: o.text };
    const entities = o.entities ?? sortEntities(detectEntities(o.text));
    if (entities.length) message.entities = entities;
    if (o.replyTo !== undefined) message.reply_to_message = this.resolveRef(o.replyTo, chat.chat.id).message;
    return this.userMessage(chat, message);
  }

  userSends(o: UserSpec & {
    kind: 'sticker' | 'photo' | 'voice' | 'document' | 'location' | 'contact';
    chat?: ChatSpec;
    caption?: string;
    fileName?: string;
    mimeType?: string;
    bytes?: Uint8Array | string;
    emoji?: string;
    duration?: number;
    width?: number;
    height?: number;
    latitude?: number;
    longitude?: number;
    phoneNumber?: string;
  }): Update {
    const from = this.rememberUser(o);
    const chat = this.userChat(o.userId, o.chat);
    const message: Record<string, unknown> = { message_id: chat.nextMessageId++, from, chat: this.chatObject(chat), date: this.now() };
    const bytes = o.bytes === undefined ? Buffer.from(`fake ${o.kind} ${this.fileCounter}`) : Buffer.from(o.bytes);
    switch (o.kind) {
      case 'sticker': {
        const f = this.storeFile('CAAC', bytes, `stickers/file_${this.fileCounter}.webp`, undefined, 'image/webp');
        message.sticker = { file_id: f.fileId, file_unique_id: f.fileUniqueId, type: 'regular', width: 512, height: 512, is_animated: false, is_video: false, emoji: o.emoji ?? '👍', file_size: bytes.length };
        break;
      }
      case 'photo': {
        const info = imageInfo(bytes);
        message.photo = this.photoSizes(bytes, o.width ?? info?.width ?? 1280, o.height ?? info?.height ?? 960);
        break;
      }
      case 'voice': {
        const f = this.storeFile('AwAC', bytes, `voice/file_${this.fileCounter}.oga`, undefined, o.mimeType ?? 'audio/ogg');
        message.voice = { file_id: f.fileId, file_unique_id: f.fileUniqueId, duration: o.duration ?? 3, mime_type: f.mimeType, file_size: bytes.length };
        break;
      }
      case 'document': {
        const name = o.fileName ?? 'document.pdf';
        const mime = mimeFor(name, o.mimeType);
        const f = this.storeFile('BQAC', bytes, `documents/file_${this.fileCounter}${/\.[^.]+$/.exec(name)?.[0] ?? ''}`, name, mime);
        message.document = { file_name: name, mime_type: mime, file_id: f.fileId, file_unique_id: f.fileUniqueId, file_size: bytes.length };
        break;
      }
      case 'location':
        message.location = { latitude: o.latitude ?? 56.9496, longitude: o.longitude ?? 24.1052 };
        break;
      case 'contact':
        message.contact = { phone_number: o.phoneNumber ?? '+37120000000', first_name: from.first_name, ...(from.last_name ? { last_name: from.last_name } : {}), user_id: from.id };
        break;
    }
    if (o.caption !== undefined && ['photo', 'voice', 'document'].includes(o.kind)) {
      message.caption = o.caption;
      const entities = sortEntities(detectEntities(o.caption));
      if (entities.length) message.caption_entities = entities;
    }
    return this.userMessage(chat, message);
  }

  userPresses(o: UserSpec & { message: MessageRef; data?: string; button?: string | RegExp; chat?: ChatSpec; force?: boolean }): Update {
    const from = this.rememberUser(o);
    const chatId = o.chat?.id ?? o.userId;
    if (o.chat) this.rememberChat(o.chat);
    const stored = this.resolveRef(o.message, chatId);
    if (stored.deleted) throw new Error(`userPresses: message ${stored.message.message_id} in chat ${stored.message.chat.id} was deleted`);
    const markup = (stored.message as { reply_markup?: { inline_keyboard?: InlineButton[][] } }).reply_markup;
    const buttons = markup?.inline_keyboard?.flat() ?? [];
    let data = o.data;
    if (o.button !== undefined) {
      const label = o.button;
      const b = buttons.find((x) => (typeof label === 'string' ? x.text === label : label.test(x.text)));
      if (!b && !o.force) throw new Error(`userPresses: no button ${String(label)} on message ${stored.message.message_id}; buttons: ${buttons.map((x) => JSON.stringify(x.text)).join(', ') || 'none'}`);
      data = b?.callback_data ?? data;
    } else if (!o.force && !buttons.some((b) => b.callback_data === data)) {
      throw new Error(`userPresses: message ${stored.message.message_id} in chat ${stored.message.chat.id} has no button with callback_data ${JSON.stringify(data)}; it has: ${buttons.map((b) => JSON.stringify(b.callback_data ?? b.url)).join(', ') || 'no inline keyboard'}`);
    }
    const chat = this.chats.get(stored.message.chat.id);
    if (chat?.chat.type === 'private') chat.blocked = false;
    const id = `${this.botId}${String(++this.callbackCounter).padStart(9, '0')}`;
    const query: Record<string, unknown> = { id, from, message: structuredClone(stored.message), chat_instance: String(-(Math.abs(stored.message.chat.id * 7919) % 9e15)) };
    if (data !== undefined) query.data = data;
    return this.enqueue({ callback_query: query } as unknown as Omit<Update, 'update_id'>);
  }

  // ───────────── HTTP ─────────────

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => undefined);
    req.on('end', () => {
      this.serve(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).catch((err: unknown) => {
        console.error('FakeTelegram internal error', err);
        if (!res.headersSent) this.write(res, 500, { ok: false, error_code: 500, description: 'Internal Server Error' });
      });
    });
  }

  private write(res: http.ServerResponse, status: number, body: Envelope | Buffer, contentType = 'application/json'): void {
    if (res.destroyed || res.writableEnded) return;
    const payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    res.writeHead(status, { 'content-type': contentType, 'content-length': payload.length });
    res.end(payload);
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const path = url.pathname;
    const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(path);
    if (file) {
      if (file[1] !== this.token) return this.write(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      const wanted = decodeURIComponent(file[2]!);
      const f = [...this.files.values()].find((x) => x.filePath === wanted);
      if (!f) return this.write(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      return this.write(res, 200, f.bytes, f.mimeType ?? 'application/octet-stream');
    }
    const api = /^\/bot([^/]*)\/([^/]*)\/?$/.exec(path);
    if (!api) return this.write(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (api[1] !== this.token) return this.write(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    let parsed: ParsedBody;
    try {
      parsed = await parseBody(req.headers['content-type'], body, url.searchParams);
    } catch (err) {
      if (err instanceof BodyError) return this.write(res, 400, { ok: false, error_code: 400, description: err.message });
      throw err;
    }
    const closers: Array<() => void> = [];
    const conn: Conn = { closed: false, onClose: (cb) => closers.push(cb) };
    res.on('close', () => {
      if (!res.writableFinished) {
        conn.closed = true;
        for (const cb of closers) cb();
      }
    });
    const outcome = await this.dispatch(decodeURIComponent(api[2]!), parsed, conn, 'http');
    if ('drop' in outcome) {
      req.socket.destroy();
      return;
    }
    this.write(res, outcome.status, outcome.body);
  }

  private async dispatch(method: string, parsed: ParsedBody, conn: Conn, via: ApiCall['via']): Promise<Outcome> {
    const handler = this.handlers.get(method.toLowerCase());
    const call: ApiCall = { method: handler?.name ?? method, params: recordable(parsed), time: Date.now(), via };
    this.calls.push(call);
    this.changed();
    const finish = (outcome: Outcome): Outcome => {
      if ('drop' in outcome) {
        call.status = 0;
        call.ok = false;
        call.description = 'dropped';
      } else {
        call.status = outcome.status;
        call.ok = outcome.body.ok;
        if (!outcome.body.ok) call.description = outcome.body.description;
      }
      this.changed();
      return outcome;
    };
    if (!handler) return finish({ status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } });
    const args = new Args(parsed.params, parsed.files);
    const fault = this.takeFault(method.toLowerCase(), chatIdKey(parsed.params.chat_id));
    if (fault) {
      this.counters.faultsInjected++;
      if (fault.delayMs) await this.sleep(fault.delayMs);
      if (this.stopped) return finish({ drop: true });
      if (fault.drop) return finish({ drop: true });
      if (fault.status !== undefined) return finish(this.errorOutcome(this.faultError(fault)));
    }
    try {
      let result = handler.fn(args, conn);
      if (result instanceof Promise) result = await result;
      if (conn.closed) {
        call.status = 0;
        call.ok = false;
        call.description = 'client went away';
        this.changed();
        return { status: 499, body: { ok: false, error_code: 499, description: 'client went away' } };
      }
      if (result instanceof Described) return finish({ status: 200, body: { ok: true, result: result.result, description: result.description } });
      return finish({ status: 200, body: { ok: true, result } });
    } catch (err) {
      if (err instanceof TelegramError) return finish(this.errorOutcome(err));
      console.error(`FakeTelegram: ${method} failed`, err);
      return finish({ status: 500, body: { ok: false, error_code: 500, description: 'Internal Server Error' } });
    }
  }

  private errorOutcome(err: TelegramError): Outcome {
    const body: Envelope = { ok: false, error_code: err.code, description: err.description };
    if (err.parameters) body.parameters = err.parameters;
    return { status: err.code, body };
  }

  private faultError(f: Fault): TelegramError {
    const status = f.status!;
    if (status === 429) return this.tooManyRequests(f.retryAfter ?? 1, f.description);
    const defaults: Record<number, string> = {
      400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden: bot was blocked by the user', 404: 'Not Found',
      409: 'Conflict', 500: 'Internal Server Error', 502: 'Bad Gateway',
    };
    return new TelegramError(status, f.description ?? defaults[status] ?? `Error ${status}`, f.parameters);
  }

  /** 429 with retry_after = fakeSeconds (rounded up to a whole fake second) / timeScale. */
  private tooManyRequests(fakeSeconds: number, description?: string): TelegramError {
    const whole = Math.max(1, Math.ceil(fakeSeconds));
    const wire = this.timeScale === 1 ? whole : Math.ceil((whole / this.timeScale) * 1000) / 1000;
    return new TelegramError(429, description ?? `Too Many Requests: retry after ${wire}`, { retry_after: wire });
  }

  private takeFault(method: string, chatId: string | undefined): Fault | undefined {
    const i = this.faults.findIndex((f) => (f.method === '*' || f.method === method) && (f.chatId === undefined || f.chatId === chatId));
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    if (--f.remaining <= 0) this.faults.splice(i, 1);
    return f.fault;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(t);
        this.timers.delete(t);
        this.delayed.delete(release);
        resolve();
      };
      const t = setTimeout(release, ms);
      this.timers.add(t);
      this.delayed.add(release);
    });
  }

  private changed(): void {
    if (this.waiters.size === 0) return;
    for (const check of [...this.waiters]) check();
  }

  private describeRecent(): string {
    const calls = this.calls.slice(-10).map((c) => `  ${c.method} → ${c.status ?? 'pending'}${c.description ? ` ${c.description}` : ''} ${JSON.stringify(c.params).slice(0, 160)}`);
    const sent = this.sent.slice(-5).map((s) => `  [${s.kind}] chat ${s.chatId} #${s.messageId}: ${JSON.stringify((s.plainText ?? '').slice(0, 120))}`);
    return `last calls:\n${calls.join('\n') || '  none'}\nlast sent:\n${sent.join('\n') || '  none'}\npending updates: ${this.queue.length}`;
  }

  // ───────────── state helpers ─────────────

  private now(): number {
    return Math.floor(this.clock() / 1000);
  }

  private get botUser(): User {
    return { id: this.botId, is_bot: true, first_name: this.botName, username: this.botUsername };
  }

  private rememberUser(spec: UserSpec): User {
    const old = this.users.get(spec.userId);
    const user: User = {
      id: spec.userId,
      is_bot: false,
      first_name: spec.firstName ?? old?.first_name ?? `User${spec.userId}`,
    };
    const lastName = spec.lastName ?? old?.last_name;
    const username = spec.username ?? old?.username;
    const lang = spec.languageCode ?? old?.language_code;
    if (lastName) user.last_name = lastName;
    if (username) user.username = username;
    if (lang) user.language_code = lang;
    if (spec.isPremium ?? old?.is_premium) user.is_premium = true;
    this.users.set(user.id, user);
    const chat = this.chats.get(user.id);
    if (chat && chat.chat.type === 'private') chat.chat = this.privateChat(user);
    return user;
  }

  private privateChat(user: User): ChatState['chat'] {
    const chat: ChatState['chat'] = { id: user.id, type: 'private', first_name: user.first_name };
    if (user.last_name) chat.last_name = user.last_name;
    if (user.username) chat.username = user.username;
    return chat;
  }

  private rememberChat(spec: ChatSpec): ChatState {
    const state = this.chatState(spec.id, true);
    if (spec.type === 'private') {
      const user = this.users.get(spec.id) ?? this.rememberUser({ userId: spec.id, ...(spec.firstName ? { firstName: spec.firstName } : {}), ...(spec.username ? { username: spec.username } : {}) });
      state.chat = this.privateChat(user);
    } else {
      state.chat = { id: spec.id, type: spec.type, title: spec.title ?? (state.chat.title as string | undefined) ?? `Chat ${spec.id}` };
      if (spec.username) state.chat.username = spec.username;
    }
    return state;
  }

  private chatState(id: number, create: boolean): ChatState {
    let state = this.chats.get(id);
    if (!state) {
      if (!create) throw bad('chat not found');
      const user = this.users.get(id);
      const chat: ChatState['chat'] = id > 0
        ? user ? this.privateChat(user) : { id, type: 'private', first_name: `User${id}` }
        : { id, type: String(id).startsWith('-100') ? 'supergroup' : 'group', title: `Chat ${id}` };
      state = { chat, nextMessageId: 1, messages: new Map(), blocked: false };
      this.chats.set(id, state);
    }
    return state;
  }

  private userChat(userId: number, spec: ChatSpec | undefined): ChatState {
    const chat = spec ? this.rememberChat(spec) : this.chatState(userId, true);
    if (chat.chat.type === 'private') chat.blocked = false;
    return chat;
  }

  private chatObject(state: ChatState): Chat {
    return { ...state.chat } as unknown as Chat;
  }

  private userMessage(chat: ChatState, message: Record<string, unknown>): Update {
    const msg = message as unknown as Message;
    chat.messages.set(msg.message_id, { message: msg, fromBot: false, deleted: false });
    if (!this.seenByBot(chat, msg)) return { update_id: -1, message: msg } as Update;
    return this.enqueue({ message: msg } as Omit<Update, 'update_id'>);
  }

  /** Privacy mode: what a bot in a group is told about (see FakeTelegramOptions.privacyMode). */
  private seenByBot(chat: ChatState, msg: Message): boolean {
    if (!this.privacyMode || (chat.chat.type !== 'group' && chat.chat.type !== 'supergroup')) return true;
    if (msg.reply_to_message?.from?.id === this.botId) return true;
    const command = /^\/[A-Za-z0-9_]{1,64}(?:@([A-Za-z0-9_]+))?(?:\s|$)/.exec(msg.text ?? '');
    return command !== null && (command[1] === undefined || command[1].toLowerCase() === this.botUsername.toLowerCase());
  }

  private resolveRef(ref: MessageRef, defaultChat: number): StoredMessage {
    let chatId = defaultChat;
    let messageId: number;
    if (typeof ref === 'number') messageId = ref;
    else if ('messageId' in ref && 'chatId' in ref) {
      chatId = Number(ref.chatId);
      messageId = ref.messageId;
    } else if ('message_id' in ref) {
      chatId = ref.chat.id;
      messageId = ref.message_id;
    } else throw new Error('userPresses/replyTo: unrecognised message reference');
    const stored = this.chats.get(chatId)?.messages.get(messageId);
    if (!stored) throw new Error(`no message ${messageId} in chat ${chatId}`);
    return stored;
  }

  private enqueue(partial: Omit<Update, 'update_id'>): Update {
    if (this.stopped) throw new Error('FakeTelegram is stopped');
    const update = { update_id: this.nextUpdateId++, ...partial } as Update;
    this.queue.push(update);
    this.scheduleWake();
    this.pumpWebhook();
    this.changed();
    return update;
  }

  private isAllowed(u: Update): boolean {
    const type = updateType(u);
    return this.allowedUpdates.length > 0 ? this.allowedUpdates.includes(type) : !UPDATE_TYPES_EXCLUDED_BY_DEFAULT.has(type);
  }

  private setAllowed(value: unknown): void {
    if (Array.isArray(value)) this.allowedUpdates = value.filter((x): x is string => typeof x === 'string');
  }

  /** Drops updates of types not allowed (Telegram never creates them) and returns the first `limit` others. */
  private ready(limit: number): Update[] {
    if (this.queue.some((u) => !this.isAllowed(u))) this.queue = this.queue.filter((u) => this.isAllowed(u));
    return this.queue.slice(0, limit);
  }

  private storeFile(prefix: string, bytes: Buffer, filePath: string, fileName?: string, mimeType?: string): StoredFile {
    const n = ++this.fileCounter;
    const rand = Math.random().toString(36).slice(2, 12);
    const f: StoredFile = {
      fileId: `${prefix}AgADAQADFAKE${n.toString(36)}_${rand}`,
      fileUniqueId: `AQAD${n.toString(36)}${rand.slice(0, 4)}`,
      filePath,
      bytes,
      ...(fileName !== undefined ? { fileName } : {}),
      ...(mimeType !== undefined ? { mimeType } : {}),
    };
    this.files.set(f.fileId, f);
    return f;
  }

  private photoSizes(bytes: Buffer, width: number, height: number): Array<Record<string, unknown>> {
    const max = Math.max(width, height, 1);
    const sizes: Array<Record<string, unknown>> = [];
    const limits = [90, 320, 800].filter((l) => l < max);
    for (const l of [...limits, Math.min(max, 1280)]) {
      const k = l / max;
      const last = l === Math.min(max, 1280);
      const f = this.storeFile('AgAC', last ? bytes : bytes.subarray(0, Math.max(1, Math.round(bytes.length * k * k))), `photos/file_${this.fileCounter}.jpg`, undefined, 'image/jpeg');
      sizes.push({ file_id: f.fileId, file_unique_id: f.fileUniqueId, file_size: f.bytes.length, width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) });
    }
    return sizes;
  }

  // ───────────── long polling ─────────────

  private scheduleWake(): void {
    if (this.wakeScheduled || !this.poller) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      const p = this.poller;
      if (!p || this.webhook) return;
      const updates = this.ready(p.limit);
      if (updates.length) this.finishPoller(p, updates);
    });
  }

  private finishPoller(p: Poller, updates: Update[] | TelegramError): void {
    if (this.poller === p) this.poller = undefined;
    clearTimeout(p.timer);
    this.timers.delete(p.timer);
    if (updates instanceof TelegramError) p.reject(updates);
    else p.resolve(updates);
  }

  private getUpdates(a: Args, conn: Conn): Update[] | Promise<Update[]> {
    if (this.webhook) throw new TelegramError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    const offset = a.int('offset');
    const limit = Math.min(100, Math.max(1, a.int('limit') ?? 100));
    const timeout = Math.max(0, a.int('timeout') ?? 0);
    this.setAllowed(a.json('allowed_updates', "Bad Request: can't parse allowed_updates JSON array"));
    if (offset !== undefined && offset > 0) {
      let drop = 0;
      while (drop < this.queue.length && this.queue[drop]!.update_id < offset) drop++;
      if (drop) this.queue = this.queue.slice(drop);
    } else if (offset !== undefined && offset < 0) {
      this.queue = this.queue.slice(offset);
    }
    if (this.poller) this.finishPoller(this.poller, new TelegramError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'));
    const updates = this.ready(limit);
    if (updates.length || timeout === 0 || this.stopped) return updates;
    return new Promise<Update[]>((resolve, reject) => {
      const timer = setTimeout(() => this.finishPoller(poller, []), timeout * 1000);
      this.timers.add(timer);
      const poller: Poller = { limit, resolve, reject, timer };
      this.poller = poller;
      conn.onClose(() => {
        if (this.poller === poller) this.finishPoller(poller, []);
      });
    });
  }

  // ───────────── webhooks ─────────────

  private pumpWebhook(): void {
    const wh = this.webhook;
    if (!wh || this.stopped) return;
    const now = Date.now();
    if (now < this.webhookPausedUntil) {
      if (!this.webhookTimer) {
        this.webhookTimer = setTimeout(() => {
          this.webhookTimer = undefined;
          this.pumpWebhook();
        }, this.webhookPausedUntil - now);
      }
      return;
    }
    const busy = new Set(this.inflightChats);
    for (const u of this.ready(Infinity)) {
      if (this.inflight.size >= wh.maxConnections) break;
      const key = updateChatKey(u);
      if (this.inflight.has(u.update_id) || busy.has(key)) {
        busy.add(key);
        continue;
      }
      busy.add(key);
      void this.deliver(wh, u, key);
    }
  }

  private async deliver(wh: Webhook, update: Update, key: string): Promise<void> {
    const ac = new AbortController();
    this.inflight.set(update.update_id, ac);
    this.inflightChats.add(key);
    const record: WebhookDelivery = { updateId: update.update_id, url: wh.url, time: Date.now(), secretSent: wh.secret !== undefined };
    this.webhookDeliveries.push(record);
    let error: string | undefined;
    let reply: unknown;
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (wh.secret !== undefined) headers['x-telegram-bot-api-secret-token'] = wh.secret;
      const res = await this.post(wh.url, JSON.stringify(update), headers, ac.signal);
      const text = res.body;
      record.status = res.status;
      if (res.status >= 200 && res.status < 300) {
        this.queue = this.queue.filter((u) => u.update_id !== update.update_id);
        if (res.contentType.includes('application/json') && text) {
          try {
            reply = JSON.parse(text);
          } catch {
            reply = undefined;
          }
        }
      } else error = `Wrong response from the webhook: ${res.status} ${http.STATUS_CODES[res.status] ?? ''}`.trim();
    } catch (err) {
      if (this.stopped || ac.signal.aborted) {
        record.error = 'aborted';
        this.inflight.delete(update.update_id);
        this.inflightChats.delete(key);
        return;
      }
      const code = (err as { code?: string }).code;
      error = code === 'ECONNREFUSED' ? 'Connection refused' : code === 'ECONNRESET' ? 'Connection reset by peer' : `Failed to deliver: ${(err as Error).message}`;
    } finally {
      this.inflight.delete(update.update_id);
      this.inflightChats.delete(key);
    }
    if (error) {
      record.error = error;
      wh.lastErrorDate = this.now();
      wh.lastErrorMessage = error;
      this.webhookPausedUntil = Date.now() + this.webhookRetryMs;
    }
    if (reply && typeof reply === 'object' && typeof (reply as { method?: unknown }).method === 'string') {
      const { method, ...params } = reply as Record<string, unknown>;
      await this.dispatch(method as string, { params, files: new Map() }, { closed: false, onClose: () => undefined }, 'webhook-reply');
    }
    this.changed();
    this.pumpWebhook();
  }

  /** POST with the fake's own keep-alive agents, so stop() can destroy every socket it opened. */
  private post(url: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<{ status: number; contentType: string; body: string }> {
    return new Promise((resolve, reject) => {
      const u = new URL(url);
      const secure = u.protocol === 'https:';
      const request = secure ? https.request : http.request;
      const req = request(u, {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        agent: secure ? this.httpsAgent : this.httpAgent,
        signal,
        ...(secure ? { rejectUnauthorized: false } : {}),
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  private getWebhookInfo(): Record<string, unknown> {
    const wh = this.webhook;
    const info: Record<string, unknown> = { url: wh?.url ?? '', has_custom_certificate: false, pending_update_count: this.ready(Infinity).length };
    if (wh) {
      info.max_connections = wh.maxConnections;
      if (wh.ipAddress) info.ip_address = wh.ipAddress;
      if (wh.lastErrorDate !== undefined) {
        info.last_error_date = wh.lastErrorDate;
        info.last_error_message = wh.lastErrorMessage;
      }
      if (this.allowedUpdates.length) info.allowed_updates = [...this.allowedUpdates];
    }
    return info;
  }

  private removeWebhook(): boolean {
    if (!this.webhook) return false;
    this.webhook = undefined;
    for (const ac of this.inflight.values()) ac.abort();
    this.inflight.clear();
    this.inflightChats.clear();
    if (this.webhookTimer) clearTimeout(this.webhookTimer);
    this.webhookTimer = undefined;
    this.webhookPausedUntil = 0;
    return true;
  }

  // ───────────── method helpers ─────────────

  /**
   * The chat a request targets: 400 "chat not found" for ids never seen (a 'send' creates it unless unknownChats is
   * 'reject'); 403 when the chat blocked the bot ('send' and 'edit').
   */
  private targetChat(a: Args, mode: 'send' | 'edit' | 'read'): ChatState {
    const raw = a.raw.chat_id;
    if (raw === undefined || raw === null || raw === '') throw bad('chat_id is empty');
    let state: ChatState | undefined;
    if (typeof raw === 'string' && raw.trim().startsWith('@')) {
      const name = raw.trim().slice(1).toLowerCase();
      state = [...this.chats.values()].find((c) => c.chat.type !== 'private' && String(c.chat.username ?? '').toLowerCase() === name);
      if (!state) throw bad('chat not found');
    } else {
      const id = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(id) || id === 0) throw bad('chat not found');
      state = this.chats.get(id);
      if (!state) {
        if (this.unknownChats === 'reject' || mode !== 'send') throw bad('chat not found');
        state = this.chatState(id, true);
      }
    }
    if (mode !== 'read' && state.migratedTo !== undefined) {
      throw new TelegramError(400, 'Bad Request: group chat was upgraded to a supergroup chat', { migrate_to_chat_id: state.migratedTo });
    }
    if (mode !== 'read' && state.blocked) {
      const t = state.chat.type;
      throw new TelegramError(403, t === 'private' ? 'Forbidden: bot was blocked by the user' : t === 'channel' ? 'Forbidden: bot is not a member of the channel chat' : `Forbidden: bot was kicked from the ${t} chat`);
    }
    return state;
  }

  private parseMode(a: Args, key = 'parse_mode'): string | undefined {
    const pm = a.str(key);
    if (pm === undefined || pm === '') return undefined;
    if (!['html', 'markdown', 'markdownv2'].includes(pm.toLowerCase())) throw bad('unsupported parse_mode');
    return pm;
  }

  private format(raw: string, parseMode: string | undefined, entities: unknown): FormattedText {
    try {
      return formatText(raw, Array.isArray(entities) ? undefined : parseMode, entities, (id) => this.users.get(id));
    } catch (err) {
      if (err instanceof EntityParseError) throw bad(`can't parse entities: ${err.message}`);
      throw err;
    }
  }

  private text(a: Args): { raw: string; ft: FormattedText; parseMode: string | undefined } {
    const raw = a.str('text');
    const parseMode = this.parseMode(a);
    if (raw === undefined || raw === '') throw bad('message text is empty');
    const ft = this.format(raw, parseMode, a.json('entities', "Bad Request: can't parse entities JSON object"));
    if (ft.text.length === 0) throw bad('message text is empty');
    if (ft.text.length > 4096) throw bad('message is too long');
    return { raw, ft, parseMode };
  }

  private caption(a: Args): { raw: string | undefined; ft: FormattedText | undefined; parseMode: string | undefined } {
    const raw = a.str('caption');
    const parseMode = this.parseMode(a);
    if (raw === undefined || raw === '') return { raw, ft: undefined, parseMode };
    const ft = this.format(raw, parseMode, a.json('caption_entities', "Bad Request: can't parse entities JSON object"));
    if (ft.text.length > 1024) throw bad('message caption is too long');
    return { raw, ft: ft.text.length ? ft : undefined, parseMode };
  }

  private replyMarkup(a: Args): ReplyMarkup | undefined {
    const rm = a.json('reply_markup', "Bad Request: can't parse reply keyboard markup JSON object");
    if (rm === undefined) return undefined;
    if (typeof rm !== 'object' || rm === null || Array.isArray(rm)) throw bad('object expected as reply markup');
    const o = rm as Record<string, unknown>;
    if ('inline_keyboard' in o) {
      const rows = o.inline_keyboard;
      if (!Array.isArray(rows) || !rows.every(Array.isArray)) throw bad('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays');
      let count = 0;
      for (const row of rows as unknown[][]) {
        for (const b of row) {
          count++;
          if (typeof b !== 'object' || b === null) throw bad("can't parse inline keyboard button: InlineKeyboardButton should be an Object");
          const btn = b as Record<string, unknown>;
          if (typeof btn.text !== 'string') throw bad(`can't parse inline keyboard button: Field "text" must be of type String`);
          const actions = BUTTON_ACTIONS.filter((k) => btn[k] !== undefined);
          if (actions.length === 0) throw bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
          if (btn.callback_data !== undefined) {
            const bytes = typeof btn.callback_data === 'string' ? Buffer.byteLength(btn.callback_data, 'utf8') : 0;
            if (bytes < 1 || bytes > 64) throw bad('BUTTON_DATA_INVALID');
          }
          if (btn.url !== undefined && (typeof btn.url !== 'string' || !validButtonUrl(btn.url))) throw bad('BUTTON_URL_INVALID');
        }
      }
      if (count > 100) throw bad('BUTTONS_TOO_MUCH');
      return { inline_keyboard: rows as InlineButton[][] };
    }
    if ('keyboard' in o) {
      if (!Array.isArray(o.keyboard) || !o.keyboard.every(Array.isArray)) throw bad('field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays');
      return o as ReplyMarkup;
    }
    if (o.remove_keyboard === true || o.force_reply === true) return o as ReplyMarkup;
    throw bad("can't parse reply keyboard markup JSON object");
  }

  private replyTarget(a: Args, chat: ChatState): Message | undefined {
    const rp = a.json('reply_parameters', "Bad Request: can't parse reply parameters JSON object") as { message_id?: number; chat_id?: number | string; allow_sending_without_reply?: boolean } | undefined;
    const messageId = rp?.message_id ?? a.int('reply_to_message_id');
    if (messageId === undefined) return undefined;
    const allowWithout = rp?.allow_sending_without_reply ?? a.bool('allow_sending_without_reply');
    const target = rp?.chat_id !== undefined ? this.chats.get(Number(rp.chat_id)) : chat;
    const stored = target?.messages.get(messageId);
    if (!stored || stored.deleted) {
      if (allowWithout) return undefined;
      throw bad('message to be replied not found');
    }
    const { reply_to_message: _drop, ...shallow } = stored.message as Message & { reply_to_message?: unknown };
    return shallow as Message;
  }

  /** Flood control for send methods; counts accepted sends. Call after validation, right before the effect. */
  private gate(method: string, chat: ChatState): void {
    if (!this.limited.has(method)) return;
    const now = performance.now();
    if (this.limiter) {
      const isGroup = chat.chat.type !== 'private';
      const wait = this.limiter.check(chat.chat.id, isGroup, now);
      if (wait > 0) {
        this.counters.rateLimited++;
        throw this.tooManyRequests(wait / this.secondMs);
      }
      this.limiter.accept(chat.chat.id, isGroup, now);
    }
    this.counters.sends++;
    this.buckets.add(now);
  }

  private storeBotMessage(chat: ChatState, content: Record<string, unknown>): Message {
    const message = { message_id: chat.nextMessageId++, from: this.botUser, chat: this.chatObject(chat), date: this.now(), ...content } as unknown as Message;
    chat.messages.set(message.message_id, { message, fromBot: true, deleted: false });
    return message;
  }

  private recordSent(entry: Omit<SentMessage, 'time'>): void {
    this.sent.push({ ...entry, time: Date.now() });
  }

  private messageContent(ft: FormattedText | undefined, field: 'text' | 'caption', markup: ReplyMarkup | undefined, replyTo: Message | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const content: Record<string, unknown> = { ...extra };
    if (replyTo) content.reply_to_message = replyTo;
    if (ft) {
      content[field] = ft.text;
      if (ft.entities.length) content[field === 'text' ? 'entities' : 'caption_entities'] = ft.entities;
    }
    if (markup && 'inline_keyboard' in markup) content.reply_markup = markup;
    return content;
  }

  private inputFile(a: Args, field: string): { file: StoredFile; source: SentFile['source']; url?: string; uploadedMime?: string } | undefined {
    const v = a.raw[field];
    let upload: UploadedFile | undefined;
    if (typeof v === 'string' && v.startsWith('attach://')) {
      upload = a.files.get(v.slice('attach://'.length));
      if (!upload) throw bad(`there is no ${field} in the request`);
    } else if (v === undefined || v === null || v === '') {
      upload = a.files.get(field);
      if (!upload) return undefined;
    } else if (typeof v === 'string' && /^https?:\/\//i.test(v)) {
      const name = decodeURIComponent(new URL(v).pathname.split('/').pop() || `${field}.dat`);
      const file = this.storeFile(field === 'photo' ? 'AgAC' : 'BQAC', Buffer.alloc(0), `${field}s/file_${this.fileCounter + 1}`, name);
      return { file, source: 'url', url: v };
    } else if (typeof v === 'string') {
      const file = this.files.get(v);
      if (!file) throw bad('wrong file identifier/HTTP URL specified');
      return { file, source: 'file_id' };
    } else throw bad(`there is no ${field} in the request`);
    if (upload.bytes.length === 0) throw bad('file must be non-empty');
    if (upload.bytes.length > 50 * 1024 * 1024) throw new TelegramError(413, 'Request Entity Too Large');
    const ext = /\.[A-Za-z0-9]+$/.exec(upload.fileName)?.[0] ?? '';
    const file = this.storeFile(field === 'photo' ? 'AgAC' : 'BQAC', upload.bytes, `${field}s/file_${this.fileCounter + 1}${ext}`, upload.fileName, upload.mimeType);
    return { file, source: 'upload', uploadedMime: upload.mimeType };
  }

  private sendMedia(kind: 'document' | 'photo', a: Args): Message {
    const method = kind === 'document' ? 'sendDocument' : 'sendPhoto';
    const chat = this.targetChat(a, 'send');
    const cap = this.caption(a);
    const markup = this.replyMarkup(a);
    const replyTo = this.replyTarget(a, chat);
    const input = this.inputFile(a, kind);
    if (!input) throw bad(`there is no ${kind} in the request`);
    let media: Record<string, unknown>;
    const f = input.file;
    if (kind === 'photo') {
      let width = 1280;
      let height = 960;
      if (input.source === 'upload') {
        const info = imageInfo(f.bytes);
        if (!info) throw bad('IMAGE_PROCESS_FAILED');
        if (info.width + info.height > 10000 || info.width / info.height > 20 || info.height / info.width > 20) throw bad('PHOTO_INVALID_DIMENSIONS');
        width = info.width;
        height = info.height;
      }
      this.gate(method, chat);
      media = { photo: this.photoSizes(f.bytes, width, height) };
    } else {
      this.gate(method, chat);
      const fileName = f.fileName ?? 'document';
      media = { document: { file_name: fileName, mime_type: mimeFor(fileName, f.mimeType), file_id: f.fileId, file_unique_id: f.fileUniqueId, file_size: f.bytes.length } };
    }
    const message = this.storeBotMessage(chat, this.messageContent(cap.ft, 'caption', markup, replyTo, media));
    const sentFile: SentFile = { field: kind, source: input.source, bytes: f.bytes, size: f.bytes.length, fileId: f.fileId };
    if (f.fileName !== undefined) sentFile.fileName = f.fileName;
    if (input.uploadedMime !== undefined) sentFile.mimeType = input.uploadedMime;
    if (input.url !== undefined) sentFile.url = input.url;
    this.recordSent({
      kind, method, chatId: chat.chat.id, messageId: message.message_id, text: cap.raw, plainText: cap.ft?.text, parseMode: cap.parseMode,
      entities: cap.ft?.entities.length ? cap.ft.entities : undefined, replyMarkup: markup, files: [sentFile], params: a.raw, message,
      ...(cap.raw !== undefined ? { caption: cap.raw } : {}),
    });
    return message;
  }

  private editTarget(a: Args): { chat: ChatState; stored: StoredMessage } {
    if (a.has('inline_message_id')) throw bad('MESSAGE_ID_INVALID');
    const chat = this.targetChat(a, 'edit');
    const id = a.int('message_id');
    if (id === undefined) throw bad('message identifier is not specified');
    const stored = chat.messages.get(id);
    if (!stored || stored.deleted) throw bad('message to edit not found');
    if (!stored.fromBot) throw bad("message can't be edited");
    return { chat, stored };
  }

  private applyEdit(method: string, chat: ChatState, stored: StoredMessage, changes: Record<string, unknown>, removed: string[], a: Args, raw: string | undefined, parseMode: string | undefined): Message {
    const next: Record<string, unknown> = { ...(stored.message as unknown as Record<string, unknown>) };
    for (const k of removed) delete next[k];
    Object.assign(next, changes, { edit_date: this.now() });
    stored.message = next as unknown as Message;
    const isText = typeof next.text === 'string';
    const plain = (isText ? next.text : next.caption) as string | undefined;
    this.recordSent({
      kind: 'edit', method, chatId: chat.chat.id, messageId: stored.message.message_id, text: raw ?? plain, plainText: plain, parseMode,
      entities: (isText ? next.entities : next.caption_entities) as MessageEntity[] | undefined,
      replyMarkup: next.reply_markup as ReplyMarkup | undefined, files: [], params: a.raw, message: stored.message,
    });
    return stored.message;
  }

  // ───────────── the methods ─────────────

  private installHandlers(): void {
    const on = (name: string, fn: Handler) => this.handlers.set(name.toLowerCase(), { name, fn });

    on('getMe', () => ({
      ...this.botUser, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false,
      can_connect_to_business: false, has_main_web_app: false,
    }));
    on('logOut', () => true);
    on('close', () => true);
    on('getUpdates', (a, conn) => this.getUpdates(a, conn));

    on('setWebhook', (a) => {
      const url = a.str('url') ?? '';
      if (a.bool('drop_pending_updates')) this.queue = [];
      this.setAllowed(a.json('allowed_updates', "Bad Request: can't parse allowed_updates JSON array"));
      if (url === '') return new Described(true, this.removeWebhook() ? 'Webhook was deleted' : 'Webhook is already deleted');
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw bad('bad webhook: Failed to resolve host: Name or service not known');
      }
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw bad('bad webhook: An HTTPS URL must be provided for webhook');
      const secret = a.str('secret_token');
      if (secret !== undefined && secret !== '' && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw bad('secret token contains unallowed characters');
      const max = a.int('max_connections') ?? 40;
      const same = this.webhook?.url === url && this.webhook.secret === (secret || undefined);
      const previous = this.webhook;
      this.webhook = { url, maxConnections: Math.min(100, Math.max(1, max)), ...(secret ? { secret } : {}) };
      const ip = a.str('ip_address');
      if (ip) this.webhook.ipAddress = ip;
      if (previous && same && previous.lastErrorDate !== undefined) {
        this.webhook.lastErrorDate = previous.lastErrorDate;
        this.webhook.lastErrorMessage = previous.lastErrorMessage;
      }
      if (this.poller) this.finishPoller(this.poller, new TelegramError(409, 'Conflict: terminated by setWebhook request'));
      this.webhookPausedUntil = 0;
      setImmediate(() => this.pumpWebhook());
      return new Described(true, same ? 'Webhook is already set' : 'Webhook was set');
    });
    on('deleteWebhook', (a) => {
      if (a.bool('drop_pending_updates')) this.queue = [];
      return new Described(true, this.removeWebhook() ? 'Webhook was deleted' : 'Webhook is already deleted');
    });
    on('getWebhookInfo', () => this.getWebhookInfo());

    on('sendMessage', (a) => {
      const chat = this.targetChat(a, 'send');
      const { raw, ft, parseMode } = this.text(a);
      const markup = this.replyMarkup(a);
      const replyTo = this.replyTarget(a, chat);
      this.gate('sendMessage', chat);
      const extra: Record<string, unknown> = {};
      const lpo = a.json('link_preview_options', "Bad Request: can't parse link preview options JSON object");
      if (lpo && typeof lpo === 'object') extra.link_preview_options = lpo;
      const message = this.storeBotMessage(chat, this.messageContent(ft, 'text', markup, replyTo, extra));
      this.recordSent({
        kind: 'message', method: 'sendMessage', chatId: chat.chat.id, messageId: message.message_id, text: raw, plainText: ft.text,
        parseMode, entities: ft.entities.length ? ft.entities : undefined, replyMarkup: markup, files: [], params: a.raw, message,
      });
      return message;
    });

    on('editMessageText', (a) => {
      const { chat, stored } = this.editTarget(a);
      const { raw, ft, parseMode } = this.text(a);
      const markup = this.replyMarkup(a);
      const old = stored.message as unknown as Record<string, unknown>;
      if (typeof old.text !== 'string') throw bad('there is no text in the message to edit');
      const inline = markup && 'inline_keyboard' in markup ? markup : undefined;
      if (old.text === ft.text && stableJson(old.entities ?? []) === stableJson(ft.entities) && stableJson(old.reply_markup ?? null) === stableJson(inline ?? null)) {
        throw new TelegramError(400, NOT_MODIFIED);
      }
      this.gate('editMessageText', chat);
      const changes: Record<string, unknown> = { text: ft.text };
      if (ft.entities.length) changes.entities = ft.entities;
      if (inline) changes.reply_markup = inline;
      return this.applyEdit('editMessageText', chat, stored, changes, ['entities', 'reply_markup'], a, raw, parseMode);
    });

    on('editMessageCaption', (a) => {
      const { chat, stored } = this.editTarget(a);
      const old = stored.message as unknown as Record<string, unknown>;
      if (!old.document && !old.photo) throw bad('there is no caption in the message to edit');
      const cap = this.caption(a);
      const markup = this.replyMarkup(a);
      const inline = markup && 'inline_keyboard' in markup ? markup : undefined;
      if ((old.caption ?? '') === (cap.ft?.text ?? '') && stableJson(old.caption_entities ?? []) === stableJson(cap.ft?.entities ?? []) && stableJson(old.reply_markup ?? null) === stableJson(inline ?? null)) {
        throw new TelegramError(400, NOT_MODIFIED);
      }
      this.gate('editMessageCaption', chat);
      const changes: Record<string, unknown> = {};
      if (cap.ft) {
        changes.caption = cap.ft.text;
        if (cap.ft.entities.length) changes.caption_entities = cap.ft.entities;
      }
      if (inline) changes.reply_markup = inline;
      return this.applyEdit('editMessageCaption', chat, stored, changes, ['caption', 'caption_entities', 'reply_markup'], a, cap.raw, cap.parseMode);
    });

    on('editMessageReplyMarkup', (a) => {
      const { chat, stored } = this.editTarget(a);
      const markup = this.replyMarkup(a);
      if (markup && !('inline_keyboard' in markup)) throw bad('inline keyboard expected');
      const old = stored.message as unknown as Record<string, unknown>;
      if (stableJson(old.reply_markup ?? null) === stableJson(markup ?? null)) throw new TelegramError(400, NOT_MODIFIED);
      this.gate('editMessageReplyMarkup', chat);
      return this.applyEdit('editMessageReplyMarkup', chat, stored, markup ? { reply_markup: markup } : {}, ['reply_markup'], a, undefined, undefined);
    });

    on('deleteMessage', (a) => {
      const chat = this.targetChat(a, 'read');
      const id = a.int('message_id');
      if (id === undefined) throw bad('message identifier is not specified');
      const stored = chat.messages.get(id);
      if (!stored || stored.deleted) throw bad('message to delete not found');
      if (!stored.fromBot && chat.chat.type !== 'private') throw bad("message can't be deleted");
      stored.deleted = true;
      return true;
    });

    on('answerCallbackQuery', (a) => {
      const id = a.str('callback_query_id');
      if (!id) throw bad('callback_query_id is empty');
      const known = id.startsWith(String(this.botId)) && Number(id.slice(String(this.botId).length)) <= this.callbackCounter;
      if (!known || this.callbackAnswers.has(id)) throw bad('query is too old and response timeout expired or query ID is invalid');
      const text = a.str('text');
      if (text !== undefined && text.length > 200) throw bad('MESSAGE_TOO_LONG');
      const answer: CallbackAnswer = { showAlert: a.bool('show_alert'), time: Date.now() };
      if (text !== undefined) answer.text = text;
      const url = a.str('url');
      if (url !== undefined) answer.url = url;
      const cache = a.int('cache_time');
      if (cache !== undefined) answer.cacheTime = cache;
      this.callbackAnswers.set(id, answer);
      return true;
    });

    on('sendDocument', (a) => this.sendMedia('document', a));
    on('sendPhoto', (a) => this.sendMedia('photo', a));

    on('sendChatAction', (a) => {
      const chat = this.targetChat(a, 'send');
      const action = a.str('action');
      if (!action) throw bad('action is empty');
      if (!CHAT_ACTIONS.has(action)) throw bad('wrong parameter action in request');
      void chat;
      return true;
    });

    on('getFile', (a) => {
      const id = a.str('file_id');
      if (!id) throw bad('file_id is empty');
      const f = this.files.get(id);
      if (!f) throw bad('invalid file_id');
      return { file_id: f.fileId, file_unique_id: f.fileUniqueId, file_size: f.bytes.length, file_path: f.filePath };
    });

    on('setMyCommands', (a) => {
      const commands = a.json('commands', "Bad Request: can't parse commands JSON object");
      if (!Array.isArray(commands)) throw bad('commands must be an Array of BotCommand');
      if (commands.length > 100) throw bad('too many commands specified');
      const clean: BotCommand[] = [];
      for (const c of commands as Array<Record<string, unknown>>) {
        const command = typeof c?.command === 'string' ? c.command.replace(/^\//, '') : '';
        if (!/^[a-z0-9_]{1,32}$/.test(command)) throw bad('BOT_COMMAND_INVALID');
        const description = typeof c.description === 'string' ? c.description.trim() : '';
        if (description.length < 1 || description.length > 256) throw bad('BOT_COMMAND_DESCRIPTION_INVALID');
        clean.push({ command, description });
      }
      const key = this.scopeKey(a);
      if (clean.length === 0) this.commands.delete(key);
      else this.commands.set(key, clean);
      return true;
    });
    on('getMyCommands', (a) => this.commands.get(this.scopeKey(a)) ?? []);
    on('deleteMyCommands', (a) => {
      this.commands.delete(this.scopeKey(a));
      return true;
    });

    on('setChatMenuButton', (a) => {
      const button = a.json('menu_button', "Bad Request: can't parse menu button JSON object") ?? { type: 'default' };
      const type = (button as { type?: unknown }).type;
      if (!['default', 'commands', 'web_app'].includes(String(type))) throw bad('unsupported menu button type');
      if (a.has('chat_id')) this.targetChat(a, 'read').menuButton = button;
      else this.profile.set('menu_button', JSON.stringify(button));
      return true;
    });
    on('getChatMenuButton', (a) => {
      if (a.has('chat_id')) {
        const b = this.targetChat(a, 'read').menuButton;
        if (b) return b;
      }
      const d = this.profile.get('menu_button');
      return d ? JSON.parse(d) : { type: 'commands' };
    });

    for (const [field, max] of [['description', 512], ['short_description', 120], ['name', 64]] as const) {
      const suffix = field === 'description' ? 'Description' : field === 'short_description' ? 'ShortDescription' : 'Name';
      on(`setMy${suffix}`, (a) => {
        const v = a.str(field) ?? '';
        if (v.length > max) throw bad(`bot ${field.replace('_', ' ')} is too long`);
        const key = `${field}/${a.str('language_code') ?? ''}`;
        if (v === '') this.profile.delete(key);
        else this.profile.set(key, v);
        return true;
      });
      on(`getMy${suffix}`, (a) => {
        const lang = a.str('language_code') ?? '';
        const v = this.profile.get(`${field}/${lang}`) ?? this.profile.get(`${field}/`) ?? (field === 'name' ? this.botName : '');
        return { [field]: v };
      });
    }

    on('getChat', (a) => {
      const chat = this.targetChat(a, 'read');
      return {
        ...chat.chat, accent_color_id: 0, max_reaction_count: 11,
        accepted_gift_types: { unlimited_gifts: true, limited_gifts: true, unique_gifts: true, premium_subscription: true, gifts_from_channels: true },
      };
    });
  }

  private scopeKey(a: Args): string {
    const scope = (a.json('scope', "Bad Request: can't parse BotCommandScope JSON object") ?? { type: 'default' }) as { type?: string; chat_id?: number | string; user_id?: number };
    if (!scope.type || !SCOPES.has(scope.type)) throw bad('unsupported bot command scope type');
    if (['chat', 'chat_administrators', 'chat_member'].includes(scope.type) && (scope.chat_id === undefined || scope.chat_id === '')) throw bad('chat_id is empty');
    if (scope.type === 'chat_member' && scope.user_id === undefined) throw bad('user_id is empty');
    const lang = a.str('language_code') ?? '';
    if (lang !== '' && !/^[a-z]{2}$/.test(lang)) throw bad('LANG_CODE_INVALID');
    return commandKey(scope as { type: string }, lang);
  }
}

function commandKey(scope: { type: string; chat_id?: number | string; user_id?: number }, languageCode: string): string {
  let key = scope.type;
  if (scope.chat_id !== undefined) key += `:${scope.chat_id}`;
  if (scope.user_id !== undefined) key += `:${scope.user_id}`;
  return languageCode ? `${key}/${languageCode}` : key;
}

function validButtonUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return ['http:', 'https:', 'tg:', 'ton:'].includes(u.protocol);
  } catch {
    return false;
  }
}

/** Params for `calls`: uploaded files appear as { fileName, mimeType, size } under their field. */
function recordable(parsed: ParsedBody): Record<string, unknown> {
  if (parsed.files.size === 0) return parsed.params;
  const out: Record<string, unknown> = { ...parsed.params };
  const describe = (f: UploadedFile) => ({ fileName: f.fileName, mimeType: f.mimeType, size: f.bytes.length });
  for (const [k, v] of Object.entries(out)) {
    if (typeof v === 'string' && v.startsWith('attach://')) {
      const f = parsed.files.get(v.slice(9));
      if (f) out[k] = describe(f);
    }
  }
  for (const [name, f] of parsed.files) {
    if (!Object.values(parsed.params).includes(`attach://${name}`)) out[name] = describe(f);
  }
  return out;
}
