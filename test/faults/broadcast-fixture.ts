/**
 * Shared by the fault tests and the broadcast benchmark: a network of members written straight into a SQLite file,
 * a "now" announcement to everyone, the bot run as a child process (bot-process.ts), and a tally of what the fake
 * Bot API actually delivered to each chat.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { esc } from '../../src/core/markup.ts';
import { openSqlite } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrator.ts';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.ts';
import { AnnouncementStore } from '../../src/features/announcements/store.ts';
import type { FakeTelegram } from '../fakes/telegram-bot-api.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
/**
 * The announcement's second line: every delivered announcement carries it, while the coordinator's progress and
 * report messages quote only the first line, so they are never counted as deliveries.
 */
export const MARKER = 'Darba kārtība pielikumā';

export interface Network {
  /** Telegram user ids of the members (the first is the coordinator who wrote the announcement). */
  userIds: number[];
  coordinatorId: number;
}

/** The "send now" announcement to everyone that the fault tests count, written by the coordinator (person id, Telegram id). */
export async function announceToEveryone(db: Kysely<DB>, personId: string, telegramId: number): Promise<void> {
  await new AnnouncementStore(db).create(
    { kind: 'meeting', text: esc(`Tīkla sanāksme 27. maijā\n${MARKER}.`), audience: { target: { type: 'everyone' } }, schedule: { type: 'now' } },
    { personId, report: { platform: 'telegram', chatId: String(telegramId) }, language: 'en' },
    new Date(),
  );
}

/** Seeds `n` approved members with Telegram identities (in batches, in one transaction) and a "now" announcement. */
export async function seedNetwork(file: string, n: number, options: { firstUserId?: number; announce?: boolean } = {}): Promise<Network> {
  const database = openSqlite(file);
  try {
    await migrateToLatest(database.db);
    const sqlite = database.sqlite!;
    const now = new Date().toISOString();
    const first = options.firstUserId ?? 500_000_000;
    const userIds = Array.from({ length: n }, (_, i) => first + i);
    const person = sqlite.prepare('insert into persons (id, role, municipality, language, registered_at, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?)');
    const identity = sqlite.prepare("insert into identities (key, person_id, platform, display_name, created_at, last_seen_at) values (?, ?, 'telegram', ?, ?, ?)");
    const ids: string[] = [];
    const languages = ['lv', 'lv', 'en', 'ru'];
    const municipalities = ['riga', 'talsi', 'daugavpils', 'jelgava', 'ventspils', 'valmiera'];
    for (let start = 0; start < n; start += 1000) {
      sqlite.transaction(() => {
        for (let i = start; i < Math.min(n, start + 1000); i++) {
          const id = randomUUID();
          ids.push(id);
          person.run(id, i === 0 ? 'coordinator' : i % 2 ? 'mediator' : 'expert', municipalities[i % municipalities.length], languages[i % languages.length], now, now, now);
          identity.run(`telegram:${userIds[i]}`, id, `Member ${i}`, now, now);
        }
      })();
    }
    if (options.announce !== false) await announceToEveryone(database.db, ids[0]!, userIds[0]!);
    return { userIds, coordinatorId: userIds[0]! };
  } finally {
    await database.close();
  }
}

/** Outbox rows by status, read from the file (the bot process may be running: WAL lets us read). */
export function outboxStatus(file: string): Record<string, number> {
  const database = openSqlite(file);
  try {
    const rows = database.sqlite!.prepare('select status, count(*) as n from outbox group by status').all() as Array<{ status: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  } finally {
    database.sqlite!.close();
  }
}

/** How many announcement messages the fake accepted per chat; reads `fake.sent` incrementally. */
export class DeliveryTally {
  readonly perChat = new Map<number, number>();
  total = 0;
  firstAt: number | undefined;
  lastAt: number | undefined;
  /** When each counted message was accepted (epoch ms). */
  readonly times: number[] = [];
  private seen = 0;

  constructor(private readonly fake: FakeTelegram) {}

  update(): this {
    const sent = this.fake.sent;
    for (; this.seen < sent.length; this.seen++) {
      const m = sent[this.seen]!;
      if (m.kind !== 'message' || !m.text?.includes(MARKER)) continue;
      this.perChat.set(m.chatId, (this.perChat.get(m.chatId) ?? 0) + 1);
      this.total++;
      this.times.push(m.time);
      this.firstAt ??= m.time;
      this.lastAt = m.time;
    }
    return this;
  }

  /** Recipients with no message, and messages beyond the first per recipient. */
  summary(userIds: number[]): { lost: number; duplicates: number; recipientsWithDuplicates: number } {
    this.update();
    let lost = 0;
    let duplicates = 0;
    let recipientsWithDuplicates = 0;
    for (const id of userIds) {
      const n = this.perChat.get(id) ?? 0;
      if (n === 0) lost++;
      if (n > 1) {
        duplicates += n - 1;
        recipientsWithDuplicates++;
      }
    }
    return { lost, duplicates, recipientsWithDuplicates };
  }

  /**
   * Messages per fake second while sending: gaps longer than `pauseMs` (a restart, a lease running out) are left
   * out of the time, and the messages that end them out of the count.
   */
  rateWhileSending(secondMs: number, pauseMs = 2 * secondMs): { perFakeSecond: number; pausedFakeSeconds: number } {
    this.update();
    let active = 0;
    let paused = 0;
    let intervals = 0;
    for (let i = 1; i < this.times.length; i++) {
      const gap = this.times[i]! - this.times[i - 1]!;
      if (gap > pauseMs) paused += gap;
      else {
        active += gap;
        intervals++;
      }
    }
    return { perFakeSecond: active > 0 ? intervals / (active / secondMs) : 0, pausedFakeSeconds: paused / secondMs };
  }

  reached(userIds: number[]): boolean {
    this.update();
    return this.perChat.size >= userIds.length && userIds.every((id) => this.perChat.has(id));
  }
}

export interface BotProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
  /** Resolves once the process printed `ready`. */
  ready: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts bot-process.ts against the fake and the database file. */
export function spawnBot(options: { fake: FakeTelegram; file: string; timeScale?: number; leaseMs?: number; env?: Record<string, string> }): BotProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'faults', 'bot-process.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: `sqlite:${options.file}`,
      TELEGRAM_BOT_TOKEN: options.fake.token,
      TELEGRAM_API_ROOT: options.fake.apiRoot,
      BOT_TIME_SCALE: String(options.timeScale ?? 1),
      ...(options.leaseMs ? { BOT_LEASE_MS: String(options.leaseMs) } : {}),
      LOG_LEVEL: 'error',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-20_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
    });
    void exited.then(({ code, signal }) => reject(new Error(`bot process exited (${code ?? signal}) before it was ready: ${err}`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    exited,
    ready,
    stderr: () => err,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A small deterministic PRNG (mulberry32), so "random" kill moments are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
