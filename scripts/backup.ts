import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { loadConfig } from '../src/config.ts';

/**
 * `npm run backup [-- FILE]`: a consistent copy of the SQLite database while the bot runs, through SQLite's online
 * backup API. Default file: data/backups/bot-YYYYMMDD-HHMMSS.sqlite. Prints the file's path on success.
 *
 * The copy is made in one backup step: one read transaction, so it is the database as of one moment. In WAL mode
 * (how the bot opens it) a reader never blocks the bot's writes, so the bot keeps working meanwhile. (Copying in
 * small steps would not help here and could hurt: SQLite restarts a stepped backup whenever another process
 * writes, so under steady writes it might never finish.) The copy is written next to the target and renamed when
 * complete and checked, so a half-written file never carries the target's name.
 */
const config = loadConfig(process.env);
if (config.database.kind !== 'sqlite') {
  console.error('npm run backup is for SQLite; for PostgreSQL use pg_dump (see the README).');
  process.exit(2);
}
const source = resolve(config.database.file);
if (config.database.file === ':memory:' || !existsSync(source)) {
  console.error(`backup: there is no database at ${source} (DATABASE_URL=${process.env.DATABASE_URL ?? 'unset: the default data/bot.sqlite'}). Nothing was written.`);
  process.exit(2);
}
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
const target = resolve(process.argv[2] ?? join('data', 'backups', `bot-${stamp}.sqlite`));
const partial = `${target}.partial`;
mkdirSync(dirname(target), { recursive: true });
rmSync(partial, { force: true });

const db = new SQLite(source, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
try {
  await db.backup(partial, {
    // Every remaining page in the next step: one read transaction, one moment's state.
    progress: () => 0x7fffffff,
  });
  const copy = new SQLite(partial);
  try {
    const check = copy.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new Error(`backup failed its integrity check: ${String(check)}`);
    // A self-contained file: no -wal beside it is needed to read it.
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  renameSync(partial, target);
  console.log(target);
} catch (err) {
  rmSync(partial, { force: true });
  console.error(`backup failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  db.close();
}
