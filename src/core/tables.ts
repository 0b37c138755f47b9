/**
 * One person's state in one chat: the conversation in progress (its five columns all set, or all null) and the
 * choices of the last message, whose keys can be typed (both set, or both null). One row, since a conversation's
 * step writes both (issue 17: one page instead of two).
 */
export interface ChatStateTable {
  person_id: string;
  chat_key: string;
  flow: string | null;
  state: string | null;
  nonce: string | null;
  flow_updated_at: string | null;
  expires_at: string | null;
  choices: string | null;
  choices_updated_at: string | null;
}

/** Button data longer than a platform carries, under a hash of itself. */
export interface ActionRefsTable {
  ref: string;
  action: string;
  created_at: string;
}

export interface CoreTables {
  chat_state: ChatStateTable;
  action_refs: ActionRefsTable;
}
