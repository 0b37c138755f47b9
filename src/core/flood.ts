import type { RateLimiter } from './bot.ts';

/**
 * Per-account flood limit: at most `max` messages in a sliding window. Over the limit the sender is told to slow
 * down once per window and everything else is ignored silently, so a flood costs one reply, not one per message
 * (each reply is a send against the platform's budget). Kept in memory per instance and keyed by the platform
 * account, so refusing a message needs no database work: a flood is a burst, and each instance sees the bursts
 * it serves.
 */
export class FloodLimiter implements RateLimiter {
  private readonly seen = new Map<string, { times: number[]; warnedAt: number }>();

  constructor(
    private readonly max = 20,
    private readonly windowMs = 10_000,
  ) {}

  check(key: string, now: Date): 'allow' | 'warn' | 'drop' {
    const t = now.getTime();
    const entry = this.seen.get(key) ?? { times: [], warnedAt: -Infinity };
    entry.times = entry.times.filter((x) => t - x < this.windowMs);
    this.seen.set(key, entry);
    if (this.seen.size > 10_000) {
      for (const [k, v] of this.seen) if (v.times.every((x) => t - x >= this.windowMs) && t - v.warnedAt >= this.windowMs) this.seen.delete(k);
    }
    if (entry.times.length < this.max) {
      entry.times.push(t);
      return 'allow';
    }
    if (t - entry.warnedAt >= this.windowMs) {
      entry.warnedAt = t;
      return 'warn';
    }
    return 'drop';
  }
}
