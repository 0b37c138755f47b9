import { members, type Role } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { esc, join, type Markup, markup, splitMarkup } from '../../core/markup.ts';
import type { ActionDef, CommandDef } from '../../core/router.ts';
import { type Choice, type Reply, text } from '../../core/types.ts';
import { joinPlaces, type PlaceName } from '../../i18n/places.ts';
import type { FeatureDeps } from '../deps.ts';
import { viewPeople } from './people-view.ts';

/** Who the directory lists (when they opted in): the network's experts and mediators, and its coordinators. */
export const DIRECTORY_ROLES: readonly Role[] = ['expert', 'mediator', 'coordinator'];
const MAX_SHOWN = 80;
const TELEGRAM_USERNAME = /^[A-Za-z0-9_]{4,32}$/;

/**
 * `/contacts [MUNICIPALITY]`: the experts, mediators and coordinators who chose to be listed, with their role,
 * municipality and how to reach them (Telegram @username, Discord name). Only approved members see it; nobody is
 * listed without opting in, and /forget or the button takes them out again.
 */
export function directoryPart(deps: FeatureDeps): { commands: CommandDef[]; actions: ActionDef[] } {
  const { db, municipalities } = deps;

  const optinButton = (ctx: Ctx, listed: boolean): Choice[][] => [
    [listed ? { label: ctx.tr.plain('access:contacts.optout'), action: 'access:dir:off' } : { label: ctx.tr.plain('access:contacts.optin'), action: 'access:dir:on' }],
  ];

  const isListed = async (personId: string) =>
    (await db.selectFrom('persons').select('directory_optin').where('id', '=', personId).executeTakeFirst())?.directory_optin === 1;

  /** A person's way to be reached: a Telegram link by username, a Discord name. */
  const reach = (ctx: Ctx, accounts: Array<{ platform: string; username: string | null }>): Markup => {
    const ways: Markup[] = [];
    for (const a of accounts) {
      if (!a.username) continue;
      if (a.platform === 'telegram' && TELEGRAM_USERNAME.test(a.username)) ways.push(markup`Telegram <a href="https://t.me/${esc(a.username)}">@${esc(a.username)}</a>`);
      else if (a.platform === 'discord') ways.push(markup`Discord <code>${esc([...a.username].slice(0, 40).join(''))}</code>`);
    }
    return ways.length ? join(ways, ' · ') : ctx.tr.t('access:contacts.no_handle');
  };

  const list = async (ctx: Ctx, args: string): Promise<Reply[]> => {
    const { tr } = ctx;
    const typed = [...args.trim()].slice(0, 60).join('');
    let ids: string[] | undefined;
    let label: PlaceName | undefined;
    let intro: Markup | undefined;
    if (typed) {
      const region = municipalities.findRegion(typed);
      const found = region ? municipalities.inRegion(region.id) : municipalities.find(typed);
      if (found.length) {
        ids = found.map((m) => m.id);
        label = region ? region.place : joinPlaces(found.map((m) => m.place));
      } else {
        intro = tr.t('access:contacts.unknown_place', { typed });
      }
    }
    let q = db
      .selectFrom('persons')
      .select(['id', 'role', 'municipality'])
      .where('directory_optin', '=', 1)
      .where('registered_at', 'is not', null)
      .where('role', 'in', [...DIRECTORY_ROLES]);
    if (ids) q = q.where('municipality', 'in', ids);
    const rows = await q.execute();
    const views = await viewPeople(db, rows.map((r) => r.id));
    const munName = (id: string | null) => municipalities.get(id)?.place.in(tr.ui) ?? tr.plain('common:no_municipality');
    const sorted = [...views.values()].sort((a, b) => munName(a.municipality).localeCompare(munName(b.municipality), 'lv') || a.name.localeCompare(b.name, 'lv'));

    const listed = await isListed(ctx.person.id);
    const lines: Markup[] = [];
    if (intro) lines.push(intro);
    lines.push(label ? tr.t('access:contacts.title_filtered', { place: label }) : tr.t('access:contacts.title'));
    if (!sorted.length) lines.push(label ? tr.t('access:contacts.empty_filtered', { place: label }) : tr.t('access:contacts.empty'));
    for (const p of sorted.slice(0, MAX_SHOWN)) {
      lines.push(
        markup`• <b>${esc(p.name)}</b> — ${esc(tr.plain(`common:roles.${p.role}`))}, ${esc(munName(p.municipality))}\n   ${reach(ctx, p.accounts)}`,
      );
    }
    if (sorted.length > MAX_SHOWN) lines.push(tr.t('access:contacts.more', { count: sorted.length - MAX_SHOWN }));
    lines.push('' as Markup, tr.t(listed ? 'access:contacts.you_listed' : 'access:contacts.you_not_listed'));
    const limit = Math.min(3500, ctx.caps.maxTextLength);
    const pieces = splitMarkup(join(lines), limit);
    return pieces.map((piece, i) => (i === pieces.length - 1 ? text(piece, optinButton(ctx, listed)) : text(piece)));
  };

  const commands: CommandDef[] = [
    {
      name: 'contacts',
      access: [members],
      description: 'access:commands.contacts',
      arg: { name: 'municipality', description: 'access:commands.contacts_arg' },
      handle: list,
    },
  ];

  const actions: ActionDef[] = [
    {
      id: 'access:dir',
      access: [members],
      async handle(ctx, [onOff]) {
        const on = onOff === 'on';
        if (onOff !== 'on' && onOff !== 'off') return list(ctx, '');
        await db.updateTable('persons').set({ directory_optin: on ? 1 : 0, updated_at: ctx.now.toISOString() }).where('id', '=', ctx.person.id).execute();
        return [text(ctx.tr.t(on ? 'access:contacts.opted_in' : 'access:contacts.opted_out'), optinButton(ctx, on))];
      },
    },
  ];

  return { commands, actions };
}
