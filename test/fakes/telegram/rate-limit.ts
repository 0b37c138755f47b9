/**
 * Telegram's flood limits as exact sliding windows: at most N accepted sends in any window of the given length.
 * Each window keeps the times of its last N accepted sends in a ring, so a check is O(1).
 *
 * Time is the fake's: one "second" lasts `secondMs` = 1000 / timeScale real milliseconds.
 */

export interface RateLimitOptions {
  /** Sends accepted per second over all chats (Telegram: about 30). */
  perSecond?: number;
  /** Sends accepted per second in one chat (Telegram: 1, short bursts tolerated). */
  perChatPerSecond?: number;
  /** Sends accepted per minute in one group, supergroup or channel (Telegram: 20). */
  perGroupPerMinute?: number;
  /** Methods limited; default every send* method except sendChatAction, plus copyMessage and forwardMessage. */
  methods?: string[];
}

export const TELEGRAM_LIMITS = { perSecond: 30, perChatPerSecond: 1, perGroupPerMinute: 20 } as const;

class Window {
  private readonly ring: Float64Array;
  private idx = 0;
  private filled = 0;

  constructor(
    readonly size: number,
    readonly windowMs: number,
  ) {
    this.ring = new Float64Array(Math.max(1, size));
  }

  /** Milliseconds until a send would fit (0: now). */
  wait(now: number): number {
    if (this.size <= 0) return Infinity;
    if (this.filled < this.size) return 0;
    const oldest = this.ring[this.idx]!;
    const free = oldest + this.windowMs;
    return free > now ? free - now : 0;
  }

  add(now: number): void {
    this.ring[this.idx] = now;
    this.idx = (this.idx + 1) % this.size;
    if (this.filled < this.size) this.filled++;
  }
}

export class RateLimiter {
  private readonly global?: Window;
  private readonly chats = new Map<number, Window>();
  private readonly groups = new Map<number, Window>();
  readonly perSecond: number;
  readonly perChatPerSecond: number;
  readonly perGroupPerMinute: number;

  constructor(
    options: RateLimitOptions,
    private readonly secondMs: number,
  ) {
    this.perSecond = options.perSecond ?? TELEGRAM_LIMITS.perSecond;
    this.perChatPerSecond = options.perChatPerSecond ?? TELEGRAM_LIMITS.perChatPerSecond;
    this.perGroupPerMinute = options.perGroupPerMinute ?? TELEGRAM_LIMITS.perGroupPerMinute;
    if (Number.isFinite(this.perSecond)) this.global = new Window(this.perSecond, secondMs);
  }

  /** 0 if a send to this chat may go now, else the real milliseconds until it may. Does not record anything. */
  check(chatId: number, isGroup: boolean, now: number): number {
    let wait = this.global?.wait(now) ?? 0;
    if (Number.isFinite(this.perChatPerSecond)) wait = Math.max(wait, this.window(this.chats, chatId, this.perChatPerSecond, this.secondMs).wait(now));
    if (isGroup && Number.isFinite(this.perGroupPerMinute)) {
      wait = Math.max(wait, this.window(this.groups, chatId, this.perGroupPerMinute, 60 * this.secondMs).wait(now));
    }
    return wait;
  }

  accept(chatId: number, isGroup: boolean, now: number): void {
    this.global?.add(now);
    if (Number.isFinite(this.perChatPerSecond)) this.window(this.chats, chatId, this.perChatPerSecond, this.secondMs).add(now);
    if (isGroup && Number.isFinite(this.perGroupPerMinute)) this.window(this.groups, chatId, this.perGroupPerMinute, 60 * this.secondMs).add(now);
  }

  private window(map: Map<number, Window>, chatId: number, size: number, windowMs: number): Window {
    let w = map.get(chatId);
    if (!w) {
      w = new Window(size, windowMs);
      map.set(chatId, w);
    }
    return w;
  }
}

/** Accepted sends per fake second (fixed buckets from the first send), for `stats()`. */
export class SecondBuckets {
  private start: number | undefined;
  readonly counts: number[] = [];

  constructor(private readonly secondMs: number) {}

  add(now: number): void {
    if (this.start === undefined) this.start = now;
    const bucket = Math.floor((now - this.start) / this.secondMs);
    while (this.counts.length <= bucket) this.counts.push(0);
    this.counts[bucket]!++;
  }

  max(): number {
    let m = 0;
    for (const c of this.counts) if (c > m) m = c;
    return m;
  }
}
