import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrator.ts';
import { atomically, prepare } from '../../src/db/prepared.ts';
import { openTestDatabase } from '../helpers/harness.ts';

let database: Database | undefined;
afterEach(async () => database?.close());

async function open() {
  database = await openTestDatabase(undefined);
  await migrateToLatest(database.db, database.schema);
  const now = '2026-12-01T10:00:00.000Z';
  for (const id of ['p1', 'p2']) {
    await database.db.insertInto('persons').values({ id, role: 'guest', requested_role: null, municipality: null, language: 'lv', registered_at: null, preferred_platform: null, directory_optin: 0, created_at: now, updated_at: now }).execute();
  }
  return database.db;
}

describe('prepared queries', () => {
  it('run with new arguments each time, on the database and inside a transaction', async () => {
    const db = await open();
    const place = prepare(db, ['id'], (db, a) => db.selectFrom('persons').select('municipality').where('id', '=', a.id));
    const move = prepare(db, ['id', 'to'], (db, a) => db.updateTable('persons').set({ municipality: a.to }).where('id', '=', a.id).where('municipality', 'is distinct from', a.to));
    expect(await move.affected(db, { id: 'p2', to: 'riga' })).toBe(1);
    expect(await move.affected(db, { id: 'p2', to: 'riga' })).toBe(0);
    await db.transaction().execute(async (trx) => {
      expect(await move.affected(trx, { to: 'cesis', id: 'p1' })).toBe(1);
    });
    expect((await place.first(db, { id: 'p1' }))?.municipality).toBe('cesis');
    expect((await place.first(db, { id: 'p2' }))?.municipality).toBe('riga');
    expect(await place.first(db, { id: 'nobody' })).toBeUndefined();
  });

  it('refuse an argument used inside another value, or not used', async () => {
    const db = await open();
    const inside = prepare(db, ['id'], (db, a) => db.selectFrom('persons').select('id').where('id', '=', `x${a.id}`));
    await expect(inside.first(db, { id: 'p1' })).rejects.toThrow(/whole value/);
    const unused = prepare(db, ['id', 'other'], (db, a) => db.selectFrom('persons').select('id').where('id', '=', a.id));
    await expect(unused.first(db, { id: 'p1', other: 'x' })).rejects.toThrow(/every argument/);
  });

  it('take null for the arguments named nullable, as the value written', async () => {
    const db = await open();
    const place = prepare(db, ['id'], (db, a) => db.selectFrom('persons').select('municipality').where('id', '=', a.id));
    const move = prepare(db, ['id'], (db, a) => db.updateTable('persons').set({ municipality: a.to }).where('id', '=', a.id), ['to']);
    await move.execute(db, { id: 'p1', to: 'riga' });
    expect((await place.first(db, { id: 'p1' }))?.municipality).toBe('riga');
    await move.execute(db, { id: 'p1', to: null });
    expect((await place.first(db, { id: 'p1' }))?.municipality).toBeNull();
  });

  it('written together take effect all or none, on the database and inside a transaction', async () => {
    const db = await open();
    const now = '2026-12-01T10:00:00.000Z';
    const rename = prepare(db, ['id', 'to'], (db, a) => db.updateTable('persons').set({ municipality: a.to }).where('id', '=', a.id));
    const add = prepare(db, ['id'], (db, a) =>
      db.insertInto('persons').values({ id: a.id, role: 'guest', requested_role: null, municipality: null, language: null, registered_at: null, preferred_platform: null, directory_optin: 0, created_at: now, updated_at: now }),
    );
    const places = async () => (await db.selectFrom('persons').select(['id', 'municipality']).orderBy('id').execute()).map((r) => `${r.id}:${r.municipality ?? '-'}`);

    await atomically(db, [rename.with({ id: 'p1', to: 'cesis' }), add.with({ id: 'p3' })]);
    expect(await places()).toEqual(['p1:cesis', 'p2:-', 'p3:-']);
    // The second write fails (p2 exists): the first is undone with it.
    await expect(atomically(db, [rename.with({ id: 'p1', to: 'riga' }), add.with({ id: 'p2' })])).rejects.toThrow();
    expect(await places()).toEqual(['p1:cesis', 'p2:-', 'p3:-']);

    // Inside someone's transaction they join it, and go with it when it fails.
    await expect(
      db.transaction().execute(async (trx) => {
        await atomically(trx, [rename.with({ id: 'p2', to: 'talsi' }), add.with({ id: 'p4' })]);
        throw new Error('the rest of the work failed');
      }),
    ).rejects.toThrow(/rest of the work/);
    expect(await places()).toEqual(['p1:cesis', 'p2:-', 'p3:-']);
    // And the database is usable afterwards: nothing was left open.
    await atomically(db, [rename.with({ id: 'p2', to: 'talsi' })]);
    expect(await places()).toEqual(['p1:cesis', 'p2:talsi', 'p3:-']);
  });
});
