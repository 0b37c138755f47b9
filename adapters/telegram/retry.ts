import { HttpError, type Transformer } from 'grammy';

/**
 * How hard a reply is tried before it is handed back: a few attempts, each cut off after `attemptTimeoutMs`,
 * all within `deadlineMs`. A 429 is waited out only when its `retry_after` is short; a longer one (or a chat that
 * keeps failing) is given up at once, so one chat never holds a handler, and with it the chat's other updates, for
 * long. What is given up is not lost: the adapter hands it to the core to deliver in the background.
 */
export interface RetryPolicy {
  attempts: number;
  attemptTimeoutMs: number;
  deadlineMs: number;
  maxRetryAfterMs: number;
  /** First pause after a 5xx or a network error (doubles each time). */
  backoffMs: number;
}

/**
 * Answers to people: well under the ~10 s a person waits for a pressed button's spinner and under Telegram's
 * webhook patience, so a slow Bot API never keeps an update open.
 */
export const REPLY_POLICY: RetryPolicy = { attempts: 3, attemptTimeoutMs: 5000, deadlineMs: 8000, maxRetryAfterMs: 3000, backoffMs: 250 };

/** Methods that are not answers: long polling has its own timeout, which must not be cut short. */
const UNBOUNDED = new Set(['getUpdates']);

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A grammY transformer applying `policy` to every call but long polling. */
export function boundedRetry(policy: RetryPolicy, now: () => number = () => performance.now()): Transformer {
  return async (prev, method, payload, signal) => {
    if (UNBOUNDED.has(method)) return prev(method, payload, signal);
    const outer = signal as AbortSignal | undefined;
    const started = now();
    let pause = policy.backoffMs;
    for (let attempt = 1; ; attempt++) {
      const left = policy.deadlineMs - (now() - started);
      const limit = AbortSignal.timeout(Math.max(1, Math.min(policy.attemptTimeoutMs, left)));
      const combined = outer ? AbortSignal.any([outer, limit]) : limit;
      const canRetry = (waitMs: number) => attempt < policy.attempts && now() - started + waitMs < policy.deadlineMs && !outer?.aborted;
      try {
        const result = await prev(method, payload, combined as Parameters<typeof prev>[2]);
        if (result.ok) return result;
        if (result.error_code === 429) {
          const wait = (result.parameters?.retry_after ?? 1) * 1000;
          if (wait > policy.maxRetryAfterMs || !canRetry(wait)) return result;
          await sleep(wait, outer);
          continue;
        }
        if (result.error_code >= 500 && canRetry(pause)) {
          await sleep(pause, outer);
          pause *= 2;
          continue;
        }
        return result;
      } catch (err) {
        // A network error or our own timeout (grammY wraps both in HttpError); anything else is not ours to retry.
        if (!(err instanceof HttpError) || !canRetry(pause)) throw err;
        await sleep(pause, outer);
        pause *= 2;
      }
    }
  };
}
