import { privateChat, staff } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { commandAction, type Feature } from '../../core/router.ts';
import { type Reply, text } from '../../core/types.ts';
import type { FeatureDeps } from '../deps.ts';
import { barChartSize, PRINT_SCALE, renderBarChart } from '../ideas/chart.ts';
import { clip, visitLabel } from '../ideas/common.ts';
import { rigaStamp, sortForExport } from '../ideas/export.ts';
import { IdeaStore } from '../ideas/idea-store.ts';
import { summarize, summaryChart } from '../ideas/report.ts';
import { Themes } from '../ideas/themes.ts';
import { formatName, visitDates } from '../visits/format.ts';
import { RsvpService } from '../visits/rsvp.ts';
import { type Visit, VisitStore } from '../visits/visit-store.ts';

export const DOCX_MIME = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/**
 * `/report VISIT`: the meeting report as a Word document in the coordinator's language, drawn from what the bot
 * holds (visit, agenda, RSVPs, five-idea lists); the parts that need the coordinator's own words are left empty.
 */
export function reportsFeature(deps: FeatureDeps, options: { themes?: Themes } = {}): Feature {
  const themes = options.themes ?? Themes.load();
  const visits = new VisitStore(deps.db, deps.municipalities);
  const ideas = new IdeaStore(deps.db);
  const rsvps = new RsvpService(deps.db);

  const resolve = async (ctx: Ctx, args: string): Promise<Visit | Reply[]> => {
    const typed = args.trim();
    if (!typed) {
      const current = await visits.current(ctx.now);
      return current ?? [text(ctx.tr.t('reports:no_visit'))];
    }
    const r = await visits.lookup(typed, ctx.now);
    if ('found' in r) return r.found;
    if ('ambiguous' in r) {
      return [text(ctx.tr.t('reports:ambiguous', { typed: clip(typed, 60) }), r.ambiguous.slice(0, 8).map((v) => [{ label: clip(visitLabel(ctx.tr, v), 60), action: commandAction('report', v.id) }]))];
    }
    const byId = /^[a-z0-9-]{3,80}$/.test(typed) ? await visits.get(typed) : undefined;
    return byId ?? [text(ctx.tr.t('reports:not_found', { typed: clip(typed, 60) }), [[{ label: ctx.tr.plain('reports:all_visits'), action: commandAction('visits') }]])];
  };

  const report = async (ctx: Ctx, args: string): Promise<Reply[]> => {
    const { tr } = ctx;
    if (!ctx.caps.files) return [text(tr.t('reports:no_files'))];
    const found = await resolve(ctx, args);
    if (Array.isArray(found)) return found;
    const visit = await visits.get(found.id);
    if (!visit) return [text(tr.t('reports:not_found', { typed: clip(args.trim(), 60) }))];
    const participants = (await rsvps.list(visit.id)).filter((e) => e.answer === 'going');
    const summary = summarize(await ideas.themeRows(visit.id), themes);
    let ideaPart;
    if (summary.lists > 0) {
      const ectx = { tr, themes, municipalities: deps.municipalities, visitLabel: visitLabel(tr, visit), now: ctx.now };
      const lists = sortForExport(await ideas.exportLists(visit.id), ectx);
      const view = { tr, themes, municipalities: deps.municipalities, visitLabel: ectx.visitLabel, collection: await ideas.collection(visit.id), staff: true };
      const chart = summaryChart(view, summary, rigaStamp(ctx.now));
      const size = barChartSize(chart);
      ideaPart = { summary, lists, chart: { png: await renderBarChart(chart, PRINT_SCALE), ...size } };
    }
    // docx is loaded on first use, like exceljs: most runs of the bot never make a report.
    const { meetingReportDocx } = await import('./meeting-report.ts');
    const data = await meetingReportDocx({
      tr,
      visit,
      formatName: formatName(visit, tr),
      participants,
      municipalities: deps.municipalities,
      themes,
      ideas: ideaPart,
      now: ctx.now,
    });
    await deps.audit?.byCtx(ctx, 'report.export', null, { visit: visit.id, participants: participants.length, lists: summary.lists });
    const named = participants.filter((p) => p.listed === true).length;
    return [
      {
        kind: 'file',
        file: { name: `report-${visit.starts_on}.docx`, mime: DOCX_MIME, data },
        caption: tr.t('reports:caption', {
          place: visit.place,
          dates: visitDates(visit, tr),
          participants: tr.plain('reports:count.participants', { count: participants.length }),
          named: tr.plain('reports:count.named', { count: named }),
          lists: tr.plain('reports:count.lists', { count: summary.lists }),
        }),
      },
    ];
  };

  return {
    name: 'reports',
    commands: [
      {
        name: 'report',
        // Names participants who agreed to it: only in the coordinator's private chat.
        access: [staff, privateChat],
        description: 'reports:commands.report',
        arg: { name: 'visit', description: 'reports:commands.visit_arg' },
        handle: report,
      },
    ],
  };
}
