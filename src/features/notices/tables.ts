import type { Generated } from 'kysely';
import type { Platform } from '../../core/types.ts';

/** `pending` → `sending` → `sent` | `unreachable` (no account left) | `failed`, or back to `pending` to retry. */
export type NoticeStatus = 'pending' | 'sending' | 'sent' | 'unreachable' | 'failed';

export interface NoticesTable {
  id: Generated<number>;
  /** Null for a notice to a group (an answer that could not be shown there at once). */
  person_id: string | null;
  /** What it is, for the coordinators' list of undelivered notices (`role_request`, `reminder`, …). */
  kind: string;
  platform: Platform;
  chat_id: string;
  is_group: Generated<number>;
  tried: Generated<string>;
  /** JSON of the replies, rendered in the recipient's language; emptied once the notice is final. */
  body: string;
  dedupe_key: string | null;
  status: NoticeStatus;
  attempts: Generated<number>;
  next_attempt_at: string;
  /** Not delivered after this (a reminder whose moment has passed); null: no limit. */
  expires_at: string | null;
  claim_token: string | null;
  claimed_at: string | null;
  message_id: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface NoticeTables {
  notices: NoticesTable;
}
