import { anyone, checkAll, members, type Precondition, privateChat, staff } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { esc, join, type Markup, markup } from '../../core/markup.ts';
import { commandAction, type Feature, type PersonalData } from '../../core/router.ts';
import { rigaDate } from '../../core/time.ts';
import { type Choice, type Reply, text, withButtons } from '../../core/types.ts';
import { ViewCache } from '../../core/view-cache.ts';
import type { FeatureDeps } from '../deps.ts';
import { calendarFile } from './calendar.ts';
import { loadVisitData } from './data-loader.ts';
import { CalendarFeeds, feedRoute, feedUrl } from './feed.ts';
import { EDITOR_FLOW, editorFlow, type PublishedVisit } from './editor-flow.ts';
import { agendaMessages, formatName, MESSAGE_LIMIT, shortLabel, visitDates, visitSpan } from './format.ts';
import { DAY_BEFORE_AT, leadMinutes, ReminderScheduler } from './reminders.ts';
import { INSTITUTION_FLOW, institutionFlow } from './listing-flow.ts';
import { isRsvpAnswer, RSVP_ANSWERS, RsvpService } from './rsvp.ts';
import { rsvpWorkbook } from './rsvp-export.ts';
import type { RsvpAnswer } from './tables.ts';
import { revisionOf, setVisitsLoading, type Visit, VisitStore, type VisitWithAgenda } from './visit-store.ts';

export type { PublishedVisit } from './editor-flow.ts';
export { VisitStore } from './visit-store.ts';

export interface VisitsOptions {
  /**
   * Called when a coordinator publishes a visit (new or changed). The announcements feature plugs in here to offer
   * "notify the network"; its replies are shown after the confirmation.
   */
  onPublished?: (ctx: Ctx, published: PublishedVisit) => Promise<Reply[] | void>;
  /** Where the shipped visit files are (tests). */
  dataDir?: string;
}

/** The visits feature with its reminder scheduler exposed, so tests (and operators) can run a tick by hand. */
export type VisitsFeature = Feature & { reminders: ReminderScheduler; store: VisitStore; rsvps: RsvpService };

