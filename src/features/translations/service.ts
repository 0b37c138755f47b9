import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Role } from '../../core/access.ts';
import { type UiLanguage, isUiLanguage } from '../../core/types.ts';
import type { DB } from '../../db/schema.ts';
import { keysFor, noteFor, textOf, type TranslatorNotes } from '../../i18n/catalog.ts';
import { type I18nService, splitKey, type Translator } from '../../i18n/index.ts';
import type { AuditLog } from '../access/audit.ts';
import { readSheet, type SheetRow, writeSheet } from './sheet.ts';
import { type StoredImport, TranslationStore } from './store.ts';
import { type TranslationSources, type ValidatedImport, validateImport } from './validate.ts';

export interface TranslationServiceDeps {
  db: Kysely<DB>;
  i18n: I18nService;
  notes: TranslatorNotes;
  log: Logger;
  audit?: AuditLog;
}

export type CheckResult =
  | { ok: false; reason: 'unreadable' | 'too_large' | 'no_sheet' | 'no_columns' }
  | { ok: true; imported: StoredImport; result: ValidatedImport };

/**
 * Translations people make: the spreadsheet for a language, the check of a filled one, and applying it. Applied
 * texts are kept in the database and put over the files' texts at start, and whenever another instance applied
 * some (`refresh`), so every instance speaks the same.
 */
export class TranslationService {
  readonly store: TranslationStore;
  private revision: string | undefined;

  constructor(private readonly deps: TranslationServiceDeps) {
    this.store = new TranslationStore(deps.db);
  }

  /** Reads every applied text into the translators; nothing happens when none was applied since the last time. */
  async refresh(): Promise<boolean> {
    const revision = await this.store.revision();
    if (revision === this.revision) return false;
    const byLocale = new Map<UiLanguage, Array<{ key: string; value: string }>>();
    for (const r of await this.store.applied()) {
      if (!isUiLanguage(r.locale)) continue;
      byLocale.set(r.locale, [...(byLocale.get(r.locale) ?? []), { key: r.key, value: r.value }]);
    }
    for (const [locale, texts] of byLocale) this.deps.i18n.apply(locale, texts);
    this.revision = revision;
    return true;
  }

  private read(locale: UiLanguage, key: string): string | undefined {
    const [ns, path] = splitKey(key);
    const v = this.deps.i18n.instance.getResource(locale, ns, path);
    return typeof v === 'string' ? v : undefined;
  }

  /** What the check compares a sheet with: the Latvian source and what the language has now. */
  sources(locale: UiLanguage): TranslationSources {
    return {
      messages: this.deps.i18n.messages,
      latvian: (key) => this.read('lv', key),
      current: (key) => this.read(locale, key),
      notes: this.deps.notes,
    };
  }

  /** One row per text the language needs, with what it has now. */
  rows(locale: UiLanguage): SheetRow[] {
    return this.deps.i18n.messages.flatMap((m) =>
      keysFor(m, locale).map((key) => {
        const latvian = textOf((k) => this.read('lv', k), key) ?? '';
        const { note, limit } = noteFor(this.deps.notes, key, latvian);
        return { key, latvian, english: textOf((k) => this.read('en', k), key) ?? '', note, limit, current: this.read(locale, key) ?? '' };
      }),
    );
  }

  /** The spreadsheet for a language (`translations-rom-2026-12-01.xlsx`), its instructions in the asker's language. */
  async sheet(locale: UiLanguage, today: string, asker: Translator): Promise<{ name: string; data: Uint8Array }> {
    const data = await writeSheet(locale, this.rows(locale), `translations: ${locale}`, asker.plain('translations:sheet.readme'));
    return { name: `translations-${locale}-${today}.xlsx`, data };
  }

  /** Reads and checks a filled sheet without keeping anything. */
  async validate(data: Uint8Array): Promise<Exclude<CheckResult, { ok: true }> | { ok: true; result: ValidatedImport }> {
    const parsed = await readSheet(data);
    if (!parsed.ok) return parsed;
    return { ok: true, result: validateImport(parsed.locale, parsed.rows, this.sources(parsed.locale)) };
  }

  /** Reads and checks a filled sheet, and keeps what passed as an import waiting for Apply or Cancel. */
  async check(data: Uint8Array, fileName: string, by: string | null, now: Date): Promise<CheckResult> {
    const v = await this.validate(data);
    if (!v.ok) return v;
    const imported = await this.store.createPending(v.result, fileName, by, now);
    return { ok: true, imported, result: v.result };
  }

  /**
   * Applies a checked import: its texts are written and the audit log says who applied what, in one transaction;
   * then this instance speaks them at once (others at their next refresh). Undefined when it was no longer pending.
   */
  async apply(importId: string, by: { personId: string; role: Role } | null, now: Date, via: 'chat' | 'command line'): Promise<StoredImport | undefined> {
    const audit = this.deps.audit;
    const applied = await this.store.apply(importId, by?.personId ?? null, now, async (trx, imp) => {
      await audit?.record(
        {
          actor: by?.personId ?? null,
          actorRole: by?.role ?? null,
          action: 'translations.apply',
          details: { locale: imp.locale, import: imp.id, file: imp.fileName, texts: imp.changes.length, via },
        },
        trx,
        now,
      );
    });
    if (!applied) return undefined;
    this.deps.log.info({ translations: applied.locale, texts: applied.changes.length, import: applied.id }, 'translations applied');
    await this.refresh();
    return applied;
  }
}
