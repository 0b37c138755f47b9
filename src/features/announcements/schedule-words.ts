import { nodeCron } from './node-cron.ts';
import { formatClock, formatDayMonth } from '../../i18n/dates.ts';
import type { Translator } from '../../i18n/index.ts';
import { CRON_FIELDS, type CronProblem } from './recurrence.ts';

/** Weekday keys from Monday, as people read a week in Latvia; cron counts 0 = Sunday. */
const WEEKDAY_KEYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const CRON_DAY_OF = (key: number) => (key + 1) % 7;

/** "A, B un C" with the reader's word for "and" (no comma before it in Latvian, Russian or British English). */
export function listAnd(items: readonly string[], tr: Translator): string {
  if (items.length <= 1) return items[0] ?? '';
  return tr.plain('announcements:schedule.list_and', { head: items.slice(0, -1).join(', '), last: items[items.length - 1] });
}

const MAX_TIMES = 4;
const MAX_DATES = 4;

/**
 * A cron rule in the reader's words: "katru svētdienu plkst. 03.30", "every weekday at 08:30", "по понедельникам
 * и четвергам в 09:00", "katra mēneša 1. un 15. datumā plkst. 09.00", "katru gadu 1. septembrī plkst. 09.00".
 * Rules these shapes do not cover (every 15 minutes, the last day of a month, a day of the month that must also
 * be a Monday) are named as the cron expression itself, in a sentence of the reader's language.
 */
export function describeCron(cron: string, tr: Translator): string {
  const fallback = () => tr.plain('announcements:schedule.cron', { cron });
  const v = nodeCron().validateDetailed(cron);
  const f = v.fields;
  if (!v.valid || !f) return fallback();
  const numbers = (xs: unknown[]) => (xs.every((x) => typeof x === 'number') ? [...new Set(xs as number[])].sort((a, b) => a - b) : undefined);
  const [minutes, hours, doms, months, dows] = [numbers(f.minute), numbers(f.hour), numbers(f.dayOfMonth), numbers(f.month), numbers(f.dayOfWeek)];
  if (!minutes || !hours || !doms || !months || !dows) return fallback();
  if (minutes.length * hours.length > MAX_TIMES) return fallback();
  const times = listAnd(
    hours.flatMap((h) => minutes.map((m) => formatClock(`${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`, tr.ui))),
    tr,
  );
  const everyDom = doms.length === 31;
  const everyMonth = months.length === 12;
  const weekdays = new Set(dows.map((d) => d % 7));
  const everyDow = weekdays.size === 7;

  if (everyDom && everyMonth) {
    if (everyDow) return tr.plain('announcements:schedule.daily', { times });
    if (weekdays.size === 5 && [1, 2, 3, 4, 5].every((d) => weekdays.has(d))) return tr.plain('announcements:schedule.weekdays', { times });
    const days = WEEKDAY_KEYS.filter((_, i) => weekdays.has(CRON_DAY_OF(i))).map((k) => tr.plain(`announcements:schedule.days.${k}`));
    return tr.plain('announcements:schedule.weekly', { days: listAnd(days, tr), times });
  }
  if (!everyDow) return fallback();
  if (everyMonth) {
    const days = listAnd(doms.map((n) => tr.plain('announcements:schedule.ordinal', { n })), tr);
    return tr.plain('announcements:schedule.monthly', { days, times });
  }
  if (everyDom || doms.length * months.length > MAX_DATES) return fallback();
  const dates = months.flatMap((m) => doms.map((d) => formatDayMonth(m, d, tr.ui, 'loc')));
  return tr.plain('announcements:schedule.yearly', { dates: listAnd(dates, tr), times });
}

const RANGES: Record<(typeof CRON_FIELDS)[number], [number, number]> = {
  minute: [0, 59],
  hour: [0, 23],
  dayOfMonth: [1, 31],
  month: [1, 12],
  dayOfWeek: [0, 7],
};

/** What is wrong with a cron expression, in the reader's language: "stunda „25” — jābūt no 0 līdz 23". */
export function cronProblems(problems: readonly CronProblem[], tr: Translator): string {
  return problems
    .map((p) => {
      const field = tr.plain(`announcements:schedule.fields.${p.field}`);
      if (p.kind === 'impossible') return tr.plain('announcements:schedule.impossible', { field, value: p.value });
      const [min, max] = RANGES[p.field];
      return tr.plain('announcements:schedule.out_of_range', { field, value: p.value, min, max });
    })
    .join('; ');
}
