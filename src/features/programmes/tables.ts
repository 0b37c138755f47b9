import type { Generated } from 'kysely';
import type { Role } from '../../core/access.ts';

/**
 * How a version came to be: `initial` the shipped file (data/programmes) recorded when the first change was
 * published on top of it; `file` a shipped file that changed in a release and took over; `publish` a file sent in
 * chat; `restore` an earlier version brought back; `end_date`, `checked`, `close` the edits made from a
 * programme's page without YAML.
 */
export const VERSION_CHANGES = ['initial', 'file', 'publish', 'restore', 'end_date', 'checked', 'close'] as const;
export type VersionChange = (typeof VERSION_CHANGES)[number];

/**
 * Every published version of every programme, kept: the newest one per programme is in effect for everyone, on
 * every instance. Rows are never deleted (instances watch the count and the highest id to notice a change).
 */
export interface CatalogueVersionsTable {
  /** Grows with every version of any programme. */
  id: Generated<number>;
  programme_id: string;
  /** 1, 2, 3 … per programme. */
  version: number;
  /** The programme file as published (YAML with its comments, or JSON). */
  content: string;
  /** sha256 of `content`: a shipped file already among the versions changes nothing. */
  digest: string;
  change: VersionChange;
  /** For `restore`: the version brought back. */
  restored_from: number | null;
  /** The one-line reason given at publishing; null for shipped files. */
  reason: string | null;
  /** For `checked`: the address of the source it was checked against. */
  checked_url: string | null;
  /** Rule-test files sent with it (JSON `[{name, text}]`), run against it before publishing; kept as the evidence. */
  tests: string | null;
  /** Who published: null for shipped files, and once that person erased their data. */
  published_by: string | null;
  /** Their role then (kept after an erasure, so the history still says who acted). */
  published_by_role: Role | null;
  published_at: string;
}

/** One row per month in which the reminder about programmes not checked for long was sent: claimed once, by one instance. */
export interface CatalogueRemindersTable {
  /** `2026-12`, in Riga time. */
  month: string;
  claimed_at: string;
  /** Programmes it named, and staff it reached. */
  programmes: number;
  reached: number;
}

export interface ProgrammesTables {
  catalogue_versions: CatalogueVersionsTable;
  catalogue_reminders: CatalogueRemindersTable;
}
