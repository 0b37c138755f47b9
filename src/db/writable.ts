import { type Kysely, sql } from 'kysely';

class ProbeDone extends Error {}

/**
 * Whether the bot can write to its database, by creating a table inside a transaction that is then rolled back:
 * nothing is left behind. A read-only file, a full disk, a read-only PostgreSQL replica or a user without rights
 * all fail here, at start and in /healthz, instead of in the middle of someone's conversation.
 * Returns undefined when writing works, else the database's own reason.
 */
export async function cannotWrite(db: Kysely<any>): Promise<string | undefined> {
  try {
    await db.transaction().execute(async (trx) => {
      await sql`create table bot_write_probe (id integer)`.execute(trx);
      throw new ProbeDone();
    });
  } catch (err) {
    if (err instanceof ProbeDone) return undefined;
    // Busy is not read-only: another process (a second instance, a backup) holds the lock for a moment.
    if ((err as { code?: string }).code === 'SQLITE_BUSY' || (err as { code?: string }).code === '55P03') return undefined;
    return err instanceof Error ? err.message : String(err);
  }
  return undefined;
}
