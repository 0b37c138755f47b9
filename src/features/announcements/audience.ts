import type { ExpressionBuilder, Kysely } from 'kysely';
import * as z from 'zod';
import { ROLES, MEMBER_ROLES, type Role } from '../../core/access.ts';
import { isUiLanguage, PLATFORMS, type Platform, type UiLanguage } from '../../core/types.ts';
import type { DB } from '../../db/schema.ts';
import type { Municipalities } from '../people/municipalities.ts';
import type { AnnouncementKind } from './tables.ts';

/** Who an announcement goes to, as stored with it. Built when an announcement is first read, not at every start. */
export const Audience = z.lazy(() =>
  z.object({
    target: z.discriminatedUnion('type', [
      z.object({ type: z.literal('everyone') }),
      z.object({ type: z.literal('roles'), roles: z.array(z.enum(ROLES)).min(1) }),
      z.object({ type: z.literal('municipalities'), ids: z.array(z.string()).min(1) }),
      z.object({ type: z.literal('region'), id: z.string() }),
      z.object({ type: z.literal('visit'), visitId: z.string() }),
      z.object({ type: z.literal('chat'), audienceChatId: z.string() }),
    ]),
    /** Only people (or chats) on this platform. */
    platform: z.enum(PLATFORMS).optional(),
  }),
);
export type Audience = z.infer<typeof Audience>;

export interface Recipient {
  personId: string | null;
  platform: Platform;
  chatId: string;
  language: UiLanguage;
}

/** People going (or maybe going) to a visit; the visits feature provides it. */
export type VisitAttendees = (visitId: string) => Promise<string[]>;

export interface ResolvedAudience {
  recipients: Recipient[];
  /** Members of the audience who unsubscribed from this kind of announcement. */
  skipped: number;
}

/** People resolved per page when a run starts: memory stays bounded whatever the audience's size. */
export const AUDIENCE_PAGE = 1000;

/** An audience with what comes from elsewhere (a visit's attendees, a region's municipalities) looked up first. */
export type PreparedAudience =
  | { kind: 'none' }
  | { kind: 'chat'; audienceChatId: string; platform?: Platform }
  | { kind: 'people'; roles: readonly Role[]; municipalities?: string[]; ids?: string[]; withConfiguredAdmins: boolean; admins: string[]; platform?: Platform };

/**
 * Looks up, outside any transaction, what the audience needs from other features: the visits feature answers on
 * its own connection, which a transaction holding SQLite's one connection would wait for forever.
 */
export async function prepareAudience(
  audience: Audience,
  deps: { municipalities: Municipalities; visitAttendees?: VisitAttendees; admins: ReadonlySet<string> },
): Promise<PreparedAudience> {
  const target = audience.target;
  const platform = audience.platform ? { platform: audience.platform } : {};
  const memberRoles = [...MEMBER_ROLES];
  const admins = [...deps.admins];
  switch (target.type) {
    case 'chat':
      return { kind: 'chat', audienceChatId: target.audienceChatId, ...platform };
    case 'everyone':
      return { kind: 'people', roles: memberRoles, withConfiguredAdmins: true, admins, ...platform };
    case 'roles':
      return { kind: 'people', roles: target.roles, withConfiguredAdmins: target.roles.includes('admin'), admins, ...platform };
    case 'municipalities':
      return { kind: 'people', roles: memberRoles, municipalities: target.ids, withConfiguredAdmins: false, admins, ...platform };
    case 'region': {
      const ids = deps.municipalities.inRegion(target.id).map((m) => m.id);
      return ids.length ? { kind: 'people', roles: memberRoles, municipalities: ids, withConfiguredAdmins: false, admins, ...platform } : { kind: 'none' };
    }
    case 'visit': {
      const ids = deps.visitAttendees ? await deps.visitAttendees(target.visitId) : [];
      return ids.length ? { kind: 'people', roles: ROLES, ids, withConfiguredAdmins: false, admins, ...platform } : { kind: 'none' };
    }
  }
}

/**
 * Who an announcement reaches, decided when it runs (not when it was written), so people who joined or left
 * in between are counted right; page by page (people in id order), so a run over a large network never holds it
 * all. Each person gets one address: the account on the platform they prefer (chosen after linking accounts),
 * else their most recently used account, on the allowed platforms. Unsubscribed people are left out and counted.
 * Admins named by configuration count as members whatever their stored role: those the pages left out come last.
 */
