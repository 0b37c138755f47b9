import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/database.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { pauseRunsInProgress } from '../src/features/announcements/restore.ts';

/**
 * `npm run restore FILE` (SQLite, the bot stopped): puts a backup in place of the database and brings the outbox to
 * a safe state. The current file is kept beside it (`bot.sqlite.before-restore-STAMP`); the backup is checked
 * first; migrations newer than the backup run; every announcement that was being sent when the backup was taken
 * is paused — the backup cannot know what was delivered after it — and its coordinator is asked at the next start
 * to resume or stop it. Nothing is sent again silently.
 *
 * `npm run restore -- --pause-only` does the last step alone on the configured database, after restoring
 * PostgreSQL with pg_restore (or a SQLite file by hand).
 */
const args = process.argv.slice(2).filter((a) => a !== '--');
const pauseOnly = args.includes('--pause-only');
const file = args.find((a) => !a.startsWith('--'));
const config = loadConfig(process.env);

function fail(message: string, code = 2): never {
  console.error(`restore: ${message}`);
  process.exit(code);
}

if (!pauseOnly) {
  if (config.database.kind !== 'sqlite') fail('for PostgreSQL restore with pg_restore, then run: npm run restore -- --pause-only');
  if (!file) fail('name the backup file: npm run restore -- data/backups/bot-YYYYMMDD-HHMMSS.sqlite');
  const backup = resolve(file);
  const target = resolve(config.database.file);
  if (!existsSync(backup)) fail(`there is no backup at ${backup}. Nothing was changed.`);
  if (backup === target) fail('the backup is the database itself. Nothing was changed.');
  try {
    const check = new SQLite(backup, { readonly: true, fileMustExist: true });
    const ok = check.pragma('integrity_check', { simple: true });
    check.close();
    if (ok !== 'ok') fail(`the backup failed its integrity check (${String(ok)}). Nothing was changed.`);
  } catch (err) {
    fail(`${backup} is not a readable SQLite database (${(err as Error).message}). Nothing was changed.`);
  }
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  if (existsSync(target)) {
    const aside = `${target}.before-restore-${stamp}`;
    renameSync(target, aside);
    console.log(`kept the current database as ${aside}`);
  }
  for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
  copyFileSync(backup, target);
  console.log(`restored ${backup} to ${target}`);
}

const database = await openDatabase(config.database);
try {
  await migrateToLatest(database.db, database.schema);
  const paused = await pauseRunsInProgress(database.db, new Date());
  console.log(
    paused.length
      ? `paused ${paused.length} announcement run(s) that were being sent when the backup was taken; their coordinators will be asked to resume or stop them when the bot starts`
      : 'no announcement was being sent when the backup was taken: nothing to pause',
  );
} finally {
  await database.close();
}
