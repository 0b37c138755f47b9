import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { loadConfig } from '../../src/config.ts';
import { openSqlite } from '../../src/db/database.ts';
import { ON_POSTGRES, tempDir } from '../helpers/harness.ts';

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: join(import.meta.dirname, '..', '..'), env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(ON_POSTGRES)('npm run backup', () => {
  it('copies the database consistently while another connection keeps writing', { timeout: 60_000 }, async () => {
    const dir = tempDir('bot-backup-');
    const file = join(dir, 'bot.sqlite');
    // The bot's schema and some bulk, so the copy has many pages.
    const app = await createApp({ config: loadConfig({}), clock: new ManualClock('2026-03-02T10:00:00Z'), database: openSqlite(file) });
    await app.stop();

    // The "bot": a second connection writing in a loop, in WAL mode like the bot, throughout the backup.
    const writer = new SQLite(file);
    writer.pragma('journal_mode = WAL');
    writer.pragma('busy_timeout = 5000');
    const insert = writer.prepare("insert into audit_log (at, actor_id, actor_role, action, subject_id, details) values (?, null, 'admin', 'retention.sweep', null, ?)");
    const bulk = writer.transaction((n: number) => {
      for (let i = 0; i < n; i++) insert.run(new Date().toISOString(), JSON.stringify({ pad: 'x'.repeat(400), i }));
    });
    bulk(20_000); // ~10 MB
    const before = (writer.prepare('select count(*) as n from audit_log').get() as { n: number }).n;
    let writes = 0;
    const timer = setInterval(() => {
      bulk(20);
      writes += 20;
    }, 2);

    const target = join(dir, 'backups', 'copy.sqlite');
    const result = await run(['scripts/backup.ts', target], { DATABASE_URL: `sqlite:${file}` });
    clearInterval(timer);
    const after = (writer.prepare('select count(*) as n from audit_log').get() as { n: number }).n;
    writer.close();

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(target);
    expect(writes).toBeGreaterThan(0); // the bot really wrote while the backup ran
    expect(existsSync(`${target}.partial`)).toBe(false);

    const copy = new SQLite(target, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    const rows = copy.prepare('select count(*) as n, min(id) as lo, max(id) as hi from audit_log').get() as { n: number; lo: number; hi: number };
    // One moment's state: every row up to some point, none missing in between.
    expect(rows.n).toBeGreaterThanOrEqual(before);
    expect(rows.n).toBeLessThanOrEqual(after);
    expect(rows.hi - rows.lo + 1).toBe(rows.n);
    const migrations = copy.prepare('select count(*) as n from kysely_migration').get() as { n: number };
    expect(migrations.n).toBeGreaterThan(0);
    copy.close();

    // Restoring is copying the file back: the bot opens it as its database.
    const restored = await createApp({ config: loadConfig({}), clock: new ManualClock('2026-03-02T10:00:00Z'), database: openSqlite(target) });
    expect(Number((await restored.database.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())!.n)).toBe(rows.n);
    await restored.stop();
  });

  it('refuses PostgreSQL with a pointer to pg_dump', async () => {
    const result = await run(['scripts/backup.ts'], { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pg_dump');
  });
});
