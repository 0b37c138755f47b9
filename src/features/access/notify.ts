import type { Kysely } from 'kysely';
import { STAFF_ROLES, type Role } from '../../core/access.ts';
import type { Address, Reply } from '../../core/types.ts';
import type { Translator } from '../../i18n/index.ts';
import type { DB } from '../../db/schema.ts';
import type { FeatureDeps } from '../deps.ts';
import type { NoticeKind } from '../notices/notices.ts';

/**
 * Sends a person a message in their language through the notice outbox: their accounts in order (preferred
 * platform first, then the most recently used), retried until delivered. False when they have no account the bot
 * can reach now.
 */
export function notifyPerson(deps: FeatureDeps, personId: string, kind: NoticeKind, build: (tr: Translator) => Reply): Promise<boolean> {
  return deps.notices.toPerson(personId, kind, build);
}

/** Coordinators and admins (stored roles and BOT_ADMINS accounts): whom role requests go to. */
export async function staffIds(db: Kysely<DB>, admins: ReadonlySet<string>): Promise<string[]> {
  const stored = await db.selectFrom('persons').select('id').where('role', 'in', [...STAFF_ROLES]).execute();
  const ids = new Set(stored.map((r) => r.id));
  if (admins.size) {
    const rows = await db.selectFrom('identities').select('person_id').where('key', 'in', [...admins]).execute();
    for (const r of rows) ids.add(r.person_id);
  }
  return [...ids];
}

/** Shows every account of the person its new command menu, where the platform keeps one per chat (Telegram). */
export async function refreshMenus(deps: FeatureDeps, personId: string): Promise<void> {
  const role: Role | undefined = await deps.people.effectiveRole(personId);
  if (!role) return;
  const lng = await deps.people.languageOf(personId);
  const addresses: Address[] = await deps.people.addressesOf(personId);
  for (const a of addresses) {
    try {
      await deps.messenger.refreshMenu(a, role, lng);
    } catch (err) {
      deps.log.warn({ err, platform: a.platform }, 'command menu not refreshed');
    }
  }
}
