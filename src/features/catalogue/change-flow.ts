import * as z from 'zod';
import { privateChat, staff } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { flowChoice, type FlowDef, type FlowInput, type Step } from '../../core/flows.ts';
import { join, type Markup } from '../../core/markup.ts';
import { addDays, rigaDate } from '../../core/time.ts';
import { type Choice, type Reply, text } from '../../core/types.ts';
import { parseDate, splitReplies } from '../programmes/eligibility-flow.ts';
import { problemLines } from '../programmes/problems-view.ts';
import { listDate, loc } from '../programmes/render.ts';
import { programmeSources } from '../programmes/sources.ts';
import type { VersionChange } from '../programmes/tables.ts';
import { checkedToday, closedOn, withEndDate } from './edits.ts';
import { type DraftFile, readUpload } from './intake.ts';
import { previewMarkup } from './preview.ts';
import type { CatalogueService, Draft } from './service.ts';

export const CHANGE_FLOW = 'catalogue_change';
const MESSAGE_LIMIT = 3500;
export const MAX_REASON = 200;
const MAX_URL = 500;
const MAX_URL_BUTTONS = 6;

type Mode =
  | { kind: 'upload' }
  | { kind: 'restore'; id: string; version: number }
  | { kind: 'end_date' | 'close' | 'checked'; id: string };

/**
 * How the flow is started: by a file sent (its programmes and tests), or from a programme's page or history. Built
 * on first use: only a coordinator changing the catalogue needs it, not every start.
 */
export const StartArgs = z.lazy(() => {
  const File = z.object({ name: z.string().max(300), text: z.string() });
  return z.union([
    z.object({ kind: z.literal('upload'), programmes: z.array(File), tests: z.array(File), ignored: z.array(z.string()).default([]) }),
    z.object({ kind: z.literal('restore'), id: z.string(), version: z.number().int().min(1) }),
    z.object({ kind: z.enum(['end_date', 'close', 'checked']), id: z.string() }),
  ]);
});
export type StartArgs = z.infer<typeof StartArgs>;

interface ChangeState {
  mode: Mode;
  step: 'value' | 'preview' | 'reason';
  programmes: DraftFile[];
  tests: DraftFile[];
  /** The newest version of each programme when the preview was made: publishing checks nobody changed it since. */
  base: Record<string, number>;
  checkedUrl?: string;
}

const CHANGE: Record<Mode['kind'], VersionChange> = { upload: 'publish', restore: 'restore', end_date: 'end_date', close: 'close', checked: 'checked' };

/**
 * Changing the catalogue: a file sent, a restore, or an edit from a programme's page (end date, checked, closed)
 * becomes a draft; the coordinator sees the preview (what differs, which rule-test answers change), may add rule
 * tests, then publishes with a one-line reason or cancels. Nothing changes before "Publish".
 */
