import { checkAll, staff } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import type { Feature, PersonalData } from '../../core/router.ts';
import { rigaDate } from '../../core/time.ts';
import { type Choice, type Reply, text } from '../../core/types.ts';
import { notifyPerson, staffIds } from '../access/notify.ts';
import type { FeatureDeps } from '../deps.ts';
import type { CatalogueStore, Programme } from '../programmes/catalogue.ts';
import { splitReplies } from '../programmes/eligibility-flow.ts';
import type { Freshness } from '../programmes/render.ts';
import type { VersionStore } from '../programmes/versions.ts';
import { CHANGE_FLOW, changeFlow, type StartArgs } from './change-flow.ts';
import { exportZip } from './export.ts';
import { isCatalogueUpload, readUpload } from './intake.ts';
import { CatalogueReminder } from './reminder.ts';
import { CatalogueService } from './service.ts';
import { catalogueList, historyView, programmePage } from './views.ts';

const MESSAGE_LIMIT = 3500;

export interface CatalogueOptions {
  store: CatalogueStore;
  versions: VersionStore;
  /** The project's rule tests (default data/programmes/tests). */
  testsDir?: string;
}

export type CatalogueFeature = Feature & {
  service: CatalogueService;
  reminder: CatalogueReminder;
  /** The "Manage" button a coordinator sees on a programme's page. */
  manageButton(ctx: Ctx, p: Programme): Choice;
};

/**
 * Keeping the programme catalogue current in chat, for coordinators and admins: a programme file (or a zip) sent in
 * a private chat becomes a preview and, with a reason, a new version for everyone; `/catalogue` lists versions and
 * checked dates; a programme's page offers its end date, "checked today", closing and its history (with restore);
 * `/catalogue_export` sends the catalogue as files; a monthly reminder names programmes not checked for long.
 */
