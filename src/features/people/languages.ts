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
