import { STAFF_ROLES, staff } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { esc, join, type Markup, markup } from '../../core/markup.ts';
import type { Feature, PersonalData } from '../../core/router.ts';
import { rigaDate } from '../../core/time.ts';
import { type Choice, isUiLanguage, LANGUAGES, type Reply, text, UI_LANGUAGES, type UiLanguage } from '../../core/types.ts';
import { loadNotes } from '../../i18n/catalog.ts';
import { LOCALES_DIR } from '../../i18n/index.ts';
import { languageNamed } from '../people/languages.ts';
import type { FeatureDeps } from '../deps.ts';
import { importReport } from './report.ts';
import { type CheckResult, TranslationService } from './service.ts';
import type { StoredImport } from './store.ts';

/** How often an instance looks whether another one applied translations. */
export const REFRESH_MS = 60_000;

export type TranslationsFeature = Feature & { service: TranslationService };

/**
 * Translations with the people who speak the language: `/translations` shows how much each language has and
 * gives the spreadsheet for one; a coordinator sends a filled sheet in a private chat, sees what would be saved
 * (and what not, and why) and the coverage before and after, and applies it or not. Romani appears in the
 * language menus once its coverage reaches LANGUAGE_MENU_COVERAGE.
 */
export function translationsFeature(deps: FeatureDeps): TranslationsFeature {
  const service = new TranslationService({ db: deps.db, i18n: deps.i18n, notes: loadNotes(LOCALES_DIR), log: deps.log, ...(deps.audit ? { audit: deps.audit } : {}) });
  const threshold = deps.config.languageMenuCoverage;
  const languageName = (ctx: Ctx, l: UiLanguage) => ctx.tr.plain(`common:languages.${l}`);
  const isStaff = (ctx: Ctx) => STAFF_ROLES.includes(ctx.person.role);
  let timer: NodeJS.Timeout | undefined;

  const sheetButtons = (ctx: Ctx): Choice[][] => {
    const buttons = UI_LANGUAGES.map((l) => ({ label: ctx.tr.plain('translations:buttons.sheet', { language: languageName(ctx, l) }), action: `tr:sheet:${l}` }));
    return [buttons.slice(0, 2), buttons.slice(2)];
  };

  const overview = async (ctx: Ctx): Promise<Reply[]> => {
    const lines: Markup[] = [ctx.tr.t('translations:coverage.title')];
    for (const l of UI_LANGUAGES) {
      const c = deps.i18n.coverage(l);
      const where = deps.i18n.offered().includes(l) ? ctx.tr.plain('translations:coverage.in_menu') : ctx.tr.plain('translations:coverage.not_in_menu', { threshold });
      lines.push(markup`${ctx.tr.t('translations:coverage.line', { language: languageName(ctx, l), percent: c.percent, translated: c.translated, total: c.total })} · ${esc(where)}`);
    }
    const [last] = await service.store.recent(1);
    if (last) lines.push('' as Markup, ctx.tr.t('translations:coverage.last', { language: languageName(ctx, last.locale), date: new Date(last.decidedAt!), count: last.changes.length }));
    lines.push('' as Markup, ctx.tr.t('translations:coverage.how'));
    return [text(join(lines), ctx.caps.files ? sheetButtons(ctx) : undefined)];
  };

  const sendSheet = async (ctx: Ctx, l: UiLanguage): Promise<Reply[]> => {
    if (!ctx.caps.files) return [text(ctx.tr.t('translations:no_files'))];
    const { name, data } = await service.sheet(l, rigaDate(ctx.now), ctx.tr);
    return [
      {
        kind: 'file',
        file: { name, mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', data },
        caption: ctx.tr.t('translations:sheet.caption', { language: languageName(ctx, l) }),
      },
    ];
  };

  /** What a checked sheet would change, with Apply and Cancel. */
  const preview = (ctx: Ctx, checked: Extract<CheckResult, { ok: true }>): Reply[] => {
    const body = importReport(ctx.tr, checked.result, checked.imported.fileName, threshold);
    if (!checked.result.summary.changes) return [text(body)];
    return [
      text(body, [
        [
          { label: ctx.tr.plain('translations:buttons.apply'), action: `tr:apply:${checked.imported.id}` },
          { label: ctx.tr.plain('translations:buttons.cancel'), action: `tr:cancel:${checked.imported.id}` },
        ],
      ]),
    ];
  };

  const applied = (ctx: Ctx, imp: StoredImport): Reply[] => {
    const language = languageName(ctx, imp.locale);
    const lines = [ctx.tr.t('translations:applied', { language, count: imp.changes.length, percent: deps.i18n.coverage(imp.locale).percent })];
    const shipped = (LANGUAGES as readonly string[]).includes(imp.locale);
    if (!shipped && deps.i18n.offered().includes(imp.locale) && imp.summary.before.percent < threshold) lines.push(ctx.tr.t('translations:applied_menu', { language }));
    return [text(join(lines), ctx.menu())];
  };

  const personalData: PersonalData = {
    async export(personId, db) {
      const imports = await db
        .selectFrom('translation_imports')
        .select(['id', 'locale', 'file_name', 'uploaded_at', 'status', 'decided_at'])
        .where((eb) => eb.or([eb('uploaded_by', '=', personId), eb('decided_by', '=', personId)]))
        .execute();
      return { translationSheets: imports };
    },
    async erase(personId, db) {
      // The texts stay the network's; only who sent or applied them is forgotten.
      await db.updateTable('translation_imports').set({ uploaded_by: null }).where('uploaded_by', '=', personId).execute();
      await db.updateTable('translation_imports').set({ decided_by: null }).where('decided_by', '=', personId).execute();
      await db.updateTable('translations').set({ updated_by: null }).where('updated_by', '=', personId).execute();
    },
    async merge(fromId, intoId, db) {
      await db.updateTable('translation_imports').set({ uploaded_by: intoId }).where('uploaded_by', '=', fromId).execute();
      await db.updateTable('translation_imports').set({ decided_by: intoId }).where('decided_by', '=', fromId).execute();
      await db.updateTable('translations').set({ updated_by: intoId }).where('updated_by', '=', fromId).execute();
    },
  };

  return {
    name: 'translations',
    service,
    commands: [
      {
        name: 'translations',
        access: [staff],
        description: 'translations:commands.translations',
        arg: { name: 'language', description: 'translations:commands.translations_arg' },
        async handle(ctx, args) {
          const typed = args.trim();
          if (!typed) return overview(ctx);
          const l = languageNamed(typed);
          if (!l) return [text(ctx.tr.t('translations:unknown_language', { typed: typed.slice(0, 30) }))];
          return sendSheet(ctx, l);
        },
      },
    ],
    actions: [
      {
        id: 'tr:sheet',
        access: [staff],
        handle: async (ctx, [l]) => (isUiLanguage(l) ? sendSheet(ctx, l) : overview(ctx)),
      },
      {
        id: 'tr:apply',
        access: [staff],
        async handle(ctx, [id]) {
          const imp = id ? await service.apply(id, { personId: ctx.person.id, role: ctx.person.role }, ctx.now, 'chat') : undefined;
          return imp ? applied(ctx, imp) : [text(ctx.tr.t('translations:gone'))];
        },
      },
      {
        id: 'tr:cancel',
        access: [staff],
        async handle(ctx, [id]) {
          const ok = id ? await service.store.cancel(id, ctx.person.id, ctx.now) : false;
          return [text(ctx.tr.t(ok ? 'translations:cancelled' : 'translations:gone'), ctx.menu())];
        },
      },
    ],
    fileHandlers: [
      {
        name: 'translations',
        accepts: (_ctx, file) => /\.xlsx$/i.test(file.name),
        async handle(ctx, file) {
          if (!isStaff(ctx)) return [text(ctx.tr.t('translations:only_staff'))];
          if (ctx.who.chatKind !== 'private') return [text(ctx.tr.t('common:access.private_only'))];
          const checked = await service.check(file.data, file.name, ctx.person.id, ctx.now);
          if (!checked.ok) return [text(ctx.tr.t(`translations:file.${checked.reason}`))];
          return preview(ctx, checked);
        },
      },
    ],
    personalData,
    start() {
      timer = setInterval(() => {
        service.refresh().catch((err: unknown) => deps.log.warn({ err }, 'could not read applied translations'));
      }, REFRESH_MS);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
