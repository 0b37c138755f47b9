import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { HttpRoute } from '../../core/router.ts';
import type { DB } from '../../db/schema.ts';
import { feedCalendar } from './calendar.ts';
import type { VisitStore } from './visit-store.ts';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Secret calendar feed addresses, one per person. Only the token's hash is kept, so the address is shown once,
 * when made; a new one replaces the old (which stops working), and `/calendar off` or `/forget` removes it.
 */
export class CalendarFeeds {
  constructor(private readonly db: Kysely<DB>) {}

  async create(personId: string, now: Date): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('calendar_feeds').where('person_id', '=', personId).execute();
      await trx.insertInto('calendar_feeds').values({ token_hash: hash(token), person_id: personId, created_at: now.toISOString(), last_used_at: null }).execute();
    });
    return token;
  }

  async status(personId: string): Promise<{ createdAt: string; lastUsedAt: string | null } | undefined> {
    const row = await this.db.selectFrom('calendar_feeds').select(['created_at', 'last_used_at']).where('person_id', '=', personId).executeTakeFirst();
    return row ? { createdAt: row.created_at, lastUsedAt: row.last_used_at } : undefined;
  }

  async revoke(personId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('calendar_feeds').where('person_id', '=', personId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** The person a token belongs to, noting when the feed was last read. */
  async use(token: string, now: Date): Promise<string | undefined> {
    if (!/^[A-Za-z0-9_-]{20,64}$/.test(token)) return undefined;
    const row = await this.db.selectFrom('calendar_feeds').select('person_id').where('token_hash', '=', hash(token)).executeTakeFirst();
    if (!row) return undefined;
    await this.db.updateTable('calendar_feeds').set({ last_used_at: now.toISOString() }).where('token_hash', '=', hash(token)).execute();
    return row.person_id;
  }
}

/** `GET /calendar.ics?token=…`: every published visit with dates, for calendar apps to subscribe to. */
export function feedRoute(feeds: CalendarFeeds, store: VisitStore, now: () => Date, name: string): HttpRoute {
  return {
    path: '/calendar.ics',
    async handle(query) {
      const person = await feeds.use(query.get('token') ?? '', now());
      if (!person) return { status: 404, type: 'text/plain; charset=utf-8', body: 'not found\n' };
      const visits = await store.list(now());
      const full = (await Promise.all(visits.map((v) => store.get(v.id)))).filter((v): v is NonNullable<typeof v> => v !== undefined);
      return { status: 200, type: 'text/calendar; charset=utf-8', body: feedCalendar(full, name), headers: { 'content-disposition': 'inline; filename="visits.ics"' } };
    },
  };
}

export function feedUrl(base: string, token: string): string {
  return `${base}/calendar.ics?token=${token}`;
}
