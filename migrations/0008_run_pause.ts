import type { Kysely } from 'kysely';

/**
 * A run interrupted by restoring a backup is paused, not re-sent: when it was paused and when its coordinator was
 * asked to resume or stop it (so the question is asked once, whatever the restarts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('announcement_runs').addColumn('paused_at', 'text').execute();
  await db.schema.alterTable('announcement_runs').addColumn('pause_notice_at', 'text').execute();
}
