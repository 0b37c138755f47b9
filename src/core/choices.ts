import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Reply } from './types.ts';

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

/**
 * Gives every button of one response a key to type ("1", "2" … or "a", "b" … when the step reads typed numbers),
 * so a terminal, or a phone user who types instead of tapping, can pick it. Buttons whose data is longer than the
 * platform carries are replaced by a short reference to the remembered choice.
 */
export function assignKeys(replies: Reply[], letters: boolean, maxActionBytes: number): { replies: Reply[]; pending: PendingChoice[] } {
  const pending: PendingChoice[] = [];
  const out = replies.map((r): Reply => {
    if (r.kind !== 'text' || !r.choices) return r;
    return {
      ...r,
      choices: r.choices.map((row) =>
        row.map((c) => {
          if (!('action' in c)) return c;
          const key = keyFor(pending.length, letters);
          pending.push({ key, label: c.label, action: c.action });
          const action = Buffer.byteLength(c.action) > maxActionBytes ? `@${key}` : c.action;
          return { ...c, key, action };
        }),
      ),
    };
  });
  return { replies: out, pending };
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

export class PendingChoiceStore {
  constructor(private readonly db: Kysely<DB>) {}

  async get(personId: string, chatKey: string): Promise<PendingChoice[]> {
    const row = await this.db
      .selectFrom('pending_choices')
      .select('choices')
      .where('person_id', '=', personId)
      .where('chat_key', '=', chatKey)
      .executeTakeFirst();
    return row ? (JSON.parse(row.choices) as PendingChoice[]) : [];
  }

  async set(personId: string, chatKey: string, choices: PendingChoice[], now: Date): Promise<void> {
    if (choices.length === 0) {
      await this.db.deleteFrom('pending_choices').where('person_id', '=', personId).where('chat_key', '=', chatKey).execute();
      return;
    }
    const values = { choices: JSON.stringify(choices), updated_at: now.toISOString() };
    await this.db
      .insertInto('pending_choices')
      .values({ person_id: personId, chat_key: chatKey, ...values })
      .onConflict((oc) => oc.columns(['person_id', 'chat_key']).doUpdateSet(values))
      .execute();
  }

  async sweep(before: Date): Promise<void> {
    await this.db.deleteFrom('pending_choices').where('updated_at', '<', before.toISOString()).execute();
  }
}