/** Visits and agendas: what is on, where and when, RSVPs, calendar files, reminders, and the coordinators' editor. */
export function visitsFeature(deps: FeatureDeps, options: VisitsOptions = {}): VisitsFeature {
  const { db, municipalities, i18n, log } = deps;
  const store = new VisitStore(db, municipalities);
  const rsvps = new RsvpService(db);
  const feeds = new CalendarFeeds(db);
  const reminders = new ReminderScheduler({ db, store, rsvps, people: deps.people, notices: deps.notices, i18n, clock: deps.clock, log, firstTickAfterMs: deps.firstTickAfterMs });

  // Shipped visits are upserted now; every read through a VisitStore waits for it.
  setVisitsLoading(
    db,
    loadVisitData(db, deps.clock.now(), log, { municipalities, ...(options.dataDir ? { dir: options.dataDir } : {}) }).then(
      (n) => void (n && log.info({ changed: n }, 'visit data loaded')),
      (err) => log.error({ err }, 'visit data not loaded'),
    ),
  );

  const allows = (ctx: Ctx, access: readonly Precondition[]) =>
    checkAll(access, ctx.who) === true;
  const isUpcoming = (v: Visit, now: Date) => v.date_precision === 'day' && v.ends_on >= rigaDate(now);
  const limit = (ctx: Ctx) => Math.min(MESSAGE_LIMIT, ctx.caps.maxTextLength);

  /** The visit a command names (its number, date, id or place), or the current one; otherwise the replies to show. */
  const resolve = async (ctx: Ctx, args: string, command: string): Promise<VisitWithAgenda | Reply[]> => {
    const typed = args.trim();
    let visit: Visit | undefined;
    if (!typed) {
      visit = await store.current(ctx.now);
      if (!visit) return [text(ctx.tr.t('visits:list.empty'), ctx.menu())];
    } else {
      const found = await store.lookup(typed, ctx.now);
      if ('none' in found) {
        return [text(ctx.tr.t('visits:lookup.none', { typed: typed.slice(0, 60) }), [[{ label: ctx.tr.plain('visits:buttons.all_visits'), action: commandAction('visits') }]])];
      }
      if ('ambiguous' in found) {
        const choices = found.ambiguous.map((v) => [{ label: `${v.place} · ${visitDates(v, ctx.tr)}`, action: commandAction(command, v.id) }]);
        return [text(ctx.tr.t('visits:lookup.ambiguous', { typed: typed.slice(0, 60) }), choices)];
      }
      visit = found.found;
    }
    return store.withAgenda(visit);
  };

  const rsvpRow = async (ctx: Ctx, v: Visit): Promise<Choice[]> => {
    const current = await rsvps.answerOf(v.id, ctx.person.id);
    return RSVP_ANSWERS.map((a) => ({
      label: `${current === a ? '✓ ' : ''}${ctx.tr.plain(`visits:buttons.rsvp_${a}`)}`,
      action: `visits:rsvp:${v.id}:${a}`,
    }));
  };

  const agendaButtons = async (ctx: Ctx, v: VisitWithAgenda): Promise<Choice[][]> => {
    const rows: Choice[][] = [];
    if (isUpcoming(v, ctx.now) && allows(ctx, [members])) rows.push(await rsvpRow(ctx, v));
    const row: Choice[] = [];
    if (v.date_precision === 'day') row.push({ label: ctx.tr.plain('visits:buttons.calendar'), action: `visits:ics:${v.id}` });
    if (allows(ctx, [staff])) {
      const c = await rsvps.counts(v.id);
      row.push({ label: ctx.tr.plain('visits:buttons.rsvps', { n: c.going + c.maybe }), action: `visits:rsvps:${v.id}` });
    }
    row.push({ label: ctx.tr.plain('visits:buttons.all_visits'), action: commandAction('visits') });
    rows.push(row);
    return rows;
  };

  // An agenda is the same text for every reader of a language until the visit is edited: the key is the visit's
  // revision as read, so an edit on any instance is seen at once.
  const agendas = new ViewCache<readonly Markup[]>(100);
  const agendaReplies = async (ctx: Ctx, v: VisitWithAgenda): Promise<Reply[]> => {
    const messages = agendas.get(undefined, `${ctx.tr.ui}|${ctx.tr.revision}|${limit(ctx)}|${revisionOf(v)}`, () => agendaMessages(v, ctx.tr, limit(ctx)));
    const buttons = await agendaButtons(ctx, v);
    return withButtons(messages, buttons);
  };

  const listVisits = async (ctx: Ctx): Promise<Reply[]> => {
    const visits = await store.list(ctx.now);
    if (!visits.length) return [text(ctx.tr.t('visits:list.empty'), ctx.menu())];
    const lines: Markup[] = [];
    let section: 'upcoming' | 'past' | undefined;
    visits.forEach((v, i) => {
      const s = isUpcoming(v, ctx.now) ? 'upcoming' : 'past';
      if (s !== section) {
        if (section) lines.push('' as Markup);
        else if (s === 'past') lines.push(ctx.tr.t('visits:list.none_upcoming'), '' as Markup);
        lines.push(markup`<b>${ctx.tr.t(`visits:list.${s}`)}</b>`);
        section = s;
      }
      lines.push(markup`${i + 1}. <b>${esc(v.place)}</b> · ${esc(visitDates(v, ctx.tr))} · ${esc(formatName(v, ctx.tr))}`);
    });
    lines.push('' as Markup, ctx.tr.t('visits:list.footer'));
    const buttons = visits.map((v) => ({ label: shortLabel(v), action: commandAction('agenda', v.id) }));
    const rows: Choice[][] = [];
    for (let i = 0; i < buttons.length; i += 2) rows.push(buttons.slice(i, i + 2));
    return [text(join(lines), rows)];
  };

  const calendarReply = async (ctx: Ctx, v: VisitWithAgenda): Promise<Reply[]> => {
    if (v.date_precision !== 'day') return [text(ctx.tr.t('visits:calendar.dates_unknown'))];
    if (!ctx.caps.files) return [text(ctx.tr.t('visits:calendar.no_files', { ref: v.id }))];
    const { events, ...file } = calendarFile(v);
    return [{ kind: 'file', file, caption: ctx.tr.t('visits:calendar.caption', { count: events, place: v.place, dates: visitSpan(v, ctx.tr, 'list') }) }];
  };

  const base = () => deps.config.publicUrl ?? (deps.config.httpPort > 0 ? `http://localhost:${deps.config.httpPort}` : undefined);

  /** `/calendar`: the subscription address (made now, or said to exist), with buttons for a new one and to stop. */
  const feedReplies = async (ctx: Ctx): Promise<Reply[]> => {
    if (!base()) return [text(ctx.tr.t('visits:feed.off_here'))];
    if (ctx.incoming.chat.kind !== 'private' && !ctx.caps.privateInGroups) return [text(ctx.tr.t('visits:feed.private_only'))];
    const existing = await feeds.status(ctx.person.id);
    if (!existing) return newFeed(ctx);
    return [
      text(ctx.tr.t('visits:feed.exists', { date: new Date(existing.createdAt) }), [
        [{ label: ctx.tr.plain('visits:feed.button_new'), action: commandAction('calendar', 'new') }],
        [{ label: ctx.tr.plain('visits:feed.button_off'), action: commandAction('calendar', 'off') }],
      ]),
    ];
  };

  const newFeed = async (ctx: Ctx): Promise<Reply[]> => {
    const b = base();
    if (!b) return [text(ctx.tr.t('visits:feed.off_here'))];
    if (ctx.incoming.chat.kind !== 'private' && !ctx.caps.privateInGroups) return [text(ctx.tr.t('visits:feed.private_only'))];
    const url = feedUrl(b, await feeds.create(ctx.person.id, ctx.now));
    return [{ kind: 'text', personal: true, text: ctx.tr.t('visits:feed.made', { url }), choices: [[{ label: ctx.tr.plain('visits:feed.button_off'), action: commandAction('calendar', 'off') }]] }];
  };

  const revokeFeed = async (ctx: Ctx): Promise<Reply[]> => [text(ctx.tr.t((await feeds.revoke(ctx.person.id)) ? 'visits:feed.revoked' : 'visits:feed.none'))];

  const rsvpReport = async (ctx: Ctx, v: VisitWithAgenda): Promise<Reply[]> => {
    const entries = await rsvps.list(v.id);
    const head = markup`<b>${ctx.tr.t('visits:rsvps.title', { place: v.place, dates: visitSpan(v, ctx.tr, 'list') })}</b>`;
    if (!entries.length) return [text(join([head, ctx.tr.t('visits:rsvps.none')]))];
    const count = (a: RsvpAnswer) => entries.filter((e) => e.answer === a).length;
    const lines: Markup[] = [head, ctx.tr.t('visits:rsvps.counts', { going: count('going'), maybe: count('maybe'), no: count('no') })];
    for (const a of RSVP_ANSWERS) {
      const group = entries.filter((e) => e.answer === a);
      if (!group.length) continue;
      lines.push('' as Markup, markup`<b>${ctx.tr.t(`visits:rsvps.group_${a}`, { n: group.length })}</b>`);
      for (const e of group) {
        const m = municipalities.get(e.municipality);
        const who = m ? markup`• ${esc(e.name)} (${esc(m.place.in(ctx.tr.ui))})` : markup`• ${esc(e.name)}`;
        const where = e.institution ? markup` · ${esc(e.institution)}` : ('' as Markup);
        lines.push(markup`${who}${where}${e.listed ? ('' as Markup) : markup` · ${ctx.tr.t('visits:rsvps.not_listed')}`}`);
      }
    }
    const buttons = ctx.caps.files ? [[{ label: ctx.tr.plain('visits:buttons.rsvps_xlsx'), action: `visits:rsvps_xlsx:${v.id}` }]] : [];
    return [text(join(lines), buttons)];
  };

  /** The answers and the participant list as a workbook: names, so only to coordinators in a private chat. */
  const rsvpExport = async (ctx: Ctx, v: VisitWithAgenda): Promise<Reply[]> => {
    if (!ctx.caps.files) return [text(ctx.tr.t('visits:export.no_files'))];
    const entries = await rsvps.list(v.id);
    const file = await rsvpWorkbook(entries, `participants-${v.starts_on}`, ctx.tr, municipalities, ctx.now);
    return [{ kind: 'file', file, caption: ctx.tr.t('visits:export.caption', { place: v.place, dates: visitDates(v, ctx.tr), count: entries.length }) }];
  };

  const answer = async (ctx: Ctx, v: VisitWithAgenda, a: RsvpAnswer): Promise<Reply[]> => {
    if (!isUpcoming(v, ctx.now)) return [text(ctx.tr.t('visits:rsvp.past'))];
    await rsvps.set(v.id, ctx.person.id, a, ctx.now);
    const lines: Markup[] = [ctx.tr.t(`visits:rsvp.saved_${a}`, { place: v.place, dates: visitSpan(v, ctx.tr) })];
    if (a !== 'no') {
      lines.push(
        (await rsvps.remindersOn(ctx.person.id))
          ? ctx.tr.t('visits:rsvp.reminders_on', { time: DAY_BEFORE_AT, count: leadMinutes(v) })
          : ctx.tr.t('visits:rsvp.reminders_off'),
      );
    }
    const replies: Reply[] = [
      text(join(lines), [
        await rsvpRow(ctx, v),
        [
          { label: ctx.tr.plain('visits:buttons.calendar'), action: `visits:ics:${v.id}` },
          { label: ctx.tr.plain('visits:buttons.agenda'), action: commandAction('agenda', v.id) },
        ],
      ]),
    ];
    // Asked once per visit, on the first "going" or "maybe": the report names only those who said yes here.
    if (a !== 'no' && (await rsvps.listingOf(v.id, ctx.person.id))?.listed === null) replies.push(listingQuestion(ctx, v));
    return replies;
  };

  const listingQuestion = (ctx: Ctx, v: Visit): Reply =>
    text(ctx.tr.t('visits:listing.ask', { place: v.place }), [
      [{ label: ctx.tr.plain('visits:listing.yes'), action: `visits:listed:${v.id}:1` }],
      [{ label: ctx.tr.plain('visits:listing.no'), action: `visits:listed:${v.id}:0` }],
    ]);

  const setListed = async (ctx: Ctx, v: VisitWithAgenda, value: string | undefined): Promise<Reply[]> => {
    const listed = value === '1';
    if (!(await rsvps.setListed(v.id, ctx.person.id, listed))) return [text(ctx.tr.t('visits:listing.no_rsvp'), [await rsvpRow(ctx, v)])];
    const said = text(ctx.tr.t(listed ? 'visits:listing.listed' : 'visits:listing.counted'));
    return [said, ...(await ctx.startFlow(INSTITUTION_FLOW, v.id))];
  };

  const setReminders = async (ctx: Ctx, on: boolean): Promise<Reply[]> => {
    await rsvps.setReminders(ctx.person.id, on, ctx.now);
    return [text(ctx.tr.t(on ? 'visits:reminders.turned_on' : 'visits:reminders.turned_off', { time: DAY_BEFORE_AT }))];
  };

  const withVisit =
    (command: string, then: (ctx: Ctx, v: VisitWithAgenda) => Promise<Reply[]>) =>
    async (ctx: Ctx, args: string): Promise<Reply[]> => {
      const v = await resolve(ctx, args, command);
      return Array.isArray(v) ? v : then(ctx, v);
    };

  const byId = (then: (ctx: Ctx, v: VisitWithAgenda, rest: string[]) => Promise<Reply[]>) => async (ctx: Ctx, args: string[]) => {
    const v = args[0] ? await store.get(args[0]) : undefined;
    if (!v?.published_at) return [text(ctx.tr.t('visits:lookup.gone'), [[{ label: ctx.tr.plain('visits:buttons.all_visits'), action: commandAction('visits') }]])];
    return then(ctx, v, args.slice(1));
  };

  const visitArg = { name: 'visit', description: 'visits:commands.visit_arg' };

  return {
    name: 'visits',
    reminders,
    store,
    rsvps,
    flows: [
      editorFlow({
        db,
        store,
        municipalities,
        content: i18n.translator('lv'),
        ...(options.onPublished ? { onPublished: options.onPublished } : {}),
      }),
      institutionFlow(rsvps),
    ],
    commands: [
      { name: 'visits', access: [anyone], description: 'visits:commands.visits', handle: (ctx) => listVisits(ctx) },
      { name: 'agenda', access: [anyone], description: 'visits:commands.agenda', arg: visitArg, handle: withVisit('agenda', agendaReplies) },
      {
        name: 'calendar',
        access: [anyone],
        description: 'visits:commands.calendar',
        arg: { name: 'visit', description: 'visits:commands.calendar_arg' },
        async handle(ctx, args) {
          const a = args.trim().toLowerCase();
          if (!a) return feedReplies(ctx);
          if (['off', 'izslēgt', 'izslegt', 'выкл'].includes(a)) return revokeFeed(ctx);
          if (['new', 'jauna', 'jauns', 'новая', 'новый'].includes(a)) return newFeed(ctx);
          return withVisit('calendar', calendarReply)(ctx, args);
        },
      },
      { name: 'rsvps', access: [staff], description: 'visits:commands.rsvps', arg: visitArg, handle: withVisit('rsvps', rsvpReport) },
      {
        name: 'reminders',
        access: [members],
        description: 'visits:commands.reminders',
        arg: { name: 'switch', description: 'visits:commands.reminders_arg' },
        async handle(ctx, args) {
          const a = args.trim().toLowerCase();
          if (['on', 'ieslēgt', 'ieslegt', 'вкл', 'включить'].includes(a)) return setReminders(ctx, true);
          if (['off', 'izslēgt', 'izslegt', 'выкл', 'выключить'].includes(a)) return setReminders(ctx, false);
          const on = await rsvps.remindersOn(ctx.person.id);
          return [
            text(ctx.tr.t(on ? 'visits:reminders.status_on' : 'visits:reminders.status_off', { time: DAY_BEFORE_AT }), [
              [on ? { label: ctx.tr.plain('visits:buttons.reminders_off'), action: 'visits:reminders:off' } : { label: ctx.tr.plain('visits:buttons.reminders_on'), action: 'visits:reminders:on' }],
            ]),
          ];
        },
      },
      { name: 'visit_new', access: [staff], description: 'visits:commands.visit_new', handle: (ctx) => ctx.startFlow(EDITOR_FLOW) },
      {
        name: 'visit_edit',
        access: [staff],
        description: 'visits:commands.visit_edit',
        arg: visitArg,
        async handle(ctx, args) {
          if (!args.trim()) {
            const visits = (await store.list(ctx.now)).filter((v) => v.date_precision === 'day');
            const choices = visits.slice(0, 20).map((v) => [{ label: `${shortLabel(v)} · ${visitDates(v, ctx.tr)}`, action: commandAction('visit_edit', v.id) }]);
            return [text(ctx.tr.t('visits:editor.which_visit'), choices)];
          }
          const v = await resolve(ctx, args, 'visit_edit');
          return Array.isArray(v) ? v : ctx.startFlow(EDITOR_FLOW, v.id);
        },
      },
    ],
    actions: [
      {
        id: 'visits:rsvp',
        access: [members],
        handle: byId(async (ctx, v, [a]) => (isRsvpAnswer(a) ? answer(ctx, v, a) : agendaReplies(ctx, v))),
      },
      { id: 'visits:ics', access: [anyone], handle: byId(calendarReply) },
      { id: 'visits:rsvps', access: [staff], handle: byId(rsvpReport) },
      { id: 'visits:rsvps_xlsx', access: [staff, privateChat], handle: byId(rsvpExport) },
      { id: 'visits:listed', access: [members], handle: byId(async (ctx, v, [value]) => setListed(ctx, v, value)) },
      { id: 'visits:reminders', access: [members], handle: async (ctx, [on]) => setReminders(ctx, on !== 'off') },
    ],
    menu: [
      { label: 'visits:menu.visits', command: 'visits', order: 30 },
      { label: 'visits:menu.agenda', command: 'agenda', order: 35 },
    ],
    personalData: visitsPersonalData(),
    http: [feedRoute(feeds, store, () => deps.clock.now(), i18n.translator('lv').plain('visits:feed.calendar_name'))],
    start: () => reminders.start(),
    stop: () => reminders.stop(),
  };
}

