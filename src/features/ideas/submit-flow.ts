import { privateChat, roles } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { flowChoice, type FlowDef, type FlowInput, type Step } from '../../core/flows.ts';
import { esc, join, type Markup, markup } from '../../core/markup.ts';
import { type Choice, type Form, type Reply, text } from '../../core/types.ts';
import type { Translator } from '../../i18n/index.ts';
import { clip, type IdeasServices, visitLabel } from './common.ts';
import type { SavedIdea } from './idea-store.ts';
import { checkList, checkReplacement, IDEAS_PER_LIST, type IdeaProblem, MAX_IDEA_LENGTH, MIN_IDEA_LENGTH, parseIdeas, tidyIdea } from './validate.ts';

/** Experts submit (coordinators and admins may too, to try it), in a private chat: a list is not for the group to see. */
export const SUBMIT_ACCESS = [roles(['expert', 'coordinator', 'admin']), privateChat] as const;
export const FLOW_NAME = 'ideas';
const FORM_ALL = 'ideas';
const FORM_ONE = 'idea';

/**
 * The conversation's state, stored as JSON between messages. Everything the expert typed is in `d`, so a refused
 * message loses nothing. Themes are computed from the text unless the expert chose them (`tg[i]` not null).
 */
export interface IdeasState {
  s: 'input' | 'one' | 'preview' | 'pick' | 'themes';
  /** Visit id, title and first day (for messages, without a query per step). */
  v: string;
  vt: string;
  vd: string;
  /** The saved version being changed (0: a new list) and when it was saved. */
  base: number;
  at?: string;
  /** Idea texts as typed so far (any number while collecting; five from the preview on). */
  d: string[];
  /** Per idea: themes chosen by the expert, or null for the automatic ones. */
  tg: Array<string[] | null>;
  /** The idea (0-based) being entered or re-tagged. */
  i?: number;
  /** How an idea is being entered: next in turn, fixing a problem, or rewriting from the preview. */
  mode?: 'seq' | 'fix' | 'edit';
  /** Changed since the saved version. */
  dirty?: boolean;
}

type S = Step<IdeasState>;

export function problemText(tr: Translator, p: IdeaProblem): Markup {
  switch (p.kind) {
    case 'empty':
      return tr.t('ideas:problem.empty', { n: p.n });
    case 'too_short':
      return tr.t('ideas:problem.too_short', { n: p.n, count: p.length, min: MIN_IDEA_LENGTH });
    case 'too_long':
      return tr.t('ideas:problem.too_long', { n: p.n, count: p.length, max: MAX_IDEA_LENGTH });
    case 'duplicate':
      return tr.t('ideas:problem.duplicate', { n: p.n, of: p.of });
  }
}

/** The draft as numbered lines, so the expert can see (and copy) what is kept. */
function echo(d: readonly string[]): Markup {
  return join(d.map((t, i) => markup`${i + 1}. ${t ? esc(t) : esc('—')}`));
}

