import { createHash, randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

/** Letters and digits that cannot be mistaken for each other when read aloud or copied by hand (no I, L, O, 0, 1). */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export const LINK_CODE_LENGTH = 8;
export const INVITE_CODE_LENGTH = 10;
export const LINK_CODE_TTL_MS = 10 * 60 * 1000;
export const INVITE_TTL_DAYS = 7;

/** Wrong guesses allowed per person and kind of code within the window, then "try again later". */
export const MAX_WRONG_GUESSES = 5;
export const GUESS_WINDOW_MS = 60 * 60 * 1000;

export type CodeKind = 'link' | 'invite';

/** A fresh random code (crypto-strong): 8 characters are 31^8 ≈ 8.5·10^11 possibilities. */
export function newCode(length: number): string {
  let code = '';
  for (let i = 0; i < length; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** `ABCD-EFGH`: easier to read and type; the dash is optional when typed. */
export function formatCode(code: string): string {
  return code.length === LINK_CODE_LENGTH ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
}

/** What a person typed, as a code of the given length: case and spaces or dashes do not matter. */
export function normalizeCode(typed: string, length: number): string | undefined {
  const code = typed.trim().toUpperCase().replace(/[\s-]+/g, '');
  if (code.length !== length) return undefined;
  for (const ch of code) if (!CODE_ALPHABET.includes(ch)) return undefined;
  return code;
}

/** Codes are stored only as hashes: a copy of the database does not hand out working codes. */
export function hashCode(kind: CodeKind, code: string): string {
  return createHash('sha256').update(`${kind}:${code}`).digest('hex');
}

/** Wrong guesses of codes, per person: after too many within an hour, codes are not even checked. */
export class GuessLimiter {
  constructor(private readonly db: Kysely<DB>) {}

  /** When the person may guess again, or undefined if they may now. */
  async blockedUntil(personId: string, kind: CodeKind, now: Date): Promise<Date | undefined> {
    const since = new Date(now.getTime() - GUESS_WINDOW_MS).toISOString();
    const rows = await this.db
      .selectFrom('code_attempts')
      .select('at')
      .where('person_id', '=', personId)
      .where('kind', '=', kind)
      .where('at', '>', since)
      .orderBy('at')
      .execute();
    if (rows.length < MAX_WRONG_GUESSES) return undefined;
    // Free again when the oldest guess that still counts leaves the window.
    return new Date(Date.parse(rows[rows.length - MAX_WRONG_GUESSES]!.at) + GUESS_WINDOW_MS);
  }

  /** Records a wrong guess; returns how many are left before the limit. */
  async wrong(personId: string, kind: CodeKind, now: Date): Promise<number> {
    await this.db.insertInto('code_attempts').values({ person_id: personId, kind, at: now.toISOString() }).execute();
    const since = new Date(now.getTime() - GUESS_WINDOW_MS).toISOString();
    const row = await this.db
      .selectFrom('code_attempts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('person_id', '=', personId)
      .where('kind', '=', kind)
      .where('at', '>', since)
      .executeTakeFirst();
    return Math.max(0, MAX_WRONG_GUESSES - Number(row?.n ?? 0));
  }
}
