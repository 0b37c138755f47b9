import { type Kysely, sql } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import { esc, join, type Markup, markup } from '../../core/markup.ts';
import type { Notices } from '../notices/notices.ts';
import { addDays, rigaDate, rigaTime, rigaToUtc } from '../../core/time.ts';
import { text } from '../../core/types.ts';
import type { DB } from '../../db/schema.ts';
import type { I18nService, Translator } from '../../i18n/index.ts';
import type { PeopleService } from '../people/people-service.ts';
import { visitDates } from './format.ts';
import type { RsvpService } from './rsvp.ts';
import type { ReminderKind } from './tables.ts';
import type { AgendaItem, VisitStore, VisitWithAgenda } from './visit-store.ts';
import { Ticker } from '../../core/ticker.ts';
import { byCode } from '../../core/order.ts';

/** The day-before reminder goes at this Riga time. */
export const DAY_BEFORE_AT = '18:00';
/** Minutes before the first timed item, unless the visit says otherwise (the 2021-05-27 line opened 15 minutes early). */
export const DEFAULT_LEAD_MINUTES = { online: 15, visit: 60 } as const;
export const TICK_MS = 60_000;

export interface ReminderMoment {
  kind: ReminderKind;
  /** When it is due; also part of its key, so a visit moved to another time gets fresh reminders. */
  dueAt: Date;
  /** After this it is no longer useful and is not sent (nor retried). */
  expiresAt: Date;
}

export function firstTimedItem(v: VisitWithAgenda): AgendaItem | undefined {
  return v.items.filter((i) => i.starts_at).sort((a, b) => byCode(a.starts_at!, b.starts_at!))[0];
}

export function leadMinutes(v: Pick<VisitWithAgenda, 'format' | 'reminder_lead_minutes'>): number {
  return v.reminder_lead_minutes ?? DEFAULT_LEAD_MINUTES[v.format];
}

/**
 * A visit's reminders: the day before at 18:00 Riga (useful until the first day begins), and `lead` minutes before
 * its first timed item (useful until it starts). None for visits whose days are not known.
 */
export function reminderMoments(v: VisitWithAgenda, dayBeforeAt = DAY_BEFORE_AT): ReminderMoment[] {
  if (v.date_precision !== 'day') return [];
  const out: ReminderMoment[] = [
    { kind: 'day_before', dueAt: rigaToUtc(addDays(v.starts_on, -1), dayBeforeAt), expiresAt: rigaToUtc(v.starts_on, '00:00') },
  ];
  const first = firstTimedItem(v);
  if (first) {
    const start = new Date(first.starts_at!);
    out.push({ kind: 'soon', dueAt: new Date(start.getTime() - leadMinutes(v) * 60_000), expiresAt: start });
  }
  return out;
}

export interface ReminderDeps {
  db: Kysely<DB>;
  store: VisitStore;
  rsvps: RsvpService;
  people: PeopleService;
  notices: Notices;
  i18n: I18nService;
  clock: Clock;
  log: Logger;
  dayBeforeAt?: string;
  firstTickAfterMs?: number;
}

/** The reminder as the person reads it, in their language; commands rather than buttons, as it arrives unasked. */
export function reminderText(v: VisitWithAgenda, kind: ReminderKind, now: Date, tr: Translator): Markup {
  const first = firstTimedItem(v);
  const lines: Markup[] = [];
  if (kind === 'day_before') {
    lines.push(tr.t('visits:reminder.day_before', { title: v.title }));
  } else {
    const minutes = first ? Math.max(1, Math.round((Date.parse(first.starts_at!) - now.getTime()) / 60_000)) : 0;
    lines.push(tr.t('visits:reminder.soon', { count: minutes, title: v.title }));
  }
  lines.push(markup`📍 ${esc(v.place)} · ${esc(visitDates(v, tr, 'long'))}`);
  if (first) lines.push(tr.t('visits:reminder.first_item', { time: rigaTime(new Date(first.starts_at!)), title: first.title }));
  const link = (first?.link ? first : v.items.find((i) => i.link))?.link;
  if (link) lines.push(markup`🔗 <a href="${esc(link)}">${esc(link)}</a>`);
  lines.push('' as Markup, tr.t('visits:reminder.footer', { ref: v.id }));
  return join(lines);
}

