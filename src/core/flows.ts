import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { prepare } from '../db/prepared.ts';
import type { DB } from '../db/schema.ts';
import type { Precondition } from './access.ts';
import { emptyChat, NO_CONVERSATION, upsertChat } from './chat-state.ts';
import type { RememberedChoices } from './choices.ts';
import type { Ctx } from './context.ts';
import type { Markup } from './markup.ts';
import type { Capabilities, Choice, Reply } from './types.ts';

/** What a person did while a flow waits: typed text, pressed one of the flow's buttons, or submitted a form. */
export type FlowInput =
  | { type: 'text'; text: string; formatted?: Markup }
  | { type: 'choice'; value: string }
  /** A file sent while the flow waits; already checked against the size limit and read. */
  | { type: 'file'; name: string; mime: string; data: Uint8Array }
  | { type: 'form'; formId: string; values: Record<string, string> };

/**
 * One step's outcome. `state` is what the next input will see (stored as JSON in the database); `done` ends the
 * conversation. `typing` says the step reads typed text (a number, a name), so typed keys for its buttons are
 * letters and cannot be mistaken for the answer.
 */
export type Step<S> = { replies: Reply[]; state: S; typing?: boolean } | { replies: Reply[]; done: true };

/**
 * A multi-step conversation as data: a name, how to begin, and how to take the next input. State lives in the
 * database between messages, so a flow survives a restart and can continue on another instance.
 */
export interface FlowDef<S = any> {
  name: string;
  access?: readonly Precondition[];
  /**
   * The flow reads typed text (a name, a date, a pasted agenda). A bot in a group does not get typed text
   * (Telegram's privacy mode; Discord's message-content rules), so such a flow starts only in a private chat:
   * asked for in a group, it is continued privately (a deep link, or a direct message). A function decides by
   * what the platform can show (a flow that asks through a form where there are forms).
   */
  readsText?: boolean | ((caps: Capabilities) => boolean);
  /** How long an untouched conversation is kept (default one day). */
  ttlMs?: number;
  start(ctx: Ctx, args: string): Promise<Step<S>>;
  input(ctx: Ctx, state: S, input: FlowInput): Promise<Step<S>>;
  /**
   * Asked to start while already running in this chat (the person typed its command again): continue with the
   * state so far instead of throwing a draft away. Without it the flow starts afresh.
   */
  resume?(ctx: Ctx, state: S, args: string): Promise<Step<S>>;
}

export const DEFAULT_FLOW_TTL_MS = 24 * 60 * 60 * 1000;

/** A button that answers the current flow step. The core binds it to the step so old copies expire. */
export function flowChoice(label: string, value: string): Choice {
  return { label, action: `${FLOW_PREFIX}${value}` };
}
export const FLOW_PREFIX = '~:';

/** Flow buttons carry `~NONCE:value`; the nonce changes at every step, so a button from an old step is stale. */
export function bindFlowActions(replies: Reply[], nonce: string): Reply[] {
  return replies.map((r) =>
    r.kind === 'text' && r.choices
      ? {
          ...r,
          choices: r.choices.map((row) =>
            row.map((c) => ('action' in c && c.action.startsWith(FLOW_PREFIX) ? { ...c, action: `~${nonce}:${c.action.slice(2)}` } : c)),
          ),
        }
      : r,
  );
}

export function parseFlowAction(data: string): { nonce: string; value: string } | undefined {
  const m = /^~([a-z0-9]+):(.*)$/s.exec(data);
  return m ? { nonce: m[1]!, value: m[2]! } : undefined;
}

/** Random bytes drawn from the system a block at a time: a call per nonce was 1.5 % of an update's CPU. */
let pool = Buffer.alloc(0);
let used = 0;
export function newNonce(): string {
  if (used + 3 > pool.length) {
    pool = randomBytes(768);
    used = 0;
  }
  used += 3;
  return pool.toString('hex', used - 3, used);
}

export interface StoredConversation {
  flow: string;
  state: unknown;
  typing: boolean;
  nonce: string;
}

/**
 * Who is writing, as the core reads it together with the chat's state in the one query every update starts with:
 * the person's row and the platform account's. The people feature turns it into a `Person`.
 */
export type KnownIdentity = Pick<DB['persons'], 'id' | 'role' | 'requested_role' | 'municipality' | 'language' | 'registered_at'> &
  Pick<DB['identities'], 'username' | 'display_name' | 'language_hint' | 'last_seen_at'>;

/** What an update starts from: who is writing (null for an account not seen before), the chat's conversation and choices. */
export interface ChatState {
  known: KnownIdentity | null;
  conversation: StoredConversation | undefined;
  choices: RememberedChoices | undefined;
}

/** What an update did to its chat's conversation: a step to keep (its state and how long), or the end of it. */
export type ConversationWrite = { flow: string; state: unknown; typing: boolean; nonce: string; ttlMs: number } | 'end';

const STEP_ARGS = ['personId', 'chatKey', 'flow', 'state', 'nonce', 'updatedAt', 'expiresAt'] as const;
type StepArgs = Record<(typeof STEP_ARGS)[number], string>;
const CHOICE_ARGS = ['choices', 'choicesUpdatedAt'] as const;

