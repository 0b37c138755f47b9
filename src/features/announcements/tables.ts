import type { Generated } from 'kysely';
import type { Platform, UiLanguage } from '../../core/types.ts';

export const ANNOUNCEMENT_KINDS = ['visit', 'meeting', 'programme', 'deadline', 'input', 'general'] as const;
export type AnnouncementKind = (typeof ANNOUNCEMENT_KINDS)[number];

/** `scheduled`: waits for its next run (once or recurring); `done`: no more runs; `cancelled` before it started. */
export type AnnouncementStatus = 'scheduled' | 'done' | 'cancelled';
/**
 * `running` until every outbox row is final; `stopped` by a coordinator; `missed` when the bot was down too long;
 * `paused` after a backup was restored in the middle of it, until its coordinator resumes or stops it.
 */
export type RunStatus = 'running' | 'done' | 'stopped' | 'missed' | 'paused';
/**
 * `pending` → `sending` (claimed by a worker) → `sent` | `unreachable` | `failed`, or back to `pending` for a
 * retry; `cancelled` when its run was stopped first; `held` while its run is paused (never claimed).
 */
export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'unreachable' | 'failed' | 'cancelled' | 'held';

export interface AnnouncementsTable {
  id: string;
  created_by: string | null;
  kind: AnnouncementKind;
  /** Markup, as the coordinator wrote it (with their formatting). */
  text: string;
  file_name: string | null;
  file_mime: string | null;
  file_data: Uint8Array | null;
  /** JSON of `Audience`. */
  audience: string;
  /** JSON of `Schedule`. */
  schedule: string;
  status: AnnouncementStatus;
  next_run_at: string | null;
  /** Where progress and the final report go: the coordinator's chat. */
  report_platform: Platform;
  report_chat_id: string;
  report_language: UiLanguage;
  created_at: string;
  updated_at: string;
}

export interface AnnouncementRunsTable {
  id: string;
  announcement_id: string;
  scheduled_for: string;
  status: RunStatus;
  total: Generated<number>;
  /** Members of the audience who unsubscribed from this kind. */
  skipped: Generated<number>;
  started_at: string | null;
  finished_at: string | null;
  progress_message_id: string | null;
  paused_at: string | null;
  pause_notice_at: string | null;
}

export interface OutboxTable {
  id: Generated<number>;
  run_id: string;
  person_id: string | null;
  platform: Platform;
  chat_id: string;
  language: UiLanguage;
  status: OutboxStatus;
  attempts: Generated<number>;
  next_attempt_at: string;
  claim_token: string | null;
  claimed_at: string | null;
  message_id: string | null;
  error: string | null;
  updated_at: string;
}

export interface AnnouncementOptoutsTable {
  person_id: string;
  /** An announcement kind, or `all`. */
  kind: AnnouncementKind | 'all';
  created_at: string;
}

export interface AudienceChatsTable {
  id: string;
  platform: Platform;
  chat_id: string;
  title: string;
  registered_by: string | null;
  created_at: string;
}

export interface AnnouncementTables {
  announcements: AnnouncementsTable;
  announcement_runs: AnnouncementRunsTable;
  outbox: OutboxTable;
  announcement_optouts: AnnouncementOptoutsTable;
  audience_chats: AudienceChatsTable;
}
