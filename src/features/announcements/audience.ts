import type { Kysely } from 'kysely';
import { z } from 'zod';
import { ROLES, MEMBER_ROLES } from '../../core/access.ts';
import { isUiLanguage, PLATFORMS, type Platform, type UiLanguage } from '../../core/types.ts';
import type { DB } from '../../db/schema.ts';
import type { Municipalities } from '../people/municipalities.ts';
import type { AnnouncementKind } from './tables.ts';

export const Audience = z.object({
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
});
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

/**
 * Who an announcement reaches, decided when it runs (not when it was written), so people who joined or left
 * in between are counted right. Each person gets one address: the account on the platform they prefer (chosen
 * after linking accounts), else their most recently used account, on the allowed platforms. Unsubscribed people
 * are left out and counted.
 */
export async function resolveAudience(
  db: Kysely<DB>,
  audience: Audience,
  kind: AnnouncementKind,
  deps: { municipalities: Municipalities; visitAttendees?: VisitAttendees; admins: ReadonlySet<string> },
): Promise<ResolvedAudience> {
  const target = audience.target;
  if (target.type === 'chat') {
    const chat = await db.selectFrom('audience_chats').selectAll().where('id', '=', target.audienceChatId).executeTakeFirst();
    if (!chat || (audience.platform && chat.platform !== audience.platform)) return { recipients: [], skipped: 0 };
    return { recipients: [{ personId: null, platform: chat.platform, chatId: chat.chat_id, language: 'lv' }], skipped: 0 };
  }

  let q = db
    .selectFrom('persons')
    .select(['persons.id', 'persons.language', 'persons.role', 'persons.preferred_platform'])
    .where('persons.registered_at', 'is not', null);
  const memberRoles = [...MEMBER_ROLES];
  switch (target.type) {
    case 'everyone':
      q = q.where('persons.role', 'in', memberRoles);
      break;
    case 'roles':
      q = q.where('persons.role', 'in', target.roles);
      break;
    case 'municipalities':
      q = q.where('persons.role', 'in', memberRoles).where('persons.municipality', 'in', target.ids);
      break;
    case 'region': {
      const ids = deps.municipalities.inRegion(target.id).map((m) => m.id);
      if (ids.length === 0) return { recipients: [], skipped: 0 };
      q = q.where('persons.role', 'in', memberRoles).where('persons.municipality', 'in', ids);
      break;
    }
    case 'visit': {
      const ids = deps.visitAttendees ? await deps.visitAttendees(target.visitId) : [];
      if (ids.length === 0) return { recipients: [], skipped: 0 };
      q = q.where('persons.id', 'in', ids);
      break;
    }
  }
  const people = await q.execute();

  // Admins named by configuration count as members whatever their stored role.
  if (target.type === 'everyone' || (target.type === 'roles' && target.roles.includes('admin'))) {
    const known = new Set(people.map((p) => p.id));
    const adminKeys = [...deps.admins];
    if (adminKeys.length) {
      const extra = await db
        .selectFrom('identities')
        .innerJoin('persons', 'persons.id', 'identities.person_id')
        .select(['persons.id', 'persons.language', 'persons.role', 'persons.preferred_platform'])
        .where('identities.key', 'in', adminKeys)
        .execute();
      for (const p of extra) if (!known.has(p.id)) people.push(p), known.add(p.id);
    }
  }
  if (people.length === 0) return { recipients: [], skipped: 0 };

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
    if (audience.platform) iq = iq.where('platform', '=', audience.platform);
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
