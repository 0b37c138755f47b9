/**
 * FakeDiscord — a small, faithful fake of Discord's REST API (v10) and gateway for end-to-end tests of the REAL
 * discord.js Client, on 127.0.0.1, without the internet.
 *
 *   const fake = await FakeDiscord.start({ applicationId?, botUserId?, guildId?, ...options });
 *   const client = new Client({ intents: [Guilds, DirectMessages], rest: { api: fake.apiRoot } });
 *   await client.login('any-token');              // or FakeDiscord.start({ token }) to check tokens
 *   const i = fake.slashCommand({ userId, name: 'agenda', options: { day: 'monday' }, locale: 'ru' });
 *   const [reply] = await fake.waitFor(() => fake.responsesTo(i).length > 0 && fake.responsesTo(i));
 *   await client.destroy(); await fake.stop();
 *
 * Options (FakeDiscordOptions): applicationId, botUserId, botUsername, guildId (null = no guild), guildName,
 *   channelId, channelName, guildLocale ('en-US'), ownerId, token (when set, REST `Authorization: Bot <token>` and the
 *   gateway IDENTIFY token are checked), interactionTimeoutMs (3000: initial response deadline → 10062),
 *   tokenLifetimeMs (15 min: follow-up/edit deadline → 50027), heartbeatIntervalMs (41250), echoMessages (true:
 *   MESSAGE_CREATE/UPDATE/DELETE for the bot's own messages, subject to GuildMessages/DirectMessages intents),
 *   appPermissions (bigint | string).
 *
 * Addresses: fake.apiRoot ('http://127.0.0.1:PORT/api'; discord.js appends '/v10'), fake.gatewayUrl
 *   ('ws://…/gateway', from GET /gateway/bot), fake.resumeGatewayUrl ('ws://…/gateway-resume', sent in READY),
 *   fake.port, fake.applicationId, fake.botUserId, fake.guildId (string | null), fake.channelId (guild text channel).
 *
 * Gateway: HELLO → IDENTIFY → READY (guilds unavailable) → GUILD_CREATE (with the Guilds intent); op 1 → op 11;
 *   RESUME replays missed dispatches then RESUMED (op 9 `false` for unknown/invalidated sessions); a close with
 *   1000/1001 (either side) ends the session. `compress=zlib-stream` (transport) and IDENTIFY `compress: true` are honoured.
 *   fake.dispatch(event, data): number         — dispatch to every live session (throws if none); returns its count
 *   fake.dropGateway({ code?, reason?, invalidateSession? }): Promise<void>
 *                                               — default: abrupt termination (1006) → the client RESUMEs;
 *                                                 code 1000 or invalidateSession → the client IDENTIFYs afresh
 *   fake.requestReconnect()                     — op 7;  fake.invalidateSession(resumable) — op 9
 *   fake.gatewayConnected: boolean;  fake.gatewayEvents: GatewayEvent[] (connect/identify/resume/resume-failed/close)
 *   fake.gatewayReceived: { at, payload }[]     — everything the client sent
 *
 * Simulated users (each dispatches INTERACTION_CREATE / MESSAGE_CREATE and returns at once; common options:
 *   userId, locale (user's), guildId | dm: true, channelId, permissions, roles):
 *   fake.addUser({ id?, username?, globalName?, locale?, bot? }): FakeUser        (users are also auto-created)
 *   fake.slashCommand({ userId, name, options?: Record<string, string|number|boolean> | raw[], subcommand?, ... })
 *   fake.pressButton({ userId, customId, message?: FakeMessage | id, ... })  — message defaults to the latest one
 *                                                                              carrying that custom_id
 *   fake.selectOption({ userId, customId, values, message?, componentType? = 3, ... })
 *   fake.submitModal({ userId, customId, fields: Record<string, string | string[]>, from?: FakeInteraction })
 *                       — mirrors the structure of the modal the bot showed (action rows or label components)
 *   fake.userSaysInDm({ userId, content, files?: [{ filename, bytes, contentType? }] }): FakeMessage   (MESSAGE_CREATE with channel_type 1, as Discord sends it; files are attachments)
 *   fake.closeDms(userId) / fake.openDms(userId) — POST /channels/<dm>/messages → 403 50007 while closed
 *   fake.ageInteraction(interaction, ms) — make it older (test the 3 s / 15 min deadlines without waiting);
 *   fake.setTimeouts({ interactionTimeoutMs?, tokenLifetimeMs? })
 *   → FakeInteraction { id, token, applicationId, type, userId, guildId, channelId, payload }
 *
 * Faults: fake.failNext(route, fault, times = 1) — route: 'POST /channels/:id/messages', '/interactions/:id/:token/callback'
 *   or a RegExp tested against 'METHOD /path' (path without /api/v10 and query); fault: { status: 429, retryAfter?,
 *   global? } | { status: 500 (any), body? } | { drop: true } (socket destroyed, no answer).
 *
 * Assertions: fake.calls: RecordedCall[] (every REST call: method, path, query, headers, body, attachments with
 *   bytes, status, response); fake.responsesTo(interaction): InteractionResponse[] (the accepted callback,
 *   follow-ups, edits and deletes of @original or follow-ups, in order — rejected attempts are only in fake.calls;
 *   content/embeds/components/flags/attachments as sent, `ephemeral` as it ends up, `message` snapshot, `modal` for
 *   type 9); fake.dmsTo(userId): FakeMessage[] (the bot's messages in that DM); fake.messagesIn(channelId):
 *   FakeMessage[] (everyone's, ephemeral ones included — see .ephemeral); fake.message(id); fake.dmChannelOf(userId);
 *   fake.commands: { global: [], guilds: { [guildId]: [] } } (as Discord returns them);
 *   fake.interaction(id); await fake.waitFor(predicate, timeoutMs = 5000) → the first truthy value.
 *   await fake.stop() — closes HTTP + WebSocket servers, terminating sockets.
 *
 * REST: GET /gateway(/bot), /users/@me, /users/:id, /applications/@me, /oauth2/applications/@me; GET|PUT|POST
 *   /applications/:app/(guilds/:guild/)commands (+ DELETE …/:cmd), validated (name `^[-_\p{L}\p{N}]{1,32}$`
 *   lowercase, description 1–100, localization keys ∈ Discord locales — 'lv' is NOT one); POST
 *   /interactions/:id/:token/callback (types 4,5,6,7,8,9; ?with_response=true → InteractionCallbackResponse);
 *   POST /webhooks/:app/:token, GET|PATCH|DELETE /webhooks/:app/:token/messages/(@original|:id);
 *   POST /users/@me/channels; GET /channels/:id; POST|GET|PATCH|DELETE /channels/:id/messages(/:mid);
 *   POST /channels/:id/typing; GET /guilds/:id, /guilds/:id/channels, /guilds/:id/members/:uid;
 *   GET /attachments/:channel/:id/:name (bytes of uploaded files; URLs are in message attachments).
 *   Unknown routes → 404 {code: 0, message: '404: Not Found'}; every /api answer carries x-ratelimit-* headers.
 *
 * discord.js facts this relies on (14.28 / @discordjs/rest 2.6 / @discordjs/ws 1.2):
 *   - REST URL = `${rest.api}/v10${route}${query}`; interaction callbacks and webhooks are sent with auth: false.
 *   - The gateway URL comes from GET /gateway/bot (`url`, `session_start_limit.max_concurrency`); @discordjs/ws
 *     connects to `${url}?v=10&encoding=json` and resumes at `${resume_gateway_url}?v=10&encoding=json`.
 *     discord.js asks for `compress=zlib-stream` only when the optional `zlib-sync` package is installed (it is not).
 *   - READY needs user, application {id, flags}, session_id, resume_gateway_url, guilds [{id, unavailable: true}];
 *     the client is ready once every listed guild arrived as GUILD_CREATE (else it waits `waitGuildTimeout`).
 *   - Every callback carries `?with_response=false` unless `withResponse: true` is passed.
 *   - A 401 on an authenticated route makes @discordjs/rest drop the bot token; interaction-token 401s (50027) don't.
 *   - 429 → waits (X-RateLimit-Reset-After / Retry-After / X-RateLimit-Global) and retries; 5xx and ECONNRESET are
 *     retried up to 3 times; other socket errors (a `drop` fault: UND_ERR_SOCKET) reject at once.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeGateway, type GatewayEvent, type GatewaySession } from './discord/gateway.ts';
import {
  ApiError,
  DEFAULT_MEMBER_PERMISSIONS,
  Errors,
  FormErrors,
  Intent,
  interactionToken,
  isSnowflake,
  snowflake,
} from './discord/util.ts';
import { validateCommands, validateMessage, validateModal } from './discord/validate.ts';

export type { GatewayEvent } from './discord/gateway.ts';
export { DISCORD_LOCALES } from './discord/util.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export interface FakeDiscordOptions {
  applicationId?: string;
  botUserId?: string;
  botUsername?: string;
  /** The guild the bot is in (default: a generated id); `null` for none. */
  guildId?: string | null;
  guildName?: string;
  /** The guild's text channel (default: a generated id). */
  channelId?: string;
  channelName?: string;
  guildLocale?: string;
  ownerId?: string;
  /** When set, REST Authorization and gateway tokens must equal it. */
  token?: string;
  /** Deadline of the initial interaction response (Discord: 3 s). */
  interactionTimeoutMs?: number;
  /** Lifetime of the interaction token for follow-ups and edits (Discord: 15 min). */
  tokenLifetimeMs?: number;
  heartbeatIntervalMs?: number;
  /** Echo the bot's own messages as MESSAGE_CREATE/UPDATE/DELETE (default true). */
  echoMessages?: boolean;
  appPermissions?: bigint | string;
}

