import { anyone, privateChat, type Role } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { join, type Markup } from '../../core/markup.ts';
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

/**
 * One person across platforms: `/link` gives a one-time code (10 minutes); `/link CODE` sent from an account on
 * another platform joins that account's person and the code creator's into one. The person who typed the code
 * keeps their row (so this very conversation goes on); the creator's rows move to it and the creator's language and
 * municipality win. Wrong guesses are limited per person.
 */
export function linkPart({ deps, audit, guesses }: LinkDeps): { commands: CommandDef[]; actions: ActionDef[] } {
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

  const redeem = async (ctx: Ctx, typed: string): Promise<Reply[]> => {
    const { tr } = ctx;
    const blocked = await guesses.blockedUntil(ctx.person.id, 'link', ctx.now);
    if (blocked) return [text(tr.t('access:codes.blocked', { time: blocked }))];
    const code = normalizeCode(typed, LINK_CODE_LENGTH);
    const row = code
      ? await db.selectFrom('link_codes').selectAll().where('code_hash', '=', hashCode('link', code)).where('expires_at', '>', ctx.now.toISOString()).executeTakeFirst()
      : undefined;
    if (row && row.person_id === ctx.person.id) return [text(tr.t('access:link.same'))];
    const creatorId = row?.person_id;
    const merged = creatorId
      ? await db.transaction().execute(async (trx) => {
          // Single use: the delete that removes the code is the one that may use it.
          const d = await trx.deleteFrom('link_codes').where('code_hash', '=', row!.code_hash).executeTakeFirst();
          if (Number(d.numDeletedRows) !== 1) return undefined;
          const creator = await trx.selectFrom('persons').selectAll().where('id', '=', creatorId).executeTakeFirst();
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
        })
      : undefined;
    if (!merged) {
      const left = await guesses.wrong(ctx.person.id, 'link', ctx.now);
      return [text(left > 0 ? tr.t('access:link.invalid', { left }) : tr.t('access:link.invalid_last'))];
    }
    if (isUiLanguage(merged.language)) ctx.useLanguage(merged.language);
    await refreshMenus(deps, ctx.person.id);
    const platforms = await platformsOf(ctx.person.id);
    const effective = (await deps.people.effectiveRole(ctx.person.id)) ?? merged.role;
    const done = ctx.tr.t('access:link.done', {
      platforms: platforms.map((p) => ctx.tr.plain(`access:platforms.${p}`)).join(', '),
      role: ctx.tr.plain(`common:roles.${effective}`),
      language: ctx.tr.plain(`common:languages.${ctx.tr.ui}`),
    });
    return [text(join([done, '' as Markup, ctx.tr.t('access:link.choose_platform')]), platformButtons(ctx, platforms))];
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

  return { commands, actions };
}
