import { type Kysely, type Selectable, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Role } from '../../core/access.ts';
import type { Clock } from '../../core/clock.ts';
import type { Ctx } from '../../core/context.ts';
import type { DB } from '../../db/schema.ts';
import type { AuditLogTable } from './tables.ts';

/** What the audit log records. New actions are added here, so `/audit` can name each one. */
export const AUDIT_ACTIONS = [
  'role.request',
  'role.approve',
  'role.reject',
  'role.set',
  'coordinator.grant',
  'coordinator.revoke',
  'invite.create',
  'invite.use',
  'account.link',
  'announcement.create',
  'announcement.update',
  'announcement.cancel',
  'announcement.stop',
  'announcement.resume',
  'audience.register',
  'catalogue.reload',
  'catalogue.publish',
  'catalogue.restore',
  'catalogue.check',
  'ideas.export',
  'report.export',
  'data.export',
  'data.erase',
  'retention.sweep',
  'translations.apply',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  /** Who acted: a person id, or null for the bot itself. */
  actor: string | null;
  /** Their effective role at that moment; looked up when not given. */
  actorRole?: Role | null;
  action: AuditAction;
  /** The person acted upon, if any. */
  subject?: string | null;
  /** Ids, counts, roles: never message texts or names. */
  details?: Record<string, unknown>;
}

export type AuditRow = Selectable<AuditLogTable>;

const MAX_DETAILS = 2000;

/** How long audit entries are kept (the retention sweep deletes older ones): twelve months. */
export const AUDIT_RETENTION_DAYS = 365;

/**
 * The audit log: who did what, when. Features record through `FeatureDeps.audit`; admins read it with `/audit`.
 * Entries are also logged at info level (ids only), so an operator sees them in the logs too.
 */
export class AuditLog {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly roleOf?: (personId: string) => Promise<Role | undefined>,
  ) {}

  /** Records one entry; `db` is a transaction when the change it records is written in one. */
  async record(entry: AuditEntry, db: Kysely<DB> = this.db, at: Date = this.clock.now()): Promise<void> {
    let role = entry.actorRole;
    if (role === undefined) role = entry.actor && this.roleOf ? ((await this.roleOf(entry.actor)) ?? null) : null;
    let details = entry.details ? JSON.stringify(entry.details) : null;
    if (details && details.length > MAX_DETAILS) details = JSON.stringify({ truncated: true, length: details.length });
    await db
      .insertInto('audit_log')
      .values({ at: at.toISOString(), actor_id: entry.actor, actor_role: role, action: entry.action, subject_id: entry.subject ?? null, details })
      .execute();
    this.log.info({ audit: entry.action, actor: entry.actor, actorRole: role, subject: entry.subject ?? undefined }, 'audit');
  }

  /** Records what the person behind a message did. */
  byCtx(ctx: Ctx, action: AuditAction, subject?: string | null, details?: Record<string, unknown>, db?: Kysely<DB>): Promise<void> {
    return this.record({ actor: ctx.person.id, actorRole: ctx.person.role, action, subject: subject ?? null, ...(details ? { details } : {}) }, db, ctx.now);
  }

  /** The newest entries first. */
  recent(limit: number): Promise<AuditRow[]> {
    return this.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(limit).execute();
  }

  /** Entries naming the person as actor or subject (for /mydata). */
  about(personId: string, db: Kysely<DB> = this.db): Promise<AuditRow[]> {
    return db
      .selectFrom('audit_log')
      .selectAll()
      .where((eb) => eb.or([eb('actor_id', '=', personId), eb('subject_id', '=', personId)]))
      .orderBy('id')
      .execute();
  }

  /**
   * After an erasure the entries stay (what happened, and the actor's role), without the person's id — also where
   * another entry's details name them (who invited whom).
   */
  async erase(personId: string, db: Kysely<DB>): Promise<void> {
    await db.updateTable('audit_log').set({ actor_id: null }).where('actor_id', '=', personId).execute();
    await db.updateTable('audit_log').set({ subject_id: null }).where('subject_id', '=', personId).execute();
    await db
      .updateTable('audit_log')
      .set({ details: sql<string>`replace(details, ${personId}, 'erased')` })
      .where('details', 'like', `%${personId}%`)
      .execute();
  }

  async merge(fromId: string, intoId: string, db: Kysely<DB>): Promise<void> {
    await db.updateTable('audit_log').set({ actor_id: intoId }).where('actor_id', '=', fromId).execute();
    await db.updateTable('audit_log').set({ subject_id: intoId }).where('subject_id', '=', fromId).execute();
  }

  async sweep(now: Date): Promise<number> {
    const before = new Date(now.getTime() - AUDIT_RETENTION_DAYS * 86_400_000).toISOString();
    const r = await this.db.deleteFrom('audit_log').where('at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
