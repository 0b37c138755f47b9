import { DateTime } from 'luxon';
import type { createTask } from 'node-cron';
import { nodeCron } from './node-cron.ts';
import { fold } from '../../core/text-match.ts';
import { rigaWallClock, ZONE } from '../../core/time.ts';

/** Weekday words people type, to cron's day numbers (0 = Sunday). Compared after folding (no diacritics). */
const WEEKDAY_WORDS: Array<[string[], string]> = [
  [['monday', 'mondays', 'mon', 'pirmdiena', 'pirmdienu', 'pirmdienas', 'понедельник', 'понедельникам', 'пн'], '1'],
  [['tuesday', 'tuesdays', 'tue', 'otrdiena', 'otrdienu', 'otrdienas', 'вторник', 'вторникам', 'вт'], '2'],
  [['wednesday', 'wednesdays', 'wed', 'trešdiena', 'trešdienu', 'trešdienas', 'среда', 'среду', 'средам', 'ср'], '3'],
  [['thursday', 'thursdays', 'thu', 'ceturtdiena', 'ceturtdienu', 'ceturtdienas', 'четверг', 'четвергам', 'чт'], '4'],
  [['friday', 'fridays', 'fri', 'piektdiena', 'piektdienu', 'piektdienas', 'пятница', 'пятницу', 'пятницам', 'пт'], '5'],
  [['saturday', 'saturdays', 'sat', 'sestdiena', 'sestdienu', 'sestdienas', 'суббота', 'субботу', 'субботам', 'сб'], '6'],
  [['sunday', 'sundays', 'sun', 'svētdiena', 'svētdienu', 'svētdienas', 'воскресенье', 'воскресеньям', 'вс'], '0'],
  [['day', 'diena', 'dienu', 'день'], '*'],
  [['weekday', 'weekdays', 'darbdiena', 'darbdienu', 'darbdienas', 'будний день', 'будни', 'будням'], '1-5'],
];
const WEEKDAYS = new Map(WEEKDAY_WORDS.flatMap(([words, cron]) => words.map((w) => [fold(w), cron] as const)));
const EVERY = new RegExp(`^(${['every', 'each', 'katru', 'katra', 'katrā', 'каждый', 'каждую', 'каждое', 'каждые', 'по'].map(fold).join('|')})\\s+`);
const AT = new RegExp(`\\s+(${['at', 'plkst', 'в'].map(fold).join('|')})\\s+`);

export const CRON_FIELDS = ['minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'] as const;
export type CronField = (typeof CRON_FIELDS)[number];

/**
 * What is wrong with a cron expression, as data rather than node-cron's English sentence, so each reader is told
 * in their language: a field's value out of its range, or a day the month never has (31 April).
 */
export interface CronProblem {
  field: CronField;
  value: string;
  kind: 'range' | 'impossible';
}

export type Recurrence = { ok: true; cron: string } | { ok: false; reason: 'format' } | { ok: false; reason: 'cron'; problems: CronProblem[] };

const isCronField = (f: unknown): f is CronField => typeof f === 'string' && (CRON_FIELDS as readonly string[]).includes(f);

/**
 * "every Monday 09:00", "katru pirmdienu 9:00", "каждый понедельник 09:00", "every weekday 08:30" or a five-field
 * cron expression ("0 9 * * 1"), read as Europe/Riga wall-clock time.
 */
export function parseRecurrence(input: string): Recurrence {
  const raw = input.trim();
  const fields = raw.split(/\s+/);
  if (fields.length === 5 && /^[\d*/,\-A-Za-z#L?]+$/.test(fields.join(''))) {
    const v = nodeCron().validateDetailed(raw);
    if (!v.valid) {
      const problems = v.errors.map(
        (e, i): CronProblem => ({
          field: isCronField(e.field) ? e.field : CRON_FIELDS[Math.min(i, 4)]!,
          value: String(e.value ?? ''),
          kind: /impossible/.test(e.message) ? 'impossible' : 'range',
        }),
      );
      return { ok: false, reason: 'cron', problems };
    }
    return { ok: true, cron: raw };
  }
  const text = fold(raw).replace(AT, ' ');
  const m = /^(.*?)\s+(\d{1,2})(?:\s+(\d{2}))?$/.exec(text.replace(EVERY, ''));
  if (!EVERY.test(text) || !m) return { ok: false, reason: 'format' };
  const day = WEEKDAYS.get(m[1]!.trim());
  const hour = Number(m[2]);
  const minute = Number(m[3] ?? '0');
  if (day === undefined || hour > 23 || minute > 59) return { ok: false, reason: 'format' };
  return { ok: true, cron: `${minute} ${hour} * * ${day}` };
}

const MAX_DAYS_AHEAD = 400;

// node-cron registers every task it creates; matchers are kept per expression (few exist) instead of leaking one
// per computation.
const matchers = new Map<string, ReturnType<typeof createTask>>();
function matcherFor(cron: string): ReturnType<typeof createTask> {
  let m = matchers.get(cron);
  if (!m) {
    if (matchers.size >= 200) {
      const [oldest, task] = matchers.entries().next().value!;
      matchers.delete(oldest);
      void task.destroy();
    }
    m = nodeCron().createTask(cron, () => undefined, { timezone: 'UTC' });
    matchers.set(cron, m);
  }
  return m;
}

/**
 * The first run strictly after `after`, in Riga wall-clock terms, with daylight-saving changes handled as cron
 * users expect: a time that does not exist on the spring-forward night (03:00–03:59) runs at the moment clocks
 * resume (shifted by the gap), and a time that happens twice on the fall-back night runs once, at the first.
 * Returns undefined when the rule never matches within a year (e.g. 30 February).
 */
export function nextRun(cron: string, after: Date): Date | undefined {
  // node-cron's own matcher, over wall-clock fields: a UTC matcher fed "naive" local times, so the day-of-month,
  // weekday and month rules are node-cron's exactly, and daylight saving is handled here, once.
  const matcher = matcherFor(cron);
  const fields = nodeCron().validateDetailed(cron).fields;
  if (!fields) throw new Error(`invalid cron expression: ${cron}`);
  const hours = [...new Set(fields.hour)].sort((a, b) => a - b);
  const minutes = [...new Set(fields.minute)].sort((a, b) => a - b);
  const start = DateTime.fromJSDate(after, { zone: ZONE });
  let day = start.startOf('day');
  for (let d = 0; d < MAX_DAYS_AHEAD; d++, day = day.plus({ days: 1 })) {
    for (const hour of hours) {
      for (const minute of minutes) {
        const naive = new Date(Date.UTC(day.year, day.month - 1, day.day, hour, minute));
        if (!matcher.match(naive)) continue;
        const instant = rigaWallClock(day.year, day.month, day.day, hour, minute);
        if (instant.getTime() > after.getTime()) return instant;
      }
    }
  }
  return undefined;
}

/** The next `count` runs after `after`, for previews. */
export function nextRuns(cron: string, after: Date, count: number): Date[] {
  const out: Date[] = [];
  let from = after;
  for (let i = 0; i < count; i++) {
    const n = nextRun(cron, from);
    if (!n) break;
    out.push(n);
    from = n;
  }
  return out;
}
