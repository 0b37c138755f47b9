import type { Logger } from 'pino';
import { DeliveryError, type DeliveryFailure } from '../../core/adapter.ts';
import type { Clock } from '../../core/clock.ts';
import type { Messenger } from '../../core/messenger.ts';
import type { Address, Platform, Reply } from '../../core/types.ts';
import type { SendPacer } from './rate-limit.ts';

/** Rows rate-limited by the platform (429) get this many times `maxAttempts` before they are given up. */
const RATE_LIMITED_ATTEMPTS = 4;

export type DeliveryOutcome = 'sent' | 'unreachable' | 'failed' | 'retry';

/** What the worker needs of a row: announcement deliveries (`outbox`) and notices (`notices`) both have it. */
export interface DeliveryRow {
  id: number;
  person_id: string | null;
  platform: Platform;
  chat_id: string;
  attempts: number;
  claim_token: string | null;
  claimed_at: string | null;
}

/** A table of deliveries with atomic claims: outcomes are recorded only while the claim is still the caller's. */
export interface DeliveryStore<R extends DeliveryRow> {
  claim(limit: number, now: Date, leaseMs: number, exclude?: readonly number[]): Promise<R[]>;
  finish(row: R, status: 'sent' | 'unreachable' | 'failed', now: Date, details?: { messageId?: string; error?: string }): Promise<boolean>;
  retryLater(row: R, at: Date, now: Date, error: string): Promise<void>;
  /** The chat moved (a group upgraded): send there instead, now. False when the new address is already queued. */
  move(row: R, chatId: string, now: Date): Promise<boolean>;
}

export interface WorkerOptions<R extends DeliveryRow> {
  store: DeliveryStore<R>;
  messenger: Messenger;
  clock: Clock;
  log: Logger;
  limiter: SendPacer;
  /** The message a row stands for (text, then the file if any), in the recipient's language. */
  render(row: R): Promise<Reply[]>;
  /** Where a row goes (default: a person's private chat, or a group when the row names no person). */
  address?(row: R): Address;
  /** Told after every outcome (progress reports). */
  onOutcome?(row: R, outcome: DeliveryOutcome): void;
  /** A chat moved to a new id: update what refers to it (audiences). */
  onMoved?(platform: Platform, from: string, to: string): Promise<void>;
  /** Sends in flight at once; it also bounds the duplicates a crash can cause. */
  concurrency?: number;
  /** A claim older than this is taken to belong to a dead worker and is reclaimed. */
  leaseMs?: number;
  /** After this many attempts a row that keeps failing temporarily is given up as failed. */
  maxAttempts?: number;
  /** How long an idle worker sleeps before looking again (it is also woken by `kick`). */
  idleMs?: number;
}

/** Backoff for errors without a server-given delay: 2 s, 4 s, 8 s … up to 5 minutes. */
export function backoffMs(attempt: number): number {
  return Math.min(2000 * 2 ** Math.max(0, attempt - 1), 5 * 60_000);
}

/**
 * Delivers outbox rows through the adapters. Several workers (in one or many processes) can run against one
 * database: claiming is atomic, and outcomes are recorded only by the claim's holder.
 */
export class DeliveryWorker<R extends DeliveryRow> {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly idleMs: number;

  constructor(private readonly o: WorkerOptions<R>) {
    this.concurrency = o.concurrency ?? 4;
    this.leaseMs = o.leaseMs ?? 60_000;
    this.maxAttempts = o.maxAttempts ?? 8;
    this.idleMs = o.idleMs ?? 1000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastClaimAt = this.o.clock.now().getTime();
    this.loop = this.run();
  }

  /** When the worker last tried to claim work, and how many claims in a row have failed (for /healthz). */
  private lastClaimAt = 0;
  private claimFailures = 0;
  private lastClaimError = '';

  /**
   * Stalled: running, yet no claim tried for longer than a lease (every lane stuck), or claims failing again and
   * again (the outbox cannot be read or written). A stopped worker is not stalled.
   */
  health(now: Date): { ok: true } | { ok: false; reason: string } {
    if (!this.running) return { ok: true };
    if (this.claimFailures >= 3) return { ok: false, reason: `claims failing: ${this.lastClaimError}` };
    const quiet = now.getTime() - this.lastClaimAt;
    if (quiet > Math.max(this.leaseMs, this.idleMs * 10)) return { ok: false, reason: `no claim for ${Math.round(quiet / 1000)} s` };
    return { ok: true };
  }

  /** Lets in-flight sends finish and stops claiming. */
  async stop(): Promise<void> {
    this.running = false;
    for (const w of [...this.wakers]) w();
    await this.loop;
  }

  /** New work is waiting: stop sleeping. */
  kick(): void {
    for (const w of [...this.wakers]) w();
  }

  /** Delivers everything due now, then returns (tests, and a one-shot catch-up). */
  async drain(): Promise<number> {
    let n = 0;
    for (;;) {
      const rows = await this.o.store.claim(this.concurrency * 2, this.o.clock.now(), this.leaseMs);
      if (rows.length === 0) return n;
      await this.deliverAll(rows);
      n += rows.length;
    }
  }

  /** Resolves once nothing is claimed, waiting or in flight (tests, and a clean hand-over). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0 || this.buffer.length > 0 || this.refilling) await new Promise((r) => setTimeout(r, 5));
  }

  /** Rows claimed and not yet taken by a lane (at most `concurrency * 2`). */
  private buffer: R[] = [];
  private refilling: Promise<number> | undefined;
  /** Rows a lane is sending now. */
  private readonly inFlight = new Set<number>();
  private readonly wakers = new Set<() => void>();

