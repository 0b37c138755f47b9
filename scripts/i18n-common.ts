import { pino } from 'pino';
import { systemClock } from '../src/core/clock.ts';
import { isUiLanguage, type UiLanguage } from '../src/core/types.ts';
import { loadConfig } from '../src/config.ts';
import { type Database, openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { AuditLog } from '../src/features/access/audit.ts';
import { TranslationService } from '../src/features/translations/service.ts';
import { loadNotes } from '../src/i18n/catalog.ts';
import { createI18n, type I18nService, LOCALES_DIR } from '../src/i18n/index.ts';

/**
 * What `npm run i18n:export` and `npm run i18n:import` share: the bot's database (DATABASE_URL, as `npm start`
 * uses it) with the translations already applied, the translators, and the language of the messages printed
 * (`--lang lv|en|ru`, Latvian by default).
 */
export interface I18nCli {
  database: Database;
  i18n: I18nService;
  service: TranslationService;
  threshold: number;
  printLanguage: UiLanguage;
  close(): Promise<void>;
}

export function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The arguments that are neither an option nor an option's value. */
export function positional(args: string[], withValues: readonly string[]): string[] {
  return args.filter((a, i) => !a.startsWith('--') && !withValues.includes(args[i - 1] ?? ''));
}

export async function openI18nCli(args: string[]): Promise<I18nCli> {
  const config = loadConfig(process.env);
  const database = await openDatabase(config.database);
  await migrateToLatest(database.db, database.schema);
  const i18n = await createI18n(LOCALES_DIR, { menuCoverage: config.languageMenuCoverage });
  const log = pino({ level: 'silent' });
  const audit = new AuditLog(database.db, systemClock, log);
  const service = new TranslationService({ db: database.db, i18n, notes: loadNotes(LOCALES_DIR), log, audit });
  await service.refresh();
  const lang = option(args, '--lang') ?? 'lv';
  return { database, i18n, service, threshold: config.languageMenuCoverage, printLanguage: isUiLanguage(lang) ? lang : 'lv', close: () => database.close() };
}
