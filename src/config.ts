import * as z from 'zod';
import { type DatabaseTarget, parseDatabaseUrl } from './db/database.ts';
import { parseIdentityKey } from './core/types.ts';

/** An unset variable and an empty one mean the same: not configured. */
const optional = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const url = (what: string) =>
  optional.refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), { message: `expected an http(s) URL (${what})` });

const int = (min: number, max: number, fallback: number) =>
  optional
    .refine((v) => v === undefined || (/^\d+$/.test(v) && Number(v) >= min && Number(v) <= max), {
      message: `expected a whole number from ${min} to ${max}`,
    })
    .transform((v) => (v === undefined ? fallback : Number(v)));

const Env = z.object({
  DATABASE_URL: optional,
  TELEGRAM_BOT_TOKEN: optional.refine((v) => v === undefined || /^\d+:[\w-]+$/.test(v), {
    message: 'expected a token from @BotFather, like 123456:ABC-def',
  }),
  TELEGRAM_API_ROOT: url('the Bot API server, default https://api.telegram.org'),
  TELEGRAM_WEBHOOK_URL: url('the public HTTPS address Telegram posts updates to'),
  TELEGRAM_WEBHOOK_SECRET: optional.refine((v) => v === undefined || /^[A-Za-z0-9_-]{1,256}$/.test(v), {
    message: 'expected 1-256 characters A-Z, a-z, 0-9, _ or -',
  }),
  TELEGRAM_WEBHOOK_PORT: int(1, 65535, 8443),
  DISCORD_TOKEN: optional,
  DISCORD_APPLICATION_ID: optional.refine((v) => v === undefined || /^\d{5,25}$/.test(v), { message: 'expected a numeric Discord id' }),
  DISCORD_GUILD_ID: optional.refine((v) => v === undefined || /^\d{5,25}$/.test(v), { message: 'expected a numeric Discord id' }),
  DISCORD_API_ROOT: url('the Discord REST base, default https://discord.com/api'),
  BOT_ADMINS: optional.refine((v) => v === undefined || v.split(',').every((k) => parseIdentityKey(k.trim()) !== undefined), {
    message: 'expected a comma-separated list like telegram:123,discord:456',
  }),
  LOG_LEVEL: optional.refine((v) => v === undefined || ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(v), {
    message: 'expected one of fatal, error, warn, info, debug, trace, silent',
  }),
  LOG_FILE: optional,
  CONSOLE_FILES_DIR: optional,
  HTTP_PORT: int(0, 65535, 0),
  PUBLIC_URL: url('the address people reach HTTP_PORT at from outside, e.g. https://bot.example.lv (calendar feeds)'),
  // 0 would mark even a "send now" announcement as missed the moment it is due: refused, with the reason.
  ANNOUNCE_GRACE_HOURS: optional
    .refine((v) => v === undefined || v.trim() !== '0', {
      message: '0 would mark every run as missed, even "send now" ones; use 1 or more (hours a missed run may still be sent late)',
    })
    .pipe(int(1, 24 * 14, 6)),
  OUTBOX_LEASE_SECONDS: int(5, 3600, 60),
  CATALOGUE_STALE_MONTHS: int(1, 120, 12),
  LANGUAGE_MENU_COVERAGE: int(0, 100, 80),
  PRIVACY_CONTROLLER: optional,
  PRIVACY_CONTACT: optional,
});

