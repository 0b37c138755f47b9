import { anyone, checkAll, staff } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { join, type Markup, splitMarkup } from '../../core/markup.ts';
import { commandAction, type Feature } from '../../core/router.ts';
import { rigaDate } from '../../core/time.ts';
import { ViewCache } from '../../core/view-cache.ts';
import { type Choice, type Reply, text, withButtons } from '../../core/types.ts';
import type { FeatureDeps } from '../deps.ts';
import { CatalogueStore, formatError, type Programme, type ReloadRecord } from './catalogue.ts';
import { problemLines } from './problems-view.ts';
import { VersionStore } from './versions.ts';
import { ELIGIBILITY_FLOW, eligibilityFlow, splitReplies } from './eligibility-flow.ts';
import { detailsMarkup, endedMarkup, type Freshness, listMarkup, listOrder, loc, sourcesMarkup, standing } from './render.ts';
import { programmesNamedBy, searchProgrammes } from './search.ts';

export interface ProgrammesOptions {
  /** Another catalogue folder (tests); default data/programmes. */
  dir?: string;
  /** Told about every reload, accepted or refused (the audit log will record it). */
  onReload?: (record: ReloadRecord) => void | Promise<void>;
  /** Buttons a coordinator sees on a programme's page (the catalogue feature's "Manage"). */
  staffButtons?: (ctx: Ctx, p: Programme) => Choice[];
}

const MESSAGE_LIMIT = 3500;
/** How often an instance looks for versions published on another one: "within seconds" everywhere. */
export const SYNC_INTERVAL_MS = 5000;

/**
 * Support programmes: the catalogue (`/programmes`, `/programme NAME`, a programme's name typed as free text), the
 * eligibility questionnaire (`/eligibility`), and `/reload` for coordinators to apply catalogue edits without a restart.
 */
