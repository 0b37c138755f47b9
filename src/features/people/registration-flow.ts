import type { Role } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { flowChoice, type FlowDef, type FlowInput, type Step } from '../../core/flows.ts';
import type { Markup } from '../../core/markup.ts';
import { type Choice, isUiLanguage, text } from '../../core/types.ts';
import { languageChoices, type LanguageOffer, mayChoose } from './languages.ts';
import type { Municipalities, Municipality } from './municipalities.ts';
import type { PeopleService } from './people-service.ts';

/** What the person answers to "your role": the two roles a coordinator approves, or none. */
type RoleAnswer = 'expert' | 'mediator' | 'guest';

type State =
  | { step: 'language' }
  | { step: 'role' }
  | { step: 'region'; role: RoleAnswer | 'keep' }
  | { step: 'municipality'; role: RoleAnswer | 'keep'; region: string }
  | { step: 'confirm'; role: RoleAnswer | 'keep'; municipality: string | null };

export interface RegistrationDeps {
  people: PeopleService;
  municipalities: Municipalities;
  /** Tells coordinators about a new role request (the access feature supplies it). */
  onRoleRequested?: (ctx: Ctx, role: Role, municipality: string | null) => Promise<void>;
  /** Which languages the menus offer (Romani once enough of it is translated). */
  languages: LanguageOffer;
}

/** Roles that a coordinator or admin already approved: registration does not ask about them again. */
function hasApprovedRole(role: Role): boolean {
  return role !== 'guest';
}

