import { CompiledQuery } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrator.ts';
import { OutboxStore } from '../../src/features/announcements/outbox.ts';
import { openTestDatabase } from '../helpers/harness.ts';

let database: Database | undefined;
afterEach(async () => database?.close());

/** A run with `pending` rows due, `sending` rows in flight and some already sent, statistics gathered. */
async function seeded(pending: number): Promise<Database> {
  database = await openTestDatabase(undefined);
  const db = database.db;
  await migrateToLatest(db, database.schema);
  const at = '2026-12-01T10:00:00.000Z';
  await db
    .insertInto('announcements')
    .values({ id: 'a1', created_by: null, kind: 'general', text: 'x', file_name: null, file_mime: null, file_data: null, audience: '{}', schedule: '{}', status: 'done', next_run_at: null, report_platform: 'telegram', report_chat_id: '1', report_language: 'lv', created_at: at, updated_at: at })
    .execute();
  await db.insertInto('announcement_runs').values({ id: 'r1', announcement_id: 'a1', scheduled_for: at, status: 'running', started_at: at, finished_at: null, progress_message_id: null }).execute();
  const rows = Array.from({ length: pending + 200 }, (_, i) => ({
    run_id: 'r1',
    person_id: null,
    platform: 'telegram' as const,
    chat_id: String(i),
    language: 'lv' as const,
    status: i < 100 ? ('sent' as const) : i < 200 ? ('sending' as const) : ('pending' as const),
    next_attempt_at: at,
    claimed_at: i < 200 ? at : null,
    updated_at: at,
  }));
  for (let i = 0; i < rows.length; i += 500) await db.insertInto('outbox').values(rows.slice(i, i + 500)).execute();
  await db.executeQuery(CompiledQuery.raw('analyze'));
  return database;
}

describe('claiming due outbox rows', () => {
  it('reads them in id order from the (status, id) index, with no sort, whatever the queue length', async () => {
    const { db, dialect } = await seeded(5000);
    const store = new OutboxStore(db, dialect);
    const now = new Date('2026-12-01T12:00:00Z');
    const claim = db.updateTable('outbox').set({ status: 'sending' }).where('id', 'in', store.dueIds(8, now, 60_000, [301, 302])).returningAll().compile();
    if (dialect === 'sqlite') {
      const plan = (await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${claim.sql}`, [...claim.parameters]))).rows.map((r) => r.detail);
      const text = plan.join('\n');
      expect(plan.filter((l) => l.includes('USING INDEX outbox_claim (status=?)')), text).toHaveLength(2);
      expect(text).not.toMatch(/TEMP B-TREE/);
    } else {
      type Node = { 'Node Type': string; 'Index Name'?: string; Alias?: string; 'Subplan Name'?: string; Plans?: Node[] };
      const [{ 'QUERY PLAN': [{ Plan: root }] }] = (await db.executeQuery<{ 'QUERY PLAN': [{ Plan: Node }] }>(CompiledQuery.raw(`explain (format json) ${claim.sql}`, [...claim.parameters]))).rows as [{ 'QUERY PLAN': [{ Plan: Node }] }];
      const all = (n: Node): Node[] => [n, ...(n.Plans ?? []).flatMap(all)];
      const branch = (alias: string) => all(root).find((n) => n['Node Type'] === 'Subquery Scan' && n.Alias === alias)!;
      const text = JSON.stringify(root);
      // Pending rows, the many: read in id order from an index (ours or the primary key), never sorted.
      const due = all(branch('due'));
      expect(due.some((n) => n['Node Type'] === 'Sort'), text).toBe(false);
      expect(due.some((n) => n['Node Type'] === 'Index Scan' && ['outbox_claim', 'outbox_pkey'].includes(n['Index Name']!)), text).toBe(true);
      // Rows left in `sending` (at most what crashed workers held) are found through the index, whatever the plan
      // does with those few afterwards.
      expect(all(branch('stale')).some((n) => n['Index Name'] === 'outbox_claim'), text).toBe(true);
    }
  });

  it('takes rows whose lease ran out first, then due pending rows, oldest first, never the ones held', async () => {
    await seeded(50);
    const store = new OutboxStore(database!.db, database!.dialect);
    const claimed = await store.claim(5, new Date('2026-12-01T12:00:00Z'), 60_000, [101, 102]);
    expect(claimed.map((r) => r.id)).toEqual([103, 104, 105, 106, 107]);
    const next = await store.claim(200, new Date('2026-12-01T12:00:00Z'), 60_000, [101, 102]);
    expect(next.map((r) => r.id)).toEqual([...Array.from({ length: 93 }, (_, i) => 108 + i), ...Array.from({ length: 50 }, (_, i) => 201 + i)].slice(0, 200));
  });
});
