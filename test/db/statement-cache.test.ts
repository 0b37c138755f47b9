import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from '../../src/db/statement-cache.ts';

interface T {
  items: { id: number; name: string };
}

function open(size?: number) {
  const raw = new SQLite(':memory:');
  raw.exec("create table items (id integer primary key, name text not null); insert into items (name) values ('a'), ('b'), ('c')");
  let prepared = 0;
  const prepare = raw.prepare.bind(raw);
  raw.prepare = ((source: string) => (prepared++, prepare(source))) as typeof raw.prepare;
  const db = new Kysely<T>({ dialect: new SqliteDialect({ database: withStatementCache(raw, size) }) });
  return { db, prepared: () => prepared };
}

describe('the SQLite statement cache', () => {
  it('prepares a query once however often it runs, with new values each time', async () => {
    const { db, prepared } = open();
    const names = [];
    for (const id of [1, 2, 3, 1]) names.push((await db.selectFrom('items').select('name').where('id', '=', id).executeTakeFirst())?.name);
    expect(names).toEqual(['a', 'b', 'c', 'a']);
    expect(prepared()).toBe(1);
    await db.destroy();
  });

  it('runs a query again after a stream of it was left early', async () => {
    const { db } = open();
    const query = () => db.selectFrom('items').select('name').orderBy('id');
    for await (const row of query().stream()) {
      expect(row.name).toBe('a');
      break;
    }
    expect((await query().execute()).map((r) => r.name)).toEqual(['a', 'b', 'c']);
    await db.destroy();
  });

  it('keeps only the most recently used statements', async () => {
    const { db, prepared } = open(2);
    const q = (n: number) => sql`select ${sql.lit(n)} as n`.execute(db);
    await q(1);
    await q(2);
    await q(1); // cached
    await q(3); // evicts 2, the least recently used
    await q(1); // still cached
    await q(2); // prepared again
    expect(prepared()).toBe(4);
    await db.destroy();
  });
});
