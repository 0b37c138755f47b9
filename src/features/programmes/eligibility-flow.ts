import { anyone } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { flowChoice, type FlowDef, type FlowInput, type Step } from '../../core/flows.ts';
import { join, type Markup, markup, splitMarkup } from '../../core/markup.ts';
import { commandAction } from '../../core/router.ts';
import { fold } from '../../core/text-match.ts';
import { isIsoDate, rigaDate } from '../../core/time.ts';
import { type Choice, type Reply, text, withButtons } from '../../core/types.ts';
import { ViewCache } from '../../core/view-cache.ts';
import type { CatalogueStore } from './catalogue.ts';
import { evaluate } from './engine.ts';
import { areValidFacts, type FactDef, factDef, type FactName, type Facts, isFactName, nextSchoolYearStart } from './facts.ts';
import { plan } from './planner.ts';
import { resultsMarkup } from './render.ts';

/**
 * `/eligibility`: a short questionnaire with buttons. It asks only what is still needed (the planner picks the
 * fact that settles the most programmes still open), always offers "I don't know" and "Show results now", and
 * holds the answers only in the conversation state, which the core deletes when the flow ends (at the results)
 * or after its time to live (a day). It asks about facts, never names.
 */
export interface QState {
  asOf: string;
  facts: Facts;
  declined: FactName[];
  /** Facts answered or declined, in order, for "Back". */
  history: FactName[];
  /** The fact being asked; undefined while choosing a date. */
  asking?: FactName;
  /** Choices ticked so far in a multiple-choice question. */
  picked?: string[];
  /** Choosing the "as of" date. */
  choosingDate?: boolean;
}

export const ELIGIBILITY_FLOW = 'eligibility';
const TTL_MS = 24 * 60 * 60 * 1000;
const MESSAGE_LIMIT = 3500;

