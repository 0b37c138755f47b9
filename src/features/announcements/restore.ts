import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

/**
 * After a backup is restored, the outbox says "pending" for messages that were in fact delivered after the backup
 * was taken: the database cannot know which. Every run still in progress is therefore paused, with its undelivered
 * rows held, so nothing is sent again silently; its coordinator is asked at the next start to resume (knowing some
 * people may get the message twice) or stop. Returns the paused runs.
 */
export async function pauseRunsInProgress(db: Kysely<DB>, now: Date): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const runs = await trx.selectFrom('announcement_runs').select('id').where('status', '=', 'running').execute();
    const ids = runs.map((r) => r.id);
    if (!ids.length) return [];
    const stamp = now.toISOString();
    await trx.updateTable('announcement_runs').set({ status: 'paused', paused_at: stamp, pause_notice_at: null }).where('id', 'in', ids).execute();
    await trx
      .updateTable('outbox')
      .set({ status: 'held', claim_token: null, claimed_at: null, updated_at: stamp })
      .where('run_id', 'in', ids)
      .where('status', 'in', ['pending', 'sending'])
      .execute();
    return ids;
  });
}
