import { randomUUID } from 'node:crypto';
import { members, staff } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import type { Markup } from '../../core/markup.ts';
import { sql } from 'kysely';
import type { Feature, PersonalData } from '../../core/router.ts';
import { fold, stems } from '../../core/text-match.ts';
import { type Choice, type Reply, text, UI_LANGUAGES } from '../../core/types.ts';
import type { FeatureDeps } from '../deps.ts';
import { composeFlow } from './compose-flow.ts';
import { type AnnouncementsOptions, AnnouncementsService, headline } from './service.ts';
import { ANNOUNCEMENT_KINDS, type AnnouncementKind } from './tables.ts';

export { AnnouncementsService };

/** After a coordinator publishes a visit: a button to tell the network, with the visit's details filled in. */
export async function announceVisitOffer(ctx: Ctx, visitId: string): Promise<Reply[]> {
  return [text(ctx.tr.t('announcements:compose.visit_offer'), [[{ label: ctx.tr.plain('announcements:compose.visit_offer_button'), action: `cmd:run:announce:visit:${visitId}` }]])];
}

/** Coordinators' broadcasts: composing, scheduling, delivery, progress, and members' subscriptions. */
export function announcementsFeature(deps: FeatureDeps, options: AnnouncementsOptions = {}): Feature & { service: AnnouncementsService } {
  const service = new AnnouncementsService(deps, options);
  const db = deps.db;

  const optouts = async (personId: string): Promise<Set<string>> =>
    new Set((await db.selectFrom('announcement_optouts').select('kind').where('person_id', '=', personId).execute()).map((r) => r.kind));

  const subscriptionView = async (ctx: Ctx, intro?: Markup): Promise<Reply[]> => {
    const off = await optouts(ctx.person.id);
    const allOff = off.has('all');
    const lines: Markup[] = [intro ?? ctx.tr.t('announcements:subs.title')];
    lines.push(allOff ? ctx.tr.t('announcements:subs.all_off') : ctx.tr.t('announcements:subs.all_on'));
    const choices: Choice[][] = [
      [{ label: ctx.tr.plain(allOff ? 'announcements:subs.turn_all_on' : 'announcements:subs.turn_all_off'), action: `sub:set:all:${allOff ? 'on' : 'off'}` }],
    ];
    if (!allOff) {
      for (let i = 0; i < ANNOUNCEMENT_KINDS.length; i += 2) {
        choices.push(
          ANNOUNCEMENT_KINDS.slice(i, i + 2).map((k) => ({
            label: `${off.has(k) ? '✗' : '✓'} ${ctx.tr.plain(`announcements:kinds.${k}`)}`,
            action: `sub:set:${k}:${off.has(k) ? 'on' : 'off'}`,
          })),
        );
      }
    }
    return [text(lines.join('\n') as Markup, choices)];
  };

  const setSubscription = async (ctx: Ctx, kind: AnnouncementKind | 'all', on: boolean): Promise<void> => {
    if (on) {
      await db.deleteFrom('announcement_optouts').where('person_id', '=', ctx.person.id).where('kind', '=', kind).execute();
      if (kind === 'all') await db.deleteFrom('announcement_optouts').where('person_id', '=', ctx.person.id).execute();
    } else {
      await db
        .insertInto('announcement_optouts')
        .values({ person_id: ctx.person.id, kind, created_at: ctx.now.toISOString() })
        .onConflict((oc) => oc.columns(['person_id', 'kind']).doNothing())
        .execute();
    }
  };

  /**
   * A kind as people type it after /unsubscribe or /subscribe: its id, or its name in any language the bot speaks,
   * in any form ("visit", "Vizīte", "vizītes", "Визит", "визиты"), or the word for all of them ("visi", "все").
   */
  const parseKind = (arg: string): AnnouncementKind | 'all' | undefined => {
    const typed = stems(arg).join(' ');
    if (!typed || typed === 'all') return 'all';
    const id = ANNOUNCEMENT_KINDS.find((k) => k === fold(arg));
    if (id) return id;
    // Stems are crude ("termiņš" → "termi", "termiņi" → "termin"), so one may begin the other.
    const same = (word: string) => {
      const w = stems(word).join(' ');
      return w === typed || (Math.min(w.length, typed.length) >= 4 && (w.startsWith(typed) || typed.startsWith(w)));
    };
    for (const lng of UI_LANGUAGES) {
      const tr = deps.i18n.translator(lng);
      if (tr.plain('announcements:subs.all_words').split(',').some(same)) return 'all';
      const kind = ANNOUNCEMENT_KINDS.find((k) => same(tr.plain(`announcements:kinds.${k}`)));
      if (kind) return kind;
    }
    return undefined;
  };

  const listView = async (ctx: Ctx): Promise<Reply[]> => {
    const { scheduled, recent, running } = await service.store.list(8);
    const paused = await service.store.pausedRuns();
    const replies: Reply[] = [];
    for (const run of paused) {
      const a = await service.store.get(run.announcement_id);
      if (!a) continue;
      const counts = await service.outbox.counts(run.id);
      replies.push(
        text(service.progressText(ctx.tr, a, counts, 'paused'), [
          [{ label: ctx.tr.plain('announcements:restore.resume'), action: `ann:resume:${run.id}` }, { label: ctx.tr.plain('announcements:list.stop'), action: `ann:stop:${run.id}` }],
        ]),
      );
    }
    if (!scheduled.length && !recent.length && !running.length && !paused.length) return [text(ctx.tr.t('announcements:list.empty'), [[{ label: ctx.tr.plain('announcements:list.new'), action: 'cmd:run:announce' }]])];
    for (const run of running) {
      const a = await service.store.get(run.announcement_id);
      if (!a) continue;
      const counts = await service.outbox.counts(run.id);
      replies.push(text(service.progressText(ctx.tr, a, counts), [[{ label: ctx.tr.plain('announcements:list.stop'), action: `ann:stop:${run.id}` }]]));
    }
    for (const a of scheduled) {
      replies.push(
        text(
          ctx.tr.t('announcements:list.scheduled_item', {
            title: headline(a.text),
            kind: ctx.tr.plain(`announcements:kinds.${a.kind}`),
            time: a.next_run_at ? new Date(a.next_run_at) : '—',
          }),
          [[{ label: ctx.tr.plain('announcements:list.edit'), action: `ann:edit:${a.id}` }, { label: ctx.tr.plain('announcements:list.cancel'), action: `ann:cancel:${a.id}` }]],
        ),
      );
    }
    if (recent.length) {
      const lines: Markup[] = [ctx.tr.t('announcements:list.recent_title')];
      for (const a of recent) {
        const runs = await service.store.runsOf(a.id);
        const last = runs[0];
        const counts = last ? await service.outbox.counts(last.id) : undefined;
        lines.push(
          ctx.tr.t('announcements:list.recent_item', {
            title: headline(a.text),
            status: ctx.tr.plain(`announcements:status.${last?.status ?? a.status}`),
            sent: counts?.sent ?? 0,
            total: counts?.total ?? 0,
          }),
        );
      }
      replies.push(text(lines.join('\n') as Markup));
    }
    return replies;
  };

  return {
    name: 'announcements',
    service,
    flows: [composeFlow(deps, service)],
    commands: [
      {
        name: 'announce',
        access: [staff],
        description: 'announcements:commands.announce',
        // `visit:ID` comes from the button offered after a visit is published; typed arguments are not needed.
        handle: (ctx, args) => ctx.startFlow('announce', args.startsWith('visit:') ? args : ''),
      },
      { name: 'announcements', access: [staff], description: 'announcements:commands.announcements', handle: listView },
      {
        name: 'unsubscribe',
        access: [members],
        description: 'announcements:commands.unsubscribe',
        arg: { name: 'kind', description: 'announcements:commands.kind_arg' },
        async handle(ctx, args) {
          if (!args.trim()) return subscriptionView(ctx);
          const kind = parseKind(args);
          if (!kind) return subscriptionView(ctx, ctx.tr.t('announcements:subs.unknown_kind', { typed: args.slice(0, 30) }));
          await setSubscription(ctx, kind, false);
          return subscriptionView(ctx, ctx.tr.t('announcements:subs.saved'));
        },
      },
      {
        name: 'subscribe',
        access: [members],
        description: 'announcements:commands.subscribe',
        arg: { name: 'kind', description: 'announcements:commands.kind_arg' },
        async handle(ctx, args) {
          if (!args.trim()) return subscriptionView(ctx);
          const kind = parseKind(args);
          if (!kind) return subscriptionView(ctx, ctx.tr.t('announcements:subs.unknown_kind', { typed: args.slice(0, 30) }));
          await setSubscription(ctx, kind, true);
          return subscriptionView(ctx, ctx.tr.t('announcements:subs.saved'));
        },
      },
      {
        name: 'register_group',
        access: [staff],
        description: 'announcements:commands.register_group',
        arg: { name: 'channel', description: 'announcements:commands.channel_arg' },
        async handle(ctx, args) {
          const chat = ctx.incoming.chat;
          let target: { chatId: string; title: string };
          if (chat.kind === 'group') {
            target = { chatId: chat.chatId, title: (chat.title ?? chat.chatId).slice(0, 100) };
          } else {
            // A channel has no members who write commands: a coordinator names it (@name) in a private chat, and the
            // bot checks it may post there.
            const ref = args.trim().split(/\s+/)[0] ?? '';
            if (!/^(@[A-Za-z0-9_]{4,32}|-100\d{5,20})$/.test(ref)) return [text(ctx.tr.t('announcements:groups.only_in_group'))];
            const found = await deps.messenger.resolveChannel(chat.platform, ref);
            if (!found || 'error' in found) {
              return [text(ctx.tr.t(found?.error === 'not_admin' ? 'announcements:groups.channel_not_admin' : 'announcements:groups.channel_not_found', { channel: ref }))];
            }
            target = { chatId: found.chatId, title: found.title.slice(0, 100) };
          }
          const { chatId, title } = target;
          await db
            .insertInto('audience_chats')
            .values({ id: randomUUID(), platform: chat.platform, chat_id: chatId, title, registered_by: ctx.person.id, created_at: ctx.now.toISOString() })
            .onConflict((oc) => oc.columns(['platform', 'chat_id']).doUpdateSet({ title }))
            .execute();
          await deps.audit?.byCtx(ctx, 'audience.register', null, { platform: chat.platform, title });
          return [text(ctx.tr.t('announcements:groups.registered', { title }))];
        },
      },
      {
        name: 'unregister_group',
        access: [staff],
        description: 'announcements:commands.unregister_group',
        async handle(ctx) {
          const chat = ctx.incoming.chat;
          const r = await db.deleteFrom('audience_chats').where('platform', '=', chat.platform).where('chat_id', '=', chat.chatId).executeTakeFirst();
          return [text(ctx.tr.t(Number(r.numDeletedRows) ? 'announcements:groups.unregistered' : 'announcements:groups.not_registered'))];
        },
      },
    ],
    actions: [
      {
        id: 'sub:set',
        access: [members],
        async handle(ctx, [kind, onOff]) {
          const k = parseKind(kind ?? '');
          if (!k || (onOff !== 'on' && onOff !== 'off')) return subscriptionView(ctx);
          await setSubscription(ctx, k, onOff === 'on');
          return subscriptionView(ctx, ctx.tr.t('announcements:subs.saved'));
        },
      },
      {
        id: 'ann:cancel',
        access: [staff],
        async handle(ctx, [id]) {
          const ok = id ? await service.store.cancel(id, ctx.now) : false;
          if (ok) await deps.audit?.byCtx(ctx, 'announcement.cancel', null, { announcement: id });
          return [text(ctx.tr.t(ok ? 'announcements:list.cancelled' : 'announcements:compose.too_late'))];
        },
      },
      { id: 'ann:edit', access: [staff], handle: (ctx, [id]) => ctx.startFlow('announce', `edit:${id ?? ''}`) },
      {
        id: 'ann:resume',
        access: [staff],
        async handle(ctx, [runId]) {
          const ok = runId ? await service.resumeRun(runId) : false;
          if (ok) await deps.audit?.byCtx(ctx, 'announcement.resume', null, { run: runId });
          return [text(ctx.tr.t(ok ? 'announcements:restore.resumed' : 'announcements:restore.not_paused'))];
        },
      },
      {
        id: 'ann:stop',
        access: [staff],
        async handle(ctx, [runId]) {
          const ok = runId ? await service.stopRun(runId) : false;
          if (ok) await deps.audit?.byCtx(ctx, 'announcement.stop', null, { run: runId });
          return [text(ctx.tr.t(ok ? 'announcements:list.stopped' : 'announcements:list.not_running'))];
        },
      },
    ],
    menu: [{ label: 'announcements:menu.announce', command: 'announce', order: 60 }],
    personalData: announcementsPersonalData(),
    start: () => service.start(),
    stop: () => service.stop(),
  };
}

