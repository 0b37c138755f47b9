import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { DialectName } from '../../db/database.ts';
import type { DB } from '../../db/schema.ts';
import type { Recipient } from './audience.ts';
import type { OutboxStatus, OutboxTable } from './tables.ts';
import type { DeliveryStore } from './worker.ts';

export type OutboxRow = Selectable<OutboxTable>;

export interface RunCounts {
  total: number;
  pending: number;
  sent: number;
  unreachable: number;
  failed: number;
  cancelled: number;
}

/** Rows of one send, written in the same transaction that starts the run. */
export async function enqueue(trx: Transaction<DB> | Kysely<DB>, runId: string, recipients: Recipient[], now: Date): Promise<void> {
  const at = now.toISOString();
  for (let i = 0; i < recipients.length; i += 500) {
    const rows = recipients.slice(i, i + 500).map((r) => ({
      run_id: runId,
      person_id: r.personId,
      platform: r.platform,
      chat_id: r.chatId,
      language: r.language,
      status: 'pending' as const,
      next_attempt_at: at,
      updated_at: at,
    }));
    // The unique (run, address) key makes enqueueing idempotent: a person reachable twice gets one row.
    await trx.insertInto('outbox').values(rows).onConflict((oc) => oc.columns(['run_id', 'platform', 'chat_id']).doNothing()).execute();
  }
}

/**
 * The outbox table's state machine. A worker claims due rows (pending ones whose time has come, and rows left in
 * `sending` longer than the lease by a worker that died), sends them, and records the outcome only while it
 * still holds the claim. A row that reached `sent` is never claimed again; a crash between send and record can
 * at most resend the rows that were claimed at that moment.
 */
export class OutboxStore implements DeliveryStore<OutboxRow> {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: DialectName,
  ) {}

  /** `exclude`: rows this worker still holds (in flight or waiting for a lane), never to be taken from itself. */
  async claim(limit: number, now: Date, leaseMs: number, exclude: readonly number[] = []): Promise<OutboxRow[]> {
    const token = randomUUID();
    const at = now.toISOString();
    return this.db
      .updateTable('outbox')
      .set((eb) => ({ status: 'sending', claim_token: token, claimed_at: at, attempts: eb('attempts', '+', 1), updated_at: at }))
      .where('id', 'in', this.dueIds(limit, now, leaseMs, exclude))
      .returningAll()
      .execute();
  }

  /**
   * The ids a claim takes: rows left in `sending` past their lease (a worker died), then pending rows whose time
   * has come, each kind oldest first. Each is read in id order from the (status, id) index and stops after
   * `limit` rows, so a claim costs the same at 100 or 100,000 rows waiting; one query with an OR of the two had
   * to sort all due rows each time. PostgreSQL locks the rows it reads, skipping rows another instance is taking.
   */
  dueIds(limit: number, now: Date, leaseMs: number, exclude: readonly number[] = []) {
    const leaseExpired = new Date(now.getTime() - leaseMs).toISOString();
    const kind = (status: 'sending' | 'pending', column: 'claimed_at' | 'next_attempt_at', before: string) =>
      this.db
        .selectFrom('outbox')
        .select('id')
        .where('status', '=', status)
        // Most waiting rows are due: SQLite, told so, reads the (status, id) index in order instead of sorting the
        // due range of (status, next_attempt_at).
        .where((eb) => (this.dialect === 'sqlite' ? sql<boolean>`likelihood(${eb.ref(column)} <= ${before}, 0.9)` : eb(column, '<=', before)))
        .$if(exclude.length > 0, (q) => q.where('id', 'not in', [...exclude]))
        .orderBy('id')
        .limit(limit)
        .$if(this.dialect === 'postgres', (q) => q.forUpdate().skipLocked());
    const stale = this.db.selectFrom(kind('sending', 'claimed_at', leaseExpired).as('stale')).select('stale.id');
    const due = this.db.selectFrom(kind('pending', 'next_attempt_at', now.toISOString()).as('due')).select('due.id');
    return this.db.selectFrom(stale.unionAll(due).as('claimable')).select('claimable.id').limit(limit);
  }

  /** Records an outcome if the claim is still ours (a row reclaimed after our lease is someone else's now). */
  async finish(row: OutboxRow, status: Exclude<OutboxStatus, 'pending' | 'sending'>, now: Date, details: { messageId?: string; error?: string } = {}): Promise<boolean> {
    const r = await this.db
      .updateTable('outbox')
      .set({ status, message_id: details.messageId ?? null, error: details.error ?? null, claim_token: null, updated_at: now.toISOString() })
      .where('id', '=', row.id)
      .where('claim_token', '=', row.claim_token)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async retryLater(row: OutboxRow, at: Date, now: Date, error: string): Promise<void> {
    await this.db
      .updateTable('outbox')
      .set({ status: 'pending', next_attempt_at: at.toISOString(), error, claim_token: null, updated_at: now.toISOString() })
      .where('id', '=', row.id)
      .where('claim_token', '=', row.claim_token)
      .execute();
  }

  /** Points a claimed row at the chat's new id and makes it due now; false if the run already has that address. */
  async move(row: OutboxRow, chatId: string, now: Date): Promise<boolean> {
    const taken = await this.db
      .selectFrom('outbox')
      .select('id')
      .where('run_id', '=', row.run_id)
      .where('platform', '=', row.platform)
      .where('chat_id', '=', chatId)
      .executeTakeFirst();
    if (taken) return false;
    const at = now.toISOString();
    const r = await this.db
      .updateTable('outbox')
      .set({ chat_id: chatId, status: 'pending', next_attempt_at: at, claim_token: null, error: null, updated_at: at })
      .where('id', '=', row.id)
      .where('claim_token', '=', row.claim_token)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async cancelPending(runId: string, now: Date): Promise<number> {
    const r = await this.db
      .updateTable('outbox')
      .set({ status: 'cancelled', updated_at: now.toISOString() })
      .where('run_id', '=', runId)
      .where('status', 'in', ['pending', 'held'])
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async counts(runId: string): Promise<RunCounts> {
    const rows = await this.db
      .selectFrom('outbox')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('run_id', '=', runId)
      .groupBy('status')
      .execute();
    const c: RunCounts = { total: 0, pending: 0, sent: 0, unreachable: 0, failed: 0, cancelled: 0 };
    for (const r of rows) {
      const n = Number(r.n);
      c.total += n;
      if (r.status === 'pending' || r.status === 'sending' || r.status === 'held') c.pending += n;
      else c[r.status] += n;
    }
    return c;
  }

  /** Failure reasons of a run, most frequent first, for the final report. */
  async failureReasons(runId: string, limit = 5): Promise<Array<{ error: string; n: number }>> {
    const rows = await this.db
      .selectFrom('outbox')
      .select(['error', (eb) => eb.fn.countAll<number>().as('n')])
      .where('run_id', '=', runId)
      .where('status', '=', 'failed')
      .groupBy('error')
      .orderBy('n', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ error: r.error ?? '?', n: Number(r.n) }));
  }

  /** Rows waiting or in flight, across all runs (the queue depth). */
  async depth(): Promise<number> {
    const r = await this.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', 'in', ['pending', 'sending'])
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** When the next row becomes due, so the worker can sleep until then. */
  async nextDue(): Promise<Date | undefined> {
    const r = await this.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.min('next_attempt_at').as('at'))
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return r?.at ? new Date(r.at as string) : undefined;
  }
}
