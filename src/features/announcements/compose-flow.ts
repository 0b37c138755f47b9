import { staff } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { flowChoice, type FlowDef, type FlowInput, type Step } from '../../core/flows.ts';
import { esc, type Markup } from '../../core/markup.ts';
import { rigaToUtc } from '../../core/time.ts';
import { formatMoment } from '../../i18n/dates.ts';
import { type Choice, PLATFORMS, type Reply, text } from '../../core/types.ts';
import type { FeatureDeps } from '../deps.ts';
import { normalizeDate, VisitStore } from '../visits/visit-store.ts';
import type { Audience } from './audience.ts';
import { nextRuns, parseRecurrence } from './recurrence.ts';
import { cronProblems, describeCron } from './schedule-words.ts';
import { renderAnnouncement, type AnnouncementsService } from './service.ts';
import { type Draft, parseAudience, parseSchedule, type Schedule } from './store.ts';
import { ANNOUNCEMENT_KINDS, type AnnouncementKind } from './tables.ts';

/** The draft as the flow keeps it between messages (the file as base64, so the state stays JSON). */
interface DraftState {
  kind?: AnnouncementKind;
  text?: string;
  file?: { name: string; mime: string; base64: string };
  audience?: Audience;
  schedule?: Schedule;
}

type Step_ =
  | 'text'
  | 'kind'
  | 'audience'
  | 'aud_roles'
  | 'aud_region'
  | 'aud_municipalities'
  | 'aud_visit'
  | 'aud_chat'
  | 'platform'
  | 'time'
  | 'time_at'
  | 'time_recurring'
  | 'file'
  | 'preview';

interface State {
  step: Step_;
  draft: DraftState;
  /** Set when editing a scheduled announcement. */
  editing?: string;
  /** Multi-select in progress (roles, municipalities). */
  picked?: string[];
  region?: string;
  /** After a change from the preview, go back to it instead of walking through every step. */
  back?: boolean;
}

const MAX_FILE = 10 * 1024 * 1024;
const ALLOWED_MIME = /^(application\/pdf|image\/(png|jpeg|gif|webp)|text\/(plain|calendar|csv)|application\/(msword|vnd\.openxmlformats-officedocument\.[\w.]+|vnd\.oasis\.opendocument\.[\w.]+|vnd\.ms-excel|zip))$/;