/**
 * Personal data of announcements: a member's opt-outs; a coordinator's announcements (their text is the network's
 * and stays, without the author) and the groups they registered; the delivery records addressed to the person.
 * Erasing cancels what was still to be sent to them and removes their address from the records (the counts stay).
 */
function announcementsPersonalData(): PersonalData {
  return {
    async export(personId, db) {
      const optouts = await db.selectFrom('announcement_optouts').select(['kind', 'created_at']).where('person_id', '=', personId).execute();
      const written = await db
        .selectFrom('announcements')
        .select(['id', 'kind', 'text', 'status', 'created_at', 'next_run_at'])
        .where('created_by', '=', personId)
        .execute();
      const received = await db
        .selectFrom('outbox')
        .innerJoin('announcement_runs', 'announcement_runs.id', 'outbox.run_id')
        .select(['announcement_runs.announcement_id', 'outbox.platform', 'outbox.status', 'outbox.updated_at'])
        .where('outbox.person_id', '=', personId)
        .execute();
      const groups = await db.selectFrom('audience_chats').select(['platform', 'title', 'created_at']).where('registered_by', '=', personId).execute();
      return { unsubscribed: optouts, announcementsWritten: written, deliveries: received, groupsRegistered: groups };
    },
    async erase(personId, db) {
      await db.deleteFrom('announcement_optouts').where('person_id', '=', personId).execute();
      await db.updateTable('outbox').set({ status: 'cancelled', error: 'erased' }).where('person_id', '=', personId).where('status', '=', 'pending').execute();
      await db
        .updateTable('outbox')
        .set({ person_id: null, chat_id: sql<string>`'erased-' || cast(id as text)` })
        .where('person_id', '=', personId)
        .execute();
      // Their scheduled announcements still go out; the progress and report have nobody to go to.
      await db.updateTable('announcements').set({ created_by: null, report_chat_id: '' }).where('created_by', '=', personId).execute();
      await db.updateTable('audience_chats').set({ registered_by: null }).where('registered_by', '=', personId).execute();
    },
    async merge(fromId, intoId, db) {
      const theirs = await db.selectFrom('announcement_optouts').selectAll().where('person_id', '=', fromId).execute();
      for (const o of theirs) {
        await db
          .insertInto('announcement_optouts')
          .values({ ...o, person_id: intoId })
          .onConflict((oc) => oc.columns(['person_id', 'kind']).doNothing())
          .execute();
      }
      await db.deleteFrom('announcement_optouts').where('person_id', '=', fromId).execute();
      await db.updateTable('outbox').set({ person_id: intoId }).where('person_id', '=', fromId).execute();
      await db.updateTable('announcements').set({ created_by: intoId }).where('created_by', '=', fromId).execute();
      await db.updateTable('audience_chats').set({ registered_by: intoId }).where('registered_by', '=', fromId).execute();
    },
  };
}
