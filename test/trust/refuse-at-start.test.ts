import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import type { ManualClock } from '../../src/core/clock.ts';
import { openSqlite } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrator.ts';
import { cannotWrite } from '../../src/db/writable.ts';
import { ON_POSTGRES, tempDir, testApp } from '../helpers/harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');
let app: (App & { clock: ManualClock }) | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

function run(script: string, env: Record<string, string>, input = '') {
  return spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: { ...process.env, ...env }, input, encoding: 'utf8', timeout: 60_000 });
}

/** chattr +i makes a file read-only even for root (CI runs as root); where it is not available the check is skipped. */
function makeImmutable(file: string): boolean {
  return spawnSync('chattr', ['+i', file]).status === 0;
}
function makeMutable(file: string): void {
  spawnSync('chattr', ['-i', file]);
}

describe('configurations that look healthy but cannot work are refused at start', () => {
  it('finds a database it cannot write, without leaving anything behind when it can', async () => {
    const dir = tempDir('ro-');
    const file = join(dir, 'bot.sqlite');
    const rw = openSqlite(file);
    await migrateToLatest(rw.db);
    expect(await cannotWrite(rw.db)).toBeUndefined();
    const tables = await rw.db.introspection.getTables();
    expect(tables.map((t) => t.name)).not.toContain('bot_write_probe');
    await rw.close();
    const ro = new Kysely<any>({ dialect: new SqliteDialect({ database: new SQLite(file, { readonly: true }) }) });
    expect(await cannotWrite(ro)).toMatch(/readonly/);
    await ro.destroy();
  });

  it.skipIf(ON_POSTGRES)('stops with a clear message and exit 1 when the database file cannot be written', async () => {
    const dir = tempDir('ro-start-');
    const file = join(dir, 'bot.sqlite');
    const db = openSqlite(file);
    await migrateToLatest(db.db);
    await db.close();
    if (!makeImmutable(file)) return; // not root, or a file system without immutable files
    try {
      const r = run('src/main.ts', { DATABASE_URL: `sqlite:${file}`, TELEGRAM_BOT_TOKEN: '', DISCORD_TOKEN: '' }, '/help\n');
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`could not start: the database at ${file} cannot be written`);
      expect(r.stderr).toContain('permissions');
      expect(r.stdout).not.toContain('Palīdzība');
      expect(r.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace
    } finally {
      makeMutable(file);
    }
  });

  it('refuses ANNOUNCE_GRACE_HOURS=0, which would mark even "send now" announcements as missed', () => {
    expect(() => loadConfig({ ANNOUNCE_GRACE_HOURS: '0' })).toThrow(ConfigError);
    expect(() => loadConfig({ ANNOUNCE_GRACE_HOURS: '0' })).toThrow(/0 would mark every run as missed, even "send now" ones; use 1 or more/);
    expect(loadConfig({ ANNOUNCE_GRACE_HOURS: '1' }).announceGraceMs).toBe(3_600_000);
    const r = run('src/main.ts', { ANNOUNCE_GRACE_HOURS: '0' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('ANNOUNCE_GRACE_HOURS: 0 would mark every run as missed');
  });

  it('says plainly that there is nothing to back up when the database file is missing', () => {
    const missing = join(tempDir('nobackup-'), 'none.sqlite');
    const r = run('scripts/backup.ts', { DATABASE_URL: `sqlite:${missing}` });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`backup: there is no database at ${missing}`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('/healthz is not ready when work cannot move', () => {
  it('reports a stalled delivery worker: no claim for longer than a lease', async () => {
    app = await testApp({ now: '2026-12-01T09:00:00Z' });
    await app.start([]);
    expect(await app.health()).toMatchObject({ ok: true, database: 'ok', outbox: 'ok' });
    // Every lane stuck (a claim that does not answer), and time goes on.
    let release: (rows: never[]) => void = () => undefined;
    app.announcements.outbox.claim = () => new Promise((resolve) => (release = resolve));
    app.announcements.worker.kick();
    await new Promise((r) => setTimeout(r, 0)); // the woken lanes start their claim (microtasks run before timers)
    app.clock.advance(61_000);
    const h = await app.health();
    expect(h.ok).toBe(false);
    expect(String(h.outbox)).toMatch(/no claim for 61 s/);
    release([]);
  });
});
