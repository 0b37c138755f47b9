import type { Kysely } from 'kysely';
import { staff } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { flowChoice, type FlowDef, type FlowInput, type Step } from '../../core/flows.ts';
import { esc, join, type Markup, markup, splitMarkup } from '../../core/markup.ts';
import { isIsoDate, rigaDate } from '../../core/time.ts';
import { type Choice, type Reply, text } from '../../core/types.ts';
import type { DB } from '../../db/schema.ts';
import type { Translator } from '../../i18n/index.ts';
import type { Municipalities, Municipality } from '../people/municipalities.ts';
import { type AgendaError, type AgendaWarning, agendaToText, daysBetween, type ParsedAgenda, parseAgenda } from './agenda-parser.ts';
import { agendaMessages, MESSAGE_LIMIT } from './format.ts';
import type { VisitFormat, VisitsTable } from './tables.ts';
import { normalizeDate, type VisitStore, type VisitWithAgenda } from './visit-store.ts';
import { saveVisit, toItemRows, toParsed } from './visit-writer.ts';

export const EDITOR_FLOW = 'visit_editor';
/** Longest visit the editor accepts, in days. */
export const MAX_VISIT_DAYS = 7;
const MAX_ERRORS_SHOWN = 12;

/** The visit being written. An absent field has not been asked yet (`municipality: null` means an online meeting). */
export interface Draft {
  visitId?: string;
  origin?: 'data' | 'chat';
  municipality?: string | null;
  format?: VisitFormat;
  startsOn?: string;
  endsOn?: string;
  title?: string;
  place?: string;
  summary?: string | null;
  source?: string | null;
  leadMinutes?: number | null;
  /** The accepted agenda text (paste format); absent until given. */
  agenda?: string;
}

type State =
  | { step: 'municipality'; draft: Draft; region?: string }
  | { step: 'format'; draft: Draft }
  | { step: 'dates'; draft: Draft }
  /** `buffer`: lines received since the step began (null: none yet, the accepted agenda stands). */
  | { step: 'agenda'; draft: Draft; buffer: string | null }
  | { step: 'preview'; draft: Draft }
  | { step: 'edit'; draft: Draft }
  | { step: 'title'; draft: Draft }
  | { step: 'place'; draft: Draft };

export interface PublishedVisit {
  visit: VisitWithAgenda;
  created: boolean;
}

export interface EditorDeps {
  db: Kysely<DB>;
  store: VisitStore;
  municipalities: Municipalities;
  /** Latvian texts for defaults of a new visit's title and place (content is in the language it is held in). */
  content: Translator;
  /** Called after publishing; its replies (e.g. "notify the network?") follow the confirmation. */
  onPublished?: (ctx: Ctx, published: PublishedVisit) => Promise<Reply[] | void>;
}

/** `2021-05-27`, `27.05.2021`, two of them for a range, or `17.–18.10.2019`. */
export function parseDates(input: string): { startsOn: string; endsOn: string } | undefined {
  const s = input.trim();
  const short = /^(\d{1,2})\.?\s*[-–—]\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\.?$/.exec(s);
  if (short) {
    const a = normalizeDate(`${short[1]}.${short[3]}.${short[4]}`);
    const b = normalizeDate(`${short[2]}.${short[3]}.${short[4]}`);
    return a && b && isIsoDate(a) && isIsoDate(b) ? { startsOn: a, endsOn: b } : undefined;
  }
  const found = [...s.matchAll(/\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4}\.?/g)].map((m) => m[0]);
  const rest = s.replace(/\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4}\.?/g, '').replace(/[\s–—-]|līdz|to|до/gi, '');
  if (rest || found.length < 1 || found.length > 2) return undefined;
  const dates = found.map((d) => normalizeDate(d));
  if (dates.some((d) => !d || !isIsoDate(d))) return undefined;
  return { startsOn: dates[0]!, endsOn: dates[dates.length - 1]! };
}