export function registrationFlow(deps: RegistrationDeps): FlowDef<State> {
  const { people, municipalities } = deps;

  const pairs = <T>(items: T[]): T[][] => {
    const rows: T[][] = [];
    for (let i = 0; i < items.length; i += 2) rows.push(items.slice(i, i + 2));
    return rows;
  };

  const askLanguage = (ctx: Ctx): Step<State> => ({
    replies: [
      text(ctx.tr.t('people:start.greeting'), [
        languageChoices(ctx, deps.languages, (l) => `lang:${l}`).map((c) => flowChoice(c.label, c.action)),
      ]),
    ],
    state: { step: 'language' },
  });

  const askRole = (ctx: Ctx): Step<State> => ({
    replies: [
      text(ctx.tr.t('people:start.choose_role'), [
        [flowChoice(ctx.tr.plain('people:start.role_expert'), 'role:expert')],
        [flowChoice(ctx.tr.plain('people:start.role_mediator'), 'role:mediator')],
        [flowChoice(ctx.tr.plain('people:start.role_guest'), 'role:guest')],
      ]),
    ],
    state: { step: 'role' },
  });

  const askRegion = (ctx: Ctx, role: RoleAnswer | 'keep', prefix?: Markup): Step<State> => {
    const choices: Choice[][] = pairs(municipalities.regions.map((r) => flowChoice(r.name[ctx.tr.lng], `region:${r.id}`)));
    return {
      replies: [text((prefix ? `${prefix}\n\n` : '') + ctx.tr.t('people:start.choose_region') as Markup, choices)],
      state: { step: 'region', role },
      typing: true,
    };
  };

  const askMunicipality = (ctx: Ctx, role: RoleAnswer | 'keep', region: string): Step<State> => {
    const choices = pairs(municipalities.inRegion(region).map((m) => flowChoice(m.place.in(ctx.tr.ui), `mun:${m.id}`)));
    choices.push([flowChoice(ctx.tr.plain('common:buttons.back'), 'regions')]);
    return {
      replies: [text(ctx.tr.t('people:start.choose_municipality', { region: municipalities.regionName(region, ctx.tr.lng) }), choices)],
      state: { step: 'municipality', role, region },
      typing: true,
    };
  };

  const confirm = (ctx: Ctx, role: RoleAnswer | 'keep', municipality: string | null): Step<State> => {
    const roleName = role === 'keep' ? ctx.tr.plain(`common:roles.${ctx.person.role}`) : ctx.tr.plain(`common:roles.${role}`);
    const summary = ctx.tr.t('people:start.summary', {
      language: ctx.tr.plain(`common:languages.${ctx.tr.ui}`),
      role: roleName,
      municipality: municipalities.get(municipality)?.place ?? ctx.tr.plain('common:municipality_unknown'),
    });
    const note = role === 'expert' || role === 'mediator' ? `\n\n${ctx.tr.t('people:start.approval_note')}` : '';
    return {
      replies: [
        text((summary + note) as Markup, [
          [flowChoice(ctx.tr.plain('common:buttons.confirm'), 'confirm'), flowChoice(ctx.tr.plain('people:start.again'), 'again')],
        ]),
      ],
      state: { step: 'confirm', role, municipality },
    };
  };

  const afterLanguage = (ctx: Ctx): Step<State> =>
    hasApprovedRole(ctx.person.role) ? askRegion(ctx, 'keep') : askRole(ctx);

  /** A typed municipality name: one match goes straight on, several are offered, none re-asks. */
  const typedMunicipality = (ctx: Ctx, role: RoleAnswer | 'keep', typed: string): Step<State> => {
    const found: Municipality[] = municipalities.find(typed);
    if (found.length === 1) return confirm(ctx, role, found[0]!.id);
    if (found.length > 1 && found.length <= 12) {
      const choices = pairs(found.map((m) => flowChoice(m.place.in(ctx.tr.ui), `mun:${m.id}`)));
      choices.push([flowChoice(ctx.tr.plain('common:buttons.back'), 'regions')]);
      return {
        replies: [text(ctx.tr.t('people:start.several_found', { typed: typed.slice(0, 60) }), choices)],
        state: { step: 'municipality', role, region: found[0]!.region },
        typing: true,
      };
    }
    return askRegion(ctx, role, ctx.tr.t('people:start.not_found', { typed: typed.slice(0, 60) }));
  };

  /** Re-shows the current step after input it cannot use, saying why first. */
  const reask = (ctx: Ctx, state: State, why: Markup): Step<State> => {
    const step = show(ctx, state);
    return { ...step, replies: [text(why), ...step.replies] } as Step<State>;
  };

  const show = (ctx: Ctx, state: State): Step<State> => {
    switch (state.step) {
      case 'language':
        return askLanguage(ctx);
      case 'role':
        return askRole(ctx);
      case 'region':
        return askRegion(ctx, state.role);
      case 'municipality':
        return askMunicipality(ctx, state.role, state.region);
      case 'confirm':
        return confirm(ctx, state.role, state.municipality);
    }
  };

  const finish = async (ctx: Ctx, role: RoleAnswer | 'keep', municipality: string | null): Promise<Step<State>> => {
    const requested: Role | null = role === 'expert' || role === 'mediator' ? role : null;
    await people.register(ctx.person.id, { municipality, requestedRole: requested }, ctx.now);
    if (requested && deps.onRoleRequested) await deps.onRoleRequested(ctx, requested, municipality);
    const key = requested ? 'people:start.done_requested' : role === 'keep' ? 'people:start.done_member' : 'people:start.done_guest';
    const message = ctx.tr.t(key, { role: requested ? ctx.tr.plain(`common:roles.${requested}`) : '' });
    const registeredMenu = ctx.menu();
    return { replies: [text(message, registeredMenu)], done: true };
  };

  return {
    name: 'register',
    readsText: true,
    async start(ctx) {
      return askLanguage(ctx);
    },
    async input(ctx, state, input: FlowInput) {
      const value = input.type === 'choice' ? input.value : undefined;
      switch (state.step) {
        case 'language': {
          const lng = value?.startsWith('lang:') ? value.slice(5) : input.type === 'text' ? input.text.trim().toLowerCase() : '';
          if (!isUiLanguage(lng) || !mayChoose(ctx, deps.languages, lng)) return reask(ctx, state, ctx.tr.t('people:start.use_buttons'));
          await people.setLanguage(ctx.person.id, lng, ctx.now);
          ctx.useLanguage(lng);
          return afterLanguage(ctx);
        }
        case 'role': {
          const role = value?.startsWith('role:') ? value.slice(5) : '';
          if (role === 'guest') return confirm(ctx, 'guest', null);
          if (role === 'expert' || role === 'mediator') return askRegion(ctx, role);
          return reask(ctx, state, ctx.tr.t('people:start.use_buttons'));
        }
        case 'region':
        case 'municipality': {
          if (input.type === 'text') return typedMunicipality(ctx, state.role, input.text);
          if (value === 'regions') return askRegion(ctx, state.role);
          if (value?.startsWith('region:') && municipalities.region(value.slice(7))) return askMunicipality(ctx, state.role, value.slice(7));
          if (value?.startsWith('mun:') && municipalities.get(value.slice(4))) return confirm(ctx, state.role, value.slice(4));
          return reask(ctx, state, ctx.tr.t('people:start.use_buttons'));
        }
        case 'confirm': {
          if (value === 'confirm') return finish(ctx, state.role, state.municipality);
          if (value === 'again') return askLanguage(ctx);
          return reask(ctx, state, ctx.tr.t('people:start.use_buttons'));
        }
      }
    },
  };
}