export function ideasFlow(svc: IdeasServices): FlowDef<IdeasState> {
  const { store, themes } = svc;

  const label = (ctx: Ctx, st: IdeasState) => visitLabel(ctx.tr, { title: st.vt, starts_on: st.vd });
  const tagsOf = (st: IdeasState, i: number): string[] => st.tg[i] ?? themes.tag(st.d[i] ?? '');
  const withDraft = (st: IdeasState, d: string[]): IdeasState => ({ ...st, d, tg: d.map(() => null), dirty: true });
  const cancel = (ctx: Ctx): Choice => flowChoice(ctx.tr.plain('common:buttons.cancel'), 'cancel');

  /** Asks for the whole list: a form where the platform has one, else one message (or one at a time). */
  const askAll = (ctx: Ctx, st: IdeasState, notes: Markup[] = []): S => {
    const { tr } = ctx;
    const state: IdeasState = { ...st, s: 'input' };
    delete state.i;
    delete state.mode;
    if (ctx.caps.forms) {
      const form: Form = {
        id: FORM_ALL,
        title: clip(tr.plain('ideas:ask.form_title', { visit: label(ctx, st) }), 45),
        fields: Array.from({ length: IDEAS_PER_LIST }, (_, k) => ({
          id: `idea${k + 1}`,
          label: tr.plain('ideas:ask.form_field', { n: k + 1 }),
          ...(k === 0 ? { placeholder: tr.plain('ideas:ask.form_placeholder') } : {}),
          value: st.d[k] ?? '',
          minLength: MIN_IDEA_LENGTH,
          maxLength: MAX_IDEA_LENGTH,
          multiline: true,
          required: true,
        })),
      };
      const replies: Reply[] = notes.length ? [text(join(notes))] : [];
      replies.push({ kind: 'form', form, text: tr.t('ideas:ask.form_intro', { visit: label(ctx, st) }), openLabel: tr.plain('ideas:ask.form_open') });
      return { replies, state };
    }
    const parts = [...notes, tr.t('ideas:ask.all', { visit: label(ctx, st) })];
    return {
      replies: [text(join(parts, '\n\n'), [[flowChoice(tr.plain('ideas:ask.singly'), 'seq')], [cancel(ctx)]])],
      state,
      typing: true,
    };
  };

  /** Asks for one idea: the next in turn, one to fix, or one to rewrite from the preview. */
  const askOne = (ctx: Ctx, st: IdeasState, i: number, mode: 'seq' | 'fix' | 'edit', notes: Markup[] = []): S => {
    const { tr } = ctx;
    const state: IdeasState = { ...st, s: 'one', i, mode };
    const n = i + 1;
    const current = st.d[i] ?? '';
    if (ctx.caps.forms && mode !== 'seq') {
      const form: Form = {
        id: FORM_ONE,
        title: clip(tr.plain('ideas:ask.form_one_title', { n }), 45),
        fields: [
          { id: 'idea', label: tr.plain('ideas:ask.form_field', { n }), value: current, minLength: MIN_IDEA_LENGTH, maxLength: MAX_IDEA_LENGTH, multiline: true, required: true },
        ],
      };
      const replies: Reply[] = notes.length ? [text(join(notes))] : [];
      replies.push({ kind: 'form', form, text: tr.t('ideas:ask.form_one_intro', { n }), openLabel: tr.plain('ideas:ask.form_open') });
      return { replies, state };
    }
    const prompt =
      mode === 'seq' ? tr.t('ideas:ask.one', { n }) : mode === 'fix' ? tr.t('ideas:ask.fix', { n }) : tr.t('ideas:ask.edit', { n });
    const parts = [...notes];
    if (mode !== 'seq' && current) parts.push(tr.t('ideas:ask.current', { text: current }));
    parts.push(prompt);
    const choices: Choice[][] = mode === 'edit' ? [[flowChoice(tr.plain('common:buttons.back'), 'back')]] : [[cancel(ctx)]];
    return { replies: [text(join(parts, '\n\n'), choices)], state, typing: true };
  };

  /** Decides what the draft needs next: fewer than five, more, problems to fix, or ready for the preview. */
  const next = (ctx: Ctx, st: IdeasState, viaForm = false): S => {
    const { tr } = ctx;
    if (st.d.length > IDEAS_PER_LIST) {
      return {
        replies: [
          text(join([tr.t('ideas:problem.too_many', { count: st.d.length }), echo(st.d)], '\n\n'), [
            [flowChoice(tr.plain('ideas:ask.keep_five'), 'keep5')],
            [cancel(ctx)],
          ]),
        ],
        state: { ...st, s: 'input' },
        typing: true,
      };
    }
    const problems = checkList(st.d);
    if (problems.length > 0) {
      const notes = [join(problems.map((p) => problemText(tr, p))), tr.t('ideas:problem.kept')];
      if (viaForm && ctx.caps.forms && st.d.length === IDEAS_PER_LIST) return askAll(ctx, st, notes);
      return askOne(ctx, st, problems[0]!.n - 1, 'fix', notes);
    }
    if (st.d.length < IDEAS_PER_LIST) {
      const rest = IDEAS_PER_LIST - st.d.length;
      return {
        replies: [
          text(join([tr.t('ideas:ask.progress', { count: st.d.length, rest }), echo(st.d)], '\n\n'), [
            [flowChoice(tr.plain('ideas:ask.singly'), 'seq')],
            [cancel(ctx)],
          ]),
        ],
        state: { ...st, s: 'input' },
        typing: true,
      };
    }
    return preview(ctx, st);
  };

  const preview = (ctx: Ctx, st: IdeasState, notes: Markup[] = []): S => {
    const { tr } = ctx;
    const state: IdeasState = { ...st, s: 'preview' };
    delete state.i;
    delete state.mode;
    const head =
      st.base > 0 && !st.dirty
        ? tr.t('ideas:preview.title_saved', { visit: label(ctx, st), version: st.base, date: st.at ? new Date(st.at) : '' })
        : tr.t('ideas:preview.title', { visit: label(ctx, st) });
    const items = st.d.map((t, i) => {
      const tags = tagsOf(st, i);
      const tagLine = tags.length
        ? tr.t('ideas:preview.tags', { themes: tags.map((id) => themes.shortName(id, tr.lng)).join(' · ') })
        : tr.t('ideas:preview.untagged');
      return markup`<b>${i + 1}.</b> ${esc(t)}\n${tagLine}`;
    });
    const hint = st.base > 0 && !st.dirty ? tr.t('ideas:preview.hint_saved') : tr.t('ideas:preview.hint');
    const body = join([...notes, head, ...items, hint], '\n\n');
    const first: Choice[] =
      st.base > 0 && !st.dirty
        ? [flowChoice(tr.plain('ideas:preview.done'), 'done')]
        : [flowChoice(tr.plain('ideas:preview.save'), 'save'), cancel(ctx)];
    const edits = st.d.map((_, i) => flowChoice(tr.plain('ideas:preview.edit', { n: i + 1 }), `e:${i + 1}`));
    return {
      replies: [
        text(body, [
          first,
          edits.slice(0, 3),
          edits.slice(3),
          [flowChoice(tr.plain('ideas:preview.themes'), 'th'), flowChoice(tr.plain('ideas:preview.rewrite'), 'all')],
        ]),
      ],
      state,
    };
  };

  const pick = (ctx: Ctx, st: IdeasState): S => {
    const { tr } = ctx;
    const lines = st.d.map((t, i) => {
      const tags = tagsOf(st, i).map((id) => themes.shortName(id, tr.lng));
      return markup`<b>${i + 1}.</b> ${esc(clip(t, 60))}\n${tags.length ? tr.t('ideas:preview.tags', { themes: tags.join(' · ') }) : tr.t('ideas:preview.untagged')}`;
    });
    const buttons = st.d.map((_, i) => flowChoice(tr.plain('ideas:themes.pick_button', { n: i + 1 }), `p:${i + 1}`));
    return {
      replies: [
        text(join([tr.t('ideas:themes.pick'), ...lines], '\n\n'), [buttons.slice(0, 3), buttons.slice(3), [flowChoice(tr.plain('common:buttons.back'), 'back')]]),
      ],
      state: { ...st, s: 'pick' },
    };
  };

  const themesStep = (ctx: Ctx, st: IdeasState, i: number): S => {
    const { tr } = ctx;
    const selected = new Set(tagsOf(st, i));
    const buttons = themes.all.map((t) => flowChoice(`${selected.has(t.id) ? '✓ ' : ''}${t.short[tr.lng]}`, `t:${t.n}`));
    const rows: Choice[][] = [];
    for (let k = 0; k < buttons.length; k += 2) rows.push(buttons.slice(k, k + 2));
    rows.push([flowChoice(tr.plain('ideas:themes.done'), 'ok')]);
    const chosen = themes.all.filter((t) => selected.has(t.id)).map((t) => t.name[tr.lng]);
    const body = join([
      tr.t('ideas:themes.edit', { n: i + 1, text: st.d[i] ?? '' }),
      chosen.length ? tr.t('ideas:themes.selected', { themes: chosen.join('; ') }) : tr.t('ideas:themes.none'),
    ], '\n\n');
    return { replies: [text(body, rows)], state: { ...st, s: 'themes', i } };
  };

  const save = async (ctx: Ctx, st: IdeasState): Promise<S> => {
    const { tr } = ctx;
    if (st.d.length !== IDEAS_PER_LIST || checkList(st.d).length > 0) return next(ctx, st);
    const ideas: SavedIdea[] = st.d.map((t, i) => ({ text: t, themes: tagsOf(st, i), corrected: st.tg[i] != null }));
    const r = await store.save(st.v, ctx.person.id, ctx.person.municipality, ideas, ctx.now);
    if (!r.ok) {
      return { replies: [text(join([tr.t('ideas:save.closed', { visit: label(ctx, st) }), echo(st.d)], '\n\n'))], done: true };
    }
    return { replies: [text(tr.t('ideas:save.saved', { visit: label(ctx, st), version: r.version }), ctx.menu())], done: true };
  };

  /** A message typed while the whole list is expected: replaces the draft, or adds to a short one. */
  const typedList = (ctx: Ctx, st: IdeasState, typed: string): S => {
    const items = parseIdeas(typed);
    const d = items.length >= IDEAS_PER_LIST || st.d.length + items.length > IDEAS_PER_LIST ? items : [...st.d, ...items];
    return next(ctx, withDraft(st, d));
  };

  /** One idea typed (or sent in a one-field form) for position `i`. */
  const typedOne = (ctx: Ctx, st: IdeasState, raw: string): S => {
    const i = st.i ?? 0;
    const items = parseIdeas(raw);
    // A whole list pasted where one idea was asked for is taken as the whole list.
    if (items.length >= IDEAS_PER_LIST && st.mode !== 'edit') return next(ctx, withDraft(st, items));
    const idea = tidyIdea(raw);
    const problem = checkReplacement(st.d, i + 1, idea);
    if (problem) return askOne(ctx, st, i, st.mode ?? 'seq', [problemText(ctx.tr, problem), ctx.tr.t('ideas:problem.kept')]);
    const d = [...st.d];
    const tg = [...st.tg];
    d[i] = idea;
    tg[i] = null;
    const updated: IdeasState = { ...st, d, tg: d.map((_, k) => tg[k] ?? null), dirty: true };
    if (st.mode === 'edit') return preview(ctx, updated);
    if (st.mode === 'seq' && d.length < IDEAS_PER_LIST) return askOne(ctx, updated, d.length, 'seq');
    return next(ctx, updated);
  };

  const useButtons = (ctx: Ctx, step: S): S => ({ ...step, replies: [text(ctx.tr.t('ideas:use_buttons')), ...step.replies] });

  const cancelled = (ctx: Ctx): S => ({ replies: [text(ctx.tr.t('ideas:save.cancelled'), ctx.menu())], done: true });

  return {
    name: FLOW_NAME,
    // Discord asks the five ideas in one form; elsewhere they are typed.
    readsText: (caps) => !caps.forms,
    access: SUBMIT_ACCESS,
    async start(ctx, args) {
      const visit = await svc.visits.get(args.trim());
      if (!visit) return { replies: [text(ctx.tr.t('ideas:visit.none'))], done: true };
      const base: IdeasState = { s: 'input', v: visit.id, vt: visit.title, vd: visit.starts_on, base: 0, d: [], tg: [] };
      const existing = await store.currentList(visit.id, ctx.person.id);
      if (existing) {
        return preview(ctx, {
          ...base,
          base: existing.version,
          at: existing.updatedAt,
          d: existing.ideas.map((i) => i.text),
          tg: existing.ideas.map((i) => (i.corrected ? themes.normalize(i.themes) : null)),
          dirty: false,
        });
      }
      return askAll(ctx, base);
    },

    async resume(ctx, st, args) {
      // `/ideas` typed again in the middle of a list: keep the draft for the same visit.
      if (args.trim() && args.trim() !== st.v) return this.start(ctx, args);
      const note = [ctx.tr.t('ideas:draft_kept')];
      if (st.d.length === 0) return askAll(ctx, st, note);
      if (st.d.length < IDEAS_PER_LIST) return askOne(ctx, st, st.d.length, 'seq', note);
      return preview(ctx, st, note);
    },

    async input(ctx, st, input: FlowInput) {
      const value = input.type === 'choice' ? input.value : undefined;
      if (value === 'cancel') return cancelled(ctx);
      switch (st.s) {
        case 'input': {
          if (input.type === 'text') return typedList(ctx, st, input.text);
          if (input.type === 'form') {
            const d = Array.from({ length: IDEAS_PER_LIST }, (_, k) => tidyIdea(input.values[`idea${k + 1}`] ?? ''));
            return next(ctx, withDraft(st, d), true);
          }
          if (value === 'seq') {
            // Continue after the ideas already kept (if they are fine), else start over at idea 1.
            const keep = st.d.length < IDEAS_PER_LIST && checkList(st.d).length === 0 ? st.d : [];
            return askOne(ctx, withDraft(st, keep), keep.length, 'seq');
          }
          if (value === 'keep5') return next(ctx, withDraft(st, st.d.slice(0, IDEAS_PER_LIST)));
          return useButtons(ctx, st.d.length ? next(ctx, st) : askAll(ctx, st));
        }
        case 'one': {
          if (input.type === 'text') return typedOne(ctx, st, input.text);
          if (input.type === 'form' && input.formId === FORM_ALL) {
            // An earlier five-field form submitted late: it replaces the whole draft.
            const d = Array.from({ length: IDEAS_PER_LIST }, (_, k) => tidyIdea(input.values[`idea${k + 1}`] ?? ''));
            return next(ctx, withDraft(st, d), true);
          }
          if (input.type === 'form') return typedOne(ctx, st, input.values.idea ?? '');
          if (value === 'back' && st.mode === 'edit') return preview(ctx, st);
          return useButtons(ctx, askOne(ctx, st, st.i ?? 0, st.mode ?? 'seq'));
        }
        case 'preview': {
          if (value === 'save') return save(ctx, st);
          if (value === 'done') return { replies: [text(ctx.tr.t('ideas:save.unchanged', { version: st.base }), ctx.menu())], done: true };
          if (value === 'th') return pick(ctx, st);
          if (value === 'all') return askAll(ctx, ctx.caps.forms ? st : { ...st, d: [], tg: [] });
          const edit = value ? /^e:([1-5])$/.exec(value) : null;
          if (edit) return askOne(ctx, st, Number(edit[1]) - 1, 'edit');
          if (input.type === 'text' && parseIdeas(input.text).length === IDEAS_PER_LIST) return typedList(ctx, st, input.text);
          if (input.type === 'form' && input.formId === FORM_ALL) {
            const d = Array.from({ length: IDEAS_PER_LIST }, (_, k) => tidyIdea(input.values[`idea${k + 1}`] ?? ''));
            return next(ctx, withDraft(st, d), true);
          }
          return useButtons(ctx, preview(ctx, st));
        }
        case 'pick': {
          const p = value ? /^p:([1-5])$/.exec(value) : null;
          if (p) return themesStep(ctx, st, Number(p[1]) - 1);
          if (value === 'back') return preview(ctx, st);
          return useButtons(ctx, pick(ctx, st));
        }
        case 'themes': {
          const i = st.i ?? 0;
          const t = value ? /^t:(\d{1,2})$/.exec(value) : null;
          const theme = t ? themes.byNumber(Number(t[1])) : undefined;
          if (theme) {
            const current = new Set(tagsOf(st, i));
            if (current.has(theme.id)) current.delete(theme.id);
            else current.add(theme.id);
            const tg = st.d.map((_, k) => st.tg[k] ?? null);
            tg[i] = themes.normalize([...current]);
            return themesStep(ctx, { ...st, tg, dirty: true }, i);
          }
          if (value === 'ok') return preview(ctx, st);
          return useButtons(ctx, themesStep(ctx, st, i));
        }
      }
    },
  };
}
