export type VisitFormat = 'visit' | 'online';
/** `day`: the dates are known; `years`: only the span of years is (older visits named without dates in the sources). */
export type DatePrecision = 'day' | 'years';
export type RsvpAnswer = 'going' | 'maybe' | 'no';
export type ReminderKind = 'day_before' | 'soon';

export interface VisitsTable {
  /** Stable, readable id, e.g. `2021-05-27-online` or `2017-02-23-jelgava`. */
  id: string;
  format: VisitFormat;
  /** Where it was held, as it was called then (Sabile, MS Teams). */
  place: string;
  /** Municipality id from data/municipalities.yaml; null for online meetings. */
  municipality: string | null;
  /** In the language it was held in (Latvian). */
  title: string;
  /** Riga calendar dates, YYYY-MM-DD. With `date_precision` `years` they only bound the years it happened in. */
  starts_on: string;
  ends_on: string;
  date_precision: DatePrecision;
  summary: string | null;
  /** Citation of the seed document. */
  source: string | null;
  /** `data`: shipped in data/visits and refreshed from there at start; `chat`: created by a coordinator. */
  origin: 'data' | 'chat';
  /** Minutes before the first timed item for the "starts soon" reminder; null: 15 online, 60 in person. */
  reminder_lead_minutes: number | null;
  /** Grows with every published change; the calendar file's SEQUENCE, so calendars update their copies. */
  revision: number;
  /** null while a draft: only published visits are shown to members. */
  published_at: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface AgendaItemsTable {
  /** `<visit id>/<day>/<position>` (`all` for the whole visit): stable while the day's order stays, so calendar UIDs are too. */
  id: string;
  visit_id: string;
  /** Riga calendar date of the item; null for an item of the whole visit when the source gives no day. */
  day: string | null;
  position: number;
  /** UTC instants; null for items without a known time (only the day is known). */
  starts_at: string | null;
  ends_at: string | null;
  title: string;
  place: string | null;
  link: string | null;
  presenters: string | null;
  method: string | null;
  /** Sub-points under the item (the paste format's `- ` lines), one per line. */
  notes: string | null;
}

/** One answer per person per visit, changeable. */
export interface VisitRsvpsTable {
  visit_id: string;
  person_id: string;
  answer: RsvpAnswer;
  updated_at: string;
  /** Named in the meeting report's participant list: null not asked yet, 0 counted only, 1 named. */
  listed: number | null;
  /** The institution the person attends for, as they typed it. */
  institution: string | null;
}

/** A person's secret calendar feed address, kept as the SHA-256 of its token. */
export interface CalendarFeedsTable {
  token_hash: string;
  person_id: string;
  created_at: string;
  last_used_at: string | null;
}

/**
 * Reminders claimed or sent: the key includes the moment it was due, so a restart never sends one twice, and a
 * visit moved to another date gets fresh reminders. `sending` rows are never retried (at most once); `failed`
 * ones are claimed again at the next tick while the reminder is still useful.
 */
export interface VisitRemindersTable {
  visit_id: string;
  person_id: string;
  kind: ReminderKind;
  due_at: string;
  status: 'sending' | 'sent' | 'failed';
  attempts: number;
  updated_at: string;
}

/** A person's choice about visit reminders; no row means on. */
export interface VisitReminderPrefsTable {
  person_id: string;
  enabled: number;
  updated_at: string;
}

export interface VisitTables {
  visits: VisitsTable;
  agenda_items: AgendaItemsTable;
  visit_rsvps: VisitRsvpsTable;
  visit_reminders: VisitRemindersTable;
  visit_reminder_prefs: VisitReminderPrefsTable;
  calendar_feeds: CalendarFeedsTable;
}
