import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { FIRST_RUN_AFTER_MS, Ticker } from '../../src/core/ticker.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('background work every so often (reminders)', () => {
  it('first runs shortly after start, not during it, then every interval', async () => {
    vi.useFakeTimers();
    const runs: number[] = [];
    const ticker = new Ticker(60_000, async () => void runs.push(Date.now()), silentLogger, 'test');
    const t0 = Date.now();
    ticker.start();
    // The start itself (and the first answers after it) is not held up by the catch-up.
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(FIRST_RUN_AFTER_MS);
    expect(runs).toEqual([t0 + FIRST_RUN_AFTER_MS]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toHaveLength(2);
    await ticker.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(runs).toHaveLength(2);
  });

  it('never runs when stopped before its first run, and waits for a run under way', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const early = new Ticker(60_000, async () => void calls++, silentLogger, 'test');
    early.start();
    await early.stop();
    await vi.advanceTimersByTimeAsync(FIRST_RUN_AFTER_MS * 2);
    expect(calls).toBe(0);

    let finished = false;
    const slow = new Ticker(60_000, () => new Promise<void>((r) => setTimeout(() => ((finished = true), r()), 5000)), silentLogger, 'test');
    slow.start();
    await vi.advanceTimersByTimeAsync(FIRST_RUN_AFTER_MS);
    const stopped = slow.stop();
    await vi.advanceTimersByTimeAsync(5000);
    await stopped;
    expect(finished).toBe(true);
  });

  it('runs at once when asked for no delay (test apps), so its catch-up is done before anyone acts', async () => {
    vi.useFakeTimers();
    const runs: number[] = [];
    const ticker = new Ticker(60_000, async () => void runs.push(Date.now()), silentLogger, 'test', 0);
    ticker.start();
    expect(runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(FIRST_RUN_AFTER_MS);
    expect(runs).toHaveLength(1);
    await ticker.stop();
  });
});
