import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import { join, type Markup } from '../../core/markup.ts';
import { commandAction } from '../../core/router.ts';
import { rigaDate, rigaTime } from '../../core/time.ts';
import { type Choice, type Reply, text } from '../../core/types.ts';
import type { DB } from '../../db/schema.ts';
import type { Translator } from '../../i18n/index.ts';
import type { CatalogueStore, Programme } from '../programmes/catalogue.ts';
import { inListOrder, isStale, loc } from '../programmes/render.ts';
import { Ticker } from '../../core/ticker.ts';

/** The reminder goes out on the first check at or after this Riga time in a month: working hours. */
export const REMINDER_FROM = '09:00';
export const REMINDER_TICK_MS = 60 * 60 * 1000;
/** Buttons in one reminder; the rest are one tap away in /catalogue. */
const MAX_BUTTONS = 12;

export interface ReminderDeps {
  db: Kysely<DB>;
  store: CatalogueStore;
  clock: Clock;
  log: Logger;
  staleMonths: number;
  /** Coordinators and admins. */
  staff(): Promise<string[]>;
  /** Sends a person a message in their language; false when none of their accounts could be reached. */
  notify(personId: string, build: (tr: Translator) => Reply): Promise<boolean>;
  firstTickAfterMs?: number;
}

/**
 * Once a month, coordinators are told which programmes nobody has checked against their sources for
 * CATALOGUE_STALE_MONTHS, with a button to open each. The month is claimed in the database before anything is sent,
 * so with several instances (or a restart) it goes out once; a month with nothing stale is not claimed, so a
 * programme that turns stale later that month is still reported.
 */
export class CatalogueReminder {
  private readonly ticker: Ticker;

  constructor(private readonly deps: ReminderDeps) {
    this.ticker = new Ticker(REMINDER_TICK_MS, () => this.tick(), deps.log, 'catalogue reminder', deps.firstTickAfterMs);
  }

  start(): void {
    this.ticker.start();
  }

  stop(): Promise<void> {
    return this.ticker.stop();
  }

  /** Sends this month's reminder if it is due and not sent yet; returns what it did (tests pass `now`). */
  async tick(now: Date = this.deps.clock.now()): Promise<{ month: string; programmes: number; reached: number } | undefined> {
    const { db, store, staleMonths } = this.deps;
    if (rigaTime(now) < REMINDER_FROM) return undefined;
    const today = rigaDate(now);
    const month = today.slice(0, 7);
    await store.sync();
    const stale = store.current.programmes.filter((p) => isStale(p, { today, staleMonths }));
    if (!stale.length) return undefined;
    const claimed = await db
      .insertInto('catalogue_reminders')
      .values({ month, claimed_at: now.toISOString(), programmes: stale.length, reached: 0 })
      .onConflict((oc) => oc.column('month').doNothing())
      .executeTakeFirst();
    if (Number(claimed.numInsertedOrUpdatedRows ?? 0n) === 0) return undefined;
    let reached = 0;
    for (const personId of await this.deps.staff()) {
      if (await this.deps.notify(personId, (tr) => this.message(tr, stale, staleMonths))) reached++;
    }
    await db.updateTable('catalogue_reminders').set({ reached }).where('month', '=', month).execute();
    this.deps.log.info({ month, programmes: stale.length, reached }, 'catalogue reminder sent');
    return { month, programmes: stale.length, reached };
  }

  private message(tr: Translator, list: Programme[], months: number): Reply {
    const stale = inListOrder(list, tr.lng);
    const lines: Markup[] = [tr.t('catalogue:reminder.title', { count: stale.length, months })];
    for (const p of stale) lines.push(tr.t('catalogue:reminder.line', { name: loc(p.name, tr.lng), date: p.checked }));
    lines.push('' as Markup, tr.t('catalogue:reminder.how'));
    const rows: Choice[][] = [];
    const shown = stale.slice(0, MAX_BUTTONS);
    for (let i = 0; i < shown.length; i += 2) rows.push(shown.slice(i, i + 2).map((p) => ({ label: loc(p.name, tr.lng), action: `catalogue:open:${p.id}` })));
    rows.push([{ label: tr.plain('catalogue:buttons.catalogue'), action: commandAction('catalogue') }]);
    return text(join(lines), rows);
  }
}
