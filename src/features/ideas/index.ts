import { members, privateChat, staff } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { esc, join, type Markup } from '../../core/markup.ts';
import type { Kysely } from 'kysely';
import { commandAction, type CommandDef, type Feature, type PersonalData } from '../../core/router.ts';
import type { DB } from '../../db/schema.ts';
import { sweepTempFiles } from '../../core/files.ts';
import { type Choice, type Reply, text } from '../../core/types.ts';
import type { FeatureDeps } from '../deps.ts';
import { type Visit, VisitStore } from '../visits/visit-store.ts';
import { renderBarChart } from './chart.ts';
import { clip, type IdeasServices, visitLabel } from './common.ts';
import { rigaStamp, writeIdeaExports } from './export.ts';
import { IdeaStore } from './idea-store.ts';
import { summarize, summaryChart, summaryText, type SummaryView } from './report.ts';
import { FLOW_NAME, ideasFlow, SUBMIT_ACCESS } from './submit-flow.ts';
import { Themes } from './themes.ts';

export interface IdeasFeatureOptions {
  /** Theme rules (default: data/themes.yaml). */
  themes?: Themes;
}

type Resolved = { visit: Visit } | { replies: Reply[] };

/**
 * Five-idea lists: experts submit theirs by message (or a form on Discord), coordinators open and close collection,
 * remind, and get the summary as a chart and text, and every list as CSV and Markdown.
 */
