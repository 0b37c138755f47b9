import type { Platform, UiLanguage } from '../../core/types.ts';
import type { Role } from '../../core/access.ts';

export interface PersonsTable {
  id: string;
  role: Role;
  /** expert or mediator, asked for at registration and waiting for a coordinator. */
  requested_role: Role | null;
  municipality: string | null;
  /** null until the person chooses; the platform's hint is used meanwhile. */
  language: UiLanguage | null;
  registered_at: string | null;
  /** Where announcements reach a person with accounts on several platforms; null: the most recently used. */
  preferred_platform: Platform | null;
  /** 1: listed in /contacts for other members (opt-in). */
  directory_optin: number;
  created_at: string;
  updated_at: string;
}

export interface IdentitiesTable {
  key: string;
  person_id: string;
  platform: string;
  username: string | null;
  display_name: string | null;
  language_hint: string | null;
  created_at: string;
  last_seen_at: string;
}

export interface PeopleTables {
  persons: PersonsTable;
  identities: IdentitiesTable;
}
