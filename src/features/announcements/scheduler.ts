import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DB } from '../../db/schema.ts';
import { type Audience, audiencePages, type PreparedAudience } from './audience.ts';
import { enqueue } from './outbox.ts';
import { nextRun } from './recurrence.ts';
import { type AnnouncementRow, parseAudience, parseSchedule } from './store.ts';

export interface StartedRun {
  runId: string;
  announcement: AnnouncementRow;
  scheduledFor: Date;
  total: number;
}

export interface MissedRun {
  announcement: AnnouncementRow;
  scheduledFor: Date;
}

export interface TickResult {
  started: StartedRun[];
  missed: MissedRun[];
}

export interface SchedulerDeps {
  db: Kysely<DB>;
  log: Logger;
  /** What the audience needs from other features, looked up before the run's transaction. */
  prepare(audience: Audience): Promise<PreparedAudience>;
  /** A run more than this late (the bot was down) is marked missed instead of sent. */
  graceMs: number;
}

const MAX_CATCH_UP_RUNS = 1000;

/**
 * Turns due announcements into runs. The database is the schedule: each announcement's `next_run_at` is claimed
 * with a compare-and-set in the same transaction that creates the run (unique per announcement and instant) and
 * its outbox rows, so a run fires once however many instances tick, and a crash leaves either all of it or none.
 * node-cron only wakes the ticker up each minute.
 */
export async function tick(deps: SchedulerDeps, now: Date): Promise<TickResult> {
  const due = await deps.db
    .selectFrom('announcements')
    .selectAll()
    .where('status', '=', 'scheduled')
    .where('next_run_at', '<=', now.toISOString())
    .orderBy('next_run_at')
    .execute();
  const result: TickResult = { started: [], missed: [] };
  for (const a of due) {
    try {
      await runOne(deps, a, now, result);
    } catch (err) {
      deps.log.error({ err, announcement: a.id }, 'could not start an announcement run');
    }
  }
  return result;
}

async function runOne(deps: SchedulerDeps, a: AnnouncementRow, now: Date, result: TickResult): Promise<void> {
  const schedule = parseSchedule(a);
  // Every occurrence between the stored next run and now: the late ones beyond the grace period are missed, the
  // latest one within it is sent (a daily announcement down for three days is sent once, not three times).
  const occurrences: Date[] = [new Date(a.next_run_at!)];
  if (schedule.type === 'recurring') {
    for (let n = nextRun(schedule.cron, occurrences[0]!); n && n <= now && occurrences.length < MAX_CATCH_UP_RUNS; n = nextRun(schedule.cron, n)) {
      occurrences.push(n);
    }
  }
  const toSend = occurrences.filter((o) => now.getTime() - o.getTime() <= deps.graceMs).at(-1);
  const missed = occurrences.filter((o) => o !== toSend);
  const following = schedule.type === 'recurring' ? nextRun(schedule.cron, now) : undefined;

  const audience = toSend ? await deps.prepare(parseAudience(a)) : undefined;
  const outcome = await deps.db.transaction().execute(async (trx): Promise<{ claimed: boolean; started?: StartedRun }> => {
    const claimed = await trx
      .updateTable('announcements')
      .set({ next_run_at: following?.toISOString() ?? null, status: following ? 'scheduled' : 'done', updated_at: now.toISOString() })
      .where('id', '=', a.id)
      .where('status', '=', 'scheduled')
      .where('next_run_at', '=', a.next_run_at)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) return { claimed: false }; // another instance took it, or it was cancelled
    for (const m of missed) {
      await trx
        .insertInto('announcement_runs')
        .values({ id: randomUUID(), announcement_id: a.id, scheduled_for: m.toISOString(), status: 'missed', started_at: null, finished_at: now.toISOString(), progress_message_id: null })
        .onConflict((oc) => oc.columns(['announcement_id', 'scheduled_for']).doNothing())
        .execute();
    }
    if (!toSend || !audience) return { claimed: true };
    const runId = randomUUID();
    await trx
      .insertInto('announcement_runs')
      .values({
        id: runId,
        announcement_id: a.id,
        scheduled_for: toSend.toISOString(),
        status: 'running',
        total: 0,
        skipped: 0,
        started_at: now.toISOString(),
        finished_at: null,
        progress_message_id: null,
      })
      .execute();
    // The audience page by page (a page of people, their opt-outs and addresses, their outbox rows), all in this
    // one transaction: a crash leaves the whole run or none of it, and no more than a page is held at a time.
    let total = 0;
    let skipped = 0;
    for await (const page of audiencePages(trx, audience, a.kind)) {
      await enqueue(trx, runId, page.recipients, now);
      total += page.recipients.length;
      skipped += page.skipped;
    }
    await trx.updateTable('announcement_runs').set({ total, skipped }).where('id', '=', runId).execute();
    return { claimed: true, started: { runId, announcement: a, scheduledFor: toSend, total } };
  });
  if (outcome.started) result.started.push(outcome.started);
  // Missed runs are reported by the one instance whose claim succeeded.
  if (outcome.claimed) for (const m of missed) result.missed.push({ announcement: a, scheduledFor: m });
}