const stepValues = (a: StepArgs) => ({ flow: a.flow, state: a.state, nonce: a.nonce, flow_updated_at: a.updatedAt, expires_at: a.expiresAt });

/** A chat's conversation, in `chat_state` beside its remembered choices (one row per person and chat). */
export class ConversationStore {
  private readonly load;
  private readonly step;
  private readonly end;
  /** A step, or the end, written with the chat's remembered choices: one statement, one row. */
  private readonly stepWithChoices;
  private readonly endWithChoices;

  constructor(private readonly db: Kysely<DB>) {
    // The person and account, and the chat's conversation and remembered choices, in one statement: every update
    // needs all of them (issue 17: two reads an update, where the anchor has one). Found from the platform account,
    // so nothing has to be known first.
    this.load = prepare(db, ['identityKey', 'chatKey'], (db, a) =>
      db
        .selectFrom('identities as i')
        .innerJoin('persons as p', 'p.id', 'i.person_id')
        .leftJoin('chat_state as c', (j) => j.onRef('c.person_id', '=', 'i.person_id').on('c.chat_key', '=', a.chatKey))
        .select(['p.id', 'p.role', 'p.requested_role', 'p.municipality', 'p.language', 'p.registered_at'])
        .select(['i.username', 'i.display_name', 'i.language_hint', 'i.last_seen_at'])
        .select(['c.flow', 'c.state', 'c.nonce', 'c.expires_at', 'c.choices', 'c.choices_updated_at'])
        .where('i.key', '=', a.identityKey),
    );
    this.step = prepare(db, STEP_ARGS, (db, a) => upsertChat(db, a, stepValues(a)));
    this.end = prepare(db, ['personId', 'chatKey'], (db, a) => emptyChat(db, a, NO_CONVERSATION));
    this.stepWithChoices = prepare(db, [...STEP_ARGS, ...CHOICE_ARGS], (db, a) =>
      upsertChat(db, a, { ...stepValues(a), choices: a.choices, choices_updated_at: a.choicesUpdatedAt }),
    );
    this.endWithChoices = prepare(db, ['personId', 'chatKey', ...CHOICE_ARGS], (db, a) =>
      upsertChat(db, a, { ...NO_CONVERSATION, choices: a.choices, choices_updated_at: a.choicesUpdatedAt }),
    );
  }

  /**
   * Who is behind a platform account, and their conversation (an expired one is ended) and remembered choices in
   * a chat; nothing for an account not seen before.
   */
  async read(identityKey: string, chatKey: string, now: Date): Promise<ChatState> {
    const row = await this.load.first(this.db, { identityKey, chatKey });
    if (!row) return { known: null, conversation: undefined, choices: undefined };
    const known: KnownIdentity = {
      id: row.id,
      role: row.role,
      requested_role: row.requested_role,
      municipality: row.municipality,
      language: row.language,
      registered_at: row.registered_at,
      username: row.username,
      display_name: row.display_name,
      language_hint: row.language_hint,
      last_seen_at: row.last_seen_at,
    };
    const choices = row.choices != null && row.choices_updated_at != null ? { json: row.choices, updatedAt: row.choices_updated_at } : undefined;
    if (row.flow == null || row.state == null || row.nonce == null || row.expires_at == null) return { known, conversation: undefined, choices };
    if (row.expires_at <= now.toISOString()) {
      await this.clear(row.id, chatKey);
      return { known, conversation: undefined, choices };
    }
    const parsed = JSON.parse(row.state) as { s: unknown; typing?: boolean };
    return { known, conversation: { flow: row.flow, state: parsed.s, typing: parsed.typing === true, nonce: row.nonce }, choices };
  }

  async write(personId: string, chatKey: string, write: ConversationWrite, now: Date): Promise<void> {
    if (write === 'end') await this.clear(personId, chatKey);
    else await this.step.execute(this.db, this.stepRow(personId, chatKey, write, now));
  }

  /** Writes the conversation and a non-empty list of remembered choices, in one statement. */
  async writeWithChoices(personId: string, chatKey: string, write: ConversationWrite, choices: string, now: Date): Promise<void> {
    const choicesUpdatedAt = now.toISOString();
    if (write === 'end') await this.endWithChoices.execute(this.db, { personId, chatKey, choices, choicesUpdatedAt });
    else await this.stepWithChoices.execute(this.db, { ...this.stepRow(personId, chatKey, write, now), choices, choicesUpdatedAt });
  }

  private stepRow(personId: string, chatKey: string, step: Exclude<ConversationWrite, 'end'>, now: Date) {
    return {
      personId,
      chatKey,
      flow: step.flow,
      state: JSON.stringify({ s: step.state, typing: step.typing }),
      nonce: step.nonce,
      updatedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + step.ttlMs).toISOString(),
    };
  }

  async clear(personId: string, chatKey: string): Promise<void> {
    await this.end.execute(this.db, { personId, chatKey });
  }

  /**
   * Ends conversations nobody touched within their time to live (questionnaire answers among them); the core's
   * sweep then deletes rows left empty.
   */
  async sweep(now: Date): Promise<number> {
    const r = await this.db.updateTable('chat_state').set(NO_CONVERSATION).where('expires_at', '<=', now.toISOString()).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }
}