/** Lines of the form `7: new text` replace line 7 of the kept draft (an empty text clears it). */
export function applyLineFixes(draft: string, message: string): string | undefined {
  const lines = message.split('\n').filter((l) => l.trim());
  const fixes = lines.map((l) => /^(\d{1,3})\s*:(?:\s+(.*))?$/.exec(l.trim()));
  if (!lines.length || fixes.some((f) => !f)) return undefined;
  const out = draft.split('\n');
  for (const f of fixes) {
    const n = Number(f![1]);
    if (n < 1 || n > out.length + 1) return undefined;
    out[n - 1] = f![2] ?? '';
  }
  return out.join('\n');
}

function isTextFile(name: string, mime: string): boolean {
  return mime.startsWith('text/') || /\.(txt|md|text)$/i.test(name);
}

function pairs<T>(items: T[]): T[][] {
  const rows: T[][] = [];
  for (let i = 0; i < items.length; i += 2) rows.push(items.slice(i, i + 2));
  return rows;
}

export function errorLines(tr: Translator, errors: readonly AgendaError[]): Markup[] {
  const shown = errors.slice(0, MAX_ERRORS_SHOWN).map((e) =>
    tr.t('visits:parse.error_line', { line: e.line, text: e.text, expected: tr.plain(`visits:parse.expected.${e.expected}`, e.params ?? {}) }),
  );
  if (errors.length > MAX_ERRORS_SHOWN) shown.push(tr.t('visits:parse.more_errors', { count: errors.length - MAX_ERRORS_SHOWN }));
  return shown;
}

export function warningLines(tr: Translator, warnings: readonly AgendaWarning[]): Markup[] {
  return warnings.map((w) => tr.t('visits:parse.warning_line', { line: w.line, text: tr.plain(`visits:parse.warning.${w.warning}`, w.params ?? {}) }));
}