export function catalogueFeature(deps: FeatureDeps, options: CatalogueOptions): CatalogueFeature {
  const { db, log } = deps;
  const service = new CatalogueService(options.store, options.versions, log, deps.audit, ...(options.testsDir ? [options.testsDir] : []));
  const reminder = new CatalogueReminder({
    db,
    store: options.store,
    clock: deps.clock,
    log,
    staleMonths: deps.config.catalogueStaleMonths,
    staff: () => staffIds(db, deps.config.admins),
    notify: (personId, build) => notifyPerson(deps, personId, 'catalogue_reminder', build),
    firstTickAfterMs: deps.firstTickAfterMs,
  });
  const fresh = (ctx: Ctx): Freshness => ({ today: rigaDate(ctx.now), staleMonths: deps.config.catalogueStaleMonths });
  const limit = (ctx: Ctx) => Math.min(MESSAGE_LIMIT, ctx.caps.maxTextLength);

  /** Catalogue work needs typed answers and files, which only a private chat carries on every platform. */
  const inGroup = (ctx: Ctx) => ctx.incoming.chat.kind === 'group';
  const pointer = (ctx: Ctx): Reply[] => [{ ...text(ctx.tr.t('catalogue:private_only')), personal: true }];
  const isStaff = (ctx: Ctx) => checkAll([staff], ctx.who) === true;

  const startFlow = (ctx: Ctx, args: StartArgs) => ctx.startFlow(CHANGE_FLOW, JSON.stringify(args));

  const withProgramme = (handle: (ctx: Ctx, p: Programme, args: string[]) => Promise<Reply[]>) => async (ctx: Ctx, args: string[]): Promise<Reply[]> => {
    if (inGroup(ctx)) return pointer(ctx);
    await options.store.sync();
    const p = args[0] ? options.store.current.byId.get(args[0]) : undefined;
    if (!p) return [text(ctx.tr.t('catalogue:page.unknown', { id: (args[0] ?? '').slice(0, 60) }))];
    return handle(ctx, p, args.slice(1));
  };

  const personalData: PersonalData = {
    async export(personId, trx) {
      return { versionsPublished: await options.versions.byPerson(personId, trx) };
    },
    async erase(personId, trx) {
      // The versions stay (the catalogue's history), with the role but without the person.
      await trx.updateTable('catalogue_versions').set({ published_by: null }).where('published_by', '=', personId).execute();
    },
    async merge(fromId, intoId, trx) {
      await trx.updateTable('catalogue_versions').set({ published_by: intoId }).where('published_by', '=', fromId).execute();
    },
  };

  return {
    name: 'catalogue',
    service,
    reminder,
    manageButton: (ctx, p) => ({ label: ctx.tr.plain('catalogue:buttons.manage', { version: options.store.versionOf(p.id)?.version ?? 1 }), action: `catalogue:open:${p.id}` }),
    flows: [changeFlow(service)],
    commands: [
      {
        name: 'catalogue',
        access: [staff],
        description: 'catalogue:commands.catalogue',
        async handle(ctx) {
          if (inGroup(ctx)) return pointer(ctx);
          await options.store.sync();
          const { body, rows } = catalogueList(ctx, service, fresh(ctx));
          return splitReplies(body, rows, limit(ctx));
        },
      },
      {
        name: 'catalogue_export',
        access: [staff],
        description: 'catalogue:commands.export',
        async handle(ctx) {
          if (inGroup(ctx)) return pointer(ctx);
          if (!ctx.caps.files) return [text(ctx.tr.t('catalogue:export.no_files'))];
          await options.store.sync();
          const data = await exportZip(options.store, await options.versions.latest(), ctx.now);
          const name = `catalogue-${rigaDate(ctx.now)}.zip`;
          return [
            {
              kind: 'file',
              file: { name, mime: 'application/zip', data },
              caption: ctx.tr.t('catalogue:export.caption', { count: options.store.current.programmes.length }),
            },
          ];
        },
      },
    ],
    actions: [
      {
        id: 'catalogue:open',
        access: [staff],
        handle: withProgramme(async (ctx, p) => {
          const { body, rows } = await programmePage(ctx, service, db, p, fresh(ctx));
          return splitReplies(body, rows, limit(ctx));
        }),
      },
      {
        id: 'catalogue:history',
        access: [staff],
        handle: withProgramme(async (ctx, p) => {
          const { body, rows } = await historyView(ctx, service, db, p);
          return splitReplies(body, rows, limit(ctx));
        }),
      },
      {
        id: 'catalogue:restore',
        access: [staff],
        handle: withProgramme(async (ctx, p, [version]) => {
          const n = Number(version);
          if (!Number.isInteger(n) || n < 1) return [text(ctx.tr.t('catalogue:history.no_version', { version: String(version ?? '').slice(0, 10) }))];
          return startFlow(ctx, { kind: 'restore', id: p.id, version: n });
        }),
      },
      {
        id: 'catalogue:edit',
        access: [staff],
        handle: withProgramme(async (ctx, p, [what]) => {
          if (what !== 'end_date' && what !== 'close' && what !== 'checked') return [text(ctx.tr.t('catalogue:page.unknown', { id: p.id }))];
          return startFlow(ctx, { kind: what, id: p.id });
        }),
      },
    ],
    fileHandlers: [
      {
        name: 'catalogue',
        accepts: (_ctx, file) => isCatalogueUpload(file.name),
        async handle(ctx, file) {
          if (!isStaff(ctx)) return [text(ctx.tr.t('catalogue:intake.staff_only'))];
          if (inGroup(ctx)) return pointer(ctx);
          const sent = await readUpload(file.name, file.data);
          if (!sent.ok) return [text(ctx.tr.t(`catalogue:intake.${sent.why}`, { name: sent.name, max: Math.round((sent.max ?? 0) / 1024) }))];
          if (!sent.programmes.length) return [text(ctx.tr.t('catalogue:intake.tests_first'))];
          return startFlow(ctx, { kind: 'upload', programmes: sent.programmes, tests: sent.tests, ignored: sent.ignored });
        },
      },
    ],
    menu: [{ label: 'catalogue:menu.catalogue', command: 'catalogue', order: 80 }],
    personalData,
    start() {
      reminder.start();
    },
    async stop() {
      await reminder.stop();
    },
  };
}