/** "2022-09-01", "01.09.2022", "1.9.2022" → YYYY-MM-DD, or undefined. */
export function parseDate(input: string): string | undefined {
  const s = input.trim();
  let iso: string | undefined;
  if (/^\d{4}-\d{1,2}-\d{1,2}$/.test(s)) {
    const [y, m, d] = s.split('-');
    iso = `${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}`;
  } else {
    const m = /^(\d{1,2})[./](\d{1,2})[./](\d{4})\.?$/.exec(s);
    if (m) iso = `${m[3]}-${m[2]!.padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
  }
  return iso && isIsoDate(iso) && iso >= '2000-01-01' && iso <= '2100-12-31' ? iso : undefined;
}

/** Splits long answers into messages a phone shows whole; buttons go under the last one. */
export function splitReplies(body: Markup, choices: Choice[][], limit: number): Reply[] {
  return withButtons(splitMarkup(body, limit), choices);
}

export function eligibilityFlow(store: CatalogueStore, staleMonths: number): FlowDef<QState> {
  const tr = (ctx: Ctx) => ctx.tr;

  const control = (ctx: Ctx, state: QState): Choice[][] => {
    const rows: Choice[][] = [
      [flowChoice(tr(ctx).plain('programmes:flow.dont_know'), 'idk'), flowChoice(tr(ctx).plain('programmes:flow.show_now'), 'now')],
    ];
    const last: Choice[] = [];
    if (state.history.length) last.push(flowChoice(tr(ctx).plain('common:buttons.back'), 'back'));
    last.push(flowChoice(tr(ctx).plain('programmes:flow.date_button', { date: state.asOf }), 'date'));
    rows.push(last);
    return rows;
  };

  const optionRows = (labels: Choice[], perRow: number): Choice[][] => {
    const rows: Choice[][] = [];
    for (let i = 0; i < labels.length; i += perRow) rows.push(labels.slice(i, i + perRow));
    return rows;
  };

  const questionText = (ctx: Ctx, state: QState, def: FactDef): Markup => {
    const t = tr(ctx);
    const n = state.history.length + 1;
    const head = t.t('programmes:flow.question_head', { n });
    const q = t.t(`programmes:facts.${def.name}.question`);
    const lines: Markup[] = [markup`${head} ${q}`];
    if (def.kind === 'int') lines.push(t.t('programmes:flow.type_number', { min: def.min, max: def.max }));
    if (def.kind === 'set') {
      lines.push(t.t('programmes:flow.pick_several'));
      if (state.picked?.length) {
        lines.push(t.t('programmes:flow.picked', { list: state.picked.map((o) => t.plain(`programmes:facts.${def.name}.options.${o}`)).join(', ') }));
      }
    }
    return join(lines);
  };

  const ask = (ctx: Ctx, state: QState, fact: FactName, prefix: Markup[] = []): Step<QState> => {
    const def = factDef(fact)!;
    const t = tr(ctx);
    const next: QState = { ...state, asking: fact, choosingDate: false, ...(def.kind === 'set' ? { picked: state.asking === fact ? (state.picked ?? []) : [] } : { picked: [] }) };
    let options: Choice[][] = [];
    switch (def.kind) {
      case 'enum':
        options = optionRows(def.options.map((o) => flowChoice(t.plain(`programmes:facts.${fact}.options.${o}`), `a:${o}`)), 2);
        break;
      case 'bool':
        options = [[flowChoice(t.plain('programmes:flow.yes'), 'a:yes'), flowChoice(t.plain('programmes:flow.no'), 'a:no')]];
        break;
      case 'int':
        if (def.max - def.min <= 15) {
          const nums: Choice[] = [];
          for (let v = def.min; v <= def.max; v++) nums.push(flowChoice(String(v), `a:${v}`));
          options = optionRows(nums, 6);
        }
        break;
      case 'set': {
        const picked = new Set(next.picked);
        options = optionRows(def.options.map((o) => flowChoice(`${picked.has(o) ? '☑' : '☐'} ${t.plain(`programmes:facts.${fact}.options.${o}`)}`, `t:${o}`)), 2);
        options.push([flowChoice(t.plain(picked.size ? 'programmes:flow.done' : 'programmes:flow.none_of_these'), 'done')]);
        break;
      }
      case 'text':
        break;
    }
    const body = join([...prefix, questionText(ctx, next, def)], '\n\n');
    return { replies: [text(body, [...options, ...control(ctx, next)])], state: next, typing: def.kind === 'int' };
  };

  const results = (ctx: Ctx, state: QState, prefix: Markup[] = []): Step<QState> => {
    const catalogue = store.current;
    const evaluated = evaluate(catalogue, state.facts, state.asOf);
    const body = join([...prefix, resultsMarkup(evaluated, state.facts, state.asOf, tr(ctx), { today: rigaDate(ctx.now), staleMonths })], '\n\n');
    const t = tr(ctx);
    const open = evaluated.filter((r) => r.status === 'eligible' || r.status === 'unknown');
    const buttons: Choice[][] = optionRows(
      open.map((r) => ({ label: `ℹ️ ${r.programme.name[t.lng]}`, action: `programmes:show:${r.programme.id}` })),
      2,
    );
    buttons.push([
      { label: t.plain('programmes:results.again'), action: commandAction('eligibility') },
      { label: t.plain('programmes:results.all'), action: commandAction('programmes') },
    ]);
    const limit = Math.min(MESSAGE_LIMIT, ctx.caps.maxTextLength);
    return { replies: splitReplies(body, buttons, limit), done: true };
  };

  // The next question depends only on the catalogue, the date and what is known or declined, and most cases start
  // alike (who it is about, what is needed): a plan is worked out once per such state.
  const plans = new ViewCache<{ fact: FactName | undefined }>(2000);
  /** The next question, or the results when nothing more would settle a programme. */
  const proceed = (ctx: Ctx, state: QState, prefix: Markup[] = []): Step<QState> => {
    const key = `${state.asOf}|${state.declined.join(',')}|${JSON.stringify(state.facts)}`;
    const next = plans.get(store.current, key, () => ({ fact: plan(store.current, state.facts, state.asOf, state.declined).fact })).fact;
    if (!next) return results(ctx, state, prefix);
    return ask(ctx, { ...state, picked: [] }, next, prefix);
  };

  const askDate = (ctx: Ctx, state: QState, prefix: Markup[] = []): Step<QState> => {
    const t = tr(ctx);
    const today = rigaDate(ctx.now);
    const nextYear = nextSchoolYearStart(today);
    const choices: Choice[][] = [
      [flowChoice(t.plain('programmes:flow.date_today', { date: today }), `d:${today}`)],
      [flowChoice(t.plain('programmes:flow.date_next_year', { date: nextYear }), `d:${nextYear}`)],
      [flowChoice(t.plain('common:buttons.back'), 'date_back')],
    ];
    const body = join([...prefix, t.t('programmes:flow.date_prompt', { date: state.asOf })], '\n\n');
    return { replies: [text(body, choices)], state: { ...state, choosingDate: true }, typing: true };
  };

  const setDate = (ctx: Ctx, state: QState, asOf: string): Step<QState> => {
    const updated = { ...state, asOf, choosingDate: false };
    const note = tr(ctx).t('programmes:flow.date_set', { date: asOf });
    if (updated.asking) return ask(ctx, updated, updated.asking, [note]);
    return proceed(ctx, updated, [note]);
  };

  const record = (state: QState, fact: FactName, value: unknown): QState => {
    const facts = { ...state.facts, [fact]: value } as Facts;
    return { ...state, facts, history: [...state.history.filter((f) => f !== fact), fact], declined: state.declined.filter((f) => f !== fact), picked: [] };
  };

  const reask = (ctx: Ctx, state: QState, why: Markup): Step<QState> =>
    state.choosingDate || !state.asking ? askDate(ctx, state, [why]) : ask(ctx, state, state.asking, [why]);

  const answer = (ctx: Ctx, state: QState, raw: string, typed: boolean): Step<QState> => {
    const fact = state.asking!;
    const def = factDef(fact)!;
    const t = tr(ctx);
    switch (def.kind) {
      case 'int': {
        const shown = raw.trim().slice(0, 40);
        const range = t.t(`programmes:facts.${fact}.range`, { min: def.min, max: def.max });
        if (!/^[+-]?\d+$/.test(raw.trim())) return reask(ctx, state, join([t.t('programmes:flow.not_a_number', { typed: shown }), range], ' '));
        const n = Number(raw.trim());
        if (!Number.isSafeInteger(n) || n < def.min || n > def.max) {
          return reask(ctx, state, join([t.t('programmes:flow.out_of_range', { typed: shown }), range], ' '));
        }
        return proceed(ctx, record(state, fact, n));
      }
      case 'bool': {
        const folded = fold(raw);
        const yes = ['yes', fold(t.plain('programmes:flow.yes'))].includes(folded);
        const no = ['no', fold(t.plain('programmes:flow.no'))].includes(folded);
        if (!yes && !no) return reask(ctx, state, t.t('programmes:flow.use_buttons'));
        return proceed(ctx, record(state, fact, yes));
      }
      case 'enum': {
        const folded = fold(raw);
        const option = def.options.find((o) => o === raw || (typed && fold(t.plain(`programmes:facts.${fact}.options.${o}`)) === folded));
        if (!option) return reask(ctx, state, t.t('programmes:flow.use_buttons'));
        return proceed(ctx, record(state, fact, option));
      }
      default:
        return reask(ctx, state, t.t('programmes:flow.use_buttons'));
    }
  };

  const stateOk = (s: unknown): s is QState => {
    if (!s || typeof s !== 'object') return false;
    const q = s as QState;
    return (
      typeof q.asOf === 'string' &&
      isIsoDate(q.asOf) &&
      areValidFacts(q.facts) &&
      Array.isArray(q.declined) &&
      q.declined.every(isFactName) &&
      Array.isArray(q.history) &&
      q.history.every(isFactName) &&
      (q.asking === undefined || isFactName(q.asking))
    );
  };

  return {
    name: ELIGIBILITY_FLOW,
    readsText: true,
    access: [anyone],
    ttlMs: TTL_MS,
    async start(ctx, args) {
      const t = tr(ctx);
      const wanted = args.trim();
      const asOf = wanted ? parseDate(wanted) : rigaDate(ctx.now);
      const state: QState = { asOf: asOf ?? rigaDate(ctx.now), facts: {}, declined: [], history: [] };
      const intro: Markup[] = [t.t('programmes:flow.intro', { date: state.asOf })];
      if (wanted && !asOf) intro.push(t.t('programmes:flow.date_bad', { typed: wanted.slice(0, 40) }));
      return proceed(ctx, state, intro);
    },
    async input(ctx, state, input: FlowInput) {
      if (!stateOk(state)) return proceed(ctx, { asOf: rigaDate(ctx.now), facts: {}, declined: [], history: [] }, [tr(ctx).t('programmes:flow.restarted')]);
      const t = tr(ctx);
      if (input.type !== 'text' && input.type !== 'choice') return reask(ctx, state, t.t('programmes:flow.use_buttons'));
      if (state.choosingDate) {
        if (input.type === 'choice') {
          if (input.value === 'date_back') return state.asking ? ask(ctx, { ...state, choosingDate: false }, state.asking) : proceed(ctx, { ...state, choosingDate: false });
          const d = input.value.startsWith('d:') ? parseDate(input.value.slice(2)) : undefined;
          return d ? setDate(ctx, state, d) : reask(ctx, state, t.t('programmes:flow.use_buttons'));
        }
        const d = parseDate(input.text);
        return d ? setDate(ctx, state, d) : askDate(ctx, state, [t.t('programmes:flow.date_bad', { typed: input.text.slice(0, 40) })]);
      }
      if (input.type === 'text') {
        if (!state.asking) return proceed(ctx, state);
        return answer(ctx, state, input.text, true);
      }
      const v = input.value;
      if (v === 'now') return results(ctx, state);
      if (v === 'date') return askDate(ctx, state);
      if (v === 'back') {
        const last = state.history[state.history.length - 1];
        if (!last) return reask(ctx, state, t.t('programmes:flow.use_buttons'));
        const facts = { ...state.facts };
        delete facts[last as keyof Facts];
        return ask(ctx, { ...state, facts, history: state.history.slice(0, -1), declined: state.declined.filter((f) => f !== last), picked: [] }, last);
      }
      if (!state.asking) return proceed(ctx, state);
      const fact = state.asking;
      if (v === 'idk') {
        return proceed(ctx, { ...state, declined: [...state.declined.filter((f) => f !== fact), fact], history: [...state.history.filter((f) => f !== fact), fact], picked: [] });
      }
      const def = factDef(fact)!;
      if (def.kind === 'set') {
        if (v.startsWith('t:') && def.options.includes(v.slice(2))) {
          const o = v.slice(2);
          const picked = new Set(state.picked ?? []);
          if (picked.has(o)) picked.delete(o);
          else picked.add(o);
          // A tick changes the question it was pressed on, in place, rather than adding a message per tick.
          const step = ask(ctx, { ...state, picked: def.options.filter((x) => picked.has(x)) }, fact);
          return { ...step, replies: step.replies.map((r) => (r.kind === 'text' ? { ...r, replace: true } : r)) };
        }
        if (v === 'done') return proceed(ctx, record(state, fact, [...(state.picked ?? [])]));
        return reask(ctx, state, t.t('programmes:flow.use_buttons'));
      }
      if (v.startsWith('a:')) return answer(ctx, state, v.slice(2), false);
      return reask(ctx, state, t.t('programmes:flow.use_buttons'));
    },
  };
}
