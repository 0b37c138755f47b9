import { anyone, privateChat, type Role } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { join, type Markup } from '../../core/markup.ts';
import { type FlowDef, flowChoice } from '../../core/flows.ts';
import type { ActionDef, CommandDef } from '../../core/router.ts';
import { type Choice, isUiLanguage, type Platform, PLATFORMS, type Reply, text } from '../../core/types.ts';
import type { FeatureDeps } from '../deps.ts';
import type { AuditLog } from './audit.ts';
import { formatCode, type GuessLimiter, hashCode, LINK_CODE_LENGTH, LINK_CODE_TTL_MS, newCode, normalizeCode } from './codes.ts';
import { refreshMenus } from './notify.ts';
import { mergePeople } from './personal.ts';
import { rank } from './roles.ts';

export interface LinkDeps {
  deps: FeatureDeps;
  audit: AuditLog;
  guesses: GuessLimiter;
}

/** The role of two joined accounts: the higher one; between expert and mediator, the code creator's. */
export function linkedRole(creator: Role, other: Role): Role {
  return rank(other) > rank(creator) ? other : creator;
}

export const LINK_CONFIRM_FLOW = 'link_confirm';

/**
 * One person across platforms: `/link` gives a one-time code (10 minutes); `/link CODE` sent from an account on
 * another platform joins that account's person and the code creator's into one. The person who typed the code
 * keeps their row (so this very conversation goes on); the creator's rows move to it and the creator's language and
 * municipality win. Wrong guesses are limited per person.
 *
 * Linking is for one person's accounts on different platforms: a code from an account sharing a platform with this
 * one is refused (two console users, two Telegram accounts). No role changes silently: when both accounts hold a
 * role and the roles differ, the one typing the code sees both and the result and confirms first; and the creator's
 * accounts are told afterwards which account joined theirs, so a leaked code does not go unnoticed.
 */
