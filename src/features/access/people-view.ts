import type { Kysely } from 'kysely';
import type { Role } from '../../core/access.ts';
import { type Platform, parseIdentityKey } from '../../core/types.ts';
import type { DB } from '../../db/schema.ts';

export interface Account {
  platform: Platform;
  id: string;
  username: string | null;
  displayName: string | null;
}

export interface PersonView {
  id: string;
  role: Role;
  requestedRole: Role | null;
  municipality: string | null;
  registered: boolean;
  /** The name staff see: the display name of the most recently used account, else its @username, else its key. */
  name: string;
  accounts: Account[];
}

const MAX_NAME = 64;

/** People as staff and members see them: role, municipality, name and accounts, in one query per table. */
export async function viewPeople(db: Kysely<DB>, ids: readonly string[]): Promise<Map<string, PersonView>> {
  const out = new Map<string, PersonView>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    if (!chunk.length) continue;
    const persons = await db
      .selectFrom('persons')
      .select(['id', 'role', 'requested_role', 'municipality', 'registered_at'])
      .where('id', 'in', chunk)
      .execute();
    const identities = await db
      .selectFrom('identities')
      .select(['person_id', 'key', 'username', 'display_name'])
      .where('person_id', 'in', chunk)
      .orderBy('last_seen_at', 'desc')
      .execute();
    for (const p of persons) {
      const accounts: Account[] = identities
        .filter((x) => x.person_id === p.id)
        .flatMap((x) => {
          const k = parseIdentityKey(x.key);
          return k ? [{ platform: k.platform, id: k.id, username: x.username, displayName: x.display_name }] : [];
        });
      const named = accounts.find((a) => a.displayName?.trim()) ?? accounts.find((a) => a.username);
      const name = named?.displayName?.trim() || (named?.username ? `@${named.username}` : accounts[0] ? `${accounts[0].platform}:${accounts[0].id}` : p.id.slice(0, 8));
      out.set(p.id, {
        id: p.id,
        role: p.role,
        requestedRole: p.requested_role,
        municipality: p.municipality,
        registered: p.registered_at !== null,
        name: [...name].slice(0, MAX_NAME).join(''),
        accounts,
      });
    }
  }
  return out;
}

export async function viewPerson(db: Kysely<DB>, id: string): Promise<PersonView | undefined> {
  return (await viewPeople(db, [id])).get(id);
}