export function editorFlow(deps: EditorDeps): FlowDef<State> {
  const { municipalities, store } = deps;
  const cancelRow = (ctx: Ctx): Choice[] => [flowChoice(ctx.tr.plain('common:buttons.cancel'), 'cancel')];

  const defaults = (d: Draft) => {
    const m = municipalities.get(d.municipality);
    return {
      title:
        d.title ??
        (d.format === 'online' ? deps.content.plain('visits:defaults.title_online') : deps.content.plain('visits:defaults.title_visit', { place: m?.name ?? '' })),
      place: d.place ?? (d.format === 'online' || !m ? deps.content.plain('visits:defaults.place_online') : m.name),
    };
  };

  const parseDraft = (ctx: Ctx, d: Draft): ParsedAgenda =>
    parseAgenda(d.agenda ?? '', { startsOn: d.startsOn!, endsOn: d.endsOn!, today: rigaDate(ctx.now) });

  const askMunicipality = (ctx: Ctx, draft: Draft, prefix?: Markup): Step<State> => {
    const choices: Choice[][] = pairs(municipalities.regions.map((r) => flowChoice(r.name[ctx.tr.lng], `region:${r.id}`)));
    choices.push([flowChoice(ctx.tr.plain('visits:editor.no_municipality'), 'none')], cancelRow(ctx));
    return {
      replies: [text(join([...(prefix ? [prefix, '' as Markup] : []), ctx.tr.t('visits:editor.ask_municipality')]), choices)],
      state: { step: 'municipality', draft },
      typing: true,
    };
  };

  const askRegionMunicipality = (ctx: Ctx, draft: Draft, region: string, found?: Municipality[], prefix?: Markup): Step<State> => {
    const list = found ?? municipalities.inRegion(region);
    const choices = pairs(list.map((m) => flowChoice(m.place.in(ctx.tr.ui), `mun:${m.id}`)));
    choices.push([flowChoice(ctx.tr.plain('common:buttons.back'), 'regions')], cancelRow(ctx));
    const intro = prefix ?? ctx.tr.t('visits:editor.choose_municipality', { region: municipalities.regionName(region, ctx.tr.lng) });
    return { replies: [text(intro, choices)], state: { step: 'municipality', draft, region }, typing: true };
  };

  const askFormat = (ctx: Ctx, draft: Draft): Step<State> => ({
    replies: [
      text(ctx.tr.t('visits:editor.ask_format'), [
        [flowChoice(ctx.tr.plain('visits:editor.format_visit'), 'format:visit'), flowChoice(ctx.tr.plain('visits:editor.format_online'), 'format:online')],
        cancelRow(ctx),
      ]),
    ],
    state: { step: 'format', draft },
  });

  const askDates = (ctx: Ctx, draft: Draft, prefix?: Markup): Step<State> => ({
    replies: [text(join([...(prefix ? [prefix, '' as Markup] : []), ctx.tr.t('visits:editor.ask_dates')]), [cancelRow(ctx)])],
    state: { step: 'dates', draft },
    typing: true,
  });

  const agendaButtons = (ctx: Ctx): Choice[][] => [
    [flowChoice(ctx.tr.plain('visits:editor.agenda_done'), 'done'), flowChoice(ctx.tr.plain('visits:editor.agenda_restart'), 'restart')],
    cancelRow(ctx),
  ];

  const askAgenda = (ctx: Ctx, draft: Draft, prefix?: Markup[]): Step<State> => {
    const replies: Reply[] = [];
    if (draft.agenda) {
      // The current agenda as plain lines, to copy, change and send back (or fix single lines by number).
      const numbered = draft.agenda.split('\n').map((l, i) => `${i + 1}: ${l}`).join('\n');
      replies.push(text(ctx.tr.t('visits:editor.current_agenda')), ...splitMarkup(esc(numbered), MESSAGE_LIMIT).map((m) => text(m)));
    }
    replies.push(text(join([...(prefix ? [...prefix, '' as Markup] : []), ctx.tr.t('visits:editor.ask_agenda')]), agendaButtons(ctx)));
    return { replies, state: { step: 'agenda', draft, buffer: null }, typing: true };
  };

  const askText = (ctx: Ctx, draft: Draft, which: 'title' | 'place'): Step<State> => ({
    replies: [text(ctx.tr.t(`visits:editor.ask_${which}`, { current: defaults(draft)[which] }), [cancelRow(ctx)])],
    state: { step: which, draft },
    typing: true,
  });

  /** Asks for whatever is still missing, else shows the preview. */
  const next = (ctx: Ctx, draft: Draft): Step<State> => {
    if (draft.municipality === undefined) return askMunicipality(ctx, draft);
    if (draft.format === undefined) {
      if (draft.municipality === null) return next(ctx, { ...draft, format: 'online' });
      return askFormat(ctx, draft);
    }
    if (!draft.startsOn || !draft.endsOn) return askDates(ctx, draft);
    if (draft.agenda === undefined) return askAgenda(ctx, draft);
    return preview(ctx, draft);
  };

  /**
   * The visit row a draft stands for: as shown in the preview (no id yet, unpublished) and as published (a new one,
   * or the next revision of an existing one).
   */
  const visitRow = (ctx: Ctx, draft: Draft, id: string, existing?: VisitWithAgenda, publishing = false): VisitsTable => {
    const { title, place } = defaults(draft);
    const stamp = ctx.now.toISOString();
    return {
      id,
      format: draft.format!,
      place,
      municipality: draft.municipality ?? null,
      title,
      starts_on: draft.startsOn!,
      ends_on: draft.endsOn!,
      date_precision: 'day',
      summary: draft.summary ?? null,
      source: draft.source ?? null,
      // Edited in chat, a shipped visit is the coordinator's from now on: the data file no longer overwrites it.
      origin: 'chat',
      reminder_lead_minutes: draft.leadMinutes ?? null,
      revision: existing ? existing.revision + 1 : 0,
      published_at: publishing ? (existing?.published_at ?? stamp) : null,
      created_by: existing ? existing.created_by : ctx.person.id,
      created_at: existing?.created_at ?? stamp,
      updated_at: stamp,
    };
  };

  const previewVisit = (ctx: Ctx, draft: Draft, parsed: ParsedAgenda): VisitWithAgenda => {
    const id = draft.visitId ?? 'preview';
    return { ...visitRow(ctx, draft, id), revision: 0, items: toItemRows(id, parsed.items) };
  };

  const preview = (ctx: Ctx, draft: Draft): Step<State> => {
    const parsed = parseDraft(ctx, draft);
    if (parsed.errors.length) {
      return askAgenda(ctx, draft, [ctx.tr.t('visits:editor.agenda_errors', { count: parsed.errors.length }), ...errorLines(ctx.tr, parsed.errors)]);
    }
    const visit = previewVisit(ctx, draft, parsed);
    const messages = agendaMessages(visit, ctx.tr, Math.min(MESSAGE_LIMIT, ctx.caps.maxTextLength));
    const notes: Markup[] = [];
    const warnings = warningLines(ctx.tr, parsed.warnings);
    if (draft.startsOn! < rigaDate(ctx.now) && !parsed.warnings.some((w) => w.warning === 'past')) warnings.unshift(ctx.tr.t('visits:editor.dates_past'));
    if (warnings.length) notes.push(ctx.tr.t('visits:editor.warnings'), ...warnings, '' as Markup);
    if (draft.origin === 'data') notes.push(ctx.tr.t('visits:editor.data_origin_note'), '' as Markup);
    notes.push(ctx.tr.t(draft.visitId ? 'visits:editor.publish_question_edit' : 'visits:editor.publish_question'));
    return {
      replies: [
        text(ctx.tr.t('visits:editor.preview_title')),
        ...messages.map((m) => text(m)),
        text(join(notes), [
          [flowChoice(ctx.tr.plain('visits:editor.publish'), 'publish'), flowChoice(ctx.tr.plain('common:buttons.edit'), 'edit')],
          cancelRow(ctx),
        ]),
      ],
      state: { step: 'preview', draft },
    };
  };

  const editMenu = (ctx: Ctx, draft: Draft): Step<State> => {
    const b = (key: string, value: string) => flowChoice(ctx.tr.plain(`visits:editor.edit_${key}`), value);
    return {
      replies: [
        text(ctx.tr.t('visits:editor.edit_what'), [
          [b('municipality', 'e:municipality'), b('format', 'e:format')],
          [b('dates', 'e:dates'), b('agenda', 'e:agenda')],
          [b('title', 'e:title'), b('place', 'e:place')],
          [flowChoice(ctx.tr.plain('common:buttons.back'), 'back')],
        ]),
      ],
      state: { step: 'edit', draft },
    };
  };

  const newId = async (draft: Draft): Promise<string> => {
    const base = `${draft.startsOn}-${(draft.municipality ?? 'online').replace(/[^a-z0-9-]/g, '')}`.slice(0, 36);
    for (let i = 1; ; i++) {
      const id = i === 1 ? base : `${base}-${i}`;
      if (!(await store.get(id))) return id;
    }
  };

  const publish = async (ctx: Ctx, draft: Draft): Promise<Step<State>> => {
    const parsed = parseDraft(ctx, draft);
    if (parsed.errors.length) return preview(ctx, draft);
    const existing = draft.visitId ? await store.get(draft.visitId) : undefined;
    const id = existing?.id ?? (await newId(draft));
    const row = visitRow(ctx, draft, id, existing, true);
    const { title } = row;
    await saveVisit(deps.db, row, toItemRows(id, parsed.items));
    const visit = (await store.get(id))!;
    const extra = (await deps.onPublished?.(ctx, { visit, created: !existing })) ?? [];
    return {
      replies: [
        text(ctx.tr.t(existing ? 'visits:editor.updated' : 'visits:editor.published', { title, ref: id }), [
          [{ label: ctx.tr.plain('visits:buttons.agenda'), action: `cmd:run:agenda:${id}` }],
        ]),
        ...extra,
      ],
      done: true,
    };
  };

  /** A step shown again after input it cannot use, saying why first. */
  const reask = (step: Step<State>, why: Markup): Step<State> => ({ ...step, replies: [text(why), ...step.replies] }) as Step<State>;

  const show = (ctx: Ctx, state: State): Step<State> => {
    switch (state.step) {
      case 'municipality':
        return state.region ? askRegionMunicipality(ctx, state.draft, state.region) : askMunicipality(ctx, state.draft);
      case 'format':
        return askFormat(ctx, state.draft);
      case 'dates':
        return askDates(ctx, state.draft);
      case 'agenda':
        return askAgenda(ctx, state.draft);
      case 'preview':
        return preview(ctx, state.draft);
      case 'edit':
        return editMenu(ctx, state.draft);
      case 'title':
      case 'place':
        return askText(ctx, state.draft, state.step);
    }
  };

  const agendaInput = (ctx: Ctx, current: Extract<State, { step: 'agenda' }>, input: FlowInput): Step<State> => {
    let state = current;
    const { draft } = state;
    const value = input.type === 'choice' ? input.value : undefined;
    if (value === 'done') {
      const agenda = state.buffer ?? draft.agenda ?? '';
      const parsed = parseAgenda(agenda, { startsOn: draft.startsOn!, endsOn: draft.endsOn!, today: rigaDate(ctx.now) });
      if (parsed.errors.length) {
        return {
          replies: [
            text(join([ctx.tr.t('visits:editor.agenda_errors', { count: parsed.errors.length }), ...errorLines(ctx.tr, parsed.errors), '' as Markup, ctx.tr.t('visits:editor.fix_hint')]), agendaButtons(ctx)),
          ],
          state: { ...state, buffer: agenda },
          typing: true,
        };
      }
      return next(ctx, { ...draft, agenda });
    }
    if (value === 'restart') {
      return { replies: [text(ctx.tr.t('visits:editor.agenda_cleared'), agendaButtons(ctx))], state: { ...state, buffer: '' }, typing: true };
    }
    let received: string;
    if (input.type === 'text') received = input.text;
    else if (input.type === 'file' && isTextFile(input.name, input.mime)) {
      // A long agenda may come as a .txt file: it replaces what was received so far.
      received = new TextDecoder().decode(input.data).replace(/^\ufeff/, '').replace(/\r\n?/g, '\n').trim();
      if (!received) return { replies: [text(ctx.tr.t('visits:editor.file_empty'), agendaButtons(ctx))], state, typing: true };
      state = { ...state, buffer: null };
    } else if (input.type === 'file') return { replies: [text(ctx.tr.t('visits:editor.file_not_text'), agendaButtons(ctx))], state, typing: true };
    else return { replies: [text(ctx.tr.t('visits:editor.use_buttons'), agendaButtons(ctx))], state, typing: true };
    const base = state.buffer ?? draft.agenda ?? '';
    const fixed = base && input.type === 'text' ? applyLineFixes(base, received) : undefined;
    const buffer = fixed ?? (state.buffer ? `${state.buffer}\n${received}` : received);
    const parsed = parseAgenda(buffer, { startsOn: draft.startsOn!, endsOn: draft.endsOn!, today: rigaDate(ctx.now) });
    const lines = buffer.split('\n').length;
    const ack = ctx.tr.t(fixed !== undefined ? 'visits:editor.agenda_fixed' : 'visits:editor.agenda_received', { items: parsed.items.length, lines });
    const body: Markup[] = parsed.errors.length
      ? [ack, ctx.tr.t('visits:editor.agenda_errors', { count: parsed.errors.length }), ...errorLines(ctx.tr, parsed.errors), '' as Markup, ctx.tr.t('visits:editor.fix_hint')]
      : [markup`${ack} ${ctx.tr.t('visits:editor.agenda_more')}`];
    return { replies: [text(join(body), agendaButtons(ctx))], state: { ...state, buffer }, typing: true };
  };

  return {
    name: EDITOR_FLOW,
    readsText: true,
    access: [staff],
    async start(ctx, args) {
      const id = args.trim();
      if (!id) return next(ctx, {});
      const v = await store.get(id);
      if (!v) return { replies: [text(ctx.tr.t('visits:lookup.none', { typed: id.slice(0, 60) }))], done: true };
      if (v.date_precision !== 'day') return { replies: [text(ctx.tr.t('visits:editor.dates_unknown'))], done: true };
      const draft: Draft = {
        visitId: v.id,
        origin: v.origin,
        municipality: v.municipality,
        format: v.format,
        startsOn: v.starts_on,
        endsOn: v.ends_on,
        title: v.title,
        place: v.place,
        summary: v.summary,
        source: v.source,
        leadMinutes: v.reminder_lead_minutes,
        agenda: agendaToText(toParsed(v.items)),
      };
      return preview(ctx, draft);
    },
    async input(ctx, state, input) {
      const value = input.type === 'choice' ? input.value : undefined;
      if (value === 'cancel') return { replies: [text(ctx.tr.t('visits:editor.cancelled'), ctx.menu())], done: true };
      const { draft } = state;
      switch (state.step) {
        case 'municipality': {
          if (input.type === 'text') {
            const found = municipalities.find(input.text);
            if (found.length === 1) return next(ctx, { ...draft, municipality: found[0]!.id });
            if (found.length > 1 && found.length <= 12) {
              return askRegionMunicipality(ctx, draft, found[0]!.region, found, ctx.tr.t('visits:editor.several_found', { typed: input.text.slice(0, 60) }));
            }
            return askMunicipality(ctx, draft, ctx.tr.t('visits:editor.not_found', { typed: input.text.slice(0, 60) }));
          }
          if (value === 'none') return next(ctx, { ...draft, municipality: null, format: 'online' });
          if (value === 'regions') return askMunicipality(ctx, draft);
          if (value?.startsWith('region:') && municipalities.region(value.slice(7))) return askRegionMunicipality(ctx, draft, value.slice(7));
          if (value?.startsWith('mun:') && municipalities.get(value.slice(4))) return next(ctx, { ...draft, municipality: value.slice(4) });
          return reask(show(ctx, state), ctx.tr.t('visits:editor.use_buttons'));
        }
        case 'format': {
          if (value === 'format:visit' || value === 'format:online') return next(ctx, { ...draft, format: value.slice(7) as VisitFormat });
          return reask(show(ctx, state), ctx.tr.t('visits:editor.use_buttons'));
        }
        case 'dates': {
          const dates = input.type === 'text' ? parseDates(input.text) : undefined;
          if (!dates) return askDates(ctx, draft, ctx.tr.t('visits:editor.dates_invalid'));
          if (dates.endsOn < dates.startsOn) return askDates(ctx, draft, ctx.tr.t('visits:editor.dates_reversed'));
          if (daysBetween(dates.startsOn, dates.endsOn) >= MAX_VISIT_DAYS) return askDates(ctx, draft, ctx.tr.t('visits:editor.dates_too_long', { max: MAX_VISIT_DAYS }));
          const step = next(ctx, { ...draft, ...dates });
          return dates.startsOn < rigaDate(ctx.now) ? reask(step, ctx.tr.t('visits:editor.dates_past')) : step;
        }
        case 'agenda':
          return agendaInput(ctx, state, input);
        case 'preview': {
          if (value === 'publish') return publish(ctx, draft);
          if (value === 'edit') return editMenu(ctx, draft);
          return reask(show(ctx, state), ctx.tr.t('visits:editor.use_buttons'));
        }
        case 'edit': {
          switch (value) {
            case 'e:municipality':
              return askMunicipality(ctx, draft);
            case 'e:format':
              return askFormat(ctx, draft);
            case 'e:dates':
              return askDates(ctx, draft);
            case 'e:agenda':
              return askAgenda(ctx, draft);
            case 'e:title':
              return askText(ctx, draft, 'title');
            case 'e:place':
              return askText(ctx, draft, 'place');
            case 'back':
              return preview(ctx, draft);
          }
          return reask(show(ctx, state), ctx.tr.t('visits:editor.use_buttons'));
        }
        case 'title':
        case 'place': {
          const typed = input.type === 'text' ? input.text.replace(/\s+/g, ' ').trim() : '';
          const max = state.step === 'title' ? 200 : 100;
          if (typed.length < 2 || typed.length > max) return reask(show(ctx, state), ctx.tr.t('visits:editor.text_length', { min: 2, max }));
          return preview(ctx, { ...draft, [state.step]: typed });
        }
      }
    },
  };
}

