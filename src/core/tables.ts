export interface ConversationsTable {
  person_id: string;
  chat_key: string;
  flow: string;
  state: string;
  nonce: string;
  updated_at: string;
  expires_at: string;
}

export interface PendingChoicesTable {
  person_id: string;
  chat_key: string;
  choices: string;
  updated_at: string;
}

/** Button data longer than a platform carries, under a hash of itself. */
export interface ActionRefsTable {
  ref: string;
  action: string;
  created_at: string;
}

export interface CoreTables {
  conversations: ConversationsTable;
  pending_choices: PendingChoicesTable;
  action_refs: ActionRefsTable;
}