  /** The next claimed row; when none is left, claims more (one claim at a time, shared by the lanes). */
  private async nextRow(): Promise<R | undefined> {
    for (;;) {
      const row = this.buffer.shift();
      // A claim that waited in the buffer for half its lease (every lane stuck on slow sends) may soon be taken
      // over by another worker: leave it to whoever holds it when its lease runs out.
      if (row && this.o.clock.now().getTime() - Date.parse(row.claimed_at ?? '') > this.leaseMs / 2) continue;
      if (row || !this.running) return row;
      this.refilling ??= (async () => {
        try {
          // A send that outlives its lease (a long outage waited out inside the client) is not taken from itself.
          const held = [...this.inFlight, ...this.buffer.map((r) => r.id)];
          this.lastClaimAt = this.o.clock.now().getTime();
          const rows = await this.o.store.claim(this.concurrency * 2, this.o.clock.now(), this.leaseMs, held);
          this.claimFailures = 0;
          this.buffer.push(...rows);
          return rows.length;
        } catch (err) {
          this.claimFailures++;
          this.lastClaimError = err instanceof Error ? err.message : String(err);
          this.o.log.error({ err }, 'outbox claim failed');
          return 0;
        }
      })().finally(() => (this.refilling = undefined));
      // Nothing due: the lane rests. Rows claimed but taken by other lanes first: claim again.
      if ((await this.refilling) === 0) return undefined;
    }
  }

  /**
   * `concurrency` lanes, each taking the next row as soon as it is free: a send that waits (a 429 waited out
   * inside the client, a slow answer) holds up its own lane only, not a whole batch. On stop, rows already
   * claimed are still delivered, so none is left in `sending` for the lease to run out.
   */
  private async run(): Promise<void> {
    const lane = async () => {
      for (;;) {
        const row = await this.nextRow();
        if (row) {
          this.inFlight.add(row.id);
          try {
            await this.deliver(row);
          } catch (err) {
            this.o.log.error({ err, row: row.id }, 'delivery bookkeeping failed');
          } finally {
            this.inFlight.delete(row.id);
          }
          continue;
        }
        if (!this.running) return;
        await new Promise<void>((resolve) => {
          const wake = () => {
            clearTimeout(t);
            this.wakers.delete(wake);
            resolve();
          };
          const t = setTimeout(wake, this.idleMs);
          this.wakers.add(wake);
        });
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, lane));
  }

  private async deliverAll(rows: R[]): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < rows.length) {
        const row = rows[next++]!;
        try {
          await this.deliver(row);
        } catch (err) {
          this.o.log.error({ err, row: row.id }, 'delivery bookkeeping failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, rows.length) }, lane));
  }

  private async deliver(row: R): Promise<void> {
    let replies: Reply[];
    try {
      replies = await this.o.render(row);
    } catch (err) {
      await this.o.store.finish(row, 'failed', this.o.clock.now(), { error: `cannot render: ${(err as Error).message}` });
      this.o.onOutcome?.(row, 'failed');
      return;
    }
    const address = this.o.address?.(row) ?? { platform: row.platform, chatId: row.chat_id, ...(row.person_id === null ? { group: true } : {}) };
    await this.o.limiter.acquire(row.platform, row.chat_id, address.group === true);
    let firstId: string | undefined;
    try {
      for (const reply of replies) {
        const refs = await this.o.messenger.send(address, reply);
        firstId ??= refs[0]?.messageId;
      }
    } catch (err) {
      const failure: DeliveryFailure =
        err instanceof DeliveryError ? err.failure : { kind: 'retry', reason: err instanceof Error ? err.message : String(err) };
      await this.recordFailure(row, failure, firstId !== undefined);
      return;
    }
    await this.o.store.finish(row, 'sent', this.o.clock.now(), firstId ? { messageId: firstId } : {});
    this.o.onOutcome?.(row, 'sent');
  }

  private async recordFailure(row: R, failure: DeliveryFailure, partlySent: boolean): Promise<void> {
    const now = this.o.clock.now();
    if (failure.kind === 'moved' && !partlySent) {
      await this.o.onMoved?.(row.platform, row.chat_id, failure.chatId);
      if (await this.o.store.move(row, failure.chatId, now)) {
        this.o.onOutcome?.(row, 'retry');
        return;
      }
      await this.o.store.finish(row, 'sent', now, { error: `moved to ${failure.chatId}, which was queued already` });
      this.o.onOutcome?.(row, 'sent');
      return;
    }
    // A 429 is the platform pacing us, not this message failing: every send on the platform pauses for it, and the
    // row gets several times the attempts before it is given up (a bot pacing too fast, or several instances, draw
    // hundreds of them in one broadcast).
    const allowed = failure.kind === 'retry' && failure.retryAfterMs !== undefined ? this.maxAttempts * RATE_LIMITED_ATTEMPTS : this.maxAttempts;
    if (failure.kind === 'retry' && row.attempts < allowed && !partlySent) {
      if (failure.retryAfterMs) this.o.limiter.pause(row.platform, failure.retryAfterMs);
      const delay = failure.retryAfterMs ?? backoffMs(row.attempts);
      await this.o.store.retryLater(row, new Date(now.getTime() + delay), now, failure.reason.slice(0, 300));
      this.o.onOutcome?.(row, 'retry');
      return;
    }
    // The text reached the person but its attachment did not: counted as sent, with the reason kept.
    if (partlySent) {
      await this.o.store.finish(row, 'sent', now, { error: `attachment: ${failure.reason}`.slice(0, 300) });
      this.o.onOutcome?.(row, 'sent');
      return;
    }
    const status = failure.kind === 'unreachable' ? 'unreachable' : 'failed';
    await this.o.store.finish(row, status, now, { error: failure.reason.slice(0, 300) });
    this.o.onOutcome?.(row, status);
  }
}
