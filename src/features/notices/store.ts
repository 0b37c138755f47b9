import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { DialectName } from '../../db/database.ts';
import type { DB } from '../../db/schema.ts';
import type { Address } from '../../core/types.ts';
import type { DeliveryStore } from '../announcements/worker.ts';
import type { NoticeStatus, NoticesTable } from './tables.ts';

export type NoticeRow = Selectable<NoticesTable>;

/** The person's next account to try after `tried` failed as unreachable, if any. */
export type NextAddress = (row: NoticeRow, tried: readonly string[]) => Promise<Address | undefined>;

/**
 * The notices table's state machine, the same as the announcement outbox's: atomic claims (`FOR UPDATE SKIP
 * LOCKED` on PostgreSQL), outcomes recorded only by the claim's holder, a lease after which a dead worker's rows
 * are taken over. An unreachable account hands the notice to the person's next one; the text is dropped once the
 * notice is final, as nobody needs it any more.
 */
export class NoticeStore implements DeliveryStore<NoticeRow> {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: DialectName,
    private readonly nextAddress: NextAddress,
  ) {}

  async insert(values: { personId: string | null; kind: string; address: Address; body: string; dedupeKey?: string; now: Date; due?: Date; expiresAt?: Date }): Promise<boolean> {
    const at = values.now.toISOString();
    const r = await this.db
      .insertInto('notices')
      .values({
        person_id: values.personId,
        kind: values.kind,
        platform: values.address.platform,
        chat_id: values.address.chatId,
        is_group: values.address.group ? 1 : 0,
        tried: JSON.stringify([`${values.address.platform}:${values.address.chatId}`]),
        body: values.body,
        dedupe_key: values.dedupeKey ?? null,
        status: 'pending',
        next_attempt_at: (values.due ?? values.now).toISOString(),
        expires_at: values.expiresAt?.toISOString() ?? null,
        created_at: at,
        updated_at: at,
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async claim(limit: number, now: Date, leaseMs: number, exclude: readonly number[] = []): Promise<NoticeRow[]> {
    const token = randomUUID();
    const at = now.toISOString();
    const leaseExpired = new Date(now.getTime() - leaseMs).toISOString();
    const due = this.db
      .selectFrom('notices')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', at)]),
          eb.and([eb('status', '=', 'sending'), eb('claimed_at', '<=', leaseExpired)]),
        ]),
      )
      .$if(exclude.length > 0, (q) => q.where('id', 'not in', [...exclude]))
      .orderBy('id')
      .limit(limit)
      .$if(this.dialect === 'postgres', (q) => q.forUpdate().skipLocked());
    return this.db
      .updateTable('notices')
      .set((eb) => ({ status: 'sending', claim_token: token, claimed_at: at, attempts: eb('attempts', '+', 1), updated_at: at }))
      .where('id', 'in', due)
      .returningAll()
      .execute();
  }

  async finish(row: NoticeRow, status: Exclude<NoticeStatus, 'pending' | 'sending'>, now: Date, details: { messageId?: string; error?: string } = {}): Promise<boolean> {
    if (status === 'unreachable' && row.person_id !== null) {
      const tried: string[] = JSON.parse(row.tried);
      const next = await this.nextAddress(row, tried);
      if (next) {
        const at = now.toISOString();
        const r = await this.db
          .updateTable('notices')
          .set({
            platform: next.platform,
            chat_id: next.chatId,
            tried: JSON.stringify([...tried, `${next.platform}:${next.chatId}`]),
            status: 'pending',
            next_attempt_at: at,
            claim_token: null,
            error: details.error ?? null,
            updated_at: at,
          })
          .where('id', '=', row.id)
          .where('claim_token', '=', row.claim_token)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      }
    }
    const r = await this.db
      .updateTable('notices')
      .set({ status, body: '', message_id: details.messageId ?? null, error: details.error ?? null, claim_token: null, updated_at: now.toISOString() })
      .where('id', '=', row.id)
      .where('claim_token', '=', row.claim_token)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async retryLater(row: NoticeRow, at: Date, now: Date, error: string): Promise<void> {
    await this.db
      .updateTable('notices')
      .set({ status: 'pending', next_attempt_at: at.toISOString(), error, claim_token: null, updated_at: now.toISOString() })
      .where('id', '=', row.id)
      .where('claim_token', '=', row.claim_token)
      .execute();
  }

  async move(row: NoticeRow, chatId: string, now: Date): Promise<boolean> {
    const at = now.toISOString();
    const r = await this.db
      .updateTable('notices')
      .set({ chat_id: chatId, status: 'pending', next_attempt_at: at, claim_token: null, error: null, updated_at: at })
      .where('id', '=', row.id)
      .where('claim_token', '=', row.claim_token)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Notices that could not be delivered, newest first, for coordinators. */
  async undelivered(since: Date, limit: number): Promise<NoticeRow[]> {
    return this.db
      .selectFrom('notices')
      .selectAll()
      .where('status', 'in', ['failed', 'unreachable'])
      .where('updated_at', '>=', since.toISOString())
      .orderBy('updated_at', 'desc')
      .limit(limit)
      .execute();
  }

  /** Final notices older than `before` (their text is gone already; the row is kept a while for the list above). */
  async sweep(before: Date): Promise<void> {
    await this.db.deleteFrom('notices').where('status', 'in', ['sent', 'failed', 'unreachable']).where('updated_at', '<', before.toISOString()).execute();
  }
}
