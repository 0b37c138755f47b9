export type ImportStatus = 'pending' | 'applied' | 'cancelled';

export interface TranslationImportsTable {
  id: string;
  locale: string;
  file_name: string;
  /** Who sent the spreadsheet; null from the command line, or once that person erased their data. */
  uploaded_by: string | null;
  uploaded_at: string;
  status: ImportStatus;
  /** JSON: `[{ key, value }]`, the rows that passed validation. */
  changes: string;
  /** JSON: the counts the preview showed (`ImportSummary`). */
  summary: string;
  decided_by: string | null;
  decided_at: string | null;
}

export interface TranslationsTable {
  locale: string;
  /** `namespace:path.to.key`, with its plural suffix where it has one. */
  key: string;
  value: string;
  import_id: string | null;
  updated_by: string | null;
  updated_at: string;
}

export interface TranslationTables {
  translation_imports: TranslationImportsTable;
  translations: TranslationsTable;
}
