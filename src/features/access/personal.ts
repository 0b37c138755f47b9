import type { Kysely } from 'kysely';
import { NO_CHOICES } from '../../core/chat-state.ts';
import type { PersonalData, Registry } from '../../core/router.ts';
import type { DB } from '../../db/schema.ts';

/**
 * The core's own rows about a person: conversations (flow state, such as questionnaire answers or drafts) and the
 * remembered choices of the last message. Both are short-lived (a day); they are exported, erased and, on linking,
 * dropped (a conversation belongs to one chat of one account).
 */
export const corePersonalData: PersonalData = {
  async export(personId, db) {
    const chats = await db.selectFrom('chat_state').selectAll().where('person_id', '=', personId).orderBy('chat_key').execute();
    return {
      conversations: chats.flatMap((c) =>
        c.flow != null && c.state != null ? [{ chat: c.chat_key, flow: c.flow, state: safeJson(c.state), updatedAt: c.flow_updated_at, expiresAt: c.expires_at }] : [],
      ),
      rememberedChoices: chats.flatMap((c) => (c.choices != null ? [{ chat: c.chat_key, choices: safeJson(c.choices), updatedAt: c.choices_updated_at }] : [])),
    };
  },
  async erase(personId, db) {
    await db.deleteFrom('chat_state').where('person_id', '=', personId).execute();
    // Buttons others still have that name the person (an admin's "Approve" under a role request): the button
    // answers "no longer active" afterwards, and the id is gone.
    await db.updateTable('chat_state').set(NO_CHOICES).where('choices', 'like', `%${personId}%`).execute();
    await db.deleteFrom('action_refs').where('action', 'like', `%${personId}%`).execute();
  },
  async merge(fromId, _intoId, db) {
    await db.deleteFrom('chat_state').where('person_id', '=', fromId).execute();
  },
};

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** Every feature's personal data, the people feature (persons and accounts) last: other rows refer to them. */
function parts(registry: Registry): Array<{ name: string; data: PersonalData }> {
  const list = registry.features.flatMap((f) => (f.personalData ? [{ name: f.name, data: f.personalData }] : []));
  const people = list.filter((p) => p.name === 'people');
  return [{ name: 'core', data: corePersonalData }, ...list.filter((p) => p.name !== 'people'), ...people];
}

/** Everything stored about a person, per feature, read in one transaction (a consistent picture). */
export async function exportPerson(db: Kysely<DB>, registry: Registry, personId: string): Promise<Record<string, unknown>> {
  return db.transaction().execute(async (trx) => {
    const out: Record<string, unknown> = {};
    for (const p of parts(registry)) out[p.name] = await p.data.export(personId, trx);
    return out;
  });
}

/** Erases a person in the given transaction: every feature's rows, then the person and their accounts. */
export async function erasePerson(trx: Kysely<DB>, registry: Registry, personId: string): Promise<void> {
  for (const p of parts(registry)) await p.data.erase(personId, trx);
}

/** Moves everything of `fromId` to `intoId` in the given transaction; `fromId` is gone afterwards. */
export async function mergePeople(trx: Kysely<DB>, registry: Registry, fromId: string, intoId: string): Promise<void> {
  if (fromId === intoId) return;
  for (const p of parts(registry)) await p.data.merge(fromId, intoId, trx);
}