export interface FakeUser {
  id: string;
  username: string;
  globalName: string | null;
  locale: string;
  bot: boolean;
}

export interface FakeAttachment {
  id: string;
  filename: string;
  contentType: string | null;
  size: number;
  bytes: Buffer;
  description?: string;
  url: string;
}

export interface FakeChannel {
  id: string;
  type: 0 | 1;
  guildId: string | null;
  name: string | null;
  /** For DMs: the other person. */
  recipientId: string | null;
  lastMessageId: string | null;
}

export interface FakeMessage {
  id: string;
  channelId: string;
  guildId: string | null;
  authorId: string;
  /** Discord message type (0 default, 20 chat-input command response). */
  type: number;
  content: string;
  embeds: Json[];
  components: Json[];
  flags: number;
  ephemeral: boolean;
  attachments: FakeAttachment[];
  createdAt: number;
  editedAt: number | null;
  deleted: boolean;
  /** Set for interaction responses and follow-ups. */
  interactionId: string | null;
  webhookId: string | null;
  /** Extra fields kept verbatim (message_reference, tts, allowed_mentions, poll…). */
  extra: Json;
  /** For ephemeral messages: the only user who sees them. */
  visibleTo: string | null;
}

export interface RecordedAttachmentUpload {
  field: string;
  filename: string;
  contentType: string | null;
  bytes: Buffer;
}

export interface RecordedCall {
  seq: number;
  at: number;
  method: string;
  /** Path without the '/api/v10' prefix and the query, e.g. '/channels/123/messages'. */
  path: string;
  version: number | null;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  attachments: RecordedAttachmentUpload[];
  status: number;
  response: unknown;
  /** Set when the answer came from failNext. */
  fault: boolean;
}

export interface FakeInteraction {
  id: string;
  token: string;
  applicationId: string;
  /** 2 command, 3 component, 5 modal submit. */
  type: number;
  userId: string;
  guildId: string | null;
  channelId: string;
  payload: Json;
}

export interface InteractionResponse {
  kind: 'callback' | 'followup' | 'edit' | 'delete';
  /** Whether it targets @original (callbacks creating/updating it, edits of @original, a follow-up replacing the
   *  deferred "thinking…" message). */
  original: boolean;
  /** Interaction callback type for kind 'callback' (4, 5, 6, 7, 8, 9). */
  callbackType: number | null;
  messageId: string | null;
  content: string | undefined;
  embeds: Json[];
  components: Json[];
  /** Flags as sent (0 when absent). */
  flags: number;
  /** Whether the resulting message (or deferral) is ephemeral. */
  ephemeral: boolean;
  attachments: FakeAttachment[];
  /** Raw body (callback `data`, webhook body). */
  data: Json | null;
  modal: Json | null;
  /** Snapshot of the resulting message. */
  message: FakeMessage | null;
  at: number;
}

export type FaultSpec =
  | { status: 429; retryAfter?: number; global?: boolean }
  | { status: number; body?: Json }
  | { drop: true };

export interface CommandStore {
  global: Json[];
  guilds: Record<string, Json[]>;
}

interface UserActionBase {
  userId: string;
  /** The user's client locale (default: the user's, else 'en-US'). */
  locale?: string;
  guildId?: string;
  channelId?: string;
  dm?: boolean;
  /** Member permissions in the guild (default: @everyone's). */
  permissions?: bigint | string;
  roles?: string[];
}

export interface SlashCommandOptions extends UserActionBase {
  name: string;
  options?: Record<string, string | number | boolean> | Json[];
  subcommand?: string;
  subcommandGroup?: string;
}

export interface ComponentOptions extends UserActionBase {
  customId: string;
  message?: FakeMessage | string;
}

export interface SelectOptions extends ComponentOptions {
  values: string[];
  /** 3 string select (default), 5 user, 6 role, 7 mentionable, 8 channel. */
  componentType?: number;
}

export interface ModalSubmitOptions extends UserActionBase {
  customId: string;
  fields: Record<string, string | string[]>;
  /** The interaction that showed the modal (default: the latest one that showed `customId`). */
  from?: FakeInteraction;
}

interface UploadedFile {
  field: string;
  index: string;
  filename: string;
  contentType: string | null;
  bytes: Buffer;
}

interface Ctx {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Json | undefined;
  files: UploadedFile[];
  headers: Record<string, string>;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Route {
  method: string;
  pattern: string;
  regex: RegExp;
  keys: string[];
  auth: boolean;
  handler: (ctx: Ctx) => Reply | Promise<Reply>;
}

interface InteractionState {
  interaction: FakeInteraction;
  createdAt: number;
  acked: boolean;
  ackType: number | null;
  originalId: string | null;
  loading: boolean;
  messageIds: Set<string>;
  responses: InteractionResponse[];
  modal: Json | null;
  /** Source message for component interactions (and modals opened from one). */
  sourceMessageId: string | null;
  commandName: string | null;
}

interface Fault {
  test: (method: string, path: string) => boolean;
  spec: FaultSpec;
  remaining: number;
}

interface GuildMember {
  userId: string;
  roles: string[];
  joinedAt: string;
  nick: string | null;
}

const EPHEMERAL = 64;
const LOADING = 128;
const KEPT_FLAGS = 4 | EPHEMERAL | 4096 | 32768; // suppress embeds, ephemeral, suppress notifications, components v2

function compilePattern(pattern: string): { regex: RegExp; keys: string[] } {
  const keys: string[] = [];
  const source = pattern
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':')) {
        keys.push(seg.slice(1));
        return '([^/]+)';
      }
      if (seg === '*') return '[^/]+';
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { regex: new RegExp(`^${source}/?$`), keys };
}

/** Deep copy of JSON-like data that keeps Buffers as Buffers. */
function clone<T>(value: T): T {
  if (Buffer.isBuffer(value)) return Buffer.from(value) as T;
  if (Array.isArray(value)) return value.map((v) => clone(v)) as T;
  if (typeof value === 'object' && value !== null) {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) out[k] = clone(v);
    return out as T;
  }
  return value;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');

export class FakeDiscord {
  readonly applicationId: string;
  readonly botUserId: string;
  readonly guildId: string | null;
  readonly channelId: string;
  readonly ownerId: string;

  readonly calls: RecordedCall[] = [];
  readonly users = new Map<string, FakeUser>();
  readonly channels = new Map<string, FakeChannel>();

  private readonly options: Required<
    Pick<FakeDiscordOptions, 'interactionTimeoutMs' | 'tokenLifetimeMs' | 'heartbeatIntervalMs' | 'echoMessages'>
  > &
    FakeDiscordOptions;
  private readonly server: Server;
  private readonly gateway: FakeGateway;
  private readonly routes: Route[] = [];
  private readonly messages = new Map<string, FakeMessage>();
  private readonly attachmentsById = new Map<string, FakeAttachment>();
  private readonly interactions = new Map<string, InteractionState>();
  private readonly byToken = new Map<string, InteractionState>();
  private readonly faults: Fault[] = [];
  private readonly closedDms = new Set<string>();
  private readonly dmChannelByUser = new Map<string, string>();
  private readonly members = new Map<string, GuildMember>();
  private readonly commandStore: { global: Json[]; guilds: Map<string, Json[]> } = { global: [], guilds: new Map() };
  private readonly commandIdsByName = new Map<string, string>();
  private readonly appPermissions: string;
  private readonly guildJoinedAt = iso(Date.now() - 86_400_000);
  private callSeq = 0;
  private stopped = false;
  private listeners = new Set<() => void>();
  port = 0;