export async function* audiencePages(db: Kysely<DB>, audience: PreparedAudience, kind: AnnouncementKind, pageSize = AUDIENCE_PAGE): AsyncGenerator<ResolvedAudience> {
  if (audience.kind === 'none') return;
  if (audience.kind === 'chat') {
    const chat = await db.selectFrom('audience_chats').selectAll().where('id', '=', audience.audienceChatId).executeTakeFirst();
    if (chat && !(audience.platform && chat.platform !== audience.platform)) {
      yield { recipients: [{ personId: null, platform: chat.platform, chatId: chat.chat_id, language: 'lv' }], skipped: 0 };
    }
    return;
  }
  const member = (eb: ExpressionBuilder<DB, 'persons'>) => {
    const terms = [eb('persons.registered_at', 'is not', null), eb('persons.role', 'in', [...audience.roles])];
    if (audience.municipalities) terms.push(eb('persons.municipality', 'in', audience.municipalities));
    if (audience.ids) terms.push(eb('persons.id', 'in', audience.ids));
    return eb.and(terms);
  };
  let after: string | undefined;
  for (;;) {
    const people = await db
      .selectFrom('persons')
      .select(['persons.id', 'persons.language', 'persons.preferred_platform'])
      .where(member)
      .$if(after !== undefined, (q) => q.where('persons.id', '>', after!))
      .orderBy('persons.id')
      .limit(pageSize)
      .execute();
    if (people.length) yield await resolvePage(db, people, audience.platform, kind);
    if (people.length < pageSize) break;
    after = people.at(-1)!.id;
  }
  if (audience.withConfiguredAdmins && audience.admins.length) {
    const rows = await db
      .selectFrom('identities')
      .innerJoin('persons', 'persons.id', 'identities.person_id')
      .select(['persons.id', 'persons.language', 'persons.preferred_platform'])
      .where('identities.key', 'in', audience.admins)
      .where((eb) => eb.not(member(eb)))
      .execute();
    const seen = new Set<string>();
    const extra = rows.filter((p) => !seen.has(p.id) && seen.add(p.id));
    if (extra.length) yield await resolvePage(db, extra, audience.platform, kind);
  }
}

/** The whole audience at once: for previews and counts of a modest audience (a run goes page by page). */
export async function resolveAudience(
  db: Kysely<DB>,
  audience: Audience,
  kind: AnnouncementKind,
  deps: { municipalities: Municipalities; visitAttendees?: VisitAttendees; admins: ReadonlySet<string> },
): Promise<ResolvedAudience> {
  const all: ResolvedAudience = { recipients: [], skipped: 0 };
  for await (const page of audiencePages(db, await prepareAudience(audience, deps), kind)) {
    all.recipients.push(...page.recipients);
    all.skipped += page.skipped;
  }
  return all;
}

type PageRow = { id: string; language: string | null; preferred_platform: string | null };

/** Opt-outs and addresses of one page of people. */
async function resolvePage(db: Kysely<DB>, people: PageRow[], platform: Platform | undefined, kind: AnnouncementKind): Promise<ResolvedAudience> {
  const ids = people.map((p) => p.id);
  const optedOut = new Set<string>();
  for (const chunk of chunks(ids, 500)) {
    const rows = await db.selectFrom('announcement_optouts').select('person_id').where('person_id', 'in', chunk).where('kind', 'in', ['all', kind]).execute();
    for (const r of rows) optedOut.add(r.person_id);
  }

  const preferred = new Map(people.map((p) => [p.id, p.preferred_platform]));
  const addresses = new Map<string, { platform: Platform; chatId: string }>();
  for (const chunk of chunks(ids, 500)) {
    let iq = db.selectFrom('identities').select(['person_id', 'key', 'platform', 'last_seen_at']).where('person_id', 'in', chunk);
    if (platform) iq = iq.where('platform', '=', platform);
    // Announcements reach people on a chat platform; the console is the local operator's terminal, and is used
    // only when it is the person's one account (a local trial).
    const rows = await iq.orderBy('last_seen_at', 'desc').execute();
    for (const r of rows) {
      const current = addresses.get(r.person_id);
      const chatId = r.key.slice(r.platform.length + 1);
      // The platform the person chose (after linking accounts) wins; else the most recently used chat platform.
      const wanted = preferred.get(r.person_id);
      const better = !current || (wanted ? r.platform === wanted && current.platform !== wanted : current.platform === 'console' && r.platform !== 'console');
      if (better) addresses.set(r.person_id, { platform: r.platform as Platform, chatId });
    }
  }

  const recipients: Recipient[] = [];
  let skipped = 0;
  for (const p of people) {
    if (optedOut.has(p.id)) {
      skipped++;
      continue;
    }
    const address = addresses.get(p.id);
    if (!address) continue;
    recipients.push({ personId: p.id, ...address, language: isUiLanguage(p.language) ? p.language : 'lv' });
  }
  return { recipients, skipped };
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