export function composeFlow(deps: FeatureDeps, service: AnnouncementsService): FlowDef<State> {
  const visits = new VisitStore(deps.db, deps.municipalities);

  const pairs = (items: Choice[]): Choice[][] => {
    const rows: Choice[][] = [];
    for (let i = 0; i < items.length; i += 2) rows.push(items.slice(i, i + 2));
    return rows;
  };
  const cancelRow = (ctx: Ctx): Choice[] => [flowChoice(ctx.tr.plain('common:buttons.cancel'), 'cancel')];
  const say = (ctx: Ctx, key: string, state: State, choices: Choice[][] = [], typing = false, prefix?: Markup, opts?: Record<string, unknown>): Step<State> => ({
    replies: [text(((prefix ? `${prefix}\n\n` : '') + ctx.tr.t(key, opts)) as Markup, [...choices, cancelRow(ctx)])],
    state,
    typing,
  });

  const askText = (ctx: Ctx, s: State, prefix?: Markup) => say(ctx, 'announcements:compose.ask_text', { ...s, step: 'text' }, [], true, prefix);
  const askKind = (ctx: Ctx, s: State) =>
    say(ctx, 'announcements:compose.ask_kind', { ...s, step: 'kind' }, pairs(ANNOUNCEMENT_KINDS.map((k) => flowChoice(ctx.tr.plain(`announcements:kinds.${k}`), `kind:${k}`))));
  const askAudience = (ctx: Ctx, s: State) =>
    say(ctx, 'announcements:compose.ask_audience', { ...s, step: 'audience', picked: [] }, pairs(
      ['everyone', 'roles', 'municipalities', 'region', 'visit', 'chat'].map((a) => flowChoice(ctx.tr.plain(`announcements:audience.${a}`), `aud:${a}`)),
    ));
  const askRoles = (ctx: Ctx, s: State) => {
    const picked = new Set(s.picked ?? []);
    const roles = ['expert', 'mediator', 'coordinator'] as const;
    return say(ctx, 'announcements:compose.ask_roles', { ...s, step: 'aud_roles' }, [
      ...roles.map((r) => [flowChoice(`${picked.has(r) ? '✓ ' : ''}${ctx.tr.plain(`common:roles.${r}`)}`, `role:${r}`)]),
      [flowChoice(ctx.tr.plain('announcements:compose.done'), 'done')],
    ]);
  };
  const askRegion = (ctx: Ctx, s: State, forMunicipalities: boolean) =>
    say(
      ctx,
      forMunicipalities ? 'announcements:compose.ask_region_for_municipalities' : 'announcements:compose.ask_region',
      { ...s, step: forMunicipalities ? 'aud_municipalities' : 'aud_region' },
      [
        ...pairs(deps.municipalities.regions.map((r) => flowChoice(`${s.region === r.id ? '• ' : ''}${r.name[ctx.tr.lng]}`, `region:${r.id}`))),
        ...(forMunicipalities && s.region
          ? pairs(deps.municipalities.inRegion(s.region).map((m) => flowChoice(`${(s.picked ?? []).includes(m.id) ? '✓ ' : ''}${m.place.in(ctx.tr.ui)}`, `mun:${m.id}`)))
          : []),
        ...(forMunicipalities ? [[flowChoice(ctx.tr.plain('announcements:compose.done_count', { count: (s.picked ?? []).length }), 'done')]] : []),
      ],
    );
  const askVisit = async (ctx: Ctx, s: State): Promise<Step<State>> => {
    const list = (await visits.list(ctx.now)).slice(0, 8);
    if (list.length === 0) return askAudience(ctx, s);
    return say(ctx, 'announcements:compose.ask_visit', { ...s, step: 'aud_visit' }, list.map((v) => [flowChoice(`${v.starts_on} ${v.place}`, `visit:${v.id}`)]));
  };
  const askChat = async (ctx: Ctx, s: State): Promise<Step<State>> => {
    const chats = await deps.db.selectFrom('audience_chats').selectAll().orderBy('title').limit(20).execute();
    if (chats.length === 0) {
      const step = await askAudience(ctx, s);
      return { ...step, replies: [text(ctx.tr.t('announcements:compose.no_chats')), ...step.replies] };
    }
    return say(ctx, 'announcements:compose.ask_chat', { ...s, step: 'aud_chat' }, chats.map((c) => [flowChoice(`${c.platform === 'telegram' ? 'Telegram' : 'Discord'}: ${c.title}`, `chat:${c.id}`)]));
  };
  const askPlatform = (ctx: Ctx, s: State) =>
    say(ctx, 'announcements:compose.ask_platform', { ...s, step: 'platform' }, [
      [flowChoice(ctx.tr.plain('announcements:compose.all_platforms'), 'plat:all')],
      [flowChoice('Telegram', 'plat:telegram'), flowChoice('Discord', 'plat:discord')],
    ]);
  const askTime = (ctx: Ctx, s: State) =>
    say(ctx, 'announcements:compose.ask_time', { ...s, step: 'time' }, [
      [flowChoice(ctx.tr.plain('announcements:compose.time_now'), 'time:now')],
      [flowChoice(ctx.tr.plain('announcements:compose.time_at'), 'time:at'), flowChoice(ctx.tr.plain('announcements:compose.time_recurring'), 'time:recurring')],
    ]);
  const askFile = (ctx: Ctx, s: State) =>
    say(ctx, 'announcements:compose.ask_file', { ...s, step: 'file' }, [[flowChoice(ctx.tr.plain('announcements:compose.no_file'), 'nofile')]]);

  const toDraft = (d: DraftState): Draft => ({
    kind: d.kind!,
    text: d.text! as Markup,
    audience: d.audience!,
    schedule: d.schedule!,
    ...(d.file ? { file: { name: d.file.name, mime: d.file.mime, data: Buffer.from(d.file.base64, 'base64') } } : {}),
  });

  const describeAudience = (ctx: Ctx, a: Audience): string => {
    const t = a.target;
    let what: string;
    switch (t.type) {
      case 'everyone':
        what = ctx.tr.plain('announcements:audience.everyone');
        break;
      case 'roles':
        what = t.roles.map((r) => ctx.tr.plain(`common:roles.${r}`)).join(', ');
        break;
      case 'municipalities':
        what = t.ids.map((id) => deps.municipalities.get(id)?.place.in(ctx.tr.ui) ?? id).join(', ');
        break;
      case 'region':
        what = deps.municipalities.region(t.id)?.place.in(ctx.tr.ui) ?? t.id;
        break;
      case 'visit':
        what = `${ctx.tr.plain('announcements:audience.visit')}: ${t.visitId}`;
        break;
      case 'chat':
        what = ctx.tr.plain('announcements:audience.chat');
        break;
    }
    return a.platform ? `${what} (${a.platform === 'telegram' ? 'Telegram' : 'Discord'})` : what;
  };

  /** When it goes out, in the reader's words: a recurring rule is described, never echoed as it was typed. */
  const describeTime = (ctx: Ctx, s: Schedule): string => {
    switch (s.type) {
      case 'now':
        return ctx.tr.plain('announcements:compose.time_now');
      case 'at':
        return formatMoment(new Date(s.at), ctx.tr.ui);
      case 'recurring':
        return ctx.tr.plain('announcements:compose.when_recurring', {
          rule: describeCron(s.cron, ctx.tr),
          runs: nextRuns(s.cron, ctx.now, 3)
            .map((d) => formatMoment(d, ctx.tr.ui, 'list'))
            .join('; '),
        });
    }
  };

  const preview = async (ctx: Ctx, s: State): Promise<Step<State>> => {
    const d = s.draft;
    const size = await service.audienceSize(d.audience!, d.kind!);
    const asSeen: Reply[] = renderAnnouncement(deps, { kind: d.kind!, text: d.text!, file_name: d.file?.name ?? null, file_mime: d.file?.mime ?? null, file_data: d.file ? Buffer.from(d.file.base64, 'base64') : null }, ctx.tr.lng, true);
    const summary = ctx.tr.t('announcements:compose.preview', {
      audience: describeAudience(ctx, d.audience!),
      count: size.recipients.length,
      skipped: size.skipped,
      time: describeTime(ctx, d.schedule!),
      file: d.file?.name ?? ctx.tr.plain('announcements:compose.none'),
    });
    const confirmKey = d.schedule!.type === 'now' ? 'announcements:compose.send_now' : 'announcements:compose.schedule';
    return {
      replies: [
        text(ctx.tr.t('announcements:compose.preview_intro')),
        ...asSeen,
        text(summary, [
          [flowChoice(ctx.tr.plain(confirmKey), 'confirm')],
          [flowChoice(ctx.tr.plain('announcements:compose.change_text'), 'edit:text'), flowChoice(ctx.tr.plain('announcements:compose.change_audience'), 'edit:audience')],
          [flowChoice(ctx.tr.plain('announcements:compose.change_time'), 'edit:time'), flowChoice(ctx.tr.plain('announcements:compose.change_file'), 'edit:file')],
          cancelRow(ctx),
        ]),
      ],
      state: { ...s, step: 'preview', back: true },
    };
  };

  /** After an answer: back to the preview when changing one thing, else on to the next question. */
  const after = async (ctx: Ctx, s: State, next: (ctx: Ctx, s: State) => Step<State> | Promise<Step<State>>): Promise<Step<State>> =>
    s.back ? preview(ctx, s) : next(ctx, s);

  const withAudience = (ctx: Ctx, s: State, target: Audience['target']) =>
    askPlatform(ctx, { ...s, draft: { ...s.draft, audience: { target } }, picked: [] });

  const retry = (step: Step<State>, why: Markup): Step<State> => ({ ...step, replies: [text(why), ...step.replies] });
  const reask = async (ctx: Ctx, s: State, why: Markup): Promise<Step<State>> => retry(await show(ctx, s), why);

  const show = async (ctx: Ctx, s: State): Promise<Step<State>> => {
    switch (s.step) {
      case 'text':
        return askText(ctx, s);
      case 'kind':
        return askKind(ctx, s);
      case 'audience':
        return askAudience(ctx, s);
      case 'aud_roles':
        return askRoles(ctx, s);
      case 'aud_region':
        return askRegion(ctx, s, false);
      case 'aud_municipalities':
        return askRegion(ctx, s, true);
      case 'aud_visit':
        return askVisit(ctx, s);
      case 'aud_chat':
        return askChat(ctx, s);
      case 'platform':
        return askPlatform(ctx, s);
      case 'time':
        return askTime(ctx, s);
      case 'time_at':
        return say(ctx, 'announcements:compose.ask_at', s, [], true);
      case 'time_recurring':
        return say(ctx, 'announcements:compose.ask_recurring', s, [], true);
      case 'file':
        return askFile(ctx, s);
      case 'preview':
        return preview(ctx, s);
    }
  };

  const input = async (ctx: Ctx, s: State, i: FlowInput): Promise<Step<State>> => {
    const v = i.type === 'choice' ? i.value : undefined;
    if (v === 'cancel') return { replies: [text(ctx.tr.t('announcements:compose.cancelled'), ctx.menu())], done: true };
    switch (s.step) {
      case 'text': {
        if (i.type !== 'text') return reask(ctx, s, ctx.tr.t('announcements:compose.need_text'));
        const body = i.formatted ?? esc(i.text);
        return after(ctx, { ...s, draft: { ...s.draft, text: body } }, askKind);
      }
      case 'kind': {
        const k = v?.startsWith('kind:') ? (v.slice(5) as AnnouncementKind) : undefined;
        if (!k || !ANNOUNCEMENT_KINDS.includes(k)) return reask(ctx, s, ctx.tr.t('common:errors.button_expired'));
        return after(ctx, { ...s, draft: { ...s.draft, kind: k } }, askAudience);
      }
      case 'audience': {
        switch (v) {
          case 'aud:everyone':
            return withAudience(ctx, s, { type: 'everyone' });
          case 'aud:roles':
            return askRoles(ctx, { ...s, picked: [] });
          case 'aud:municipalities':
            return askRegion(ctx, { ...s, picked: [] }, true);
          case 'aud:region':
            return askRegion(ctx, s, false);
          case 'aud:visit':
            return askVisit(ctx, s);
          case 'aud:chat':
            return askChat(ctx, s);
        }
        return reask(ctx, s, ctx.tr.t('announcements:compose.use_buttons'));
      }
      case 'aud_roles': {
        if (v?.startsWith('role:')) {
          const r = v.slice(5);
          const picked = new Set(s.picked ?? []);
          if (picked.has(r)) picked.delete(r);
          else picked.add(r);
          return askRoles(ctx, { ...s, picked: [...picked] });
        }
        if (v === 'done') {
          if (!s.picked?.length) return reask(ctx, s, ctx.tr.t('announcements:compose.pick_at_least'));
          return withAudience(ctx, s, { type: 'roles', roles: s.picked as Array<'expert' | 'mediator' | 'coordinator'> });
        }
        return reask(ctx, s, ctx.tr.t('announcements:compose.use_buttons'));
      }
      case 'aud_region': {
        const id = v?.startsWith('region:') ? v.slice(7) : undefined;
        if (!id || !deps.municipalities.region(id)) return reask(ctx, s, ctx.tr.t('announcements:compose.use_buttons'));
        return withAudience(ctx, s, { type: 'region', id });
      }
      case 'aud_municipalities': {
        if (v?.startsWith('region:') && deps.municipalities.region(v.slice(7))) return askRegion(ctx, { ...s, region: v.slice(7) }, true);
        if (v?.startsWith('mun:') && deps.municipalities.get(v.slice(4))) {
          const picked = new Set(s.picked ?? []);
          const id = v.slice(4);
          if (picked.has(id)) picked.delete(id);
          else picked.add(id);
          return askRegion(ctx, { ...s, picked: [...picked] }, true);
        }
        if (i.type === 'text') {
          const found = deps.municipalities.find(i.text);
          if (found.length === 0) return reask(ctx, s, ctx.tr.t('announcements:compose.municipality_not_found', { typed: i.text.slice(0, 60) }));
          return askRegion(ctx, { ...s, region: found[0]!.region, picked: [...new Set([...(s.picked ?? []), ...found.map((m) => m.id)])] }, true);
        }
        if (v === 'done') {
          if (!s.picked?.length) return reask(ctx, s, ctx.tr.t('announcements:compose.pick_at_least'));
          return withAudience(ctx, s, { type: 'municipalities', ids: s.picked });
        }
        return reask(ctx, s, ctx.tr.t('announcements:compose.use_buttons'));
      }
      case 'aud_visit': {
        const id = v?.startsWith('visit:') ? v.slice(6) : undefined;
        if (!id) return reask(ctx, s, ctx.tr.t('announcements:compose.use_buttons'));
        return withAudience(ctx, s, { type: 'visit', visitId: id });
      }
      case 'aud_chat': {
        const id = v?.startsWith('chat:') ? v.slice(5) : undefined;
        if (!id) return reask(ctx, s, ctx.tr.t('announcements:compose.use_buttons'));
        return after(ctx, { ...s, draft: { ...s.draft, audience: { target: { type: 'chat', audienceChatId: id } } } }, askTime);
      }
      case 'platform': {
        const p = v?.startsWith('plat:') ? v.slice(5) : undefined;
        if (!p || (p !== 'all' && !(PLATFORMS as readonly string[]).includes(p))) return reask(ctx, s, ctx.tr.t('announcements:compose.use_buttons'));
        const audience: Audience = { ...s.draft.audience!, ...(p === 'all' ? {} : { platform: p as 'telegram' | 'discord' }) };
        if (p === 'all') delete audience.platform;
        return after(ctx, { ...s, draft: { ...s.draft, audience } }, askTime);
      }
      case 'time': {
        if (v === 'time:now') return after(ctx, { ...s, draft: { ...s.draft, schedule: { type: 'now' } } }, askFile);
        if (v === 'time:at') return say(ctx, 'announcements:compose.ask_at', { ...s, step: 'time_at' }, [], true);
        if (v === 'time:recurring') return say(ctx, 'announcements:compose.ask_recurring', { ...s, step: 'time_recurring' }, [], true);
        return reask(ctx, s, ctx.tr.t('announcements:compose.use_buttons'));
      }
      case 'time_at': {
        if (i.type !== 'text') return reask(ctx, s, ctx.tr.t('announcements:compose.bad_time'));
        const m = /^(\S+)\s+(\d{1,2})[:.](\d{2})$/.exec(i.text.trim());
        const date = m ? normalizeDate(m[1]!) : undefined;
        let at: Date | undefined;
        try {
          at = date && m ? rigaToUtc(date, `${m[2]!.padStart(2, '0')}:${m[3]}`) : undefined;
        } catch {
          at = undefined;
        }
        if (!at) return reask(ctx, s, ctx.tr.t('announcements:compose.bad_time'));
        if (at.getTime() <= ctx.now.getTime()) return reask(ctx, s, ctx.tr.t('announcements:compose.time_past', { time: at }));
        return after(ctx, { ...s, draft: { ...s.draft, schedule: { type: 'at', at: at.toISOString() } } }, askFile);
      }
      case 'time_recurring': {
        if (i.type !== 'text') return reask(ctx, s, ctx.tr.t('announcements:compose.bad_recurring'));
        const r = parseRecurrence(i.text);
        if (!r.ok) {
          return reask(ctx, s, r.reason === 'cron' ? ctx.tr.t('announcements:compose.bad_cron', { problems: cronProblems(r.problems, ctx.tr) }) : ctx.tr.t('announcements:compose.bad_recurring'));
        }
        if (nextRuns(r.cron, ctx.now, 1).length === 0) return reask(ctx, s, ctx.tr.t('announcements:compose.never_runs'));
        return after(ctx, { ...s, draft: { ...s.draft, schedule: { type: 'recurring', cron: r.cron, label: i.text.trim().slice(0, 80) } } }, askFile);
      }
      case 'file': {
        if (v === 'nofile') {
          const { file: _dropped, ...rest } = s.draft;
          return preview(ctx, { ...s, draft: rest });
        }
        if (i.type !== 'file') return reask(ctx, s, ctx.tr.t('announcements:compose.need_file'));
        if (i.data.byteLength > MAX_FILE) return reask(ctx, s, ctx.tr.t('common:errors.file_too_large', { max: MAX_FILE / 1024 / 1024 }));
        if (!ALLOWED_MIME.test(i.mime)) return reask(ctx, s, ctx.tr.t('announcements:compose.file_type', { mime: i.mime }));
        return preview(ctx, { ...s, draft: { ...s.draft, file: { name: i.name, mime: i.mime, base64: Buffer.from(i.data).toString('base64') } } });
      }
      case 'preview': {
        if (v === 'edit:text') return askText(ctx, { ...s, back: true });
        if (v === 'edit:audience') return askAudience(ctx, { ...s, back: true });
        if (v === 'edit:time') return askTime(ctx, { ...s, back: true });
        if (v === 'edit:file') return askFile(ctx, { ...s, back: true });
        if (v !== 'confirm') return reask(ctx, s, ctx.tr.t('announcements:compose.use_buttons'));
        const draft = toDraft(s.draft);
        if (s.editing) {
          const ok = await service.store.update(s.editing, draft, ctx.now);
          if (!ok) return { replies: [text(ctx.tr.t('announcements:compose.too_late'), ctx.menu())], done: true };
          await deps.audit?.byCtx(ctx, 'announcement.update', null, { announcement: s.editing, kind: draft.kind, audience: draft.audience.target.type, schedule: draft.schedule.type });
          if (draft.schedule.type === 'now') await service.tickNow();
          return { replies: [text(ctx.tr.t('announcements:compose.updated'))], done: true };
        }
        const created = await service.store.create(draft, { personId: ctx.person.id, report: ctx.incoming.chat, language: ctx.tr.lng }, ctx.now);
        await deps.audit?.byCtx(ctx, 'announcement.create', null, { announcement: created.id, kind: draft.kind, audience: draft.audience.target.type, schedule: draft.schedule.type });
        if (draft.schedule.type === 'now') {
          await service.tickNow();
          return { replies: [text(ctx.tr.t('announcements:compose.sending'))], done: true };
        }
        return { replies: [text(ctx.tr.t('announcements:compose.scheduled', { time: describeTime(ctx, draft.schedule) }))], done: true };
      }
    }
  };

  return {
    name: 'announce',
    readsText: true,
    access: [staff],
    ttlMs: 6 * 60 * 60 * 1000,
    async start(ctx, args) {
      if (args.startsWith('edit:')) {
        const a = await service.store.get(args.slice(5));
        if (!a || a.status !== 'scheduled') return { replies: [text(ctx.tr.t('announcements:compose.too_late'))], done: true };
        const draft: DraftState = {
          kind: a.kind,
          text: a.text,
          audience: parseAudience(a),
          schedule: parseSchedule(a),
          ...(a.file_data && a.file_name ? { file: { name: a.file_name, mime: a.file_mime ?? 'application/octet-stream', base64: Buffer.from(a.file_data).toString('base64') } } : {}),
        };
        return preview(ctx, { step: 'preview', draft, editing: a.id, back: true });
      }
      if (args.startsWith('visit:')) {
        const v = await visits.get(args.slice(6));
        if (v) {
          const body = ctx.tr.t('announcements:compose.visit_text', {
            title: v.title,
            dates: { from: v.starts_on, until: v.ends_on },
            place: v.place,
            ref: v.starts_on,
          });
          return askAudience(ctx, { step: 'audience', draft: { kind: 'visit', text: body } });
        }
      }
      return askText(ctx, { step: 'text', draft: {} });
    },
    input,
  };
}
