import type { App } from '../../src/app.ts';
import { FACTS } from '../../src/features/programmes/facts.ts';
import type { TestUser } from '../helpers/harness.ts';

/** Answers for the questionnaire by fact: a button label, several labels for a multiple choice, or typed text. */
export type Answers = Partial<Record<(typeof FACTS)[number]['name'], string | string[]>>;

/** Which fact the last message asks about, read from the question texts of the user's language. */
export function askedFact(app: App, u: TestUser, lng: 'lv' | 'en' | 'ru' = 'en'): string | undefined {
  const tr = app.i18n.translator(lng);
  const text = u.text();
  return FACTS.filter((f) => f.ask).find((f) => text.includes(tr.plain(`programmes:facts.${f.name}.question`)))?.name;
}

/**
 * Goes through the questionnaire as a user would: answers the facts given (pressing buttons, or typing numbers),
 * says "I don't know" to anything else, until the results show. Returns the facts asked, in order.
 */
export async function answerAll(app: App, u: TestUser, answers: Answers, lng: 'lv' | 'en' | 'ru' = 'en'): Promise<string[]> {
  const tr = app.i18n.translator(lng);
  const asked: string[] = [];
  for (let i = 0; i < 20; i++) {
    const fact = askedFact(app, u, lng);
    if (!fact) return asked;
    asked.push(fact);
    const a = answers[fact as keyof Answers];
    if (a === undefined) await u.press(tr.plain('programmes:flow.dont_know'));
    else if (Array.isArray(a)) {
      for (const label of a) await u.press(label);
      await u.press(a.length ? tr.plain('programmes:flow.done') : tr.plain('programmes:flow.none_of_these'));
    } else if (/^\d+$/.test(a)) await u.send(a);
    else await u.press(a);
  }
  throw new Error(`the questionnaire did not end; asked ${asked.join(', ')}`);
}

/** The part of a results message under one heading (up to the next heading). */
export function section(text: string, heading: string): string {
  const start = text.indexOf(heading);
  if (start < 0) return '';
  const rest = text.slice(start + heading.length);
  const next = rest.search(/\n\n(✅|❔|❌|⏹|⏳|Your answers|Atbildes|Ответы|Nothing fits|Uz šo|На эту)/);
  return next < 0 ? rest : rest.slice(0, next);
}
