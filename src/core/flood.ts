import type { RateLimiter } from './bot.ts';

/**
 * Per-person flood limit: at most `max` messages in a sliding window. Kept in memory per instance: a flood is a
 * burst, and each instance sees the bursts it serves.
 */
export class FloodLimiter implements RateLimiter {
  private readonly seen = new Map<string, number[]>();

  constructor(
    private readonly max = 20,
    private readonly windowMs = 10_000,
  ) {}

  allow(personId: string, now: Date): boolean {
    const t = now.getTime();
    const recent = (this.seen.get(personId) ?? []).filter((x) => t - x < this.windowMs);
    const allowed = recent.length < this.max;
    if (allowed) recent.push(t);
    this.seen.set(personId, recent);
    if (this.seen.size > 10_000) {
      for (const [k, v] of this.seen) if (v.every((x) => t - x >= this.windowMs)) this.seen.delete(k);
    }
    return allowed;
  }
}