  private constructor(options: FakeDiscordOptions) {
    this.options = {
      interactionTimeoutMs: 3000,
      tokenLifetimeMs: 15 * 60_000,
      heartbeatIntervalMs: 41_250,
      echoMessages: true,
      ...options,
    };
    this.applicationId = options.applicationId ?? snowflake();
    this.botUserId = options.botUserId ?? this.applicationId;
    this.guildId = options.guildId === null ? null : (options.guildId ?? snowflake());
    this.channelId = options.channelId ?? snowflake();
    this.ownerId = options.ownerId ?? snowflake();
    this.appPermissions = String(options.appPermissions ?? DEFAULT_MEMBER_PERMISSIONS);
    this.users.set(this.botUserId, {
      id: this.botUserId,
      username: options.botUsername ?? 'fake-bot',
      globalName: null,
      locale: 'en-US',
      bot: true,
    });
    this.users.set(this.ownerId, { id: this.ownerId, username: 'guild-owner', globalName: 'Guild Owner', locale: 'en-US', bot: false });
    if (this.guildId) {
      this.channels.set(this.channelId, {
        id: this.channelId,
        type: 0,
        guildId: this.guildId,
        name: options.channelName ?? 'general',
        recipientId: null,
        lastMessageId: null,
      });
      this.members.set(this.botUserId, { userId: this.botUserId, roles: [], joinedAt: this.guildJoinedAt, nick: null });
      this.members.set(this.ownerId, { userId: this.ownerId, roles: [], joinedAt: this.guildJoinedAt, nick: null });
    }
    this.gateway = new FakeGateway({
      token: options.token,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs,
      buildReady: (session) => this.buildReady(session),
      guildCreates: (session) => (this.guildId && session.intents & Intent.Guilds ? [this.guildCreatePayload()] : []),
      changed: () => this.changed(),
    });
    this.server = createServer((req, res) => {
      this.onRequest(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    this.server.on('upgrade', (req, socket, head) => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (path.startsWith('/gateway')) this.gateway.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
    this.defineRoutes();
  }

  /** Starts the fake on 127.0.0.1 and a random port. */
  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** What the client gets as `rest.api`; discord.js builds `${api}/v10${route}`. */
  get apiRoot(): string {
    return `${this.origin}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  get resumeGatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway-resume`;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.gateway.close();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  // ───────────────────────────── assertions ─────────────────────────────

  get gatewayConnected(): boolean {
    return this.gateway.connected;
  }

  get gatewayEvents(): readonly GatewayEvent[] {
    return this.gateway.events;
  }

  get gatewayReceived(): ReadonlyArray<{ at: number; payload: Json }> {
    return this.gateway.received;
  }

  get commands(): CommandStore {
    return { global: clone(this.commandStore.global), guilds: Object.fromEntries([...this.commandStore.guilds].map(([k, v]) => [k, clone(v)])) };
  }

  interaction(id: string): FakeInteraction | undefined {
    return this.interactions.get(id)?.interaction;
  }

  responsesTo(interaction: { id: string } | string): InteractionResponse[] {
    const id = typeof interaction === 'string' ? interaction : interaction.id;
    return [...(this.interactions.get(id)?.responses ?? [])];
  }

  message(id: string): FakeMessage | undefined {
    const m = this.messages.get(id);
    return m ? clone(m) : undefined;
  }

  messagesIn(channelId: string): FakeMessage[] {
    return [...this.messages.values()].filter((m) => m.channelId === channelId && !m.deleted).map(clone);
  }

  dmsTo(userId: string): FakeMessage[] {
    const channelId = this.dmChannelByUser.get(userId);
    if (!channelId) return [];
    return this.messagesIn(channelId).filter((m) => m.authorId === this.botUserId);
  }

  dmChannelOf(userId: string): string {
    return this.dmChannel(userId).id;
  }

  /** Resolves with the first truthy value of `predicate`, polling on every change and every 20 ms. */
  async waitFor<T>(predicate: () => T | Promise<T>, timeoutMs = 5000, what = 'condition'): Promise<NonNullable<T>> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        const value = await predicate();
        if (value) return value as NonNullable<T>;
      } catch (error) {
        lastError = error;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const suffix = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
        throw new Error(`FakeDiscord.waitFor: ${what} not met within ${timeoutMs} ms${suffix}`);
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.listeners.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(20, left));
        this.listeners.add(done);
      });
    }
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  // ───────────────────────────── control ─────────────────────────────

  failNext(route: string | RegExp, fault: FaultSpec, times = 1): void {
    let test: Fault['test'];
    if (route instanceof RegExp) {
      test = (method, path) => route.test(`${method} ${path}`);
    } else {
      const m = /^(GET|POST|PUT|PATCH|DELETE)\s+(.*)$/i.exec(route.trim());
      const method = m?.[1]?.toUpperCase() ?? null;
      const pattern = (m?.[2] ?? route.trim()).replace(/^\/api/, '').replace(/^\/v\d+/, '').split('?')[0] ?? '';
      const { regex } = compilePattern(pattern);
      test = (mm, path) => (method === null || method === mm) && regex.test(path);
    }
    this.faults.push({ test, spec: fault, remaining: times });
  }

  /** Changes the interaction deadlines on the fly. */
  setTimeouts(timeouts: { interactionTimeoutMs?: number; tokenLifetimeMs?: number }): void {
    if (timeouts.interactionTimeoutMs !== undefined) this.options.interactionTimeoutMs = timeouts.interactionTimeoutMs;
    if (timeouts.tokenLifetimeMs !== undefined) this.options.tokenLifetimeMs = timeouts.tokenLifetimeMs;
  }

  /** Makes an interaction `ms` older, to test the 3 s / 15 min deadlines without waiting. */
  ageInteraction(interaction: { id: string }, ms: number): void {
    const st = this.interactions.get(interaction.id);
    if (!st) throw new Error(`FakeDiscord.ageInteraction: unknown interaction ${interaction.id}`);
    st.createdAt -= ms;
  }

  closeDms(userId: string): void {
    this.closedDms.add(userId);
  }

  openDms(userId: string): void {
    this.closedDms.delete(userId);
  }

  addUser(user: Partial<FakeUser> & { id?: string }): FakeUser {
    const id = user.id ?? snowflake();
    const existing = this.users.get(id);
    const next: FakeUser = {
      id,
      username: user.username ?? existing?.username ?? `user${id.slice(-4)}`,
      globalName: user.globalName ?? existing?.globalName ?? null,
      locale: user.locale ?? existing?.locale ?? 'en-US',
      bot: user.bot ?? existing?.bot ?? false,
    };
    this.users.set(id, next);
    return next;
  }

  /** Sends a dispatch to every live gateway session; throws when no client has identified. */
  dispatch(event: string, data: unknown): number {
    const count = this.gateway.dispatch(event, data);
    if (count === 0) throw new Error(`FakeDiscord.dispatch(${event}): no gateway session — log the client in first`);
    return count;
  }

  dropGateway(options: { code?: number; reason?: string; invalidateSession?: boolean } = {}): Promise<void> {
    return this.gateway.drop(options);
  }

  requestReconnect(): void {
    this.gateway.sendOp(7, null);
  }

  invalidateSession(resumable = false): void {
    if (!resumable) for (const s of this.gateway.sessions.values()) s.resumable = false;
    this.gateway.sendOp(9, resumable);
  }

  // ───────────────────────────── simulated users ─────────────────────────────

  slashCommand(options: SlashCommandOptions): FakeInteraction {
    const ctx = this.actionContext(options, null);
    const command = this.findCommand(options.name, ctx.guildId);
    const commandId = command?.id ?? this.commandIdFor(options.name);
    const defs: Json[] = (command?.options as Json[] | undefined) ?? [];
    let leafDefs = defs;
    let leafOptions: Json[] = [];
    if (Array.isArray(options.options)) leafOptions = clone(options.options);
    const groupDef = options.subcommandGroup ? defs.find((d) => d.name === options.subcommandGroup) : undefined;
    if (groupDef) leafDefs = (groupDef.options as Json[] | undefined) ?? [];
    const subDef = options.subcommand ? leafDefs.find((d) => d.name === options.subcommand) : undefined;
    if (subDef) leafDefs = (subDef.options as Json[] | undefined) ?? [];
    if (options.options && !Array.isArray(options.options)) {
      leafOptions = Object.entries(options.options).map(([name, value]) => {
        const def = leafDefs.find((d) => d.name === name);
        const type =
          typeof def?.type === 'number'
            ? def.type
            : typeof value === 'boolean'
              ? 5
              : typeof value === 'number'
                ? Number.isInteger(value)
                  ? 4
                  : 10
                : 3;
        return { name, type, value };
      });
    }
    let top: Json[] = leafOptions;
    if (options.subcommand) top = [{ name: options.subcommand, type: 1, options: leafOptions }];
    if (options.subcommandGroup) top = [{ name: options.subcommandGroup, type: 2, options: top }];
    const data: Json = { id: commandId, name: options.name, type: 1 };
    if (top.length > 0 || options.subcommand) data.options = top;
    if (command?.guild_id) data.guild_id = command.guild_id;
    return this.createInteraction(2, options, ctx, data, null, options.name);
  }

  pressButton(options: ComponentOptions): FakeInteraction {
    const message = this.resolveComponentMessage(options.customId, options.message, options.userId);
    const component = this.findComponent(message.components, options.customId);
    if (component && component.type !== 2) throw new Error(`FakeDiscord.pressButton: ${options.customId} is not a button`);
    if (component?.disabled) throw new Error(`FakeDiscord.pressButton: button ${options.customId} is disabled`);
    const ctx = this.actionContext(options, message);
    const data: Json = { custom_id: options.customId, component_type: 2 };
    if (typeof component?.id === 'number') data.id = component.id;
    return this.createInteraction(3, options, ctx, data, message, null);
  }

  selectOption(options: SelectOptions): FakeInteraction {
    const message = this.resolveComponentMessage(options.customId, options.message, options.userId);
    const component = this.findComponent(message.components, options.customId);
    const componentType = options.componentType ?? component?.type ?? 3;
    if (component?.disabled) throw new Error(`FakeDiscord.selectOption: select ${options.customId} is disabled`);
    if (component && componentType === 3 && Array.isArray(component.options)) {
      const allowed = new Set((component.options as Json[]).map((o) => o.value));
      const bad = options.values.filter((v) => !allowed.has(v));
      if (bad.length > 0) throw new Error(`FakeDiscord.selectOption: ${bad.join(', ')} not offered by ${options.customId}`);
    }
    const ctx = this.actionContext(options, message);
    const data: Json = { custom_id: options.customId, component_type: componentType, values: [...options.values] };
    if (typeof component?.id === 'number') data.id = component.id;
    return this.createInteraction(3, options, ctx, data, message, null);
  }

  submitModal(options: ModalSubmitOptions): FakeInteraction {
    let from: InteractionState | undefined = options.from ? this.interactions.get(options.from.id) : undefined;
    if (!from) {
      from = [...this.interactions.values()]
        .reverse()
        .find((s) => s.modal?.custom_id === options.customId && s.interaction.userId === options.userId);
    }
    const modal = from?.modal?.custom_id === options.customId ? from.modal : null;
    const remaining = new Map(Object.entries(options.fields));
    const textValue = (customId: string): string => {
      const v = remaining.get(customId);
      remaining.delete(customId);
      return Array.isArray(v) ? v.join(',') : (v ?? '');
    };
    let components: Json[];
    if (modal) {
      const known = new Set<string>();
      for (const row of modal.components as Json[]) {
        const input = row.type === 1 ? (row.components as Json[])[0] : row.component;
        if (input?.custom_id !== undefined) known.add(String(input.custom_id));
      }
      const unknown = Object.keys(options.fields).filter((k) => !known.has(k));
      if (unknown.length > 0) {
        throw new Error(`FakeDiscord.submitModal: modal ${options.customId} has no field(s) ${unknown.join(', ')}`);
      }
      components = (modal.components as Json[]).map((row) => {
        if (row.type === 1) {
          const input = (row.components as Json[])[0] ?? {};
          const value = textValue(String(input.custom_id));
          if (input.required !== false && value === '') {
            throw new Error(`FakeDiscord.submitModal: required field ${input.custom_id} is empty`);
          }
          return { type: 1, ...(row.id !== undefined && { id: row.id }), components: [{ type: 4, ...(input.id !== undefined && { id: input.id }), custom_id: input.custom_id, value }] };
        }
        if (row.type === 18) {
          const inner = row.component as Json;
          const out: Json = { type: inner.type, custom_id: inner.custom_id };
          if (inner.id !== undefined) out.id = inner.id;
          if (inner.type === 4) {
            out.value = textValue(String(inner.custom_id));
            if (inner.required !== false && out.value === '') {
              throw new Error(`FakeDiscord.submitModal: required field ${inner.custom_id} is empty`);
            }
          } else {
            const v = remaining.get(String(inner.custom_id));
            remaining.delete(String(inner.custom_id));
            out.values = v === undefined ? [] : Array.isArray(v) ? v : [v];
          }
          return { type: 18, ...(row.id !== undefined && { id: row.id }), component: out };
        }
        return { type: row.type, ...(row.id !== undefined && { id: row.id }) };
      });
    } else {
      components = Object.entries(options.fields).map(([custom_id, v]) => ({
        type: 1,
        components: [{ type: 4, custom_id, value: Array.isArray(v) ? v.join(',') : v }],
      }));
    }
    const source = from?.sourceMessageId ? this.messages.get(from.sourceMessageId) : undefined;
    const base: UserActionBase = { ...options };
    if (from && options.guildId === undefined && options.dm === undefined && options.channelId === undefined) {
      if (from.interaction.guildId) {
        base.guildId = from.interaction.guildId;
        base.channelId = from.interaction.channelId;
      } else base.dm = true;
    }
    const ctx = this.actionContext(base, source ?? null);
    return this.createInteraction(5, base, ctx, { custom_id: options.customId, components }, source ?? null, null);
  }

  userSaysInDm(options: { userId: string; content: string; files?: Array<{ filename: string; bytes: Uint8Array | string; contentType?: string }> }): FakeMessage {
    this.ensureUser(options.userId);
    const channel = this.dmChannel(options.userId);
    // Attachments a person sends are served from the CDN route like the bot's own uploads.
    const attachments = (options.files ?? []).map((f): FakeAttachment => {
      const id = snowflake();
      const bytes = Buffer.from(f.bytes);
      const attachment: FakeAttachment = {
        id,
        filename: f.filename,
        contentType: f.contentType ?? null,
        size: bytes.length,
        bytes,
        url: `${this.origin}/attachments/${channel.id}/${id}/${encodeURIComponent(f.filename)}`,
      };
      this.attachmentsById.set(id, attachment);
      return attachment;
    });
    const message = this.storeMessage({
      channelId: channel.id,
      guildId: null,
      authorId: options.userId,
      content: options.content,
      flags: 0,
      type: 0,
      attachments,
    });
    if (this.gateway.liveSessions().length === 0) throw new Error('FakeDiscord.userSaysInDm: no gateway session — log the client in first');
    // Delivered only to sessions with the DirectMessages intent (and discord.js drops it unless the DM channel is
    // cached or Partials.Channel is enabled — as with the real Discord). Like Discord, a DM's MESSAGE_CREATE names
    // its channel_type (1): discord.js needs it to treat an uncached DM channel as a text channel.
    this.gateway.dispatch('MESSAGE_CREATE', this.messageApi(message, true), (s) => (s.intents & Intent.DirectMessages) !== 0);
    return clone(message);
  }

  // ───────────────────────────── internals: users, channels, context ─────────────────────────────

  private ensureUser(id: string): FakeUser {
    return this.users.get(id) ?? this.addUser({ id });
  }

  private userApi(id: string): Json {
    const u = this.ensureUser(id);
    const out: Json = {
      id: u.id,
      username: u.username,
      avatar: null,
      discriminator: u.bot ? '4821' : '0',
      public_flags: 0,
      flags: 0,
      banner: null,
      accent_color: null,
      global_name: u.globalName,
      avatar_decoration_data: null,
      collectibles: null,
      display_name_styles: null,
      banner_color: null,
      clan: null,
      primary_guild: null,
    };
    if (u.bot) out.bot = true;
    return out;
  }

  private dmChannel(userId: string): FakeChannel {
    let id = this.dmChannelByUser.get(userId);
    if (!id) {
      id = snowflake();
      this.dmChannelByUser.set(userId, id);
      this.channels.set(id, { id, type: 1, guildId: null, name: null, recipientId: userId, lastMessageId: null });
    }
    return this.channels.get(id)!;
  }

  private channelApi(channel: FakeChannel, forInteraction = false): Json {
    if (channel.type === 1) {
      return { id: channel.id, type: 1, last_message_id: channel.lastMessageId, flags: 0, recipients: [this.userApi(channel.recipientId!)] };
    }
    const out: Json = {
      id: channel.id,
      type: 0,
      guild_id: channel.guildId,
      name: channel.name,
      position: 0,
      permission_overwrites: [],
      nsfw: false,
      parent_id: null,
      topic: null,
      rate_limit_per_user: 0,
      last_message_id: channel.lastMessageId,
      flags: 0,
    };
    if (forInteraction) out.permissions = this.appPermissions;
    return out;
  }

  private memberApi(userId: string, withUser = true, permissions?: string): Json {
    const m = this.members.get(userId) ?? { userId, roles: [], joinedAt: iso(Date.now()), nick: null };
    const out: Json = {
      avatar: null,
      banner: null,
      communication_disabled_until: null,
      deaf: false,
      flags: 0,
      joined_at: m.joinedAt,
      mute: false,
      nick: m.nick,
      pending: false,
      premium_since: null,
      roles: [...m.roles],
      unusual_dm_activity_until: null,
    };
    if (withUser) out.user = this.userApi(userId);
    if (permissions !== undefined) out.permissions = permissions;
    return out;
  }

  private everyoneRole(): Json {
    return {
      id: this.guildId,
      name: '@everyone',
      description: null,
      permissions: String(DEFAULT_MEMBER_PERMISSIONS),
      position: 0,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      managed: false,
      mentionable: false,
      icon: null,
      unicode_emoji: null,
      flags: 0,
    };
  }

  private guildApi(): Json {
    return {
      id: this.guildId,
      name: this.options.guildName ?? 'Fake Guild',
      icon: null,
      description: null,
      home_header: null,
      splash: null,
      discovery_splash: null,
      features: [],
      banner: null,
      owner_id: this.ownerId,
      application_id: null,
      region: 'deprecated',
      afk_channel_id: null,
      afk_timeout: 300,
      system_channel_id: this.channelId,
      system_channel_flags: 0,
      widget_enabled: false,
      widget_channel_id: null,
      verification_level: 0,
      roles: [this.everyoneRole()],
      default_message_notifications: 0,
      mfa_level: 0,
      explicit_content_filter: 0,
      max_presences: null,
      max_members: 500000,
      max_stage_video_channel_users: 50,
      max_video_channel_users: 25,
      vanity_url_code: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: this.options.guildLocale ?? 'en-US',
      rules_channel_id: null,
      safety_alerts_channel_id: null,
      public_updates_channel_id: null,
      hub_type: null,
      premium_progress_bar_enabled: false,
      nsfw: false,
      nsfw_level: 0,
      emojis: [],
      stickers: [],
      incidents_data: null,
      inventory_settings: null,
      embed_enabled: false,
      embed_channel_id: null,
    };
  }

  private guildCreatePayload(): Json {
    const guildChannels = [...this.channels.values()].filter((c) => c.guildId === this.guildId);
    return {
      ...this.guildApi(),
      joined_at: this.guildJoinedAt,
      large: false,
      unavailable: false,
      lazy: true,
      member_count: this.members.size,
      voice_states: [],
      members: [this.memberApi(this.botUserId)],
      channels: guildChannels.map((c) => {
        const api = this.channelApi(c);
        delete api.guild_id;
        return api;
      }),
      threads: [],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      embedded_activities: [],
      activity_instances: [],
      application_command_counts: {},
      version: Date.now(),
    };
  }

  private buildReady(session: GatewaySession): Json {
    const bot = this.userApi(this.botUserId);
    return {
      v: 10,
      user_settings: {},
      user: { ...bot, verified: true, mfa_enabled: false, email: null, bot: true },
      session_type: 'normal',
      session_id: session.id,
      resume_gateway_url: this.resumeGatewayUrl,
      relationships: [],
      private_channels: [],
      presences: [],
      guilds: this.guildId ? [{ id: this.guildId, unavailable: true }] : [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: ['frankfurt', 'milan', 'rotterdam'],
      game_relationships: [],
      auth: {},
      application: { id: this.applicationId, flags: (1 << 19) | (1 << 23) },
      shard: Array.isArray(session.identify.shard) ? session.identify.shard : [0, 1],
      _trace: ['["fake-gateway",{"micros":1}]'],
    };
  }

  private applicationApi(): Json {
    return {
      id: this.applicationId,
      name: this.users.get(this.botUserId)?.username ?? 'fake-bot',
      icon: null,
      description: '',
      summary: '',
      type: null,
      is_monetized: false,
      is_verified: false,
      is_discoverable: false,
      hook: true,
      bot_public: true,
      bot_require_code_grant: false,
      verify_key: 'f'.repeat(64),
      flags: (1 << 19) | (1 << 23),
      owner: this.userApi(this.ownerId),
      team: null,
      bot: this.userApi(this.botUserId),
      redirect_uris: [],
      interactions_endpoint_url: null,
      role_connections_verification_url: null,
      tags: [],
      approximate_guild_count: this.guildId ? 1 : 0,
      approximate_user_install_count: 0,
      integration_types_config: { '0': {} },
      event_webhooks_status: 1,
    };
  }

  private actionContext(
    options: UserActionBase,
    message: FakeMessage | null,
  ): { guildId: string | null; channel: FakeChannel } {
    this.ensureUser(options.userId);
    if (message) {
      const channel = this.channels.get(message.channelId);
      if (!channel) throw new Error(`FakeDiscord: message ${message.id} is in an unknown channel`);
      if (channel.type === 1 && channel.recipientId !== options.userId) {
        throw new Error(`FakeDiscord: user ${options.userId} cannot see the DM of ${channel.recipientId}`);
      }
      if (message.visibleTo && message.visibleTo !== options.userId) {
        throw new Error(`FakeDiscord: message ${message.id} is ephemeral for ${message.visibleTo}, not ${options.userId}`);
      }
      if (channel.guildId) this.ensureMember(options);
      return { guildId: channel.guildId, channel };
    }
    if (options.dm) return { guildId: null, channel: this.dmChannel(options.userId) };
    const guildId = options.guildId ?? this.guildId;
    if (!guildId || guildId !== this.guildId) {
      throw new Error('FakeDiscord: no such guild configured; pass dm: true or start the fake with a guildId');
    }
    const channel = this.channels.get(options.channelId ?? this.channelId);
    if (!channel || channel.guildId !== guildId) throw new Error(`FakeDiscord: unknown guild channel ${options.channelId}`);
    this.ensureMember(options);
    return { guildId, channel };
  }

  private ensureMember(options: UserActionBase): void {
    const existing = this.members.get(options.userId);
    if (!existing) {
      this.members.set(options.userId, { userId: options.userId, roles: options.roles ?? [], joinedAt: iso(Date.now()), nick: null });
    } else if (options.roles) existing.roles = [...options.roles];
  }

  private findCommand(name: string, guildId: string | null): Json | undefined {
    const guildCommands = guildId ? (this.commandStore.guilds.get(guildId) ?? []) : [];
    return (
      guildCommands.find((c) => c.name === name && (c.type ?? 1) === 1) ??
      this.commandStore.global.find((c) => c.name === name && (c.type ?? 1) === 1)
    );
  }

  private commandIdFor(name: string): string {
    let id = this.commandIdsByName.get(name);
    if (!id) {
      id = snowflake();
      this.commandIdsByName.set(name, id);
    }
    return id;
  }

  private findComponent(components: unknown, customId: string): Json | undefined {
    if (Array.isArray(components)) {
      for (const c of components) {
        const hit = this.findComponent(c, customId);
        if (hit) return hit;
      }
      return undefined;
    }
    if (typeof components !== 'object' || components === null) return undefined;
    const c = components as Json;
    if (c.custom_id === customId) return c;
    return this.findComponent(c.components, customId) ?? this.findComponent(c.component, customId) ?? this.findComponent(c.accessory, customId);
  }

  private resolveComponentMessage(customId: string, message: FakeMessage | string | undefined, userId: string): FakeMessage {
    if (message !== undefined) {
      const id = typeof message === 'string' ? message : message.id;
      const stored = this.messages.get(id);
      if (!stored || stored.deleted) throw new Error(`FakeDiscord: unknown message ${id}`);
      if (!this.findComponent(stored.components, customId)) {
        throw new Error(`FakeDiscord: message ${id} has no component ${customId}`);
      }
      return stored;
    }
    const found = [...this.messages.values()]
      .reverse()
      .find((m) => !m.deleted && (!m.visibleTo || m.visibleTo === userId) && this.findComponent(m.components, customId));
    if (!found) throw new Error(`FakeDiscord: no message with a component ${customId}`);
    return found;
  }

  private createInteraction(
    type: number,
    options: UserActionBase,
    ctx: { guildId: string | null; channel: FakeChannel },
    data: Json,
    message: FakeMessage | null,
    commandName: string | null,
  ): FakeInteraction {
    const user = this.ensureUser(options.userId);
    const id = snowflake();
    const token = interactionToken(id);
    const payload: Json = {
      app_permissions: this.appPermissions,
      application_id: this.applicationId,
      attachment_size_limit: 10_485_760,
      authorizing_integration_owners: { '0': ctx.guildId ?? '0' },
      channel: this.channelApi(ctx.channel, true),
      channel_id: ctx.channel.id,
      context: ctx.guildId ? 0 : 1,
      data,
      entitlement_sku_ids: [],
      entitlements: [],
      id,
      locale: options.locale ?? user.locale,
      token,
      type,
      version: 1,
    };
    if (ctx.guildId) {
      const permissions = String(options.permissions ?? DEFAULT_MEMBER_PERMISSIONS);
      payload.guild = { id: ctx.guildId, locale: this.options.guildLocale ?? 'en-US', features: [] };
      payload.guild_id = ctx.guildId;
      payload.guild_locale = this.options.guildLocale ?? 'en-US';
      payload.member = this.memberApi(user.id, true, permissions);
    } else {
      payload.user = this.userApi(user.id);
    }
    if (message) payload.message = this.messageApi(message, false);
    const interaction: FakeInteraction = {
      id,
      token,
      applicationId: this.applicationId,
      type,
      userId: user.id,
      guildId: ctx.guildId,
      channelId: ctx.channel.id,
      payload,
    };
    const state: InteractionState = {
      interaction,
      createdAt: Date.now(),
      acked: false,
      ackType: null,
      originalId: null,
      loading: false,
      messageIds: new Set(),
      responses: [],
      modal: null,
      sourceMessageId: message?.id ?? null,
      commandName,
    };
    this.interactions.set(id, state);
    this.byToken.set(token, state);
    this.dispatch('INTERACTION_CREATE', clone(payload));
    return clone(interaction);
  }

  // ───────────────────────────── internals: messages ─────────────────────────────

  private storeMessage(init: {
    channelId: string;
    guildId: string | null;
    authorId: string;
    content?: string;
    embeds?: Json[];
    components?: Json[];
    flags: number;
    type: number;
    attachments?: FakeAttachment[];
    interactionId?: string | null;
    webhookId?: string | null;
    extra?: Json;
    visibleTo?: string | null;
  }): FakeMessage {
    const message: FakeMessage = {
      id: snowflake(),
      channelId: init.channelId,
      guildId: init.guildId,
      authorId: init.authorId,
      type: init.type,
      content: init.content ?? '',
      embeds: (init.embeds ?? []).map((e) => ({ type: 'rich', ...e })),
      components: init.components ?? [],
      flags: init.flags,
      ephemeral: (init.flags & EPHEMERAL) !== 0,
      attachments: init.attachments ?? [],
      createdAt: Date.now(),
      editedAt: null,
      deleted: false,
      interactionId: init.interactionId ?? null,
      webhookId: init.webhookId ?? null,
      extra: init.extra ?? {},
      visibleTo: (init.flags & EPHEMERAL) !== 0 ? (init.visibleTo ?? null) : null,
    };
    this.messages.set(message.id, message);
    const channel = this.channels.get(init.channelId);
    if (channel) channel.lastMessageId = message.id;
    this.changed();
    return message;
  }

  private messageApi(m: FakeMessage, forGateway: boolean): Json {
    const out: Json = {
      type: m.type,
      content: m.content,
      mentions: [],
      mention_roles: [],
      attachments: m.attachments.map((a) => ({
        id: a.id,
        filename: a.filename,
        size: a.size,
        url: a.url,
        proxy_url: a.url,
        ...(a.contentType && { content_type: a.contentType }),
        ...(a.description !== undefined && { description: a.description }),
        ...(m.ephemeral && { ephemeral: true }),
      })),
      embeds: clone(m.embeds),
      timestamp: iso(m.createdAt),
      edited_timestamp: m.editedAt === null ? null : iso(m.editedAt),
      flags: m.flags,
      components: clone(m.components),
      id: m.id,
      channel_id: m.channelId,
      author: this.userApi(m.authorId),
      pinned: false,
      mention_everyone: false,
      tts: false,
      ...clone(m.extra),
    };
    if (m.webhookId) {
      out.webhook_id = m.webhookId;
      out.application_id = this.applicationId;
    }
    const st = m.interactionId ? this.interactions.get(m.interactionId) : undefined;
    if (st) {
      const meta: Json = {
        id: st.interaction.id,
        type: st.interaction.type,
        user: this.userApi(st.interaction.userId),
        authorizing_integration_owners: clone(st.interaction.payload.authorizing_integration_owners),
      };
      if (st.interaction.type === 2) {
        meta.name = st.commandName;
        meta.command_type = 1;
      }
      if (st.sourceMessageId) meta.interacted_message_id = st.sourceMessageId;
      if (st.originalId && st.originalId !== m.id) meta.original_response_message_id = st.originalId;
      out.interaction_metadata = meta;
    }
    // Discord's MESSAGE_CREATE carries the channel's type; discord.js needs it to take a DM from a channel it has not
    // cached yet (a person who writes or sends a file before any interaction).
    const channelType = this.channels.get(m.channelId)?.type;
    if (forGateway && channelType !== undefined) out.channel_type = channelType;
    if (forGateway && m.guildId) {
      out.guild_id = m.guildId;
      if (this.members.has(m.authorId)) out.member = this.memberApi(m.authorId, false);
    }
    return out;
  }

  private echo(event: 'MESSAGE_CREATE' | 'MESSAGE_UPDATE' | 'MESSAGE_DELETE', m: FakeMessage): void {
    if (!this.options.echoMessages || m.ephemeral) return;
    const intent = m.guildId ? Intent.GuildMessages : Intent.DirectMessages;
    const data =
      event === 'MESSAGE_DELETE'
        ? { id: m.id, channel_id: m.channelId, ...(m.guildId && { guild_id: m.guildId }) }
        : this.messageApi(m, true);
    this.gateway.dispatch(event, data, (s) => (s.intents & intent) !== 0);
  }

  private makeAttachments(channelId: string, body: Json, files: UploadedFile[], existing: FakeAttachment[]): FakeAttachment[] {
    const byIndex = new Map(files.map((f) => [f.index, f]));
    const make = (file: UploadedFile, meta?: Json): FakeAttachment => {
      const id = snowflake();
      const filename = typeof meta?.filename === 'string' ? meta.filename : file.filename;
      const attachment: FakeAttachment = {
        id,
        filename,
        contentType: file.contentType,
        size: file.bytes.length,
        bytes: file.bytes,
        url: `${this.origin}/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`,
      };
      if (typeof meta?.description === 'string') attachment.description = meta.description;
      this.attachmentsById.set(id, attachment);
      return attachment;
    };
    const result: FakeAttachment[] = [];
    if (Array.isArray(body.attachments)) {
      for (const meta of body.attachments as Json[]) {
        const key = String(meta?.id);
        const upload = byIndex.get(key);
        if (upload) {
          result.push(make(upload, meta));
          byIndex.delete(key);
        } else {
          const kept = existing.find((a) => a.id === key);
          if (kept) result.push(kept);
        }
      }
      for (const upload of byIndex.values()) result.push(make(upload));
      return result;
    }
    return [...existing, ...files.map((f) => make(f))];
  }

  private applyEdit(m: FakeMessage, body: Json, files: UploadedFile[]): void {
    if (body.content !== undefined) m.content = body.content ?? '';
    if (body.embeds !== undefined) m.embeds = ((body.embeds ?? []) as Json[]).map((e) => ({ type: 'rich', ...e }));
    if (body.components !== undefined) m.components = body.components ?? [];
    if (body.attachments !== undefined || files.length > 0) m.attachments = this.makeAttachments(m.channelId, body, files, m.attachments);
    if (typeof body.flags === 'number') m.flags = (m.flags & (EPHEMERAL | 32768)) | (body.flags & (4 | 32768));
    m.flags &= ~LOADING;
    if (body.allowed_mentions !== undefined) m.extra.allowed_mentions = body.allowed_mentions;
    m.editedAt = Date.now();
    this.changed();
  }

  private createFromBody(
    channel: FakeChannel,
    body: Json,
    files: UploadedFile[],
    init: { authorId: string; type: number; interaction?: InteractionState; flags?: number },
  ): FakeMessage {
    const flags = init.flags ?? (typeof body.flags === 'number' ? body.flags & KEPT_FLAGS : 0);
    const extra: Json = {};
    for (const key of ['message_reference', 'tts', 'allowed_mentions', 'poll', 'sticker_ids', 'nonce']) {
      if (body[key] !== undefined) extra[key] = clone(body[key]);
    }
    delete extra.allowed_mentions;
    const message = this.storeMessage({
      channelId: channel.id,
      guildId: channel.guildId,
      authorId: init.authorId,
      content: typeof body.content === 'string' ? body.content : '',
      embeds: Array.isArray(body.embeds) ? clone(body.embeds) : [],
      components: Array.isArray(body.components) ? clone(body.components) : [],
      flags,
      type: init.type,
      interactionId: init.interaction?.interaction.id ?? null,
      webhookId: init.interaction ? this.applicationId : null,
      extra,
      visibleTo: init.interaction?.interaction.userId ?? null,
    });
    message.attachments = this.makeAttachments(channel.id, body, files, []);
    return message;
  }

  // ───────────────────────────── REST ─────────────────────────────

  private route(method: string, pattern: string, handler: Route['handler'], auth = true): void {
    const { regex, keys } = compilePattern(pattern);
    this.routes.push({ method, pattern, regex, keys, auth, handler });
  }

  private defineRoutes(): void {
    const gatewayBot = () => ({
      status: 200,
      body: {
        url: this.gatewayUrl,
        shards: 1,
        session_start_limit: {
          total: 1000,
          remaining: 1000 - this.gateway.events.filter((e) => e.type === 'identify').length,
          reset_after: 14_400_000,
          max_concurrency: 1,
        },
      },
    });
    this.route('GET', '/gateway', () => ({ status: 200, body: { url: this.gatewayUrl } }), false);
    this.route('GET', '/gateway/bot', gatewayBot);
    this.route('GET', '/users/@me', () => ({ status: 200, body: this.userApi(this.botUserId) }));
    this.route('GET', '/users/:user', ({ params }) => {
      if (!isSnowflake(params.user)) throw this.snowflakeError('user_id', params.user);
      return { status: 200, body: this.userApi(params.user!) };
    });
    this.route('GET', '/applications/@me', () => ({ status: 200, body: this.applicationApi() }));
    this.route('GET', '/oauth2/applications/@me', () => ({ status: 200, body: this.applicationApi() }));

    // Application commands
    const commandList = (params: Record<string, string>): Json[] => {
      if (params.app !== this.applicationId) throw Errors.unknownApplication();
      if (params.guild === undefined) return this.commandStore.global;
      if (params.guild !== this.guildId) throw new ApiError(403, { message: 'Missing Access', code: 50001 });
      let list = this.commandStore.guilds.get(params.guild);
      if (!list) {
        list = [];
        this.commandStore.guilds.set(params.guild, list);
      }
      return list;
    };
    const toStored = (command: Json, guildId: string | undefined, previous: Json[]): Json => {
      const type = command.type ?? 1;
      const old = previous.find((c) => c.name === command.name && c.type === type);
      const stored: Json = {
        id: old?.id ?? this.commandIdsByName.get(command.name) ?? snowflake(),
        application_id: this.applicationId,
        version: snowflake(),
        default_member_permissions: command.default_member_permissions ?? null,
        type,
        name: command.name,
        name_localizations: command.name_localizations ?? null,
        description: command.description ?? '',
        description_localizations: command.description_localizations ?? null,
        dm_permission: command.dm_permission ?? true,
        contexts: command.contexts ?? null,
        integration_types: command.integration_types ?? [0],
        nsfw: command.nsfw ?? false,
      };
      if (Array.isArray(command.options)) stored.options = clone(command.options);
      if (guildId) stored.guild_id = guildId;
      if (type === 1) this.commandIdsByName.set(command.name, stored.id);
      return stored;
    };
    const listCommands = ({ params }: Ctx): Reply => ({ status: 200, body: clone(commandList(params)) });
    const putCommands = ({ params, body }: Ctx): Reply => {
      const list = commandList(params);
      const commands = validateCommands(body);
      const next = commands.map((c) => toStored(c, params.guild, list));
      list.splice(0, list.length, ...next);
      this.changed();
      return { status: 200, body: clone(next) };
    };
    const postCommand = ({ params, body }: Ctx): Reply => {
      const list = commandList(params);
      const [command] = validateCommandsSingle(body);
      const stored = toStored(command!, params.guild, list);
      const at = list.findIndex((c) => c.id === stored.id);
      if (at >= 0) list[at] = stored;
      else list.push(stored);
      this.changed();
      return { status: at >= 0 ? 200 : 201, body: clone(stored) };
    };
    const deleteCommand = ({ params }: Ctx): Reply => {
      const list = commandList(params);
      const at = list.findIndex((c) => c.id === params.command);
      if (at < 0) throw new ApiError(404, { message: 'Unknown application command', code: 10063 });
      list.splice(at, 1);
      this.changed();
      return { status: 204 };
    };
    for (const base of ['/applications/:app/commands', '/applications/:app/guilds/:guild/commands']) {
      this.route('GET', base, listCommands);
      this.route('PUT', base, putCommands);
      this.route('POST', base, postCommand);
      this.route('GET', `${base}/:command`, ({ params }) => {
        const found = commandList(params).find((c) => c.id === params.command);
        if (!found) throw new ApiError(404, { message: 'Unknown application command', code: 10063 });
        return { status: 200, body: clone(found) };
      });
      this.route('DELETE', `${base}/:command`, deleteCommand);
    }

    // Interactions
    this.route('POST', '/interactions/:id/:token/callback', (ctx) => this.interactionCallback(ctx), false);
    this.route('POST', '/webhooks/:app/:token', (ctx) => this.webhookPost(ctx), false);
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      this.route(method, '/webhooks/:app/:token/messages/:message', (ctx) => this.webhookMessage(ctx), false);
    }

    // Channels and DMs
    this.route('POST', '/users/@me/channels', ({ body }) => {
      const recipient = body?.recipient_id;
      if (!isSnowflake(recipient)) throw this.snowflakeError('recipient_id', recipient);
      this.ensureUser(recipient);
      return { status: 200, body: this.channelApi(this.dmChannel(recipient)) };
    });
    this.route('GET', '/channels/:channel', ({ params }) => ({ status: 200, body: this.channelApi(this.channelOrThrow(params.channel!)) }));
    this.route('POST', '/channels/:channel/typing', ({ params }) => {
      this.channelOrThrow(params.channel!);
      return { status: 204 };
    });
    this.route('POST', '/channels/:channel/messages', ({ params, body, files }) => {
      const channel = this.channelOrThrow(params.channel!);
      if (channel.type === 1 && this.closedDms.has(channel.recipientId!)) throw Errors.cannotSendToUser();
      validateMessage(body ?? {}, [], { creating: true, files: files.length });
      const message = this.createFromBody(channel, body ?? {}, files, { authorId: this.botUserId, type: body?.message_reference ? 19 : 0 });
      this.echo('MESSAGE_CREATE', message);
      return { status: 200, body: this.messageApi(message, false) };
    });
    this.route('GET', '/channels/:channel/messages/:message', ({ params }) => ({
      status: 200,
      body: this.messageApi(this.channelMessage(params.channel!, params.message!), false),
    }));
    this.route('PATCH', '/channels/:channel/messages/:message', ({ params, body, files }) => {
      const message = this.channelMessage(params.channel!, params.message!);
      if (message.authorId !== this.botUserId) throw Errors.cannotEditOthers();
      validateMessage(body ?? {}, [], { creating: false, files: files.length });
      this.applyEdit(message, body ?? {}, files);
      this.echo('MESSAGE_UPDATE', message);
      return { status: 200, body: this.messageApi(message, false) };
    });
    this.route('DELETE', '/channels/:channel/messages/:message', ({ params }) => {
      const message = this.channelMessage(params.channel!, params.message!);
      message.deleted = true;
      this.echo('MESSAGE_DELETE', message);
      this.changed();
      return { status: 204 };
    });

    // Guilds
    this.route('GET', '/guilds/:guild', ({ params }) => {
      if (params.guild !== this.guildId) throw Errors.unknownGuild();
      return { status: 200, body: this.guildApi() };
    });
    this.route('GET', '/guilds/:guild/channels', ({ params }) => {
      if (params.guild !== this.guildId) throw Errors.unknownGuild();
      return { status: 200, body: [...this.channels.values()].filter((c) => c.guildId === this.guildId).map((c) => this.channelApi(c)) };
    });
    this.route('GET', '/guilds/:guild/members/:user', ({ params }) => {
      if (params.guild !== this.guildId) throw Errors.unknownGuild();
      if (!this.members.has(params.user!)) throw Errors.unknownMember();
      return { status: 200, body: this.memberApi(params.user!) };
    });
  }

  private snowflakeError(field: string, value: unknown): ApiError {
    const e = new FormErrors();
    e.add([field], 'NUMBER_TYPE_COERCE', `Value "${String(value)}" is not snowflake.`);
    return e.toError();
  }

  private channelOrThrow(id: string): FakeChannel {
    const channel = this.channels.get(id);
    if (!channel) throw Errors.unknownChannel();
    return channel;
  }

  private channelMessage(channelId: string, messageId: string): FakeMessage {
    this.channelOrThrow(channelId);
    const message = this.messages.get(messageId);
    if (!message || message.deleted || message.channelId !== channelId || message.ephemeral) throw Errors.unknownMessage();
    return message;
  }

  private record(st: InteractionState, response: Omit<InteractionResponse, 'at' | 'message'>, message: FakeMessage | null): void {
    st.responses.push({ ...response, message: message ? clone(message) : null, at: Date.now() });
    this.changed();
  }

  private interactionCallback({ params, body, files, query }: Ctx): Reply {
    const st = this.interactions.get(params.id!);
    if (!st) throw Errors.unknownInteraction();
    if (st.interaction.token !== params.token) throw Errors.invalidWebhookToken();
    if (st.acked) throw Errors.alreadyAcknowledged();
    if (Date.now() - st.createdAt > this.options.interactionTimeoutMs) throw Errors.unknownInteraction();
    const b = body ?? {};
    const type = b.type;
    const data: Json = typeof b.data === 'object' && b.data !== null ? b.data : {};
    const { interaction } = st;
    const channel = this.channelOrThrow(interaction.channelId);
    const sent = (d: Json) => ({
      content: typeof d.content === 'string' ? d.content : undefined,
      embeds: Array.isArray(d.embeds) ? clone(d.embeds) : [],
      components: Array.isArray(d.components) ? clone(d.components) : [],
      flags: typeof d.flags === 'number' ? d.flags : 0,
    });
    const typeError = (message: string) => {
      const e = new FormErrors();
      e.add(['type'], 'INTERACTION_RESPONSE_TYPE_INVALID', message);
      return e.toError();
    };
    const source = st.sourceMessageId ? this.messages.get(st.sourceMessageId) : undefined;
    let message: FakeMessage | null = null;
    let modal: Json | null = null;
    switch (type) {
      case 4: {
        if (interaction.type === 4) throw typeError('Invalid interaction response type');
        validateMessage(data, ['data'], { creating: true, files: files.length });
        message = this.createFromBody(channel, data, files, { authorId: this.botUserId, type: interaction.type === 2 ? 20 : 0, interaction: st });
        st.originalId = message.id;
        st.messageIds.add(message.id);
        break;
      }
      case 5: {
        const flags = (typeof data.flags === 'number' ? data.flags : 0) & EPHEMERAL;
        message = this.storeMessage({
          channelId: channel.id,
          guildId: channel.guildId,
          authorId: this.botUserId,
          flags: flags | LOADING,
          type: interaction.type === 2 ? 20 : 0,
          interactionId: interaction.id,
          webhookId: this.applicationId,
          visibleTo: interaction.userId,
        });
        st.originalId = message.id;
        st.messageIds.add(message.id);
        st.loading = true;
        break;
      }
      case 6:
      case 7: {
        if (!source) throw typeError('This response type is only valid for component-based interactions');
        if (type === 7) {
          validateMessage(data, ['data'], { creating: false, files: files.length });
          this.applyEdit(source, data, files);
        }
        st.originalId = source.id;
        message = source;
        break;
      }
      case 8:
        if (interaction.type !== 4) throw typeError('Autocomplete results are only valid for autocomplete interactions');
        break;
      case 9:
        if (interaction.type === 5) throw typeError('Cannot respond to a modal submit with a modal');
        validateModal(data);
        modal = clone(data);
        st.modal = modal;
        break;
      default: {
        const e = new FormErrors();
        e.add(['type'], 'BASE_TYPE_CHOICES', 'Value must be one of {1, 4, 5, 6, 7, 8, 9, 10, 12}.');
        throw e.toError();
      }
    }
    st.acked = true;
    st.ackType = type;
    const ephemeral = message ? message.ephemeral : false;
    this.record(
      st,
      {
        kind: 'callback',
        original: type === 4 || type === 5 || type === 6 || type === 7,
        callbackType: type,
        messageId: message?.id ?? null,
        ...sent(type === 6 ? {} : data),
        ephemeral,
        attachments: type === 4 || type === 7 ? this.newAttachments(message, files) : [],
        data: b.data === undefined ? null : clone(data),
        modal,
      },
      message,
    );
    if (message && (type === 4 || type === 5)) this.echo('MESSAGE_CREATE', message);
    if (message && type === 7) this.echo('MESSAGE_UPDATE', message);
    if (query.get('with_response') === 'true') {
      const resource: Json = { type };
      if (message) resource.message = this.messageApi(message, false);
      return {
        status: 200,
        body: {
          interaction: {
            id: interaction.id,
            type: interaction.type,
            response_message_id: message?.id ?? null,
            response_message_loading: type === 5,
            response_message_ephemeral: ephemeral,
          },
          resource,
        },
      };
    }
    return { status: 204 };
  }

  private newAttachments(message: FakeMessage | null, files: UploadedFile[]): FakeAttachment[] {
    if (!message || files.length === 0) return [];
    return message.attachments.slice(-files.length);
  }

  private webhookState(params: Record<string, string>): InteractionState {
    if (params.app !== this.applicationId) throw Errors.unknownWebhook();
    const st = this.byToken.get(params.token!);
    if (!st) throw Errors.invalidWebhookToken();
    if (Date.now() - st.createdAt > this.options.tokenLifetimeMs) throw Errors.invalidWebhookToken();
    return st;
  }

  private webhookPost({ params, body, files, query }: Ctx): Reply {
    const st = this.webhookState(params);
    if (!st.acked) throw Errors.unknownWebhook();
    const b = body ?? {};
    validateMessage(b, [], { creating: true, files: files.length });
    const channel = this.channelOrThrow(st.interaction.channelId);
    let message: FakeMessage;
    let original = false;
    if (st.loading && st.ackType === 5 && st.originalId) {
      // Discord: the first follow-up after a deferred reply edits the "thinking…" message; ephemerality comes from
      // the defer, flags sent here are ignored.
      message = this.messages.get(st.originalId)!;
      this.applyEdit(message, { ...b, flags: undefined }, files);
      st.loading = false;
      original = true;
      this.echo('MESSAGE_UPDATE', message);
    } else {
      message = this.createFromBody(channel, b, files, {
        authorId: this.botUserId,
        type: st.interaction.type === 2 ? 20 : 0,
        interaction: st,
      });
      st.messageIds.add(message.id);
      this.echo('MESSAGE_CREATE', message);
    }
    this.record(
      st,
      {
        kind: 'followup',
        original,
        callbackType: null,
        messageId: message.id,
        content: typeof b.content === 'string' ? b.content : undefined,
        embeds: Array.isArray(b.embeds) ? clone(b.embeds) : [],
        components: Array.isArray(b.components) ? clone(b.components) : [],
        flags: typeof b.flags === 'number' ? b.flags : 0,
        ephemeral: message.ephemeral,
        attachments: this.newAttachments(message, files),
        data: clone(b),
        modal: null,
      },
      message,
    );
    if (query.get('wait') === 'true') return { status: 200, body: this.messageApi(message, false) };
    return { status: 204 };
  }

  private webhookMessage({ method, params, body, files }: Ctx): Reply {
    const st = this.webhookState(params);
    if (!st.acked) throw Errors.unknownWebhook();
    const isOriginal = params.message === '@original';
    const id = isOriginal ? st.originalId : params.message!;
    if (!id) throw Errors.unknownMessage();
    const message = this.messages.get(id);
    const belongs = id === st.originalId || st.messageIds.has(id);
    if (!message || message.deleted || !belongs) throw Errors.unknownMessage();
    if (method === 'GET') return { status: 200, body: this.messageApi(message, false) };
    if (method === 'DELETE') {
      message.deleted = true;
      this.record(
        st,
        { kind: 'delete', original: isOriginal || id === st.originalId, callbackType: null, messageId: id, content: undefined, embeds: [], components: [], flags: 0, ephemeral: message.ephemeral, attachments: [], data: null, modal: null },
        message,
      );
      this.echo('MESSAGE_DELETE', message);
      return { status: 204 };
    }
    const b = body ?? {};
    validateMessage(b, [], { creating: false, files: files.length });
    const before = new Set(message.attachments.map((a) => a.id));
    this.applyEdit(message, b, files);
    if (id === st.originalId) st.loading = false;
    this.record(
      st,
      {
        kind: 'edit',
        original: isOriginal || id === st.originalId,
        callbackType: null,
        messageId: id,
        content: typeof b.content === 'string' ? b.content : undefined,
        embeds: Array.isArray(b.embeds) ? clone(b.embeds) : [],
        components: Array.isArray(b.components) ? clone(b.components) : [],
        flags: typeof b.flags === 'number' ? b.flags : 0,
        ephemeral: message.ephemeral,
        attachments: message.attachments.filter((a) => !before.has(a.id)),
        data: clone(b),
        modal: null,
      },
      message,
    );
    this.echo('MESSAGE_UPDATE', message);
    return { status: 200, body: this.messageApi(message, false) };
  }

  // ───────────────────────────── HTTP plumbing ─────────────────────────────

  private rateLimitHeaders(method: string, pattern: string): Record<string, string> {
    const bucket = createHash('sha1').update(`${method} ${pattern}`).digest('hex').slice(0, 32);
    const resetAfter = 1;
    return {
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '4',
      'x-ratelimit-reset': ((Date.now() + resetAfter * 1000) / 1000).toFixed(3),
      'x-ratelimit-reset-after': resetAfter.toFixed(3),
      'x-ratelimit-bucket': bucket,
    };
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', () => resolve(Buffer.concat(chunks)));
    });

