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

/**
 * Paces sends: each takes the next free slot of its platform (spaced evenly, so no one-second window ever holds
 * more than the limit) and of its chat. A 429 pauses the whole platform for the server's delay.
 */
export class RateLimiter {
  private readonly platformNext = new Map<Platform, number>();
  private readonly chatNext = new Map<string, number>();

  constructor(
    private readonly limits: Record<Platform, PlatformLimits> = DEFAULT_LIMITS,
    private readonly timer: Timer = realTimer,
  ) {}

  /** Waits for a slot; returns how long it waited (ms). */
  async acquire(platform: Platform, chatId: string, group: boolean): Promise<number> {
    const limit = this.limits[platform];
    const now = this.timer.now();
    const chatKey = `${platform}:${chatId}`;
    const slot = Math.max(now, this.platformNext.get(platform) ?? 0, this.chatNext.get(chatKey) ?? 0);
    this.platformNext.set(platform, slot + 1000 / limit.perSecond);
    this.chatNext.set(chatKey, slot + (group ? limit.perGroupMs : limit.perChatMs));
    if (this.chatNext.size > 50_000) this.forgetPast(now);
    const wait = slot - now;
    if (wait > 0) await this.timer.sleep(wait);
    return Math.max(0, wait);
  }

  /** The server said to wait: no new sends on this platform before then. */
  pause(platform: Platform, ms: number): void {
    const until = this.timer.now() + ms;
    this.platformNext.set(platform, Math.max(this.platformNext.get(platform) ?? 0, until));
  }

  private forgetPast(now: number): void {
    for (const [k, t] of this.chatNext) if (t < now) this.chatNext.delete(k);
  }
}
