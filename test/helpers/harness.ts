import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type App, createApp } from '../../src/app.ts';
import type { Role } from '../../src/core/access.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { toPlain } from '../../src/core/markup.ts';
import type { Capabilities, Choice, Incoming, Payload, Platform, Reply } from '../../src/core/types.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { type Database, openSqlite } from '../../src/db/database.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { workerDatabaseUrl } from './pg-global-setup.ts';
import type { AnnouncementsOptions } from '../../src/features/announcements/service.ts';
import { visitsReady } from '../../src/features/visits/visit-store.ts';

export const CONSOLE_CAPS: Capabilities = { buttons: false, forms: false, edits: false, files: true, maxTextLength: 100_000, maxActionLength: 4096 };
export const TELEGRAM_CAPS: Capabilities = { buttons: true, forms: false, edits: true, files: true, maxTextLength: 4096, maxActionLength: 64 };
export const DISCORD_CAPS: Capabilities = { buttons: true, forms: true, edits: true, files: true, maxTextLength: 2000, maxActionLength: 100, privateInGroups: true };

export function tempDir(prefix = 'bot-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * The suite runs on SQLite, and again on PostgreSQL when TEST_DATABASE_URL is set (`npm run test:pg`). Each test
 * app then gets its own schema in that database, named after its file, so apps sharing a "file" share the schema.
 */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL?.startsWith('postgres')
  ? workerDatabaseUrl(process.env.TEST_DATABASE_URL, process.env.VITEST_POOL_ID ?? '1')
  : undefined;
export const ON_POSTGRES = TEST_PG_URL !== undefined;

function schemaFor(key: string): string {
  return `t_${createHash('sha1').update(key).digest('hex').slice(0, 16)}`;
}

/** The DATABASE_URL for a bot process a test spawns: a SQLite file in `dir`, or a schema of the test PostgreSQL. */
export function testDatabaseUrl(dir: string): string {
  if (!TEST_PG_URL) return `sqlite:${join(dir, 'bot.sqlite')}`;
  const u = new URL(TEST_PG_URL);
  u.searchParams.set('schema', schemaFor(resolve(dir)));
  return u.toString();
}

/** Opens the database a test (or a process it spawned) uses. */
export async function openTestDatabase(dirOrFile: string | undefined): Promise<Database> {
  if (!TEST_PG_URL) return openSqlite(dirOrFile === undefined ? ':memory:' : dirOrFile.endsWith('.sqlite') ? dirOrFile : join(dirOrFile, 'bot.sqlite'));
  const key = dirOrFile ? resolve(dirOrFile.endsWith('.sqlite') ? dirname(dirOrFile) : dirOrFile) : `${process.pid}-${Math.random()}`;
  const u = new URL(TEST_PG_URL);
  u.searchParams.set('schema', schemaFor(key));
  const db = await openPostgres(u.toString());
  if (!dirOrFile) {
    // An app of its own: its schema goes when it closes.
    const close = db.close;
    db.close = async () => {
      await sql`drop schema if exists ${sql.id(u.searchParams.get('schema')!)} cascade`.execute(db.db).catch(() => undefined);
      await close();
    };
  }
  return db;
}

export interface TestAppOptions {
  /** Start of the manual clock (default 2021-05-20T09:00:00Z). */
  now?: string;
  /** A database file, to reopen it in a second app (restart tests). Default: in memory. */
  dbFile?: string;
  env?: Record<string, string>;
  announcements?: AnnouncementsOptions;
  /** Background work's first run after start; default 0: done inside start, before the test acts. */
  firstTickAfterMs?: number;
}

/** Pacing that never makes a test wait: rate limits and server delays are checked on the recorded times instead. */
export const NO_WAIT = { now: () => 0, sleep: async () => undefined };

/** Delivery limits that never make a test wait. */
export const FAST_LIMITS: AnnouncementsOptions['limits'] = {
  telegram: { perSecond: 1e6, perChatMs: 0, perGroupMs: 0 },
  discord: { perSecond: 1e6, perChatMs: 0, perGroupMs: 0 },
  console: { perSecond: 1e6, perChatMs: 0, perGroupMs: 0 },
};

/** The whole bot with its features on a fresh database and a clock the test moves. No adapters run. */
export async function testApp(options: TestAppOptions = {}): Promise<App & { clock: ManualClock }> {
  const clock = new ManualClock(options.now ?? '2021-05-20T09:00:00Z');
  const config: Config = loadConfig({ ...(options.env ?? {}) });
  const database = await openTestDatabase(options.dbFile);
  const app = await createApp({ config, clock, database, announcements: { limits: FAST_LIMITS, timer: NO_WAIT, progressIntervalMs: 0, ...options.announcements }, firstTickAfterMs: options.firstTickAfterMs ?? 0 });
  // The shipped visits load in the background at start. A test gets the app once that is done, so two apps on one
  // SQLite file in one process never write at the same moment: a connection waiting for a lock waits synchronously,
  // holding the event loop, so the other one could never finish (separate processes, as in production, just wait).
  await visitsReady(database.db);
  return app as App & { clock: ManualClock };
}

export interface TestUserOptions {
  platform?: Platform;
  id?: string;
  chatId?: string;
  chatKind?: 'private' | 'group';
  caps?: Capabilities;
  languageHint?: string;
  username?: string;
}

/**
 * A person talking to the core the way an adapter would hand their messages over, keeping the last replies so a
 * test can press a button by its label, as a user would.
 */
export class TestUser {
  last: Reply[] = [];
  readonly platform: Platform;
  readonly id: string;

  constructor(
    readonly app: App,
    private readonly options: TestUserOptions = {},
  ) {
    this.platform = options.platform ?? 'console';
    this.id = options.id ?? 'tester';
  }

  get key(): string {
    return `${this.platform}:${this.id}`;
  }

  /** Makes this person a registered member of the role (as a coordinator's approval would). */
  async as(role: Role, municipality: string | null = 'riga', language: 'lv' | 'en' | 'ru' = 'en'): Promise<this> {
    const now = this.app.clock.now().toISOString();
    const person = await this.app.people.resolve(this.identity(), this.app.clock.now());
    await this.app.database.db
      .updateTable('persons')
      .set({ role, municipality, language, registered_at: now, requested_role: null, updated_at: now })
      .where('id', '=', person.id)
      .execute();
    return this;
  }

  identity() {
    return {
      platform: this.platform,
      id: this.id,
      ...(this.options.username ? { username: this.options.username } : {}),
      ...(this.options.languageHint ? { languageHint: this.options.languageHint } : {}),
    };
  }

  async deliver(payload: Payload): Promise<Reply[]> {
    const incoming: Incoming = {
      identity: this.identity(),
      chat: { platform: this.platform, chatId: this.options.chatId ?? this.id, kind: this.options.chatKind ?? 'private' },
      payload,
      capabilities: this.options.caps ?? CONSOLE_CAPS,
    };
    this.last = await this.app.core.handle(incoming);
    // Notices a step queued (a role request to coordinators, a decision) are delivered before the test looks.
    await this.app.notices.flush();
    return this.last;
  }

  send(text: string): Promise<Reply[]> {
    return this.deliver({ type: 'text', text });
  }

  /** Sends a file, as a Telegram document or a Discord attachment arrives (read only when the core asks). */
  sendFile(name: string, content: string | Uint8Array, mime = 'application/octet-stream'): Promise<Reply[]> {
    const data = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    return this.deliver({ type: 'file', name, mime, size: data.byteLength, read: async () => data });
  }

  action(data: string): Promise<Reply[]> {
    return this.deliver({ type: 'action', data });
  }

  form(formId: string, values: Record<string, string>): Promise<Reply[]> {
    return this.deliver({ type: 'form', formId, values });
  }

  /** All choices offered in the last replies. */
  choices(): Array<Choice & { action: string }> {
    return this.last.flatMap((r) => (r.kind === 'text' ? (r.choices ?? []).flat() : [])).filter((c): c is Choice & { action: string } => 'action' in c);
  }

  /** Presses the button whose label contains the text (or matches the pattern), like a tap on a phone. */
  press(label: string | RegExp): Promise<Reply[]> {
    const match = this.choices().find((c) => (typeof label === 'string' ? c.label.includes(label) : label.test(c.label)));
    if (!match) throw new Error(`no button ${String(label)} among: ${this.choices().map((c) => c.label).join(' | ')}`);
    return this.action(match.action);
  }

  /** The last replies as the plain text a terminal would show. */
  text(): string {
    return this.last
      .map((r) => (r.kind === 'text' || r.kind === 'form' || r.kind === 'toast' ? toPlain(r.text) : r.caption ? toPlain(r.caption) : `[file ${r.file.name}]`))
      .join('\n---\n');
  }

  files() {
    return this.last.flatMap((r) => (r.kind === 'file' || r.kind === 'image' ? [r] : []));
  }
}