export function changeFlow(service: CatalogueService): FlowDef<ChangeState> {
  const done = (replies: Reply[]): Step<ChangeState> => ({ replies, done: true });
  const cancelRow = (ctx: Ctx): Choice => flowChoice(ctx.tr.plain('catalogue:buttons.cancel'), 'cancel');
  const today = (ctx: Ctx) => rigaDate(ctx.now);
  const programme = (id: string) => service.store.current.byId.get(id);
  const draftOf = (s: ChangeState): Draft => ({ programmes: s.programmes, tests: s.tests });

  const refused = (ctx: Ctx, errors: Parameters<typeof problemLines>[0], head = 'catalogue:refused.title'): Markup =>
    join([ctx.tr.t(head, { count: errors.length }), problemLines(errors, ctx.tr)]);

  /** Evaluates the draft and shows the preview; `previous` is the state to go back to when the draft has errors. */
  const preview = async (ctx: Ctx, state: ChangeState, notes: Markup[] = [], previous?: ChangeState): Promise<Step<ChangeState>> => {
    const { tr } = ctx;
    const { report, base } = await service.evaluate(draftOf(state));
    if (report.errors.length) {
      const body = refused(ctx, report.errors);
      if (!previous) return done([text(join([...notes, body, tr.t('catalogue:refused.nothing_changed')], '\n\n'))]);
      const again = await preview(ctx, previous);
      return 'done' in again ? again : { ...again, replies: [text(join([body, tr.t('catalogue:refused.draft_kept')], '\n\n')), ...again.replies] };
    }
    if (!report.programmes.some((p) => p.kind !== 'same')) {
      const names = report.programmes.map((p) => loc(p.programme.name, tr.lng)).join(', ');
      return done([text(join([...notes, tr.t('catalogue:refused.no_change', { names, count: report.programmes.length })], '\n\n'))]);
    }
    const intro =
      state.mode.kind === 'restore'
        ? tr.t('catalogue:preview.restoring', { version: state.mode.version, name: loc(report.programmes[0]!.programme.name, tr.lng) })
        : undefined;
    const body = previewMarkup(report, { tr, today: today(ctx), versionOf: (id) => service.store.versionOf(id)?.version ?? 0 }, intro);
    const hint = state.mode.kind === 'upload' ? tr.t('catalogue:preview.hint_upload') : tr.t('catalogue:preview.hint');
    return {
      replies: splitReplies(join([...notes, body, hint], '\n\n'), [[flowChoice(tr.plain('catalogue:buttons.publish'), 'publish'), cancelRow(ctx)]], Math.min(MESSAGE_LIMIT, ctx.caps.maxTextLength)),
      state: { ...state, step: 'preview', base },
    };
  };

  const suggestedReason = (ctx: Ctx, state: ChangeState): string | undefined => {
    const m = state.mode;
    switch (m.kind) {
      case 'restore':
        return ctx.tr.plain('catalogue:reason.suggest_restore', { version: m.version });
      case 'end_date':
        return ctx.tr.plain('catalogue:reason.suggest_end_date');
      case 'close':
        return ctx.tr.plain('catalogue:reason.suggest_close');
      case 'checked':
        return ctx.tr.plain('catalogue:reason.suggest_checked');
      case 'upload':
        return undefined;
    }
  };

  const askReason = (ctx: Ctx, state: ChangeState, note?: Markup): Step<ChangeState> => {
    const suggestion = suggestedReason(ctx, state);
    const rows: Choice[][] = [];
    if (suggestion) rows.push([flowChoice(suggestion, 'suggested')]);
    rows.push([cancelRow(ctx)]);
    return {
      replies: [text(join([...(note ? [note] : []), ctx.tr.t('catalogue:reason.ask', { max: MAX_REASON })], '\n\n'), rows)],
      state: { ...state, step: 'reason' },
      typing: true,
    };
  };

  const publish = async (ctx: Ctx, state: ChangeState, reason: string): Promise<Step<ChangeState>> => {
    const { tr } = ctx;
    const draft = draftOf(state);
    const { report, base } = await service.evaluate(draft);
    if (report.errors.length) return done([text(join([refused(ctx, report.errors), tr.t('catalogue:refused.nothing_changed')], '\n\n'))]);
    // The preview was judged against `state.base`: publishing against anything newer would overwrite unseen work.
    const moved = Object.keys(base).filter((id) => base[id] !== state.base[id]);
    if (moved.length) return preview(ctx, state, [tr.t('catalogue:publish.changed_meanwhile', { names: names(ctx, moved) })]);
    const m = state.mode;
    const result = await service.publish(ctx, report, state.base, draft, {
      change: CHANGE[m.kind],
      reason,
      ...(m.kind === 'restore' ? { restoredFrom: m.version } : {}),
      ...(state.checkedUrl ? { checkedUrl: state.checkedUrl } : {}),
    });
    if (!result.ok) return preview(ctx, state, [tr.t('catalogue:publish.changed_meanwhile', { names: names(ctx, result.conflict) })]);
    const lines = result.published.map((p) => tr.t('catalogue:publish.done_line', { name: names(ctx, [p.programmeId]), version: p.version }));
    const rows: Choice[][] = result.published.slice(0, 4).map((p) => [
      { label: tr.plain('catalogue:buttons.page', { name: names(ctx, [p.programmeId]) }), action: `catalogue:open:${p.programmeId}` },
      { label: tr.plain('catalogue:buttons.history'), action: `catalogue:history:${p.programmeId}` },
    ]);
    return done([text(join([tr.t('catalogue:publish.done', { count: result.published.length }), ...lines, tr.t('catalogue:publish.everyone')]), rows)]);
  };

  const names = (ctx: Ctx, ids: string[]) => ids.map((id) => (programme(id) ? loc(programme(id)!.name, ctx.tr.lng) : id)).join(', ');

  /** The sources' addresses a coordinator may have checked against, as buttons. */
  const urlsOf = (id: string): Array<{ url: string; label: string }> => {
    const p = programme(id);
    if (!p) return [];
    const seen = new Set<string>();
    const out: Array<{ url: string; label: string }> = [];
    for (const s of programmeSources(p)) {
      if (!s.url || seen.has(s.url)) continue;
      seen.add(s.url);
      // The address's host is what a coordinator recognises from checking: "skola-kopiena.lv: Par mums …".
      const host = URL.canParse(s.url) ? new URL(s.url).host.replace(/^www\./, '') : s.url;
      const label = `${host}: ${s.title ?? ''}`;
      out.push({ url: s.url, label: label.length > 60 ? `${label.slice(0, 59)}…` : label });
    }
    return out.slice(0, MAX_URL_BUTTONS);
  };

  const askValue = (ctx: Ctx, state: ChangeState, note?: Markup): Step<ChangeState> => {
    const { tr } = ctx;
    const m = state.mode;
    if (m.kind === 'upload' || m.kind === 'restore') return done([]);
    const p = programme(m.id)!;
    const name = loc(p.name, tr.lng);
    const day = today(ctx);
    const rows: Choice[][] = [];
    let ask: Markup;
    if (m.kind === 'end_date') {
      ask = tr.t(p.valid.until ? 'catalogue:edit.end_date_now' : 'catalogue:edit.end_date_none', { name, date: p.valid.until ?? '' });
      const endOfYear = `${day.slice(0, 4)}-12-31`;
      const nextYear = `${Number(day.slice(0, 4)) + 1}-12-31`;
      rows.push([flowChoice(listDate(endOfYear, tr), `d:${endOfYear}`), flowChoice(listDate(nextYear, tr), `d:${nextYear}`)]);
      if (p.valid.until) rows.push([flowChoice(tr.plain('catalogue:edit.no_end'), 'none')]);
    } else if (m.kind === 'close') {
      ask = tr.t('catalogue:edit.close_ask', { name });
      const yesterday = addDays(day, -1);
      rows.push([
        flowChoice(tr.plain('catalogue:edit.yesterday', { date: yesterday }), `d:${yesterday}`),
        flowChoice(tr.plain('catalogue:edit.today', { date: day }), `d:${day}`),
      ]);
    } else {
      ask = tr.t('catalogue:edit.checked_ask', { name });
      urlsOf(m.id).forEach((u, i) => rows.push([flowChoice(u.label, `u:${i}`)]));
    }
    rows.push([cancelRow(ctx)]);
    return { replies: [text(join([...(note ? [note] : []), ask], '\n\n'), rows)], state: { ...state, step: 'value' }, typing: true };
  };

  /** The edit a typed or chosen value makes, as the programme's new text; or why the value is refused. */
  const applyValue = (ctx: Ctx, state: ChangeState, input: FlowInput): { text: string; url?: string } | { bad: Markup } | undefined => {
    const { tr } = ctx;
    const m = state.mode;
    if (m.kind === 'upload' || m.kind === 'restore') return undefined;
    const p = programme(m.id)!;
    const typed = input.type === 'text' ? input.text.trim() : undefined;
    const choice = input.type === 'choice' ? input.value : undefined;
    if (m.kind === 'checked') {
      const url = choice?.startsWith('u:') ? urlsOf(m.id)[Number(choice.slice(2))]?.url : typed;
      if (!url) return { bad: tr.t('catalogue:edit.use_buttons') };
      if (url.length > MAX_URL || !z.url({ protocol: /^https?$/ }).safeParse(url).success) return { bad: tr.t('catalogue:edit.url_bad', { typed: url.slice(0, 60) }) };
      return { text: checkedToday(p.text, today(ctx), url), url };
    }
    if (m.kind === 'end_date' && choice === 'none') return { text: withEndDate(p.text, undefined) };
    const raw = choice?.startsWith('d:') ? choice.slice(2) : typed;
    if (raw === undefined) return { bad: tr.t('catalogue:edit.use_buttons') };
    const day = parseDate(raw);
    if (!day) return { bad: tr.t('catalogue:edit.date_bad', { typed: raw.slice(0, 40) }) };
    if (p.valid.from && day < p.valid.from) return { bad: tr.t('catalogue:edit.before_start', { date: p.valid.from }) };
    if (m.kind === 'close') {
      if (day > today(ctx)) return { bad: tr.t('catalogue:edit.close_future') };
      return { text: closedOn(p.text, day) };
    }
    return { text: withEndDate(p.text, day) };
  };

  return {
    name: CHANGE_FLOW,
    access: [staff, privateChat],
    // A preview a coordinator leaves is not worth a day of holding files.
    ttlMs: 6 * 60 * 60 * 1000,
    async start(ctx, args) {
      const { tr } = ctx;
      let parsed: StartArgs;
      try {
        parsed = StartArgs.parse(JSON.parse(args));
      } catch {
        return done([text(tr.t('catalogue:refused.start'))]);
      }
      if (parsed.kind === 'upload') {
        const notes = parsed.ignored.length ? [tr.t('catalogue:intake.ignored', { list: parsed.ignored.slice(0, 10).join(', ') })] : [];
        return preview(ctx, { mode: { kind: 'upload' }, step: 'preview', programmes: parsed.programmes, tests: parsed.tests, base: {} }, notes);
      }
      const p = programme(parsed.id);
      if (!p) return done([text(tr.t('catalogue:page.unknown', { id: parsed.id.slice(0, 60) }))]);
      if (parsed.kind === 'restore') {
        const content = await service.versions.get(parsed.id, parsed.version);
        const shipped = parsed.version === 1 ? service.store.shippedText(parsed.id) : undefined;
        const body = content?.content ?? shipped;
        if (body === undefined) return done([text(tr.t('catalogue:history.no_version', { version: parsed.version }))]);
        const mode: Mode = { kind: 'restore', id: parsed.id, version: parsed.version };
        return preview(ctx, { mode, step: 'preview', programmes: [{ name: `${parsed.id}.yaml`, text: body }], tests: [], base: {} });
      }
      return askValue(ctx, { mode: { kind: parsed.kind, id: parsed.id }, step: 'value', programmes: [], tests: [], base: {} });
    },
    async input(ctx, state, input) {
      const { tr } = ctx;
      if (input.type === 'choice' && input.value === 'cancel') return done([text(tr.t('catalogue:cancelled'))]);
      if (state.step === 'value') {
        if (input.type === 'file' || input.type === 'form') return askValue(ctx, state, tr.t('catalogue:edit.use_buttons'));
        if (state.mode.kind !== 'upload' && state.mode.kind !== 'restore' && !programme(state.mode.id)) return done([text(tr.t('catalogue:page.unknown', { id: state.mode.id }))]);
        const r = applyValue(ctx, state, input);
        if (!r) return done([text(tr.t('catalogue:cancelled'))]);
        if ('bad' in r) return askValue(ctx, state, r.bad);
        const id = (state.mode as { id: string }).id;
        return preview(ctx, { ...state, programmes: [{ name: `${id}.yaml`, text: r.text }], ...(r.url ? { checkedUrl: r.url } : {}) });
      }
      if (state.step === 'preview') {
        if (input.type === 'choice' && input.value === 'publish') return askReason(ctx, state);
        if (input.type === 'file') {
          const sent = await readUpload(input.name, input.data);
          if (!sent.ok) {
            const again = await preview(ctx, state);
            const why = tr.t(`catalogue:intake.${sent.why}`, { name: sent.name, max: Math.round((sent.max ?? 0) / 1024) });
            return 'done' in again ? again : { ...again, replies: [text(why), ...again.replies] };
          }
          // A programme sent again replaces its earlier file in the draft; rule tests add up.
          const ids = new Set(sent.programmes.map((f) => f.name));
          const next: ChangeState = {
            ...state,
            mode: sent.programmes.length && state.mode.kind !== 'upload' ? { kind: 'upload' } : state.mode,
            programmes: [...state.programmes.filter((f) => !ids.has(f.name)), ...sent.programmes],
            tests: [...state.tests, ...sent.tests],
          };
          const note = sent.tests.length ? [tr.t('catalogue:preview.tests_added', { count: sent.tests.length })] : [];
          return preview(ctx, next, note, state);
        }
        const again = await preview(ctx, state);
        return 'done' in again ? again : { ...again, replies: [text(tr.t('catalogue:preview.use_buttons')), ...again.replies] };
      }
      // step: reason
      if (input.type === 'choice' && input.value === 'suggested') return publish(ctx, state, suggestedReason(ctx, state) ?? '');
      if (input.type !== 'text') return askReason(ctx, state, tr.t('catalogue:reason.type_it'));
      const reason = input.text.trim();
      if (reason.includes('\n')) return askReason(ctx, state, tr.t('catalogue:reason.one_line'));
      if ([...reason].length > MAX_REASON) return askReason(ctx, state, tr.t('catalogue:reason.too_long', { count: [...reason].length, max: MAX_REASON }));
      if ([...reason].length < 3) return askReason(ctx, state, tr.t('catalogue:reason.too_short'));
      return publish(ctx, state, reason);
    },
  };
}
