import type { Translator } from '../../i18n/index.ts';
import type { Municipalities } from '../people/municipalities.ts';
import type { VisitStore } from '../visits/visit-store.ts';
import type { IdeaStore } from './idea-store.ts';
import type { Themes } from './themes.ts';

/** What the ideas feature's parts share. */
export interface IdeasServices {
  store: IdeaStore;
  visits: VisitStore;
  themes: Themes;
  municipalities: Municipalities;
}

/** "Online meeting, 27 May 2021": how a visit is named in messages, files and the chart (plain text). */
export function visitLabel(tr: Translator, visit: { title: string; starts_on: string }): string {
  return tr.plain('ideas:visit.label', { title: visit.title, date: visit.starts_on });
}

/** Cuts plain text to `max` characters with an ellipsis (form titles, button labels). */
export function clip(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}