export function ideasFeature(deps: FeatureDeps, options: IdeasFeatureOptions = {}): Feature {
  const themes = options.themes ?? Themes.load();
  const store = new IdeaStore(deps.db);
  const visits = new VisitStore(deps.db, deps.municipalities);
  const svc: IdeasServices = { store, visits, themes, municipalities: deps.municipalities };

  const visitChoices = (ctx: Ctx, command: string, list: readonly Pick<Visit, 'id' | 'title' | 'starts_on'>[]): Choice[][] =>
    list.map((v) => [{ label: clip(visitLabel(ctx.tr, v), 60), action: commandAction(command, v.id) }]);

  /**
   * The visit a command is about: the one named in its argument; else, when `preferOpen`, the one collection is
   * open for (asking which when several are); else the current visit (going on, next, or most recent).
   */
  const resolveVisit = async (ctx: Ctx, args: string, command: string, preferOpen: boolean): Promise<Resolved> => {
    const { tr } = ctx;
    const typed = args.trim();
    if (typed) {
      const r = await visits.lookup(typed, ctx.now);
      if ('found' in r) return { visit: r.found };
      if ('ambiguous' in r) return { replies: [text(tr.t('ideas:visit.ambiguous', { typed: clip(typed, 60) }), visitChoices(ctx, command, r.ambiguous.slice(0, 8)))] };
      // Buttons carry the visit's id; a draft visit is not in the members' list but is still the one meant.
      const byId = /^[a-z0-9-]{3,80}$/.test(typed) ? await visits.get(typed) : undefined;
      if (byId) return { visit: byId };
      return { replies: [text(tr.t('ideas:visit.not_found', { typed: clip(typed, 60) }))] };
    }
    if (preferOpen) {
      const open = await store.openCollections();
      const openVisits = (await Promise.all(open.map((c) => visits.get(c.visit_id)))).filter((v): v is NonNullable<typeof v> => v !== undefined);
      if (openVisits.length === 1) return { visit: openVisits[0]! };
      if (openVisits.length > 1) return { replies: [text(tr.t('ideas:visit.choose_open'), visitChoices(ctx, command, openVisits.slice(0, 8)))] };
    }
    const current = await visits.current(ctx.now);
    if (current) return { visit: current };
    return { replies: [text(tr.t('ideas:visit.none'))] };
  };

  /** "No lists yet" plus buttons for visits that have a collection. */
  const noLists = async (ctx: Ctx, key: string, visit: Visit, command: string): Promise<Reply[]> => {
    const others = (await store.recentCollections(8)).filter((c) => c.visit_id !== visit.id);
    const otherVisits = (await Promise.all(others.map((c) => visits.get(c.visit_id)))).filter((v): v is NonNullable<typeof v> => v !== undefined);
    const msg = ctx.tr.t(key, { visit: visitLabel(ctx.tr, visit) });
    if (!otherVisits.length) return [text(msg)];
    return [text(join([msg, ctx.tr.t('ideas:visit.with_lists')], '\n\n'), visitChoices(ctx, command, otherVisits.slice(0, 6)))];
  };

  const withVisit =
    (command: string, preferOpen: boolean, run: (ctx: Ctx, visit: Visit) => Promise<Reply[]>) =>
    async (ctx: Ctx, args: string): Promise<Reply[]> => {
      const r = await resolveVisit(ctx, args, command, preferOpen);
      return 'replies' in r ? r.replies : run(ctx, r.visit);
    };

  const isStaff = (ctx: Ctx) => ctx.person.role === 'coordinator' || ctx.person.role === 'admin';

  const report = async (ctx: Ctx, visit: Visit, staffView: boolean, command: string): Promise<Reply[]> => {
    const { tr } = ctx;
    const summary = summarize(await store.themeRows(visit.id), themes);
    if (summary.lists === 0) return noLists(ctx, 'ideas:report.empty', visit, command);
    const collection = await store.collection(visit.id);
    const view: SummaryView = {
      tr,
      themes,
      municipalities: deps.municipalities,
      visitLabel: visitLabel(tr, visit),
      collection,
      staff: staffView,
      ...(staffView ? { pending: (await store.expertsWithoutList(visit.id)).length } : {}),
    };
    const replies: Reply[] = [];
    if (ctx.caps.files) {
      const png = await renderBarChart(summaryChart(view, summary, rigaStamp(ctx.now)));
      replies.push({
        kind: 'image',
        file: { name: `ideas-${visit.starts_on}.png`, mime: 'image/png', data: png },
        caption: tr.t('ideas:report.chart_caption', { visit: view.visitLabel }),
      });
    }
    const choices: Choice[][] = [];
    if (staffView) {
      choices.push([{ label: tr.plain('ideas:buttons.export'), action: commandAction('ideas_export', visit.id) }]);
      if (collection?.status === 'open') {
        choices.push([
          { label: tr.plain('ideas:buttons.remind'), action: commandAction('ideas_remind', visit.id) },
          { label: tr.plain('ideas:buttons.close'), action: commandAction('ideas_close', visit.id) },
        ]);
      }
    }
    replies.push(text(summaryText(view, summary), choices));
    return replies;
  };

  const commands: CommandDef[] = [
    {
      name: 'ideas',
      access: SUBMIT_ACCESS,
      description: 'ideas:commands.ideas',
      arg: { name: 'visit', description: 'ideas:commands.visit_arg' },
      handle: withVisit('ideas', true, async (ctx, visit) => {
        const { tr } = ctx;
        const label = visitLabel(tr, visit);
        const collection = await store.collection(visit.id);
        if (collection?.status === 'open') return ctx.startFlow(FLOW_NAME, visit.id);
        if (collection?.status === 'closed') {
          const mine = await store.currentList(visit.id, ctx.person.id);
          const closed = tr.t('ideas:collect.closed', { visit: label, date: new Date(collection.closed_at ?? collection.opened_at) });
          if (!mine) return [text(closed)];
          const lines = mine.ideas.map((i, k) => `${k + 1}. ${i.text}`);
          return [text(join([closed, tr.t('ideas:collect.yours', { version: mine.version }), esc(lines.join('\n'))], '\n\n'))];
        }
        if (isStaff(ctx)) {
          return [text(tr.t('ideas:collect.not_open_staff', { visit: label }), [[{ label: tr.plain('ideas:buttons.open'), action: commandAction('ideas_open', visit.id) }]])];
        }
        return [text(tr.t('ideas:collect.not_open', { visit: label }))];
      }),
    },
    {
      name: 'ideas_summary',
      access: [members],
      description: 'ideas:commands.summary',
      arg: { name: 'visit', description: 'ideas:commands.visit_arg' },
      handle: withVisit('ideas_summary', true, (ctx, visit) => report(ctx, visit, false, 'ideas_summary')),
    },
    {
      name: 'ideas_report',
      access: [staff],
      description: 'ideas:commands.report',
      arg: { name: 'visit', description: 'ideas:commands.visit_arg' },
      handle: withVisit('ideas_report', true, (ctx, visit) => report(ctx, visit, true, 'ideas_report')),
    },
    {
      name: 'ideas_export',
      // Exports name the authors: only in the coordinator's private chat, never in a group.
      access: [staff, privateChat],
      description: 'ideas:commands.export',
      arg: { name: 'visit', description: 'ideas:commands.visit_arg' },
      handle: withVisit('ideas_export', true, async (ctx, visit) => {
        const { tr } = ctx;
        if (!ctx.caps.files) {
          return (await store.countLists(visit.id)) ? [text(tr.t('ideas:export.no_files'))] : noLists(ctx, 'ideas:export.empty', visit, 'ideas_export');
        }
        const ectx = { tr, themes, municipalities: deps.municipalities, visitLabel: visitLabel(tr, visit), now: ctx.now };
        const files = await writeIdeaExports(store, visit.id, `ideas-${visit.starts_on}`, ectx);
        if (!files) return noLists(ctx, 'ideas:export.empty', visit, 'ideas_export');
        await deps.audit?.byCtx(ctx, 'ideas.export', null, { visit: visit.id, lists: files.lists });
        const counts = { lists: tr.plain('ideas:count.lists', { count: files.lists }), ideas: tr.plain('ideas:count.ideas', { count: files.ideas }) };
        return [
          { kind: 'file', file: files.xlsx, caption: tr.t('ideas:export.caption_xlsx', counts) },
          { kind: 'file', file: files.csv, caption: tr.t('ideas:export.caption_csv') },
          { kind: 'file', file: files.markdown, caption: tr.t('ideas:export.caption_md') },
        ];
      }),
    },
    {
      name: 'ideas_open',
      access: [staff],
      description: 'ideas:commands.open',
      arg: { name: 'visit', description: 'ideas:commands.visit_arg' },
      handle: withVisit('ideas_open', false, async (ctx, visit) => {
        const { tr } = ctx;
        const label = visitLabel(tr, visit);
        const r = await store.open(visit.id, ctx.person.id, ctx.now);
        const buttons: Choice[][] = [
          [{ label: tr.plain('ideas:buttons.remind'), action: commandAction('ideas_remind', visit.id) }],
          [{ label: tr.plain('ideas:buttons.close'), action: commandAction('ideas_close', visit.id) }],
        ];
        if (r === 'already_open') {
          const c = await store.collection(visit.id);
          return [text(tr.t('ideas:open.already', { visit: label, date: new Date(c!.opened_at) }), buttons)];
        }
        return [text(tr.t(r === 'reopened' ? 'ideas:open.reopened' : 'ideas:open.done', { visit: label }), buttons)];
      }),
    },
    {
      name: 'ideas_close',
      access: [staff],
      description: 'ideas:commands.close',
      arg: { name: 'visit', description: 'ideas:commands.visit_arg' },
      handle: withVisit('ideas_close', true, async (ctx, visit) => {
        const { tr } = ctx;
        const label = visitLabel(tr, visit);
        const r = await store.close(visit.id, ctx.now);
        if (r === 'never_opened') return [text(tr.t('ideas:close.never', { visit: label }))];
        const c = await store.collection(visit.id);
        const lists = await store.countLists(visit.id);
        const buttons: Choice[][] = [
          [
            { label: tr.plain('ideas:buttons.report'), action: commandAction('ideas_report', visit.id) },
            { label: tr.plain('ideas:buttons.export'), action: commandAction('ideas_export', visit.id) },
          ],
        ];
        const msg: Markup =
          r === 'closed'
            ? tr.t('ideas:close.done', { visit: label, count: lists })
            : tr.t('ideas:close.already', { visit: label, date: new Date(c?.closed_at ?? ctx.now), count: lists });
        return [text(msg, buttons)];
      }),
    },
    {
      name: 'ideas_remind',
      access: [staff],
      description: 'ideas:commands.remind',
      arg: { name: 'visit', description: 'ideas:commands.visit_arg' },
      handle: withVisit('ideas_remind', true, async (ctx, visit) => {
        const { tr } = ctx;
        const label = visitLabel(tr, visit);
        const c = await store.collection(visit.id);
        if (c?.status !== 'open') {
          return [text(tr.t('ideas:remind.not_open', { visit: label }), [[{ label: tr.plain('ideas:buttons.open'), action: commandAction('ideas_open', visit.id) }]])];
        }
        const pending = await store.expertsWithoutList(visit.id);
        if (!pending.length) return [text(tr.t('ideas:remind.nobody', { visit: label }))];
        let reached = 0;
        let unreachable = 0;
        for (const personId of pending) {
          if (await remind(personId, visit)) reached++;
          else unreachable++;
        }
        const lines = [tr.t('ideas:remind.done', { count: reached })];
        if (unreachable > 0) lines.push(tr.t('ideas:remind.unreachable', { count: unreachable }));
        return [text(join(lines, '\n'))];
      }),
    },
  ];

  /** Queues one expert's reminder, in their language, for their chats in order (the notice outbox retries it). */
  const remind = (personId: string, visit: Visit): Promise<boolean> =>
    deps.notices.toPerson(personId, 'idea_reminder', (tr) =>
      text(tr.t('ideas:remind.message', { visit: visitLabel(tr, visit) }), [[{ label: tr.plain('ideas:remind.button'), action: commandAction('ideas', visit.id) }]]),
    );

  let sweeping: Promise<number> | undefined;
  return {
    name: 'ideas',
    commands,
    flows: [ideasFlow(svc)],
    personalData: ideasPersonalData(),
    // Exports a crash left behind in the temporary folder: swept beside the first answers, not before them.
    start: async () => void (sweeping = sweepTempFiles()),
    stop: async () => void (await sweeping),
    menu: [
      { label: 'ideas:menu.ideas', command: 'ideas', order: 40 },
      { label: 'ideas:menu.report', command: 'ideas_report', order: 41 },
    ],
  };
}

