import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { prepare } from '../db/prepared.ts';
import type { DB } from '../db/schema.ts';
import { emptyChat, NO_CHOICES, upsertChat } from './chat-state.ts';
import type { Choice, Reply } from './types.ts';

/** A choice as remembered for typing: the key shown beside it, its label and the button data it stands for. */
export interface PendingChoice {
  key: string;
  label: string;
  action: string;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function keyFor(i: number, letters: boolean): string {
  if (!letters) return String(i + 1);
  let k = '';
  let n = i;
  do {
    k = LETTERS[n % 26] + k;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return k;
}

/** A reference to button data: a hash of the data itself, so it is the same for the same data and no other. */
export function actionRef(action: string): string {
  return `@${createHash('sha256').update(action).digest('base64url').slice(0, 16)}`;
}

/**
 * Gives every button of one response a key to type ("1", "2" … or "a", "b" … when the step reads typed numbers),
 * so a terminal, or a phone user who types instead of tapping, can pick it. Buttons whose data is longer than the
 * platform carries get a reference (`refs`, to be stored) bound to their own data, not to their position: a newer
 * message cannot change what an old button does.
 */
export function assignKeys(replies: Reply[], letters: boolean, maxActionBytes: number): { replies: Reply[]; pending: PendingChoice[]; refs: Array<{ ref: string; action: string }> } {
  const pending: PendingChoice[] = [];
  const refs: Array<{ ref: string; action: string }> = [];
  const out = replies.map((r): Reply => {
    if (r.kind !== 'text' || !r.choices) return r;
    return {
      ...r,
      choices: r.choices.map((row) =>
        row.map((c): Choice => {
          if (!('action' in c)) return c;
          const key = keyFor(pending.length, letters);
          const { label, action } = c;
          pending.push({ key, label, action });
          // UTF-8 takes at most three bytes per UTF-16 unit: most button data is short enough not to be measured.
          if (action.length * 3 <= maxActionBytes || Buffer.byteLength(action) <= maxActionBytes) return { label, action, key };
          const ref = actionRef(action);
          refs.push({ ref, action });
          return { label, action: ref, key };
        }),
      ),
    };
  });
  return { replies: out, pending, refs };
}

/** Long button data by reference; kept a month, longer than any button stays useful. */
export class ActionRefStore {
  constructor(private readonly db: Kysely<DB>) {}

  async save(refs: ReadonlyArray<{ ref: string; action: string }>, now: Date): Promise<void> {
    if (!refs.length) return;
    const rows = [...new Map(refs.map((r) => [r.ref, r])).values()].map((r) => ({ ref: r.ref.slice(1), action: r.action, created_at: now.toISOString() }));
    await this.db.insertInto('action_refs').values(rows).onConflict((oc) => oc.column('ref').doUpdateSet({ created_at: now.toISOString() })).execute();
  }

  async get(ref: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('action_refs').select('action').where('ref', '=', ref.replace(/^@/, '')).executeTakeFirst();
    return row?.action;
  }

  async sweep(before: Date): Promise<void> {
    await this.db.deleteFrom('action_refs').where('created_at', '<', before.toISOString()).execute();
  }
}

/** Finds the choice a typed text means: its key, or (if unambiguous) its label. */
export function matchTyped(pending: readonly PendingChoice[], typed: string): PendingChoice | undefined {
  const t = typed.trim().toLocaleLowerCase();
  if (!t) return undefined;
  const byKey = pending.find((p) => p.key === t);
  if (byKey) return byKey;
  const byLabel = pending.filter((p) => p.label.toLocaleLowerCase() === t);
  return byLabel.length === 1 ? byLabel[0] : undefined;
}

/** Choices as read at the start of an update (undefined: none stored), to leave them alone when unchanged. */
export interface RememberedChoices {
  json: string;
  updatedAt: string;
}

/**
 * An unchanged list is rewritten only to keep its age from reaching the sweep while it is still being used: the
 * sweep (after a day) may then take a list that was still on screen up to this long earlier.
 */
const REFRESH_MS = 60 * 60 * 1000;

/** A list of choices with its JSON, made once: compared with what was read, then written when it differs. */
export interface ChoicesToRemember {
  list: readonly PendingChoice[];
  json: string;
}

export function toRemember(list: readonly PendingChoice[]): ChoicesToRemember {
  return { list, json: JSON.stringify(list) };
}

export function parseChoices(remembered: RememberedChoices | undefined): PendingChoice[] {
  return remembered ? (JSON.parse(remembered.json) as PendingChoice[]) : [];
}

/** How many chats' last writes are remembered for `watch` (a chat forgotten here is simply written again). */
const WATCHED_CHATS = 1000;

export class PendingChoiceStore {
  /** The sequence number of the latest write of each recently written chat, most recent last. */
  private readonly lastWrite = new Map<string, number>();
  private writes = 0;
  private readonly upsert;
  private readonly remove;

  constructor(private readonly db: Kysely<DB>) {
    // With a conversation's step, flows.ts writes both halves of the chat's row at once instead.
    this.upsert = prepare(db, ['personId', 'chatKey', 'choices', 'updatedAt'], (db, a) => upsertChat(db, a, { choices: a.choices, choices_updated_at: a.updatedAt }));
    this.remove = prepare(db, ['personId', 'chatKey'], (db, a) => emptyChat(db, a, NO_CHOICES));
  }

  /**
   * Notes what an update read of one chat's choices. `unchanged(choices)` then tells whether writing `choices`
   * would change nothing: the list read (or none, when none was stored), not near the age the sweep takes, and not
   * written since by anything else in this process (a message sent first to the same chat, say).
   */
  watch(personId: string, chatKey: string, read: RememberedChoices | undefined): { unchanged(choices: ChoicesToRemember, now: Date): boolean } {
    const key = `${personId}\n${chatKey}`;
    const before = this.lastWrite.get(key);
    return {
      unchanged: (choices, now) => {
        if (this.lastWrite.get(key) !== before) return false;
        if (!read) return choices.list.length === 0;
        return choices.list.length > 0 && now.getTime() - Date.parse(read.updatedAt) < REFRESH_MS && choices.json === read.json;
      },
    };
  }

  /** Records that a chat's choices are being written (by `set`, or together with its conversation). */
  written(personId: string, chatKey: string): void {
    const key = `${personId}\n${chatKey}`;
    this.lastWrite.delete(key);
    this.lastWrite.set(key, ++this.writes);
    if (this.lastWrite.size > WATCHED_CHATS) this.lastWrite.delete(this.lastWrite.keys().next().value!);
  }

  async set(personId: string, chatKey: string, choices: PendingChoice[] | ChoicesToRemember, now: Date): Promise<void> {
    const { list, json } = Array.isArray(choices) ? toRemember(choices) : choices;
    this.written(personId, chatKey);
    if (list.length === 0) {
      await this.remove.execute(this.db, { personId, chatKey });
      return;
    }
    await this.upsert.execute(this.db, { personId, chatKey, choices: json, updatedAt: now.toISOString() });
  }

  /** Forgets choices older than `before` (the core's sweep then deletes rows left empty). */
  async sweep(before: Date): Promise<void> {
    await this.db.updateTable('chat_state').set(NO_CHOICES).where('choices_updated_at', '<', before.toISOString()).execute();
  }
}
