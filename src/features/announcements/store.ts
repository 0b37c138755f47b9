import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import * as z from 'zod';
import type { Markup } from '../../core/markup.ts';
import type { Address, UiLanguage } from '../../core/types.ts';
import type { DB } from '../../db/schema.ts';
import { Audience } from './audience.ts';
import { nextRun } from './recurrence.ts';
import type { AnnouncementKind, AnnouncementRunsTable, AnnouncementsTable } from './tables.ts';

/** When an announcement goes out, as stored with it. Built when an announcement is first read. */
export const Schedule = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('now') }),
    z.object({ type: z.literal('at'), at: z.string() }),
    z.object({ type: z.literal('recurring'), cron: z.string(), label: z.string() }),
  ]),
);
export type Schedule = z.infer<typeof Schedule>;

export type AnnouncementRow = Selectable<AnnouncementsTable>;
export type RunRow = Selectable<AnnouncementRunsTable>;

/** What a coordinator composes; stored as one announcement row. */
export interface Draft {
  kind: AnnouncementKind;
  text: Markup;
  file?: { name: string; mime: string; data: Uint8Array };
  audience: Audience;
  schedule: Schedule;
}

export function parseAudience(row: Pick<AnnouncementRow, 'audience'>): Audience {
  return Audience.parse(JSON.parse(row.audience));
}
export function parseSchedule(row: Pick<AnnouncementRow, 'schedule'>): Schedule {
  return Schedule.parse(JSON.parse(row.schedule));
}

/** The first run of a schedule composed at `now`. */
export function firstRun(schedule: Schedule, now: Date): Date | undefined {
  switch (schedule.type) {
    case 'now':
      return now;
    case 'at':
      return new Date(schedule.at);
    case 'recurring':
      return nextRun(schedule.cron, now);
  }
}

/** A draft as the announcement row's columns, with its first run (none: nothing left to send). */
function draftColumns(draft: Draft, first: Date | undefined) {
  return {
    kind: draft.kind,
    text: draft.text,
    file_name: draft.file?.name ?? null,
    file_mime: draft.file?.mime ?? null,
    file_data: draft.file ? Buffer.from(draft.file.data) : null,
    audience: JSON.stringify(draft.audience),
    schedule: JSON.stringify(draft.schedule),
    status: first ? ('scheduled' as const) : ('done' as const),
    next_run_at: first?.toISOString() ?? null,
  };
}

export class AnnouncementStore {
  constructor(private readonly db: Kysely<DB>) {}

  async create(draft: Draft, by: { personId: string; report: Address; language: UiLanguage }, now: Date): Promise<AnnouncementRow> {
    const first = firstRun(draft.schedule, now);
    const row = {
      id: randomUUID(),
      created_by: by.personId,
      ...draftColumns(draft, first),
      report_platform: by.report.platform,
      report_chat_id: by.report.chatId,
      report_language: by.language,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    };
    await this.db.insertInto('announcements').values(row).execute();
    return row;
  }

  /** Replaces a scheduled announcement that has not started yet; false if it started, ended or was cancelled. */
  async update(id: string, draft: Draft, now: Date): Promise<boolean> {
    const first = firstRun(draft.schedule, now);
    // Once an announcement has started, its run took it out of `scheduled` in the same transaction, so this
    // compare-and-set cannot change what is already going out.
    const r = await this.db
      .updateTable('announcements')
      .set({ ...draftColumns(draft, first), updated_at: now.toISOString() })
      .where('id', '=', id)
      .where('status', '=', 'scheduled')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async cancel(id: string, now: Date): Promise<boolean> {
    const r = await this.db
      .updateTable('announcements')
      .set({ status: 'cancelled', next_run_at: null, updated_at: now.toISOString() })
      .where('id', '=', id)
      .where('status', '=', 'scheduled')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  get(id: string): Promise<AnnouncementRow | undefined> {
    return this.db.selectFrom('announcements').selectAll().where('id', '=', id).executeTakeFirst();
  }

  getRun(id: string): Promise<RunRow | undefined> {
    return this.db.selectFrom('announcement_runs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Scheduled ones (soonest first) and the most recent others. */
  async list(limit = 10): Promise<{ scheduled: AnnouncementRow[]; recent: AnnouncementRow[]; running: RunRow[] }> {
    const scheduled = await this.db.selectFrom('announcements').selectAll().where('status', '=', 'scheduled').orderBy('next_run_at').limit(limit).execute();
    const recent = await this.db.selectFrom('announcements').selectAll().where('status', '!=', 'scheduled').orderBy('updated_at', 'desc').limit(limit).execute();
    const running = await this.db.selectFrom('announcement_runs').selectAll().where('status', '=', 'running').orderBy('started_at').execute();
    return { scheduled, recent, running };
  }

  async runsOf(announcementId: string): Promise<RunRow[]> {
    return this.db.selectFrom('announcement_runs').selectAll().where('announcement_id', '=', announcementId).orderBy('scheduled_for', 'desc').execute();
  }

  async setProgressMessage(runId: string, messageId: string): Promise<void> {
    await this.db.updateTable('announcement_runs').set({ progress_message_id: messageId }).where('id', '=', runId).execute();
  }

  /** Marks a run finished once; true for the caller that made the change (who then sends the report). */
  async completeRun(runId: string, status: 'done' | 'stopped', now: Date): Promise<boolean> {
    const r = await this.db
      .updateTable('announcement_runs')
      .set({ status, finished_at: now.toISOString() })
      .where('id', '=', runId)
      // A paused run can only be stopped: it is done only once resumed and delivered.
      .where('status', 'in', status === 'stopped' ? ['running', 'paused'] : ['running'])
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** A paused run goes on: its held rows are due again. True for the caller that made the change. */
  async resumeRun(runId: string, now: Date): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx.updateTable('announcement_runs').set({ status: 'running' }).where('id', '=', runId).where('status', '=', 'paused').executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      const stamp = now.toISOString();
      await trx.updateTable('outbox').set({ status: 'pending', next_attempt_at: stamp, updated_at: stamp }).where('run_id', '=', runId).where('status', '=', 'held').execute();
      return true;
    });
  }

  /** Paused runs whose coordinator has not been asked yet; marked asked by the caller that gets each. */
  async pausedToNotice(now: Date): Promise<RunRow[]> {
    const runs = await this.db.selectFrom('announcement_runs').selectAll().where('status', '=', 'paused').where('pause_notice_at', 'is', null).execute();
    const mine: RunRow[] = [];
    for (const run of runs) {
      const r = await this.db
        .updateTable('announcement_runs')
        .set({ pause_notice_at: now.toISOString() })
        .where('id', '=', run.id)
        .where('pause_notice_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) > 0) mine.push(run);
    }
    return mine;
  }

  pausedRuns(): Promise<RunRow[]> {
    return this.db.selectFrom('announcement_runs').selectAll().where('status', '=', 'paused').orderBy('paused_at').execute();
  }

  runningRuns(): Promise<RunRow[]> {
    return this.db.selectFrom('announcement_runs').selectAll().where('status', '=', 'running').execute();
  }
}