/**
 * Personal data of five-idea lists. Erasing keeps each list in the network's reports without its author (the
 * municipality stays). Linking moves the lists; when both accounts have a list for one visit, the newer one stays
 * current and the other's versions become its earlier versions, so nothing written is lost.
 */
function ideasPersonalData(): PersonalData {
  return {
    async export(personId, db) {
      const lists = await db.selectFrom('idea_lists').selectAll().where('person_id', '=', personId).orderBy('submitted_at').execute();
      const out = [];
      for (const l of lists) {
        const versions = await db.selectFrom('idea_list_versions').select(['version', 'saved_at']).where('list_id', '=', l.id).orderBy('version').execute();
        const ideas = await db.selectFrom('ideas').select(['version', 'position', 'text', 'themes']).where('list_id', '=', l.id).orderBy('version').orderBy('position').execute();
        out.push({
          visit: l.visit_id,
          municipality: l.municipality,
          currentVersion: l.version,
          submittedAt: l.submitted_at,
          versions: versions.map((v) => ({ version: v.version, savedAt: v.saved_at, ideas: ideas.filter((i) => i.version === v.version).map((i) => i.text) })),
        });
      }
      const opened = await db.selectFrom('idea_collections').select(['visit_id', 'status', 'opened_at']).where('opened_by', '=', personId).execute();
      return { ideaLists: out, collectionsOpened: opened };
    },
    async erase(personId, db) {
      await db.updateTable('idea_lists').set({ person_id: null }).where('person_id', '=', personId).execute();
      await db.updateTable('idea_collections').set({ opened_by: null }).where('opened_by', '=', personId).execute();
    },
    async merge(fromId, intoId, db) {
      const theirs = await db.selectFrom('idea_lists').selectAll().where('person_id', '=', fromId).execute();
      for (const l of theirs) {
        const mine = await db.selectFrom('idea_lists').selectAll().where('visit_id', '=', l.visit_id).where('person_id', '=', intoId).executeTakeFirst();
        if (!mine) {
          await db.updateTable('idea_lists').set({ person_id: intoId }).where('id', '=', l.id).execute();
          continue;
        }
        const [keep, older] = l.updated_at > mine.updated_at ? [l, mine] : [mine, l];
        await foldVersions(db, keep.id, older.id);
        await db
          .updateTable('idea_lists')
          .set({
            person_id: intoId,
            municipality: keep.municipality ?? older.municipality,
            submitted_at: keep.submitted_at < older.submitted_at ? keep.submitted_at : older.submitted_at,
          })
          .where('id', '=', keep.id)
          .execute();
      }
      await db.updateTable('idea_collections').set({ opened_by: intoId }).where('opened_by', '=', fromId).execute();
    },
  };
}

