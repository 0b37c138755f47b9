import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Platform } from '../../core/types.ts';
import type { DB } from '../../db/schema.ts';
import { DEFAULT_LIMITS, type PlatformLimits, realTimer, type SendPacer, type Timer } from './rate-limit.ts';

/**
 * Slots are reserved this much under the platform's pace: sends reserved a slot apart by different instances
 * still race on the network and may arrive bunched (one instance's send late, the other's on time), which a
 * single process avoids by spacing from its actual send times. Measured: at the full pace, 2 instances drew about
 * a dozen 429s per 400 messages from a fake enforcing Telegram's window; at 90% none or one or two.
 */
export const SHARED_MARGIN = 0.9;

/**
 * Answers are counted in the budget together, once per this long: one statement per answer was a third of the
 * statements an update made on PostgreSQL (issue 17). A broadcast on another instance sees them this much later at
 * most, under a slot at Telegram's pace; one on this instance counts them first.
 */
const ANSWERS_COUNTED_EVERY_MS = 25;

/** The database's own clock in milliseconds, so instances on machines with different clocks agree. */
const DB_NOW = sql<number>`floor(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/**
 * One budget per platform for every instance on one PostgreSQL: each send reserves the next slot of its platform
 * (spaced 1000 / perSecond ms apart) and of its chat in one short statement each, and waits for the later of the
 * two. Two instances sending one broadcast therefore keep together under Telegram's 30 a second instead of each
 * pacing as if alone; a 429 seen by one pauses all. Answers to people are not delayed, but use slots
 * (`consume`), so broadcasts leave room for them. Slots are the database's time: the instances' clocks may differ.
 */
export class SharedRateLimiter implements SendPacer {
  private acquired = 0;
  /** Answers sent and not yet counted in the database, by platform. */
  private readonly uncounted = new Map<Platform, number>();
  private counting: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly log: Logger,
    private readonly limits: Record<Platform, PlatformLimits> = DEFAULT_LIMITS,
    private readonly timer: Timer = realTimer,
  ) {}

  /** Reserves `count` slots of `key` spaced `gapMs` apart from now or its last reservation; the first slot and now. */
  private async reserve(key: string, gapMs: number, count = 1): Promise<{ slot: number; now: number }> {
    const span = Math.round(gapMs * count);
    const r = await sql<{ slot: string; now: string }>`
      insert into rate_budget (key, next_at) values (${key}, ${DB_NOW} + ${span})
      on conflict (key) do update set next_at = greatest(rate_budget.next_at, ${DB_NOW}) + ${span}
      returning next_at - ${span} as slot, ${DB_NOW} as now`.execute(this.db);
    const row = r.rows[0]!;
    return { slot: Number(row.slot), now: Number(row.now) };
  }

  async acquire(platform: Platform, chatId: string, group: boolean): Promise<number> {
    const limit = this.limits[platform];
    if (limit.perSecond > 1000) return 0;
    const start = this.timer.now();
    if (this.uncounted.has(platform)) await this.countAnswers();
    const overall = await this.reserve(platform, this.slotMs(platform));
    const chatGap = group ? limit.perGroupMs : limit.perChatMs;
    const chat = chatGap > 0 ? await this.reserve(`${platform}:${chatId}`, chatGap) : overall;
    const wait = Math.max(overall.slot - overall.now, chat.slot - chat.now, 0);
    if (wait > 0) await this.timer.sleep(wait);
    if (++this.acquired % 1000 === 0) void this.forgetPast();
    return Math.max(0, this.timer.now() - start);
  }

  pause(platform: Platform, ms: number): void {
    void sql`update rate_budget set next_at = greatest(next_at, ${DB_NOW} + ${Math.round(ms)}) where key = ${platform}`
      .execute(this.db)
      .catch((err) => this.log.warn({ err }, 'could not share a pause'));
  }

  consume(platform: Platform, count: number): void {
    const limit = this.limits[platform];
    if (limit.perSecond > 1000 || count <= 0) return;
    this.uncounted.set(platform, (this.uncounted.get(platform) ?? 0) + count);
    if (!this.counting) {
      this.counting = setTimeout(() => void this.countAnswers(), ANSWERS_COUNTED_EVERY_MS);
      this.counting.unref();
    }
  }

  /** Counts the answers sent since the last count in the shared budget: one statement per platform. */
  private async countAnswers(): Promise<void> {
    clearTimeout(this.counting);
    this.counting = undefined;
    const counts = [...this.uncounted];
    this.uncounted.clear();
    for (const [platform, count] of counts) {
      await this.reserve(platform, this.slotMs(platform), count).catch((err) => this.log.warn({ err }, 'could not count answers in the budget'));
    }
  }

  /** The time between two of a platform's slots, under its pace by the margin. */
  private slotMs(platform: Platform): number {
    return 1000 / (this.limits[platform].perSecond * SHARED_MARGIN);
  }

  /** Chats' slots long past are of no use: kept only for a minute. */
  private async forgetPast(): Promise<void> {
    await sql`delete from rate_budget where key like '%:%' and next_at < ${DB_NOW} - 60000`.execute(this.db).catch(() => undefined);
  }
}