/**
 * Sends visit reminders. `tick(now)` finds the reminders due at `now` and sends each once to everyone who answered
 * going or maybe and did not turn reminders off: the row is claimed before sending (a unique key of visit, person,
 * kind and due time), so neither a restart nor a second instance sends twice, then handed to the notice outbox,
 * which delivers it with retries.
 */
export class ReminderScheduler {
  private readonly ticker: Ticker;

  constructor(private readonly deps: ReminderDeps) {
    this.ticker = new Ticker(TICK_MS, () => this.tick(), deps.log, 'visit reminders tick', deps.firstTickAfterMs);
  }

  start(): void {
    this.ticker.start();
  }

  stop(): Promise<void> {
    return this.ticker.stop();
  }

  /** Sends what is due at `now`; returns how many were sent and how many failed (to be retried). */
  async tick(now: Date = this.deps.clock.now()): Promise<{ sent: number; failed: number }> {
    const { db, store, rsvps } = this.deps;
    const today = rigaDate(now);
    // A visit whose first timed item is on a later day still has its "soon" reminder then: look a week back.
    const candidates = await db
      .selectFrom('visits')
      .select('id')
      .where('published_at', 'is not', null)
      .where('date_precision', '=', 'day')
      .where('starts_on', '>=', addDays(today, -7))
      .where('starts_on', '<=', addDays(today, 1))
      .execute();
    let sent = 0;
    let failed = 0;
    for (const { id } of candidates) {
      const visit = await store.get(id);
      if (!visit) continue;
      for (const moment of reminderMoments(visit, this.deps.dayBeforeAt)) {
        if (now < moment.dueAt || now >= moment.expiresAt) continue;
        for (const personId of await rsvps.reminderRecipients(id)) {
          if (!(await this.claim(id, personId, moment, now))) continue;
          const ok = await this.deliver(visit, moment, personId, now);
          await db
            .updateTable('visit_reminders')
            .set({ status: ok ? 'sent' : 'failed', updated_at: now.toISOString() })
            .where('visit_id', '=', id)
            .where('person_id', '=', personId)
            .where('kind', '=', moment.kind)
            .where('due_at', '=', moment.dueAt.toISOString())
            .execute();
          if (ok) sent++;
          else failed++;
        }
      }
    }
    return { sent, failed };
  }

  /** Takes the reminder for sending: a new row, or a failed one taken back; false if it is sent or being sent. */
  private async claim(visitId: string, personId: string, moment: ReminderMoment, now: Date): Promise<boolean> {
    const key = { visit_id: visitId, person_id: personId, kind: moment.kind, due_at: moment.dueAt.toISOString() };
    const inserted = await this.deps.db
      .insertInto('visit_reminders')
      .values({ ...key, status: 'sending', attempts: 1, updated_at: now.toISOString() })
      .onConflict((oc) => oc.columns(['visit_id', 'person_id', 'kind', 'due_at']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return true;
    const retaken = await this.deps.db
      .updateTable('visit_reminders')
      .set({ status: 'sending', attempts: sql<number>`attempts + 1`, updated_at: now.toISOString() })
      .where('visit_id', '=', key.visit_id)
      .where('person_id', '=', key.person_id)
      .where('kind', '=', key.kind)
      .where('due_at', '=', key.due_at)
      .where('status', '=', 'failed')
      .executeTakeFirst();
    return Number(retaken.numUpdatedRows) > 0;
  }

  /**
   * Hands the reminder to the notice outbox (which tries the person's accounts in order and retries failures);
   * false only when the person has no account the bot can reach now, so the next tick tries again.
   */
  private async deliver(visit: VisitWithAgenda, moment: ReminderMoment, personId: string, now: Date): Promise<boolean> {
    const dedupeKey = `visit-reminder:${visit.id}:${personId}:${moment.kind}:${moment.dueAt.toISOString()}`;
    return this.deps.notices.toPerson(personId, 'visit_reminder', (tr) => text(reminderText(visit, moment.kind, now, tr)), { dedupeKey, expiresAt: moment.expiresAt });
  }

}
