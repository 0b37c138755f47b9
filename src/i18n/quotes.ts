import type { UiLanguage } from '../core/types.ts';

/**
 * Quotation marks as each language prints them: Latvian „…” (the low opening mark and the right double quote),
 * Russian «…» (with „…“ inside), English “…” (with ‘…’ inside). Romani texts written in Latvia follow Latvian.
 */
export const QUOTES: Readonly<Record<UiLanguage, { open: string; close: string }>> = {
  lv: { open: '„', close: '”' },
  en: { open: '“', close: '”' },
  ru: { open: '«', close: '»' },
  rom: { open: '„', close: '”' },
};

/** Marks that belong to another language's quotation style (never in a text of `lng`). */
const FOREIGN: Readonly<Record<UiLanguage, RegExp>> = {
  // Latvian: no “ (opening), no « », no straight " around words.
  lv: /[“«»]|"\p{L}|\p{L}"/u,
  en: /[„«»]|"\p{L}|\p{L}"/u,
  // Russian: «…» outside, „…“ inside; never “…”.
  ru: /”|"\p{L}|\p{L}"/u,
  rom: /[“«»]|"\p{L}|\p{L}"/u,
};

export function quote(text: string, lng: UiLanguage): string {
  const q = QUOTES[lng];
  return `${q.open}${text}${q.close}`;
}

/**
 * Whether a text uses another language's quotation marks. Markup attributes (`href="…"`) and placeholders are
 * not prose and are left out.
 */
export function hasForeignQuotes(text: string, lng: UiLanguage): boolean {
  const prose = text.replace(/<[^>]*>/g, ' ').replace(/\{\{[^}]*\}\}/g, 'x');
  return FOREIGN[lng].test(prose);
}
