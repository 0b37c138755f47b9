import type { Ctx } from '../../core/context.ts';
import { fold } from '../../core/text-match.ts';
import { UI_LANGUAGES, type UiLanguage } from '../../core/types.ts';
import type { I18nService } from '../../i18n/index.ts';

/** What language menus need to know: which languages are offered, and how far a language is translated. */
export type LanguageOffer = Pick<I18nService, 'offered' | 'coverage'>;

/** Words people type for a language after /language, in the languages they write them in. */
const LANGUAGE_WORDS: Record<UiLanguage, string[]> = {
  lv: ['lv', 'latviešu', 'latviski', 'latvian', 'латышский', 'латышском', 'по-латышски'],
  en: ['en', 'english', 'angļu', 'angliski', 'английский', 'английском', 'по-английски'],
  ru: ['ru', 'русский', 'русском', 'по-русски', 'krievu', 'krieviski', 'russian'],
  rom: ['rom', 'romani', 'romani čhib', 'romanes', 'romu', 'romani chib', 'цыганский', 'романи', 'ромский'],
};

export function languageNamed(typed: string): UiLanguage | undefined {
  const t = fold(typed);
  return UI_LANGUAGES.find((l) => LANGUAGE_WORDS[l].some((w) => fold(w) === t));
}

/**
 * Whether this person may switch to a language: one offered in the menus, or, for coordinators, one still being
 * translated, so they can see how it reads before it is offered.
 */
export function mayChoose(ctx: Ctx, offer: LanguageOffer, lng: UiLanguage): boolean {
  return offer.offered().includes(lng) || ['coordinator', 'admin'].includes(ctx.person.role);
}

/** One button per offered language, each labelled in its own language. */
export function languageChoices(ctx: Ctx, offer: LanguageOffer, action: (l: UiLanguage) => string): Array<{ label: string; action: string }> {
  return offer.offered().map((l) => ({ label: ctx.tr.plain(`common:languages.${l}`), action: action(l) }));
}

/**
 * Commands typed in the reader's own words ("/помощь", "/palīdzība"): the platforms register Latin names only, so
 * these arrive as text; they run the command they name.
 */
const COMMAND_WORDS: Record<string, string[]> = {
  help: ['palīdzība', 'palidziba', 'помощь', 'справка'],
  start: ['sākt', 'sakt', 'старт', 'начать'],
  menu: ['izvēlne', 'izvelne', 'меню'],
  language: ['valoda', 'язык'],
  cancel: ['atcelt', 'отмена', 'отменить'],
  programmes: ['programmas', 'программы'],
  programme: ['programma', 'программа'],
  eligibility: ['kasder', 'подходит'],
  visits: ['vizītes', 'vizites', 'визиты'],
  agenda: ['darbakārtība', 'darbakartiba', 'повестка'],
  calendar: ['kalendārs', 'kalendars', 'календарь'],
  reminders: ['atgādinājumi', 'atgadinajumi', 'напоминания'],
  ideas: ['idejas', 'идеи'],
  contacts: ['kontakti', 'контакты'],
  unsubscribe: ['atteikties', 'отписаться'],
  subscribe: ['pierakstīties', 'pierakstities', 'подписаться'],
  privacy: ['privātums', 'privatums', 'конфиденциальность'],
  translations: ['tulkojumi', 'переводы'],
};
const COMMANDS_BY_WORD = new Map(Object.entries(COMMAND_WORDS).flatMap(([cmd, words]) => words.map((w) => [fold(w), cmd] as const)));

/** The command a "/word args" text names in Latvian or Russian, with its arguments. */
export function localizedCommand(text: string): { name: string; args: string } | undefined {
  const m = /^\/(\p{L}+)(?:\s+([\s\S]*))?$/u.exec(text.trim());
  const name = m ? COMMANDS_BY_WORD.get(fold(m[1]!)) : undefined;
  return name ? { name, args: (m![2] ?? '').trim() } : undefined;
}