export function linkPart({ deps, audit, guesses }: LinkDeps): { commands: CommandDef[]; actions: ActionDef[]; flow: FlowDef<{ code: string }> } {
  const { db } = deps;

  const platformsOf = async (personId: string): Promise<Platform[]> => {
    const rows = await db.selectFrom('identities').select('platform').where('person_id', '=', personId).execute();
    return PLATFORMS.filter((p) => rows.some((r) => r.platform === p));
  };

  const platformButtons = (ctx: Ctx, platforms: Platform[]): Choice[][] => [
    platforms.map((p) => ({ label: ctx.tr.plain(`access:platforms.${p}`), action: `access:prefer:${p}` })),
    [{ label: ctx.tr.plain('access:link.prefer_auto'), action: 'access:prefer:auto' }],
  ];

  const preferenceLine = async (ctx: Ctx): Promise<Markup> => {
    const row = await db.selectFrom('persons').select('preferred_platform').where('id', '=', ctx.person.id).executeTakeFirst();
    const p = row?.preferred_platform;
    return ctx.tr.t('access:link.current_platform', { platform: p ? ctx.tr.plain(`access:platforms.${p}`) : ctx.tr.plain('access:link.prefer_auto') });
  };

  const giveCode = async (ctx: Ctx): Promise<Reply[]> => {
    const code = newCode(LINK_CODE_LENGTH);
    const expires = new Date(ctx.now.getTime() + LINK_CODE_TTL_MS);
    await db.transaction().execute(async (trx) => {
      // One live code per person: a new one replaces the old.
      await trx.deleteFrom('link_codes').where('person_id', '=', ctx.person.id).execute();
      await trx
        .insertInto('link_codes')
        .values({ code_hash: hashCode('link', code), person_id: ctx.person.id, created_at: ctx.now.toISOString(), expires_at: expires.toISOString() })
        .execute();
    });
    const replies: Reply[] = [text(ctx.tr.t('access:link.code', { code: formatCode(code), minutes: LINK_CODE_TTL_MS / 60_000 }))];
    const platforms = await platformsOf(ctx.person.id);
    if (platforms.length > 1) replies.push(text(join([await preferenceLine(ctx), ctx.tr.t('access:link.choose_platform')]), platformButtons(ctx, platforms)));
    return replies;
  };

  type Found = { kind: 'ok'; hash: string; creatorId: string } | { kind: 'blocked'; until: Date } | { kind: 'invalid' } | { kind: 'self' };

  const find = async (ctx: Ctx, typed: string): Promise<Found> => {
    const blocked = await guesses.blockedUntil(ctx.person.id, 'link', ctx.now);
    if (blocked) return { kind: 'blocked', until: blocked };
    const code = normalizeCode(typed, LINK_CODE_LENGTH);
    const row = code
      ? await db.selectFrom('link_codes').selectAll().where('code_hash', '=', hashCode('link', code)).where('expires_at', '>', ctx.now.toISOString()).executeTakeFirst()
      : undefined;
    if (!row) return { kind: 'invalid' };
    if (row.person_id === ctx.person.id) return { kind: 'self' };
    return { kind: 'ok', hash: row.code_hash, creatorId: row.person_id };
  };

  const invalid = async (ctx: Ctx): Promise<Reply[]> => {
    const left = await guesses.wrong(ctx.person.id, 'link', ctx.now);
    return [text(left > 0 ? ctx.tr.t('access:link.invalid', { left }) : ctx.tr.t('access:link.invalid_last'))];
  };

  /** The checks before anything changes; undefined when the link may go ahead (after a confirmation, if asked). */
  const refusal = async (ctx: Ctx, found: Found): Promise<Reply[] | undefined> => {
    const { tr } = ctx;
    if (found.kind === 'blocked') return [text(tr.t('access:codes.blocked', { time: found.until }))];
    if (found.kind === 'self') return [text(tr.t('access:link.same'))];
    if (found.kind === 'invalid') return invalid(ctx);
    const mine = await platformsOf(ctx.person.id);
    const overlap = (await platformsOf(found.creatorId)).find((p) => mine.includes(p));
    // Not counted as a wrong guess and the code stays valid: the right account may still use it.
    if (overlap) return [text(tr.t('access:link.same_platform', { platform: tr.plain(`access:platforms.${overlap}`) }))];
    return undefined;
  };

  const rolesOf = async (creatorId: string, selfId: string) => {
    const rows = await db.selectFrom('persons').select(['id', 'role']).where('id', 'in', [creatorId, selfId]).execute();
    const creator = rows.find((r) => r.id === creatorId)?.role ?? 'guest';
    const self = rows.find((r) => r.id === selfId)?.role ?? 'guest';
    return { creator, self };
  };

  /** Two registered roles that differ: joining changes one of them, so it is confirmed first. */
  const needsConfirmation = (roles: { creator: Role; self: Role }) => roles.creator !== 'guest' && roles.self !== 'guest' && roles.creator !== roles.self;

  const link = async (ctx: Ctx, found: Extract<Found, { kind: 'ok' }>): Promise<Reply[]> => {
    const creatorPlatforms = await platformsOf(found.creatorId);
    const merged = await db.transaction().execute(async (trx) => {
      // Single use: the delete that removes the code is the one that may use it.
      const d = await trx.deleteFrom('link_codes').where('code_hash', '=', found.hash).executeTakeFirst();
      if (Number(d.numDeletedRows) !== 1) return undefined;
      const creator = await trx.selectFrom('persons').selectAll().where('id', '=', found.creatorId).executeTakeFirst();
      const self = await trx.selectFrom('persons').selectAll().where('id', '=', ctx.person.id).executeTakeFirst();
      if (!creator || !self) return undefined;
      await mergePeople(trx, deps.registry, creator.id, self.id);
      const role = linkedRole(creator.role, self.role);
      const language = creator.language ?? self.language;
      await trx
        .updateTable('persons')
        .set({
          role,
          requested_role: role === 'guest' ? (creator.requested_role ?? self.requested_role) : null,
          language,
          municipality: creator.municipality ?? self.municipality,
          preferred_platform: null,
          updated_at: ctx.now.toISOString(),
        })
        .where('id', '=', self.id)
        .execute();
      await audit.byCtx(ctx, 'account.link', self.id, { roles: [creator.role, self.role], role }, trx);
      return { role, language };
    });
    if (!merged) return invalid(ctx);
    if (isUiLanguage(merged.language)) ctx.useLanguage(merged.language);
    await refreshMenus(deps, ctx.person.id);
    const platforms = await platformsOf(ctx.person.id);
    const effective = (await deps.people.effectiveRole(ctx.person.id)) ?? merged.role;
    await tellCreator(ctx, creatorPlatforms, effective);
    const done = ctx.tr.t('access:link.done', {
      platforms: platforms.map((p) => ctx.tr.plain(`access:platforms.${p}`)).join(', '),
      role: ctx.tr.plain(`common:roles.${effective}`),
      language: ctx.tr.plain(`common:languages.${ctx.tr.ui}`),
    });
    return [text(join([done, '' as Markup, ctx.tr.t('access:link.choose_platform')]), platformButtons(ctx, platforms))];
  };

  /** The code creator's accounts hear which account joined theirs, and the role now held. */
  const tellCreator = async (ctx: Ctx, creatorPlatforms: Platform[], role: Role): Promise<void> => {
    const tr = deps.i18n.translator(await deps.people.languageOf(ctx.person.id));
    const who = ctx.incoming.identity.username ? `@${ctx.incoming.identity.username}` : (ctx.incoming.identity.displayName ?? ctx.incoming.identity.id);
    const notice = text(
      tr.t('access:link.told_creator', {
        platform: tr.plain(`access:platforms.${ctx.incoming.chat.platform}`),
        who,
        role: tr.plain(`common:roles.${role}`),
      }),
    );
    for (const address of await deps.people.addressesOf(ctx.person.id)) {
      if (creatorPlatforms.includes(address.platform)) await deps.notices.toChat(address, [notice], 'account_linked');
    }
  };

  const redeem = async (ctx: Ctx, typed: string): Promise<Reply[]> => {
    const found = await find(ctx, typed);
    const refused = await refusal(ctx, found);
    if (refused || found.kind !== 'ok') return refused ?? [];
    if (needsConfirmation(await rolesOf(found.creatorId, ctx.person.id))) return ctx.startFlow(LINK_CONFIRM_FLOW, typed);
    return link(ctx, found);
  };

  /** Confirming a link that changes a role: both roles and the result, then Link or Cancel. */
  const flow: FlowDef<{ code: string }> = {
    name: LINK_CONFIRM_FLOW,
    access: [anyone, privateChat],
    ttlMs: LINK_CODE_TTL_MS,
    async start(ctx, code) {
      const found = await find(ctx, code);
      const refused = await refusal(ctx, found);
      if (refused || found.kind !== 'ok') return { replies: refused ?? [], done: true };
      const roles = await rolesOf(found.creatorId, ctx.person.id);
      const role = linkedRole(roles.creator, roles.self);
      const t = ctx.tr;
      const body = t.t('access:link.confirm', {
        mine: t.plain(`common:roles.${roles.self}`),
        theirs: t.plain(`common:roles.${roles.creator}`),
        role: t.plain(`common:roles.${role}`),
      });
      return {
        replies: [text(body, [[flowChoice(t.plain('access:link.confirm_yes'), 'yes'), flowChoice(t.plain('common:buttons.cancel'), 'no')]])],
        state: { code },
      };
    },
    async input(ctx, state, input) {
      if (input.type === 'choice' && input.value === 'no') return { replies: [text(ctx.tr.t('access:link.cancelled'))], done: true };
      if (input.type !== 'choice' || input.value !== 'yes') {
        return { replies: [text(ctx.tr.t('access:link.confirm_use_buttons'))], state };
      }
      const found = await find(ctx, state.code);
      const refused = await refusal(ctx, found);
      if (refused || found.kind !== 'ok') return { replies: refused ?? [], done: true };
      return { replies: await link(ctx, found), done: true };
    },
  };

  const commands: CommandDef[] = [
    {
      name: 'link',
      access: [anyone, privateChat],
      description: 'access:commands.link',
      arg: { name: 'code', description: 'access:commands.link_arg' },
      handle: (ctx, args) => (args.trim() ? redeem(ctx, args) : giveCode(ctx)),
    },
  ];

  const actions: ActionDef[] = [
    {
      id: 'access:prefer',
      access: [anyone],
      async handle(ctx, [platform]) {
        const { tr } = ctx;
        const platforms = await platformsOf(ctx.person.id);
        if (platform === 'auto') {
          await db.updateTable('persons').set({ preferred_platform: null, updated_at: ctx.now.toISOString() }).where('id', '=', ctx.person.id).execute();
          return [text(tr.t('access:link.platform_auto'))];
        }
        const p = platforms.find((x) => x === platform);
        if (!p) return [text(tr.t('access:link.platform_unknown'))];
        await db.updateTable('persons').set({ preferred_platform: p, updated_at: ctx.now.toISOString() }).where('id', '=', ctx.person.id).execute();
        return [text(tr.t('access:link.platform_set', { platform: tr.plain(`access:platforms.${p}`) }))];
      },
    },
  ];

  return { commands, actions, flow };
}
