import { privateChat, type Role, staff } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { flowChoice, type FlowDef, type Step } from '../../core/flows.ts';
import { join, type Markup } from '../../core/markup.ts';
import type { CommandDef } from '../../core/router.ts';
import { type Choice, type Reply, text } from '../../core/types.ts';
import { languageChoices } from '../people/languages.ts';
import type { FeatureDeps } from '../deps.ts';
import type { AuditLog } from './audit.ts';
import { type GuessLimiter, hashCode, INVITE_CODE_LENGTH, INVITE_TTL_DAYS, newCode, normalizeCode } from './codes.ts';
import { notifyPerson, refreshMenus } from './notify.ts';
import { rank } from './roles.ts';

export const INVITE_FLOW = 'access_invite';

type InviteRole = 'expert' | 'mediator';
type State = { step: 'role' } | { step: 'region'; role: InviteRole } | { step: 'municipality'; role: InviteRole; region: string };

export interface InvitesDeps {
  deps: FeatureDeps;
  audit: AuditLog;
  guesses: GuessLimiter;
}

/**
 * One-time invites: a coordinator picks the role and municipality and gets a code (and, where Telegram runs, a
 * deep link that sends `/start CODE`); the newcomer who redeems it is a member at once. Codes are single use,
 * expire after a week and are stored only as hashes.
 */
