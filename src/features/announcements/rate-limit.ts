import type { Platform } from '../../core/types.ts';

export interface PlatformLimits {
  /** Messages per second across all chats. */
  perSecond: number;
  /** Least time between two messages to one private chat. */
  perChatMs: number;
  /** Least time between two messages to one group or channel. */
  perGroupMs: number;
}

/**
 * The platforms' published limits, kept a little under so a broadcast never trips them: Telegram allows about 30
 * messages a second overall, one a second in one chat and 20 a minute in one group; Discord 50 requests a second
 * (a direct message can cost two: opening the DM channel and posting).
 */
export const DEFAULT_LIMITS: Record<Platform, PlatformLimits> = {
  telegram: { perSecond: 29, perChatMs: 1000, perGroupMs: 3000 },
  discord: { perSecond: 24, perChatMs: 1000, perGroupMs: 1000 },
  console: { perSecond: 1000, perChatMs: 0, perGroupMs: 0 },
};

export interface Timer {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realTimer: Timer = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** What paces the bot's sends: in one process (RateLimiter), or shared by every instance (SharedRateLimiter). */
export interface SendPacer {
  /** Waits for a slot for one message to this chat; returns how long it waited (ms). */
  acquire(platform: Platform, chatId: string, group: boolean): Promise<number>;
  /** The server said to wait: no new sends on this platform before then. */
  pause(platform: Platform, ms: number): void;
  /** Messages sent outside the pacer (answers to people) use the budget too: later sends leave room for them. */
  consume(platform: Platform, count: number): void;
}

/**
 * Paces sends: each takes the next free slot of its platform (spaced evenly, so no one-second window ever holds
 * more than the limit) and of its chat. A 429 pauses the whole platform for the server's delay.
 */
export class RateLimiter implements SendPacer {
  private readonly platformNext = new Map<Platform, number>();
  private readonly chatNext = new Map<string, number>();
  /** Actual start times of the latest sends per platform (a ring of `perSecond` entries). */
  private readonly recent = new Map<Platform, number[]>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly limits: Record<Platform, PlatformLimits> = DEFAULT_LIMITS,
    private readonly timer: Timer = realTimer,
  ) {}

  /**
   * Waits for a slot; returns how long it waited (ms). Sends are let through one at a time, each spaced from the
   * previous one as it actually happened (not as planned), and never more than `perSecond` in any second of
   * actual send times: a pause of the process (GC, a slow query) delays what follows instead of bunching it up.
   */
  acquire(platform: Platform, chatId: string, group: boolean): Promise<number> {
    const turn = this.queue.then(() => this.take(platform, chatId, group));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async take(platform: Platform, chatId: string, group: boolean): Promise<number> {
    const limit = this.limits[platform];
    const start = this.timer.now();
    const chatKey = `${platform}:${chatId}`;
    // The window is tracked for real limits only (tests pace at a million a second).
    const ring = limit.perSecond <= 1000 ? (this.recent.get(platform) ?? []) : [];
    const windowFree = ring.length >= limit.perSecond ? ring[ring.length - limit.perSecond]! + 1000 : 0;
    const slot = Math.max(start, this.platformNext.get(platform) ?? 0, this.chatNext.get(chatKey) ?? 0, windowFree);
    if (slot > start) await this.timer.sleep(Math.ceil((slot - start) * 1000) / 1000);
    const at = Math.max(this.timer.now(), slot);
    if (limit.perSecond <= 1000) {
      ring.push(at);
      if (ring.length > limit.perSecond * 2) ring.splice(0, ring.length - limit.perSecond);
      this.recent.set(platform, ring);
    }
    this.platformNext.set(platform, at + 1000 / limit.perSecond);
    this.chatNext.set(chatKey, at + (group ? limit.perGroupMs : limit.perChatMs));
    if (this.chatNext.size > 50_000) this.forgetPast(at);
    return Math.max(0, at - start);
  }

  /** The server said to wait: no new sends on this platform before then. */
  pause(platform: Platform, ms: number): void {
    const until = this.timer.now() + ms;
    this.platformNext.set(platform, Math.max(this.platformNext.get(platform) ?? 0, until));
  }

  consume(platform: Platform, count: number): void {
    const limit = this.limits[platform];
    if (limit.perSecond > 1000 || count <= 0) return;
    const now = this.timer.now();
    this.platformNext.set(platform, Math.max(this.platformNext.get(platform) ?? 0, now) + (count * 1000) / limit.perSecond);
  }

  private forgetPast(now: number): void {
    for (const [k, t] of this.chatNext) if (t < now) this.chatNext.delete(k);
  }
}
