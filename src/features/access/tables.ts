import type { Generated } from 'kysely';
import type { Role } from '../../core/access.ts';

export interface LinkCodesTable {
  /** sha256 of the normalized code: the code itself is never stored. */
  code_hash: string;
  person_id: string;
  created_at: string;
  expires_at: string;
}

export interface InvitesTable {
  code_hash: string;
  role: Role;
  municipality: string | null;
  created_by: string | null;
  created_at: string;
  expires_at: string;
  used_by: string | null;
  used_at: string | null;
}

export interface CodeAttemptsTable {
  id: Generated<number>;
  person_id: string;
  /** `link` or `invite`. */
  kind: string;
  at: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  /** The person who acted; null for the bot itself, or once that person erased their data. */
  actor_id: string | null;
  /** Their effective role at the time (kept after an erasure, so the line still says who acted). */
  actor_role: Role | null;
  /** `role.approve`, `announcement.create`, `data.erase` … */
  action: string;
  /** The person acted upon, if any; null once erased. */
  subject_id: string | null;
  /** JSON: ids, counts, roles. Never message texts or names. */
  details: string | null;
}

export interface AccessTables {
  link_codes: LinkCodesTable;
  invites: InvitesTable;
  code_attempts: CodeAttemptsTable;
  audit_log: AuditLogTable;
}