export function programmesFeature(deps: FeatureDeps, options: ProgrammesOptions = {}): Feature & { store: CatalogueStore; versions: VersionStore } {
  const versions = new VersionStore(deps.db);
  const store = new CatalogueStore(options.dir, versions);
  let timer: NodeJS.Timeout | undefined;
  if (store.startErrors.length) {
    deps.log.error({ errors: store.startErrors.map(formatError) }, 'programme catalogue has errors; serving the valid files only');
  }

  const asOf = (ctx: Ctx) => rigaDate(ctx.now);
  const fresh = (ctx: Ctx): Freshness => ({ today: rigaDate(ctx.now), staleMonths: deps.config.catalogueStaleMonths });
  const limit = (ctx: Ctx) => Math.min(MESSAGE_LIMIT, ctx.caps.maxTextLength);
  const pairs = (items: Choice[]): Choice[][] => {
    const rows: Choice[][] = [];
    for (let i = 0; i < items.length; i += 2) rows.push(items.slice(i, i + 2));
    return rows;
  };
  const showButton = (ctx: Ctx, p: Programme): Choice => ({ label: loc(p.name, ctx.tr.lng), action: `programmes:show:${p.id}` });
  const staffNote = (ctx: Ctx): Markup[] =>
    store.startErrors.length && (ctx.person.role === 'coordinator' || ctx.person.role === 'admin')
      ? [ctx.tr.t('programmes:reload.start_errors', { count: store.startErrors.length })]
      : [];

  // Pages that depend only on the catalogue in use, the language and the day: built once, then shared.
  const lists = new ViewCache<readonly Reply[]>();
  const pages = new ViewCache<readonly Markup[]>();
  const viewKey = (ctx: Ctx, what: string) => `${what}|${ctx.tr.ui}|${ctx.tr.revision}|${asOf(ctx)}|${limit(ctx)}`;

  const list = (ctx: Ctx): Reply[] => {
    const note = staffNote(ctx);
    if (note.length) return buildList(ctx, note);
    return [...lists.get(store.current, viewKey(ctx, 'list'), () => buildList(ctx, note))];
  };

  const buildList = (ctx: Ctx, note: Markup[]): Reply[] => {
    const day = asOf(ctx);
    const body = join([...note, listMarkup(store.current, day, ctx.tr, fresh(ctx))], '\n\n');
    const ordered = listOrder(store.current, ctx.tr.lng);
    const buttons = pairs(ordered.filter((p) => standing(p, day) !== 'ended').map((p) => showButton(ctx, p)));
    const ended = ordered.filter((p) => standing(p, day) === 'ended').length;
    const last: Choice[] = [{ label: ctx.tr.plain('programmes:menu.eligibility'), action: commandAction('eligibility') }];
    if (ended) last.push({ label: ctx.tr.plain('programmes:list.ended_button', { count: ended }), action: 'programmes:ended' });
    buttons.push(last);
    return splitReplies(body, buttons, limit(ctx));
  };

  const endedList = (ctx: Ctx): Reply[] => {
    const day = asOf(ctx);
    const ended = listOrder(store.current, ctx.tr.lng).filter((p) => standing(p, day) === 'ended');
    const buttons = pairs(ended.map((p) => showButton(ctx, p)));
    buttons.push([{ label: ctx.tr.plain('programmes:results.all'), action: commandAction('programmes') }]);
    return splitReplies(endedMarkup(store.current, day, ctx.tr), buttons, limit(ctx));
  };

  const details = (ctx: Ctx, p: Programme): Reply[] => {
    const staffRow = checkAll([staff], ctx.who) === true ? (options.staffButtons?.(ctx, p) ?? []) : [];
    const page = pages.get(store.current, viewKey(ctx, `details:${p.id}`), () => splitMarkup(detailsMarkup(p, asOf(ctx), ctx.tr, fresh(ctx)), limit(ctx)));
    return withButtons(page, [
      [{ label: ctx.tr.plain('programmes:details.sources_button'), action: `programmes:sources:${p.id}` }, ...staffRow],
      [
        { label: ctx.tr.plain('programmes:menu.eligibility'), action: commandAction('eligibility') },
        { label: ctx.tr.plain('programmes:results.all'), action: commandAction('programmes') },
      ],
    ]);
  };

  const sources = (ctx: Ctx, p: Programme): Reply[] =>
    splitReplies(sourcesMarkup(p, ctx.tr), [[{ label: ctx.tr.plain('programmes:sources.back', { name: loc(p.name, ctx.tr.lng) }), action: `programmes:show:${p.id}` }]], limit(ctx));

  const find = (ctx: Ctx, query: string): Reply[] => {
    const q = query.trim().slice(0, 100);
    if (!q) return list(ctx);
    const r = searchProgrammes(store.current, q);
    if (r.matches.length === 1) return details(ctx, r.matches[0]!);
    if (r.matches.length > 1) return [text(ctx.tr.t('programmes:search.several', { typed: q }), pairs(r.matches.map((p) => showButton(ctx, p))))];
    const buttons = pairs(r.suggestions.map((p) => showButton(ctx, p)));
    buttons.push([{ label: ctx.tr.plain('programmes:results.all'), action: commandAction('programmes') }]);
    const msg = r.suggestions.length ? ctx.tr.t('programmes:search.suggest', { typed: q }) : ctx.tr.t('programmes:search.none', { typed: q });
    return [text(msg, buttons)];
  };

  const reload = async (ctx: Ctx): Promise<Reply[]> => {
    const record = await store.reload(ctx.person.id, ctx.now, ctx.person.role);
    deps.log.info({ audit: 'programmes.reload', ...record, errors: record.errors.map(formatError) }, record.ok ? 'programme catalogue reloaded' : 'programme catalogue reload refused');
    await options.onReload?.(record);
    const t = ctx.tr;
    if (!record.ok) {
      return splitReplies(join([t.t('programmes:reload.refused', { count: record.count }), problemLines(record.errors, t)]), [], limit(ctx));
    }
    const none = t.plain('programmes:reload.none');
    const fmt = (ids: string[]) => (ids.length ? ids.join(', ') : none);
    return [
      text(
        join([
          t.t('programmes:reload.done', { count: record.count }),
          t.t('programmes:reload.changes', { added: fmt(record.added), changed: fmt(record.changed), removed: fmt(record.removed) }),
          // Versions published in chat that no longer validate: the shipped file answers meanwhile.
          ...(store.startErrors.length ? [t.t('programmes:reload.version_errors', { count: store.startErrors.length }), problemLines(store.startErrors, t)] : []),
        ]),
      ),
    ];
  };

  return {
    name: 'programmes',
    store,
    versions,
    start() {
      timer = setInterval(() => {
        store.sync().catch((err) => deps.log.warn({ err }, 'catalogue sync failed'));
      }, SYNC_INTERVAL_MS);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    flows: [eligibilityFlow(store, deps.config.catalogueStaleMonths)],
    commands: [
      { name: 'programmes', access: [anyone], description: 'programmes:commands.programmes', handle: async (ctx) => list(ctx) },
      {
        name: 'programme',
        access: [anyone],
        description: 'programmes:commands.programme',
        arg: { name: 'name', description: 'programmes:commands.programme_arg' },
        handle: async (ctx, args) => find(ctx, args),
      },
      {
        name: 'eligibility',
        access: [anyone],
        description: 'programmes:commands.eligibility',
        arg: { name: 'date', description: 'programmes:commands.eligibility_arg' },
        handle: (ctx, args) => ctx.startFlow(ELIGIBILITY_FLOW, args),
      },
      { name: 'reload', access: [staff], description: 'programmes:commands.reload', handle: reload },
    ],
    actions: [
      {
        id: 'programmes:show',
        access: [anyone],
        async handle(ctx, [id]) {
          const p = id ? store.current.byId.get(id) : undefined;
          return p ? details(ctx, p) : find(ctx, id ?? '');
        },
      },
      {
        id: 'programmes:sources',
        access: [anyone],
        async handle(ctx, [id]) {
          const p = id ? store.current.byId.get(id) : undefined;
          return p ? sources(ctx, p) : find(ctx, id ?? '');
        },
      },
      { id: 'programmes:ended', access: [anyone], handle: async (ctx) => endedList(ctx) },
    ],
    textHandlers: [
      {
        name: 'programmes',
        async handle(ctx, typed) {
          const found = programmesNamedBy(store.current, typed);
          if (found.length === 1) return details(ctx, found[0]!);
          if (found.length > 1) return [text(ctx.tr.t('programmes:search.several', { typed: typed.slice(0, 60) }), pairs(found.map((p) => showButton(ctx, p))))];
          return undefined;
        },
      },
    ],
    menu: [
      { label: 'programmes:menu.programmes', command: 'programmes', order: 10 },
      { label: 'programmes:menu.eligibility', command: 'eligibility', order: 20 },
    ],
  };
}
