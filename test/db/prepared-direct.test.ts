import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { prepare } from '../../src/db/prepared.ts';
import { ON_POSTGRES, openTestDatabase } from '../helpers/harness.ts';

// Prepared queries skip Kysely's executor (on SQLite when no transaction is open; on PostgreSQL as named statements).
// What must hold: the same results as through Kysely, and a write never joins a transaction someone else has open
// (its rollback must not take it).
let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

async function notes() {
  const database = await openTestDatabase(undefined);
  close = database.close;
  const db = database.db as unknown as import('kysely').Kysely<{ notes: { id: string; body: string } }>;
  await sql`create table notes (id text primary key, body text not null)`.execute(db);
  const put = prepare(db, ['id', 'body'], (db, a) => db.insertInto('notes').values({ id: a.id, body: a.body }).onConflict((oc) => oc.column('id').doUpdateSet({ body: a.body })));
  const get = prepare(db, ['id'], (db, a) => db.selectFrom('notes').selectAll().where('id', '=', a.id));
  return { db, put, get };
}

describe('prepared queries on SQLite', () => {
  it('give what Kysely gives: rows, and the rows a write changed', async () => {
    const { db, put, get } = await notes();
    const direct = await put.execute(db, { id: 'a', body: 'one' });
    const viaKysely = await db.insertInto('notes').values({ id: 'b', body: 'two' }).executeTakeFirst();
    expect(direct.numAffectedRows).toBe(viaKysely.numInsertedOrUpdatedRows);
    expect(direct.rows).toEqual([]);
    expect(await get.first(db, { id: 'a' })).toEqual({ id: 'a', body: 'one' });
    expect(await put.affected(db, { id: 'a', body: 'uno' })).toBe(1);
    expect(await get.first(db, { id: 'a' })).toEqual(await db.selectFrom('notes').selectAll().where('id', '=', 'a').executeTakeFirst());
  });

  it('wait for a transaction in progress instead of joining it, so its rollback leaves them alone', async () => {
    const { db, put, get } = await notes();
    let release!: () => void;
    const paused = new Promise<void>((r) => (release = r));
    let began!: () => void;
    const begun = new Promise<void>((r) => (began = r));
    const failing = db.transaction().execute(async (trx) => {
      await trx.insertInto('notes').values({ id: 'inside', body: 'rolled back' }).execute();
      began();
      await paused;
      throw new Error('rollback');
    });
    await begun;
    // Another update writes while the transaction awaits between its statements.
    const outside = put.execute(db, { id: 'outside', body: 'kept' });
    release();
    await expect(failing).rejects.toThrow('rollback');
    await outside;
    expect(await get.first(db, { id: 'outside' })).toEqual({ id: 'outside', body: 'kept' });
    expect(await get.first(db, { id: 'inside' })).toBeUndefined();
  });

  it.runIf(ON_POSTGRES)('on PostgreSQL, keep working when another instance changes a table under a prepared statement', async () => {
    const { db, put, get } = await notes();
    const all = prepare(db, [], (db) => db.selectFrom('notes').selectAll());
    await put.execute(db, { id: 'a', body: 'one' });
    // Prepared on every connection the pool may hand out.
    for (let i = 0; i < 12; i++) expect(await all.execute(db, {})).toMatchObject({ rows: [{ id: 'a', body: 'one' }] });
    await sql`alter table notes add column extra text`.execute(db);
    for (let i = 0; i < 12; i++) expect((await all.execute(db, {})).rows).toEqual([{ id: 'a', body: 'one', extra: null }]);
    expect(await get.first(db, { id: 'a' })).toEqual({ id: 'a', body: 'one', extra: null });
  });
});
