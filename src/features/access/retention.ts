import { sql } from 'kysely';
import type { FeatureDeps } from '../deps.ts';
import type { AuditLog } from './audit.ts';
import { GUESS_WINDOW_MS } from './codes.ts';
import { erasePerson } from './personal.ts';

/** Used or expired invites are deleted this long after (the audit log keeps that they were made and used). */
export const INVITE_KEEP_DAYS = 30;
/** Delivery records (which account got which announcement) lose the account this long after delivery. */
export const DELIVERY_RECORD_DAYS = 90;
/** Visit reminder bookkeeping is deleted this long after it was due. */
export const REMINDER_KEEP_DAYS = 30;
/** People who wrote to the bot but never registered are erased after this long without a message. */
export const INACTIVE_GUEST_DAYS = 180;

const DAY = 86_400_000;

export interface SweepResult {
  linkCodes: number;
  invites: number;
  attempts: number;
  audit: number;
  deliveries: number;
  reminders: number;
  guests: number;
}

/**
 * Keeps what the privacy notice promises: deletes what has served its purpose. Runs at start and every hour
 * (conversations and remembered choices are the core's own sweep, after a day).
 */
export async function retentionSweep(deps: FeatureDeps, audit: AuditLog, now: Date): Promise<SweepResult> {
  const { db } = deps;
  const iso = (ms: number) => new Date(now.getTime() - ms).toISOString();
  const count = (r: { numDeletedRows?: bigint; numUpdatedRows?: bigint }) => Number(r.numDeletedRows ?? r.numUpdatedRows ?? 0);

  const linkCodes = count(await db.deleteFrom('link_codes').where('expires_at', '<=', now.toISOString()).executeTakeFirst());
  const invites = count(
    await db
      .deleteFrom('invites')
      .where((eb) => eb.or([eb('used_at', '<', iso(INVITE_KEEP_DAYS * DAY)), eb('expires_at', '<', iso(INVITE_KEEP_DAYS * DAY))]))
      .executeTakeFirst(),
  );
  const attempts = count(await db.deleteFrom('code_attempts').where('at', '<', iso(Math.max(GUESS_WINDOW_MS, DAY))).executeTakeFirst());
  const auditRows = await audit.sweep(now);
  // Counts stay right (the rows stay), the address they went to does not.
  const deliveries = count(
    await db
      .updateTable('outbox')
      .set({ person_id: null, chat_id: sql<string>`'erased-' || cast(id as text)` })
      .where('person_id', 'is not', null)
      .where('status', 'in', ['sent', 'unreachable', 'failed', 'cancelled'])
      .where('updated_at', '<', iso(DELIVERY_RECORD_DAYS * DAY))
      .executeTakeFirst(),
  );
  const reminders = count(await db.deleteFrom('visit_reminders').where('due_at', '<', iso(REMINDER_KEEP_DAYS * DAY)).executeTakeFirst());

  const cutoff = iso(INACTIVE_GUEST_DAYS * DAY);
  const admins = [...deps.config.admins, ''];
  const idle = await db
    .selectFrom('persons')
    .select('persons.id')
    .where('persons.role', '=', 'guest')
    .where('persons.registered_at', 'is', null)
    .where('persons.created_at', '<', cutoff)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('identities')
            .select('identities.key')
            .whereRef('identities.person_id', '=', 'persons.id')
            .where((eb) => eb.or([eb('identities.last_seen_at', '>=', cutoff), eb('identities.key', 'in', admins)])),
        ),
      ),
    )
    .limit(500)
    .execute();
  for (const p of idle) {
    await db.transaction().execute((trx) => erasePerson(trx, deps.registry, p.id));
  }
  if (idle.length) await audit.record({ actor: null, actorRole: null, action: 'retention.sweep', details: { inactiveGuests: idle.length } }, db, now);
  return { linkCodes, invites, attempts, audit: auditRows, deliveries, reminders, guests: idle.length };
}