/**
 * Personal data of visits: RSVPs, reminder bookkeeping, the reminder setting, and who created a visit in chat.
 * Linking keeps the newer of two answers for one visit; erasing deletes all but the visits themselves.
 */
function visitsPersonalData(): PersonalData {
  return {
    async export(personId, db) {
      const rsvps = (await db.selectFrom('visit_rsvps').select(['visit_id', 'answer', 'updated_at', 'listed', 'institution']).where('person_id', '=', personId).execute()).map(
        (r) => ({ visit_id: r.visit_id, answer: r.answer, updated_at: r.updated_at, namedInParticipantList: r.listed === null ? null : r.listed === 1, institution: r.institution }),
      );
      const feed = await db.selectFrom('calendar_feeds').select(['created_at', 'last_used_at']).where('person_id', '=', personId).executeTakeFirst();
      const reminders = await db.selectFrom('visit_reminders').select(['visit_id', 'kind', 'due_at', 'status']).where('person_id', '=', personId).execute();
      const prefs = await db.selectFrom('visit_reminder_prefs').select(['enabled', 'updated_at']).where('person_id', '=', personId).executeTakeFirst();
      const created = await db.selectFrom('visits').select(['id', 'title']).where('created_by', '=', personId).execute();
      return {
        rsvps,
        reminders,
        reminderSetting: prefs ? { on: prefs.enabled === 1, updatedAt: prefs.updated_at } : null,
        visitsCreated: created,
        // The feed's token is not kept (only its hash): what is stored is that one exists, and since when.
        calendarFeed: feed ? { createdAt: feed.created_at, lastUsedAt: feed.last_used_at } : null,
      };
    },
    async erase(personId, db) {
      await db.deleteFrom('visit_rsvps').where('person_id', '=', personId).execute();
      await db.deleteFrom('visit_reminders').where('person_id', '=', personId).execute();
      await db.deleteFrom('visit_reminder_prefs').where('person_id', '=', personId).execute();
      await db.deleteFrom('calendar_feeds').where('person_id', '=', personId).execute();
      await db.updateTable('visits').set({ created_by: null }).where('created_by', '=', personId).execute();
    },
    async merge(fromId, intoId, db) {
      const theirs = await db.selectFrom('visit_rsvps').selectAll().where('person_id', '=', fromId).execute();
      for (const r of theirs) {
        const mine = await db.selectFrom('visit_rsvps').select('updated_at').where('visit_id', '=', r.visit_id).where('person_id', '=', intoId).executeTakeFirst();
        if (!mine) await db.insertInto('visit_rsvps').values({ ...r, person_id: intoId }).execute();
        else if (r.updated_at > mine.updated_at) {
          await db.updateTable('visit_rsvps').set({ answer: r.answer, updated_at: r.updated_at, listed: r.listed, institution: r.institution }).where('visit_id', '=', r.visit_id).where('person_id', '=', intoId).execute();
        }
      }
      await db.deleteFrom('visit_rsvps').where('person_id', '=', fromId).execute();
      // A reminder already claimed for either account counts as sent for the person.
      const claimed = await db.selectFrom('visit_reminders').selectAll().where('person_id', '=', fromId).execute();
      for (const r of claimed) {
        await db
          .insertInto('visit_reminders')
          .values({ ...r, person_id: intoId })
          .onConflict((oc) => oc.columns(['visit_id', 'person_id', 'kind', 'due_at']).doNothing())
          .execute();
      }
      await db.deleteFrom('visit_reminders').where('person_id', '=', fromId).execute();
      const pref = await db.selectFrom('visit_reminder_prefs').selectAll().where('person_id', '=', fromId).executeTakeFirst();
      if (pref) {
        await db
          .insertInto('visit_reminder_prefs')
          .values({ ...pref, person_id: intoId })
          .onConflict((oc) => oc.column('person_id').doNothing())
          .execute();
        await db.deleteFrom('visit_reminder_prefs').where('person_id', '=', fromId).execute();
      }
      await db.updateTable('visits').set({ created_by: intoId }).where('created_by', '=', fromId).execute();
      // One feed per person: the linked account's address stops working unless it is the only one.
      const intoFeed = await db.selectFrom('calendar_feeds').select('token_hash').where('person_id', '=', intoId).executeTakeFirst();
      if (intoFeed) await db.deleteFrom('calendar_feeds').where('person_id', '=', fromId).execute();
      else await db.updateTable('calendar_feeds').set({ person_id: intoId }).where('person_id', '=', fromId).execute();
    },
  };
}
