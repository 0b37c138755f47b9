import type { Kysely, QueryCreator } from 'kysely';
import type { DB } from '../db/schema.ts';

/**
 * Writes to `chat_state`, the one row per person and chat that holds both the conversation in progress (flows.ts)
 * and the remembered choices (choices.ts); each half is emptied on its own, and a row left with neither goes.
 */
type Chat = Record<'personId' | 'chatKey', string>;
type ChatColumns = Partial<Omit<DB['chat_state'], 'person_id' | 'chat_key'>>;

/** No conversation in the chat: its columns emptied (the remembered choices, if any, stay). */
export const NO_CONVERSATION = { flow: null, state: null, nonce: null, flow_updated_at: null, expires_at: null } as const;
/** No choices remembered in the chat: their columns emptied (the conversation, if any, stays). */
export const NO_CHOICES = { choices: null, choices_updated_at: null } as const;

/** A chat's row with `set`, inserted if the chat has none yet. */
export function upsertChat(db: QueryCreator<DB>, a: Chat, set: ChatColumns) {
  return db
    .insertInto('chat_state')
    .values({ person_id: a.personId, chat_key: a.chatKey, ...set })
    .onConflict((oc) => oc.columns(['person_id', 'chat_key']).doUpdateSet(set));
}

/** One half of a chat's row emptied (`NO_CONVERSATION` or `NO_CHOICES`). */
export function emptyChat(db: QueryCreator<DB>, a: Chat, half: typeof NO_CONVERSATION | typeof NO_CHOICES) {
  return db.updateTable('chat_state').set(half).where('person_id', '=', a.personId).where('chat_key', '=', a.chatKey);
}

/** Deletes the rows left with neither a conversation nor remembered choices (after the sweeps empty them). */
export async function deleteEmptyChats(db: Kysely<DB>): Promise<void> {
  await db.deleteFrom('chat_state').where('flow', 'is', null).where('choices', 'is', null).execute();
}