export function invitesPart({ deps, audit, guesses }: InvitesDeps): { commands: CommandDef[]; flow: FlowDef<State>; redeem: (ctx: Ctx, args: string) => Promise<Reply[] | undefined> } {
  const { db, municipalities } = deps;

  const pairs = <T>(items: T[]): T[][] => {
    const rows: T[][] = [];
    for (let i = 0; i < items.length; i += 2) rows.push(items.slice(i, i + 2));
    return rows;
  };

  const askRole = (ctx: Ctx): Step<State> => ({
    replies: [
      text(ctx.tr.t('access:invite.choose_role'), [
        [flowChoice(ctx.tr.plain('common:roles.expert'), 'role:expert'), flowChoice(ctx.tr.plain('common:roles.mediator'), 'role:mediator')],
        [flowChoice(ctx.tr.plain('common:buttons.cancel'), 'cancel')],
      ]),
    ],
    state: { step: 'role' },
  });

  const askRegion = (ctx: Ctx, role: InviteRole, prefix?: Markup): Step<State> => {
    const choices: Choice[][] = pairs(municipalities.regions.map((r) => flowChoice(r.name[ctx.tr.lng], `region:${r.id}`)));
    choices.push([flowChoice(ctx.tr.plain('access:invite.no_municipality'), 'mun:-'), flowChoice(ctx.tr.plain('common:buttons.cancel'), 'cancel')]);
    return {
      replies: [text(join(prefix ? [prefix, ctx.tr.t('access:invite.choose_region')] : [ctx.tr.t('access:invite.choose_region')], '\n\n'), choices)],
      state: { step: 'region', role },
      typing: true,
    };
  };

  const askMunicipality = (ctx: Ctx, role: InviteRole, region: string): Step<State> => {
    const choices = pairs(municipalities.inRegion(region).map((m) => flowChoice(m.place.in(ctx.tr.ui), `mun:${m.id}`)));
    choices.push([flowChoice(ctx.tr.plain('common:buttons.back'), 'regions')]);
    return {
      replies: [text(ctx.tr.t('access:invite.choose_municipality', { region: municipalities.regionName(region, ctx.tr.lng) }), choices)],
      state: { step: 'municipality', role, region },
      typing: true,
    };
  };

  const create = async (ctx: Ctx, role: InviteRole, municipality: string | null): Promise<Step<State>> => {
    const { tr } = ctx;
    const code = newCode(INVITE_CODE_LENGTH);
    const expires = new Date(ctx.now.getTime() + INVITE_TTL_DAYS * 86_400_000);
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('invites')
        .values({ code_hash: hashCode('invite', code), role, municipality, created_by: ctx.person.id, created_at: ctx.now.toISOString(), expires_at: expires.toISOString(), used_by: null, used_at: null })
        .execute();
      await audit.byCtx(ctx, 'invite.create', null, { role, municipality, expires: expires.toISOString() }, trx);
    });
    const lines: Markup[] = [
      tr.t('access:invite.created', {
        role: tr.plain(`common:roles.${role}`),
        municipality: municipalities.get(municipality)?.place ?? tr.plain('access:invite.no_municipality'),
        code,
        until: expires,
      }),
    ];
    const link = deps.messenger.startLink('telegram', code);
    if (link) lines.push(tr.t('access:invite.created_link', { link }));
    return { replies: [text(join(lines, '\n\n'))], done: true };
  };

  const typed = (ctx: Ctx, role: InviteRole, t: string): Step<State> | Promise<Step<State>> => {
    const found = municipalities.find(t);
    if (found.length === 1) return create(ctx, role, found[0]!.id);
    if (found.length > 1 && found.length <= 12) {
      const choices = pairs(found.map((m) => flowChoice(m.place.in(ctx.tr.ui), `mun:${m.id}`)));
      choices.push([flowChoice(ctx.tr.plain('common:buttons.back'), 'regions')]);
      return {
        replies: [text(ctx.tr.t('access:invite.several', { typed: [...t].slice(0, 60).join('') }), choices)],
        state: { step: 'municipality', role, region: found[0]!.region },
        typing: true,
      };
    }
    return askRegion(ctx, role, ctx.tr.t('access:invite.not_found', { typed: [...t].slice(0, 60).join('') }));
  };

  const flow: FlowDef<State> = {
    name: INVITE_FLOW,
    readsText: true,
    access: [staff, privateChat],
    ttlMs: 60 * 60 * 1000,
    start: async (ctx) => askRole(ctx),
    async input(ctx, state, input) {
      const v = input.type === 'choice' ? input.value : undefined;
      if (v === 'cancel') return { replies: [text(ctx.tr.t('access:invite.cancelled'))], done: true };
      switch (state.step) {
        case 'role':
          if (v === 'role:expert' || v === 'role:mediator') return askRegion(ctx, v.slice(5) as InviteRole);
          break;
        case 'region':
        case 'municipality':
          if (input.type === 'text') return typed(ctx, state.role, input.text);
          if (v === 'regions') return askRegion(ctx, state.role);
          if (v === 'mun:-') return create(ctx, state.role, null);
          if (v?.startsWith('region:') && municipalities.region(v.slice(7))) return askMunicipality(ctx, state.role, v.slice(7));
          if (v?.startsWith('mun:') && municipalities.get(v.slice(4))) return create(ctx, state.role, v.slice(4));
          break;
      }
      const again = state.step === 'role' ? askRole(ctx) : state.step === 'region' ? askRegion(ctx, state.role) : askMunicipality(ctx, state.role, state.region);
      return { ...again, replies: [text(ctx.tr.t('access:invite.use_buttons')), ...again.replies] };
    },
  };

  /**
   * `/start CODE` (what a Telegram deep link sends): redeems an invite. Undefined when the argument does not look
   * like an invite code, so /start goes on as usual.
   */
  const redeem = async (ctx: Ctx, args: string): Promise<Reply[] | undefined> => {
    const code = normalizeCode(args, INVITE_CODE_LENGTH);
    if (!code) return undefined;
    const { tr } = ctx;
    const blocked = await guesses.blockedUntil(ctx.person.id, 'invite', ctx.now);
    if (blocked) return [text(tr.t('access:codes.blocked', { time: blocked }))];
    if (rank(ctx.person.role) >= rank('coordinator')) {
      return [text(tr.t('access:invite.already_staff', { role: tr.plain(`common:roles.${ctx.person.role}`) }))];
    }
    const at = ctx.now.toISOString();
    const used = await db.transaction().execute(async (trx) => {
      const invite = await trx
        .selectFrom('invites')
        .selectAll()
        .where('code_hash', '=', hashCode('invite', code))
        .where('used_at', 'is', null)
        .where('expires_at', '>', at)
        .executeTakeFirst();
      if (!invite) return undefined;
      // Single use: whoever's update takes it first, gets it.
      const r = await trx
        .updateTable('invites')
        .set({ used_by: ctx.person.id, used_at: at })
        .where('code_hash', '=', invite.code_hash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return undefined;
      const person = await trx.selectFrom('persons').select(['municipality', 'registered_at']).where('id', '=', ctx.person.id).executeTakeFirst();
      await trx
        .updateTable('persons')
        .set({
          role: invite.role,
          requested_role: null,
          municipality: invite.municipality ?? person?.municipality ?? null,
          registered_at: person?.registered_at ?? at,
          updated_at: at,
        })
        .where('id', '=', ctx.person.id)
        .where('role', 'in', ['guest', 'expert', 'mediator'])
        .execute();
      await audit.byCtx(ctx, 'invite.use', ctx.person.id, { role: invite.role, municipality: invite.municipality, invitedBy: invite.created_by }, trx);
      return invite;
    });
    if (!used) {
      await guesses.wrong(ctx.person.id, 'invite', ctx.now);
      return [text(tr.t('access:invite.invalid')), ...(await ctx.runCommand('start'))];
    }
    const role: Role = used.role;
    const place = deps.municipalities.get(used.municipality)?.place;
    await refreshMenus(deps, ctx.person.id);
    if (used.created_by) {
      const name = ctx.incoming.identity.displayName ?? (ctx.incoming.identity.username ? `@${ctx.incoming.identity.username}` : ctx.person.identityKey);
      await notifyPerson(deps, used.created_by, 'invite_used', (t) =>
        text(t.t('access:invite.used_notice', { role: t.plain(`common:roles.${role}`), municipality: place ?? t.plain('access:invite.no_municipality'), name: [...name].slice(0, 64).join('') })),
      );
    }
    return [
      text(tr.t('access:invite.welcome', { role: tr.plain(`common:roles.${role}`), municipality: place ?? tr.plain('common:municipality_unknown') }), [
        languageChoices(ctx, deps.i18n, (l) => `lang:set:${l}`),
      ]),
    ];
  };

  const commands: CommandDef[] = [
    { name: 'invite', access: [staff, privateChat], description: 'access:commands.invite', handle: (ctx) => ctx.startFlow(INVITE_FLOW) },
  ];

  return { commands, flow, redeem };
}