export interface Config {
  database: DatabaseTarget;
  telegram?: {
    token: string;
    apiRoot?: string;
    webhook?: { url: string; secret: string; port: number };
  };
  discord?: { token: string; applicationId?: string; guildId?: string; apiRoot?: string };
  admins: ReadonlySet<string>;
  /** `level` is undefined when LOG_LEVEL is unset, so each mode picks its own default. */
  log: { level?: string; file?: string };
  consoleFilesDir: string;
  /** Port for /healthz and /metrics; 0 means no HTTP server for them. */
  httpPort: number;
  /** Where people reach the HTTP server (calendar feed links); without it, http://localhost:HTTP_PORT. */
  publicUrl?: string;
  announceGraceMs: number;
  /** How long a delivery claimed by a worker that stopped answering waits before another worker takes it. */
  outboxLeaseMs: number;
  /** A programme not checked against its sources for this many months is marked as possibly out of date. */
  catalogueStaleMonths: number;
  /** Percent of the messages a language people translate (Romani) needs before it is offered in language menus. */
  languageMenuCoverage: number;
  /** Who is responsible for the personal data (GDPR controller) and how to reach them, named by /privacy. */
  privacy: { controller?: string; contact?: string };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * A deployment that reaches people on Telegram or Discord must name who is responsible for their data and how to
 * reach them (GDPR art. 13): checked when the bot starts with a platform token (a trial in the console needs none).
 */
export function privacyProblems(config: Config): string[] {
  if (!config.telegram && !config.discord) return [];
  const missing = (['controller', 'contact'] as const).filter((k) => !config.privacy[k]);
  return missing.length
    ? [`PRIVACY_CONTROLLER and PRIVACY_CONTACT: required with a platform token — /privacy must name who is responsible for people's data (e.g. "Kultūras ministrija") and how to reach them (e.g. "pasts@km.gov.lv")`]
    : [];
}

/** Reads and checks every variable; a wrong value stops the bot naming the variable and what is expected. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const database = parseDatabaseUrl(e.DATABASE_URL);
  if ('error' in database) problems.push(`DATABASE_URL: ${database.error}`);
  if (e.TELEGRAM_WEBHOOK_URL && !e.TELEGRAM_WEBHOOK_SECRET) {
    problems.push('TELEGRAM_WEBHOOK_SECRET: required with TELEGRAM_WEBHOOK_URL, so only Telegram can post updates');
  }
  if (e.DISCORD_TOKEN && !e.DISCORD_APPLICATION_ID) {
    problems.push('DISCORD_APPLICATION_ID: required with DISCORD_TOKEN, to register slash commands');
  }
  if (problems.length) throw new ConfigError(problems);

  return {
    database: database as DatabaseTarget,
    ...(e.TELEGRAM_BOT_TOKEN
      ? {
          telegram: {
            token: e.TELEGRAM_BOT_TOKEN,
            ...(e.TELEGRAM_API_ROOT ? { apiRoot: e.TELEGRAM_API_ROOT.replace(/\/+$/, '') } : {}),
            ...(e.TELEGRAM_WEBHOOK_URL
              ? { webhook: { url: e.TELEGRAM_WEBHOOK_URL, secret: e.TELEGRAM_WEBHOOK_SECRET!, port: e.TELEGRAM_WEBHOOK_PORT } }
              : {}),
          },
        }
      : {}),
    ...(e.DISCORD_TOKEN
      ? {
          discord: {
            token: e.DISCORD_TOKEN,
            ...(e.DISCORD_APPLICATION_ID ? { applicationId: e.DISCORD_APPLICATION_ID } : {}),
            ...(e.DISCORD_GUILD_ID ? { guildId: e.DISCORD_GUILD_ID } : {}),
            ...(e.DISCORD_API_ROOT ? { apiRoot: e.DISCORD_API_ROOT.replace(/\/+$/, '') } : {}),
          },
        }
      : {}),
    admins: new Set((e.BOT_ADMINS ?? '').split(',').map((k) => k.trim()).filter(Boolean)),
    log: { ...(e.LOG_LEVEL ? { level: e.LOG_LEVEL } : {}), ...(e.LOG_FILE ? { file: e.LOG_FILE } : {}) },
    consoleFilesDir: e.CONSOLE_FILES_DIR ?? 'data/console-files',
    httpPort: e.HTTP_PORT,
    ...(e.PUBLIC_URL ? { publicUrl: e.PUBLIC_URL.replace(/\/+$/, '') } : {}),
    announceGraceMs: e.ANNOUNCE_GRACE_HOURS * 60 * 60 * 1000,
    outboxLeaseMs: e.OUTBOX_LEASE_SECONDS * 1000,
    catalogueStaleMonths: e.CATALOGUE_STALE_MONTHS,
    languageMenuCoverage: e.LANGUAGE_MENU_COVERAGE,
    privacy: { ...(e.PRIVACY_CONTROLLER ? { controller: e.PRIVACY_CONTROLLER } : {}), ...(e.PRIVACY_CONTACT ? { contact: e.PRIVACY_CONTACT } : {}) },
  };
}