    const cdn = /^\/attachments\/[^/]+\/([^/]+)\/[^/]+$/.exec(url.pathname);
    if (cdn && method === 'GET') {
      const attachment = this.attachmentsById.get(cdn[1]!);
      if (!attachment) return this.send(res, 404, { message: '404: Not Found', code: 0 }, {});
      res.writeHead(200, { 'content-type': attachment.contentType ?? 'application/octet-stream', 'content-length': String(attachment.size) });
      res.end(attachment.bytes);
      return;
    }

    const m = /^\/api(?:\/v(\d+))?(\/.*)?$/.exec(url.pathname);
    if (!m) return this.send(res, 404, { message: '404: Not Found', code: 0 }, {});
    const version = m[1] ? Number(m[1]) : null;
    const path = m[2] ?? '/';
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const call: RecordedCall = {
      seq: ++this.callSeq,
      at: Date.now(),
      method,
      path,
      version,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: undefined,
      attachments: [],
      status: 0,
      response: undefined,
      fault: false,
    };
    this.calls.push(call);

    let body: Json | undefined;
    let files: UploadedFile[] = [];
    const contentType = headers['content-type'] ?? '';
    try {
      if (contentType.startsWith('multipart/form-data')) {
        const form = await new Request(url, { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
        let order = 0;
        for (const [field, value] of form.entries()) {
          if (typeof value === 'string') {
            if (field === 'payload_json') body = JSON.parse(value);
            continue;
          }
          const index = /^files\[(\d+)\]$/.exec(field)?.[1] ?? String(order);
          order++;
          files.push({
            field,
            index,
            filename: value.name,
            contentType: value.type || null,
            bytes: Buffer.from(await value.arrayBuffer()),
          });
        }
      } else if (raw.length > 0) {
        body = JSON.parse(raw.toString('utf8'));
      }
    } catch {
      call.status = 400;
      call.response = Errors.invalidJson().body;
      this.changed();
      return this.send(res, 400, call.response, this.rateLimitHeaders(method, path));
    }
    call.body = body;
    call.attachments = files.map((f) => ({ field: f.field, filename: f.filename, contentType: f.contentType, bytes: f.bytes }));

    const fault = this.faults.find((f) => f.remaining > 0 && f.test(method, path));
    if (fault) {
      fault.remaining--;
      if (fault.remaining <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      call.fault = true;
      this.changed();
      const spec = fault.spec;
      if ('drop' in spec) {
        call.status = 0;
        req.socket.destroy();
        return;
      }
      if (spec.status === 429) {
        const retryAfter = 'retryAfter' in spec && typeof spec.retryAfter === 'number' ? spec.retryAfter : 1;
        const global = 'global' in spec && spec.global === true;
        const rl: Record<string, string> = global
          ? { 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' }
          : {
              ...this.rateLimitHeaders(method, this.matchRoute(method, path)?.route.pattern ?? path),
              'x-ratelimit-remaining': '0',
              'x-ratelimit-reset-after': retryAfter.toFixed(3),
              'x-ratelimit-reset': ((Date.now() + retryAfter * 1000) / 1000).toFixed(3),
              'x-ratelimit-scope': 'user',
            };
        rl['retry-after'] = String(Math.ceil(retryAfter));
        call.status = 429;
        call.response = { message: 'You are being rate limited.', retry_after: retryAfter, global };
        return this.send(res, 429, call.response, rl);
      }
      call.status = spec.status;
      call.response = ('body' in spec && spec.body) || { message: `${spec.status}: Fault injected`, code: 0 };
      return this.send(res, spec.status, call.response, this.rateLimitHeaders(method, path));
    }

    const matched = this.matchRoute(method, path);
    let reply: Reply;
    let pattern = path;
    try {
      if (!matched) throw Errors.notFound();
      pattern = matched.route.pattern;
      if (matched.route.auth) {
        const auth = headers.authorization;
        if (!auth || !/^Bot\s+\S+/.test(auth) || (this.options.token !== undefined && auth !== `Bot ${this.options.token}`)) {
          throw Errors.unauthorized();
        }
      }
      reply = await matched.route.handler({ method, path, params: matched.params, query: url.searchParams, body, files, headers });
    } catch (error) {
      if (error instanceof ApiError) reply = { status: error.status, body: error.body, headers: error.headers };
      else {
        reply = { status: 500, body: { message: `500: Internal Server Error (${(error as Error).message})`, code: 0 } };
      }
    }
    call.status = reply.status;
    call.response = reply.body;
    this.changed();
    this.send(res, reply.status, reply.body, { ...this.rateLimitHeaders(method, pattern), ...(reply.headers ?? {}) });
  }

  private matchRoute(method: string, path: string): { route: Route; params: Record<string, string> } | null {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => {
        params[k] = decodeURIComponent(m[i + 1] ?? '');
      });
      // '/users/@me' must not be captured by '/users/:user' (routes are ordered, but be explicit)
      return { route, params };
    }
    return null;
  }

  private send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    if (res.headersSent || res.destroyed) return;
    if (status === 204 || body === undefined) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
  }
}

function validateCommandsSingle(body: unknown): Json[] {
  return validateCommands([body]);
}