/** Makes `olderId`'s versions the first versions of `keepId` (whose own versions move up), then deletes `olderId`. */
async function foldVersions(db: Kysely<DB>, keepId: string, olderId: string): Promise<void> {
  const olderVersions = await db.selectFrom('idea_list_versions').selectAll().where('list_id', '=', olderId).orderBy('version').execute();
  const keepVersions = await db.selectFrom('idea_list_versions').selectAll().where('list_id', '=', keepId).orderBy('version', 'desc').execute();
  const shift = olderVersions.length;
  const copy = async (fromList: string, fromVersion: number, toVersion: number, savedAt: string) => {
    await db.insertInto('idea_list_versions').values({ list_id: keepId, version: toVersion, saved_at: savedAt }).execute();
    const ideas = await db.selectFrom('ideas').selectAll().where('list_id', '=', fromList).where('version', '=', fromVersion).execute();
    if (ideas.length) await db.insertInto('ideas').values(ideas.map((i) => ({ ...i, list_id: keepId, version: toVersion }))).execute();
  };
  // Highest first, so each new number is free when it is taken.
  for (const v of keepVersions) {
    await copy(keepId, v.version, v.version + shift, v.saved_at);
    await db.deleteFrom('ideas').where('list_id', '=', keepId).where('version', '=', v.version).execute();
    await db.deleteFrom('idea_list_versions').where('list_id', '=', keepId).where('version', '=', v.version).execute();
  }
  for (const [i, v] of olderVersions.entries()) await copy(olderId, v.version, i + 1, v.saved_at);
  const current = (keepVersions[0]?.version ?? 0) + shift;
  await db.deleteFrom('ideas').where('list_id', '=', olderId).execute();
  await db.deleteFrom('idea_list_versions').where('list_id', '=', olderId).execute();
  await db.deleteFrom('idea_lists').where('id', '=', olderId).execute();
  await db.updateTable('idea_lists').set({ version: current }).where('id', '=', keepId).execute();
}
