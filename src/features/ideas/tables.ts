/**
 * Five-idea lists. A coordinator opens collection for a visit (`idea_collections`); each expert has at most one
 * list per visit (`idea_lists`), whose every saved version is kept (`idea_list_versions`, with its five `ideas`).
 */
export interface IdeaCollectionsTable {
  /** A visit id (`visits.id`); one collection per visit. */
  visit_id: string;
  status: 'open' | 'closed';
  /** The coordinator who opened it last; null once that person erased their data. */
  opened_by: string | null;
  opened_at: string;
  /** Set exactly when closed (a check constraint ties it to the status). */
  closed_at: string | null;
}

export interface IdeaListsTable {
  id: string;
  visit_id: string;
  /** null once the author erased their data: the list stays, anonymous, with its municipality. */
  person_id: string | null;
  /** Municipality id of the author when they first submitted (data/municipalities.yaml). */
  municipality: string | null;
  /** The current version: the highest in `idea_list_versions`. */
  version: number;
  submitted_at: string;
  updated_at: string;
}

export interface IdeaListVersionsTable {
  list_id: string;
  version: number;
  saved_at: string;
}

export interface IdeasTable {
  list_id: string;
  version: number;
  /** 1 to 5. */
  position: number;
  text: string;
  /** JSON array of theme ids from data/themes.yaml, in theme order. */
  themes: string;
  /** 1 when the expert chose the themes with the buttons; 0 when the rules chose them. */
  themes_corrected: number;
}

export interface IdeasTables {
  idea_collections: IdeaCollectionsTable;
  idea_lists: IdeaListsTable;
  idea_list_versions: IdeaListVersionsTable;
  ideas: IdeasTable;
}
