/**
 * Latvian as a Latvian writes it: month and weekday names declined, dates in the case the sentence needs, times
 * with a full stop. The rules, checked against Latvian grammars (docs/language.md lists the sources):
 *
 * - a date is written `2026. gada 1. decembris`: the year is an ordinal in the genitive ("gada") whatever the case,
 *   and only the month name is declined;
 * - prepositions in the singular: `no`, `kopš`, `pēc`, `pirms` take the genitive ("kopš 1. decembra"), `līdz` the
 *   dative ("līdz 8. decembrim"), `uz` in the sense "as of" the accusative ("uz 1. decembri"); "on a day" is the
 *   locative without a preposition ("1. decembrī");
 * - the time of day is written with a full stop between hours and minutes, after "plkst.": "plkst. 10.00";
 * - in lists a date is numeric, day first: `01.12.2026`.
 */

/** The cases a Latvian date or place takes in this bot's sentences. */
export const LV_CASES = ['nom', 'gen', 'dat', 'acc', 'loc'] as const;
export type LvCase = (typeof LV_CASES)[number];

export function isLvCase(x: unknown): x is LvCase {
  return typeof x === 'string' && (LV_CASES as readonly string[]).includes(x);
}

/**
 * The months in each case. `marts`, `maijs`, `jūnijs`, `jūlijs`, `augusts` are of the first declension (-s: -a,
 * -am, -u, -ā); the others of the second (-is: -a, -im, -i, -ī), `aprīlis` with its l softened in the genitive.
 */
export const MONTHS: Readonly<Record<LvCase, readonly string[]>> = {
  nom: ['janvāris', 'februāris', 'marts', 'aprīlis', 'maijs', 'jūnijs', 'jūlijs', 'augusts', 'septembris', 'oktobris', 'novembris', 'decembris'],
  gen: ['janvāra', 'februāra', 'marta', 'aprīļa', 'maija', 'jūnija', 'jūlija', 'augusta', 'septembra', 'oktobra', 'novembra', 'decembra'],
  dat: ['janvārim', 'februārim', 'martam', 'aprīlim', 'maijam', 'jūnijam', 'jūlijam', 'augustam', 'septembrim', 'oktobrim', 'novembrim', 'decembrim'],
  acc: ['janvāri', 'februāri', 'martu', 'aprīli', 'maiju', 'jūniju', 'jūliju', 'augustu', 'septembri', 'oktobri', 'novembri', 'decembri'],
  loc: ['janvārī', 'februārī', 'martā', 'aprīlī', 'maijā', 'jūnijā', 'jūlijā', 'augustā', 'septembrī', 'oktobrī', 'novembrī', 'decembrī'],
};

/** Weekdays from Monday (ISO order), fifth declension (-a: -as, -ai, -u, -ā). */
export const WEEKDAYS: Readonly<Record<LvCase, readonly string[]>> = {
  nom: ['pirmdiena', 'otrdiena', 'trešdiena', 'ceturtdiena', 'piektdiena', 'sestdiena', 'svētdiena'],
  gen: ['pirmdienas', 'otrdienas', 'trešdienas', 'ceturtdienas', 'piektdienas', 'sestdienas', 'svētdienas'],
  dat: ['pirmdienai', 'otrdienai', 'trešdienai', 'ceturtdienai', 'piektdienai', 'sestdienai', 'svētdienai'],
  acc: ['pirmdienu', 'otrdienu', 'trešdienu', 'ceturtdienu', 'piektdienu', 'sestdienu', 'svētdienu'],
  loc: ['pirmdienā', 'otrdienā', 'trešdienā', 'ceturtdienā', 'piektdienā', 'sestdienā', 'svētdienā'],
};

interface Ymd {
  y: number;
  m: number;
  d: number;
}

function parts(iso: string): Ymd {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) throw new Error(`not a YYYY-MM-DD date: ${iso}`);
  const ymd = { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
  if (ymd.m < 1 || ymd.m > 12 || ymd.d < 1 || ymd.d > 31) throw new Error(`not a calendar date: ${iso}`);
  return ymd;
}

const two = (n: number) => String(n).padStart(2, '0');

/** "1. decembrī": day and month in the case, without the year. */
export function lvDayMonth(iso: string, c: LvCase = 'nom'): string {
  const { m, d } = parts(iso);
  return `${d}. ${MONTHS[c][m - 1]}`;
}

/** "2026. gada 1. decembrī": the prose form of a date, in the case the sentence needs. */
export function lvDate(iso: string, c: LvCase = 'nom'): string {
  return `${parts(iso).y}. gada ${lvDayMonth(iso, c)}`;
}

/** "01.12.2026": the form for lists, buttons and tables. */
export function numericDate(iso: string): string {
  const { y, m, d } = parts(iso);
  return `${two(d)}.${two(m)}.${y}`;
}

/**
 * Two days as one span: "2019. gada 17.–18. oktobris", "2019. gada 30. septembris – 1. oktobris",
 * "2019. gada 30. decembris – 2020. gada 2. janvāris"; both ends in the case given. The same day twice is one date.
 */
export function lvDateRange(from: string, until: string, c: LvCase = 'nom'): string {
  const a = parts(from);
  const b = parts(until);
  if (a.y === b.y && a.m === b.m && a.d === b.d) return lvDate(from, c);
  if (a.y === b.y && a.m === b.m) return `${a.y}. gada ${a.d}.–${b.d}. ${MONTHS[c][b.m - 1]}`;
  if (a.y === b.y) return `${a.y}. gada ${lvDayMonth(from, c)} – ${lvDayMonth(until, c)}`;
  return `${lvDate(from, c)} – ${lvDate(until, c)}`;
}

/** "09.30" from "09:30": Latvian puts a full stop between hours and minutes. */
export function lvClock(hhmm: string): string {
  return hhmm.replace(':', '.');
}

/** "2026. gada 1. decembrī plkst. 09.30": a date with its time of day. */
export function lvDateTime(isoDate: string, hhmm: string, c: LvCase = 'loc'): string {
  // A nominative date stands alone ("Kad: ..."), so the time is set off with a comma.
  return c === 'nom' ? `${lvDate(isoDate, c)}, plkst. ${lvClock(hhmm)}` : `${lvDate(isoDate, c)} plkst. ${lvClock(hhmm)}`;
}

/** The weekday of a YYYY-MM-DD date, 0 = Monday. */
export function isoWeekday(iso: string): number {
  const { y, m, d } = parts(iso);
  return (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
}

/** "Ceturtdiena, 27. maijs": a day's heading in an agenda. */
export function lvDayHeading(iso: string): string {
  const w = WEEKDAYS.nom[isoWeekday(iso)]!;
  return `${w.charAt(0).toLocaleUpperCase('lv')}${w.slice(1)}, ${lvDayMonth(iso, 'nom')}`;
}
