// Shared helpers of the fake Discord server: snowflakes, Discord's error shapes, locale list, permission bits.
import { randomBytes } from 'node:crypto';

const DISCORD_EPOCH = 1420070400000n;
let last = 0n;

/** A fresh, time-ordered, unique 18–19 digit snowflake, like the ones Discord issues. */
export function snowflake(at: number = Date.now()): string {
  const candidate = ((BigInt(at) - DISCORD_EPOCH) << 22n) | (1n << 17n) | (1n << 12n);
  last = candidate > last ? candidate : last + 1n;
  return last.toString();
}

export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

export function isSnowflake(value: unknown): value is string {
  return typeof value === 'string' && /^\d{17,20}$/.test(value);
}

/** An interaction token shaped like Discord's (base64url text, no slashes). */
export function interactionToken(id: string): string {
  const head = Buffer.from(`interaction:${id}:`).toString('base64url');
  return `${head}${randomBytes(48).toString('base64url')}`;
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** Locales Discord accepts in `*_localizations` (discord-api-types `Locale`). Latvian ('lv') is NOT one of them. */
export const DISCORD_LOCALES: readonly string[] = [
  'id', 'da', 'de', 'en-GB', 'en-US', 'es-ES', 'es-419', 'fr', 'hr', 'it', 'lt', 'hu', 'nl', 'no', 'pl', 'pt-BR',
  'ro', 'fi', 'sv-SE', 'vi', 'tr', 'cs', 'el', 'bg', 'ru', 'uk', 'hi', 'th', 'zh-CN', 'ja', 'zh-TW', 'ko',
];

/** Permission bits used to build realistic `permissions` / `app_permissions` strings. */
export const Perm = {
  CreateInstantInvite: 1n << 0n,
  AddReactions: 1n << 6n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  MentionEveryone: 1n << 17n,
  UseExternalEmojis: 1n << 18n,
  Connect: 1n << 20n,
  Speak: 1n << 21n,
  ChangeNickname: 1n << 26n,
  UseApplicationCommands: 1n << 31n,
  CreatePublicThreads: 1n << 35n,
  SendMessagesInThreads: 1n << 38n,
  UseExternalStickers: 1n << 37n,
  UseEmbeddedActivities: 1n << 39n,
  SendVoiceMessages: 1n << 46n,
  SendPolls: 1n << 49n,
  UseExternalApps: 1n << 50n,
} as const;

/** What @everyone may do in a fresh guild (Discord's defaults, roughly). */
export const DEFAULT_MEMBER_PERMISSIONS: bigint = Object.values(Perm).reduce((a, b) => a | b, 0n);

/** Gateway intent bits the fake looks at. */
export const Intent = { Guilds: 1, GuildMembers: 2, GuildMessages: 1 << 9, DirectMessages: 1 << 12, MessageContent: 1 << 15 } as const;

/** An HTTP error answered in Discord's JSON shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body.message === 'string' ? body.message : `HTTP ${status}`);
  }
}

export const Errors = {
  notFound: () => new ApiError(404, { message: '404: Not Found', code: 0 }),
  unauthorized: () => new ApiError(401, { message: '401: Unauthorized', code: 0 }),
  unknownChannel: () => new ApiError(404, { message: 'Unknown Channel', code: 10003 }),
  unknownGuild: () => new ApiError(404, { message: 'Unknown Guild', code: 10004 }),
  unknownMember: () => new ApiError(404, { message: 'Unknown Member', code: 10007 }),
  unknownMessage: () => new ApiError(404, { message: 'Unknown Message', code: 10008 }),
  unknownUser: () => new ApiError(404, { message: 'Unknown User', code: 10013 }),
  unknownWebhook: () => new ApiError(404, { message: 'Unknown Webhook', code: 10015 }),
  unknownApplication: () => new ApiError(404, { message: 'Unknown Application', code: 10002 }),
  unknownInteraction: () => new ApiError(404, { message: 'Unknown interaction', code: 10062 }),
  alreadyAcknowledged: () => new ApiError(400, { message: 'Interaction has already been acknowledged.', code: 40060 }),
  invalidWebhookToken: () => new ApiError(401, { message: 'Invalid Webhook Token', code: 50027 }),
  cannotSendToUser: () => new ApiError(403, { message: 'Cannot send messages to this user', code: 50007 }),
  cannotEditOthers: () => new ApiError(403, { message: 'Cannot edit a message authored by another user', code: 50005 }),
  emptyMessage: () => new ApiError(400, { message: 'Cannot send an empty message', code: 50006 }),
  invalidJson: () => new ApiError(400, { message: 'The request body contains invalid JSON.', code: 50109 }),
};

interface FieldError {
  code: string;
  message: string;
}

/** Collects field errors and renders them the way Discord does: `{ "0": { "name": { "_errors": [...] } } }`. */
export class FormErrors {
  private readonly root: Record<string, unknown> = {};
  count = 0;

  add(path: ReadonlyArray<string | number>, code: string, message: string): void {
    let node = this.root;
    for (const key of path) {
      const k = String(key);
      node[k] ??= {};
      node = node[k] as Record<string, unknown>;
    }
    const list = (node._errors ??= []) as FieldError[];
    list.push({ code, message });
    this.count++;
  }

  get empty(): boolean {
    return this.count === 0;
  }

  toError(): ApiError {
    return new ApiError(400, { code: 50035, errors: this.root, message: 'Invalid Form Body' });
  }

  throwIfAny(): void {
    if (!this.empty) throw this.toError();
  }
}

export const required = (e: FormErrors, path: ReadonlyArray<string | number>) =>
  e.add(path, 'BASE_TYPE_REQUIRED', 'This field is required');

export function checkLength(
  e: FormErrors,
  path: ReadonlyArray<string | number>,
  value: unknown,
  min: number,
  max: number,
): void {
  if (typeof value !== 'string') {
    e.add(path, 'BASE_TYPE_STRING', 'Must be a string.');
    return;
  }
  const len = [...value].length;
  if (len < min || len > max) {
    if (min <= 0) e.add(path, 'BASE_TYPE_MAX_LENGTH', `Must be ${max} or fewer in length.`);
    else e.add(path, 'BASE_TYPE_BAD_LENGTH', `Must be between ${min} and ${max} in length.`);
  }
}
