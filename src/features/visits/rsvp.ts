import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { RsvpAnswer } from './tables.ts';

export const RSVP_ANSWERS: readonly RsvpAnswer[] = ['going', 'maybe', 'no'];
export function isRsvpAnswer(x: unknown): x is RsvpAnswer {
  return typeof x === 'string' && (RSVP_ANSWERS as readonly string[]).includes(x);
}

export interface RsvpEntry {
  personId: string;
  answer: RsvpAnswer;
  name: string;
  municipality: string | null;
  updatedAt: string;
  /** null: not asked yet; true: agreed to be named in the meeting report's participant list. */
  listed: boolean | null;
  institution: string | null;
}

/** The longest institution name kept (the ministry's list has names of about 150 characters). */
export const INSTITUTION_MAX = 200;

/** Who is coming to which visit (one changeable answer per person and visit), and who wants reminders. */
export class RsvpService {
  constructor(private readonly db: Kysely<DB>) {}

  async set(visitId: string, personId: string, answer: RsvpAnswer, now: Date): Promise<void> {
    const values = { answer, updated_at: now.toISOString() };
    await this.db
      .insertInto('visit_rsvps')
      .values({ visit_id: visitId, person_id: personId, ...values })
      .onConflict((oc) => oc.columns(['visit_id', 'person_id']).doUpdateSet(values))
      .execute();
  }

  async answerOf(visitId: string, personId: string): Promise<RsvpAnswer | undefined> {
    const row = await this.db.selectFrom('visit_rsvps').select('answer').where('visit_id', '=', visitId).where('person_id', '=', personId).executeTakeFirst();
    return row?.answer;
  }

  async counts(visitId: string): Promise<Record<RsvpAnswer, number>> {
    const rows = await this.db
      .selectFrom('visit_rsvps')
      .select(['answer', (eb) => eb.fn.countAll<number>().as('n')])
      .where('visit_id', '=', visitId)
      .groupBy('answer')
      .execute();
    const out: Record<RsvpAnswer, number> = { going: 0, maybe: 0, no: 0 };
    for (const r of rows) if (r.answer in out) out[r.answer] = Number(r.n);
    return out;
  }

  /** Every answer with the person's name (their most recently used account's) and municipality, names sorted. */
  async list(visitId: string): Promise<RsvpEntry[]> {
    const rows = await this.db
      .selectFrom('visit_rsvps')
      .innerJoin('persons', 'persons.id', 'visit_rsvps.person_id')
      .select(['visit_rsvps.person_id', 'visit_rsvps.answer', 'visit_rsvps.updated_at', 'visit_rsvps.listed', 'visit_rsvps.institution', 'persons.municipality'])
      .where('visit_rsvps.visit_id', '=', visitId)
      .execute();
    if (!rows.length) return [];
    const identities = await this.db
      .selectFrom('identities')
      .select(['person_id', 'key', 'username', 'display_name', 'last_seen_at'])
      .where(
        'person_id',
        'in',
        rows.map((r) => r.person_id),
      )
      .orderBy('last_seen_at', 'desc')
      .execute();
    const nameOf = (personId: string) => {
      const own = identities.filter((i) => i.person_id === personId);
      const named = own.find((i) => i.display_name) ?? own.find((i) => i.username);
      return named?.display_name ?? (named?.username ? `@${named.username}` : (own[0]?.key ?? personId.slice(0, 8)));
    };
    return rows
      .map((r) => ({
        personId: r.person_id,
        answer: r.answer,
        name: nameOf(r.person_id),
        municipality: r.municipality,
        updatedAt: r.updated_at,
        listed: r.listed === null ? null : r.listed === 1,
        institution: r.institution,
      }))
      .sort((a, b) => a.name.localeCompare(b.name, 'lv'));
  }

  /** Whether the person agreed to be named in this visit's participant list (undefined: not asked, or no answer). */
  async listingOf(visitId: string, personId: string): Promise<{ listed: boolean | null; institution: string | null } | undefined> {
    const row = await this.db.selectFrom('visit_rsvps').select(['listed', 'institution']).where('visit_id', '=', visitId).where('person_id', '=', personId).executeTakeFirst();
    return row ? { listed: row.listed === null ? null : row.listed === 1, institution: row.institution } : undefined;
  }

  async setListed(visitId: string, personId: string, listed: boolean): Promise<boolean> {
    const r = await this.db.updateTable('visit_rsvps').set({ listed: listed ? 1 : 0 }).where('visit_id', '=', visitId).where('person_id', '=', personId).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async setInstitution(visitId: string, personId: string, institution: string | null): Promise<void> {
    await this.db.updateTable('visit_rsvps').set({ institution }).where('visit_id', '=', visitId).where('person_id', '=', personId).execute();
  }

  /** The institution the person named most recently for any visit, to offer it again. */
  async lastInstitution(personId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('visit_rsvps')
      .select('institution')
      .where('person_id', '=', personId)
      .where('institution', 'is not', null)
      .orderBy('updated_at', 'desc')
      .executeTakeFirst();
    return row?.institution ?? undefined;
  }

  async remindersOn(personId: string): Promise<boolean> {
    const row = await this.db.selectFrom('visit_reminder_prefs').select('enabled').where('person_id', '=', personId).executeTakeFirst();
    return row ? row.enabled === 1 : true;
  }

  async setReminders(personId: string, on: boolean, now: Date): Promise<void> {
    const values = { enabled: on ? 1 : 0, updated_at: now.toISOString() };
    await this.db
      .insertInto('visit_reminder_prefs')
      .values({ person_id: personId, ...values })
      .onConflict((oc) => oc.column('person_id').doUpdateSet(values))
      .execute();
  }

  /** People who answered going or maybe (an announcement's "visit" audience). */
  async attendees(visitId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('visit_rsvps')
      .select('person_id')
      .where('visit_id', '=', visitId)
      .where('answer', 'in', ['going', 'maybe'])
      .orderBy('person_id')
      .execute();
    return rows.map((r) => r.person_id);
  }

  /** People who answered going or maybe and did not turn reminders off: whom reminders are for. */
  async reminderRecipients(visitId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('visit_rsvps')
      .leftJoin('visit_reminder_prefs', 'visit_reminder_prefs.person_id', 'visit_rsvps.person_id')
      .select('visit_rsvps.person_id')
      .where('visit_rsvps.visit_id', '=', visitId)
      .where('visit_rsvps.answer', 'in', ['going', 'maybe'])
      .where((eb) => eb.or([eb('visit_reminder_prefs.enabled', 'is', null), eb('visit_reminder_prefs.enabled', '=', 1)]))
      .orderBy('visit_rsvps.person_id')
      .execute();
    return rows.map((r) => r.person_id);
  }
}
