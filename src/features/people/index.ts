import { anyone, checkAll } from '../../core/access.ts';
import type { Ctx } from '../../core/context.ts';
import { esc, type Markup, join, markup } from '../../core/markup.ts';
import type { Feature, Registry } from '../../core/router.ts';
import { isUiLanguage, type Reply, text, type UiLanguage } from '../../core/types.ts';
import { languageChoices, languageNamed, type LanguageOffer, localizedCommand, mayChoose } from './languages.ts';
import type { Municipalities } from './municipalities.ts';
import type { PeopleService } from './people-service.ts';
import { type RegistrationDeps, registrationFlow } from './registration-flow.ts';

export interface PeopleFeatureDeps {
  people: PeopleService;
  municipalities: Municipalities;
  registry: Registry;
  onRoleRequested?: RegistrationDeps['onRoleRequested'];
  /** `/start ARG` (a Telegram deep link's payload, such as an invite code): replies, or undefined to start as usual. */
  onStart?: (ctx: Ctx, args: string) => Promise<Reply[] | undefined>;
  /** Which languages the menus offer (Romani once enough of it is translated). */
  languages: LanguageOffer;
}

/** Registration, help, language and the main menu: what every person meets first. */
export function peopleFeature(deps: PeopleFeatureDeps): Feature {
  const { people, registry } = deps;

  const languageButtons = (ctx: Ctx) => [languageChoices(ctx, deps.languages, (l) => `lang:set:${l}`)];

  const setLanguage = async (ctx: Ctx, lng: UiLanguage): Promise<Reply[]> => {
    if (!mayChoose(ctx, deps.languages, lng)) {
      const language = ctx.tr.plain(`common:languages.${lng}`);
      return [text(ctx.tr.t('people:language.not_yet', { language, percent: deps.languages.coverage(lng).percent }), languageButtons(ctx))];
    }
    await people.setLanguage(ctx.person.id, lng, ctx.now);
    ctx.useLanguage(lng);
    return [text(ctx.tr.t('people:language.set', { language: ctx.tr.plain(`common:language_names.${lng}`) }), ctx.menu())];
  };

  const help = (ctx: Ctx): Reply[] => {
    const lines: Markup[] = [...registry.commands.values()]
      .filter((c) => !c.hidden && checkAll(c.access, ctx.who) === true)
      .map((c) => markup`/${esc(c.name)} — ${ctx.tr.t(c.description)}`);
    const head = ctx.tr.t('people:help.title', { role: ctx.tr.plain(`common:roles.${ctx.person.role}`) });
    const foot = ctx.person.registered ? ctx.tr.t('people:help.footer') : ctx.tr.t('people:help.footer_unregistered');
    return [text(join([head, '' as Markup, ...lines, '' as Markup, foot]), ctx.menu())];
  };

  return {
    name: 'people',
    flows: [registrationFlow(deps)],
    commands: [
      {
        name: 'start',
        access: [anyone],
        description: 'people:commands.start',
        async handle(ctx, args) {
          if (args.trim() && deps.onStart) {
            const handled = await deps.onStart(ctx, args.trim());
            if (handled) return handled;
          }
          if (!ctx.person.registered) return ctx.startFlow('register');
          return [
            text(ctx.tr.t('people:start.welcome_back', { role: ctx.tr.plain(`common:roles.${ctx.person.role}`) }), [
              ...ctx.menu(),
              [{ label: ctx.tr.plain('people:start.change_details'), action: 'people:register' }],
            ]),
          ];
        },
      },
      { name: 'help', access: [anyone], description: 'people:commands.help', handle: async (ctx) => help(ctx) },
      {
        name: 'menu',
        access: [anyone],
        description: 'people:commands.menu',
        handle: async (ctx) => [text(ctx.tr.t('people:menu.title'), ctx.menu())],
      },
      {
        name: 'language',
        access: [anyone],
        description: 'people:commands.language',
        arg: { name: 'language', description: 'people:commands.language_arg' },
        async handle(ctx, args) {
          const wanted = args.trim().toLowerCase();
          const lng = languageNamed(wanted);
          if (lng) return setLanguage(ctx, lng);
          const intro = wanted ? ctx.tr.t('people:language.unknown', { typed: wanted.slice(0, 20) }) : ctx.tr.t('people:language.choose');
          return [text(intro, languageButtons(ctx))];
        },
      },
      {
        name: 'cancel',
        access: [anyone],
        description: 'people:commands.cancel',
        async handle(ctx) {
          await ctx.endFlow();
          return [text(ctx.tr.t('people:cancel.done'), ctx.menu())];
        },
      },
    ],
    actions: [
      {
        id: 'lang:set',
        access: [anyone],
        async handle(ctx, [lng]) {
          return isUiLanguage(lng) ? setLanguage(ctx, lng) : [text(ctx.tr.t('people:language.choose'), languageButtons(ctx))];
        },
      },
      { id: 'people:register', access: [anyone], handle: (ctx) => ctx.startFlow('register') },
    ],
    textHandlers: [
      {
        name: 'localized-commands',
        async handle(ctx, typed) {
          const cmd = localizedCommand(typed);
          return cmd && registry.commands.has(cmd.name) ? ctx.runCommand(cmd.name, cmd.args) : undefined;
        },
      },
    ],
    menu: [{ label: 'people:menu.help', command: 'help', order: 90 }],
    personalData: people.personalData(),
  };
}
