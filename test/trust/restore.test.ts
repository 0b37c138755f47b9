import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { esc } from '../../src/core/markup.ts';
import { pauseRunsInProgress } from '../../src/features/announcements/restore.ts';
import { ON_POSTGRES, tempDir, testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';
import { MemoryAdapter } from '../helpers/memory-adapter.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const ROOT = join(import.meta.dirname, '..', '..');
const script = (name: string, args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', `scripts/${name}.ts`, ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });

/** A network of six members and a coordinator, an announcement to everyone started, nothing delivered yet. */
async function broadcastStarted(dbFile?: string) {
  app = await testApp({ now: '2026-03-20T10:00:00Z', ...(dbFile ? { dbFile } : {}) });
  const coordinator = await new TestUser(app, { platform: 'telegram', id: 'c1', caps: TELEGRAM_CAPS }).as('coordinator', 'riga', 'en');
  for (let i = 0; i < 6; i++) await new TestUser(app, { platform: 'telegram', id: `u${i}`, caps: TELEGRAM_CAPS }).as('expert', 'talsi', 'lv');
  const person = await app.people.resolve(coordinator.identity(), app.clock.now());
  await app.announcements.store.create(
    { kind: 'general', text: esc('Sanāksme 27. maijā'), audience: { target: { type: 'everyone' } }, schedule: { type: 'now' } },
    { personId: person.id, report: { platform: 'telegram', chatId: 'c1' }, language: 'en' },
    app.clock.now(),
  );
  const tick = await app.announcements.tickNow();
  return { coordinator, runId: tick.started[0]!.runId };
}

/** Marks `n` undelivered rows as sent, as deliveries would: members u5, u4, … first, the coordinator (c1) last. */
async function deliverSome(n: number) {
  const rows = await app!.database.db.selectFrom('outbox').select('id').where('status', '=', 'pending').orderBy('chat_id', 'desc').limit(n).execute();
  await app!.database.db.updateTable('outbox').set({ status: 'sent' }).where('id', 'in', rows.map((r) => r.id)).execute();
}

describe('restoring a backup taken during a broadcast sends nothing again silently', () => {
  it('pauses the run, holds its undelivered rows, asks its coordinator once, and stops or resumes on their word', async () => {
    const { coordinator, runId } = await broadcastStarted();
    await deliverSome(3);
    expect(await pauseRunsInProgress(app!.database.db, app!.clock.now())).toEqual([runId]);
    const statuses = await app!.database.db.selectFrom('outbox').select('status').where('run_id', '=', runId).execute();
    expect(statuses.filter((s) => s.status === 'held')).toHaveLength(4);

    const telegram = new MemoryAdapter('telegram', TELEGRAM_CAPS);
    app!.messenger.register(telegram);
    await app!.start([]);
    await app!.announcements.worker.drain();
    await app!.notices.flush();
    // No member got anything; the coordinator got the question once.
    expect(telegram.delivered.filter((d) => d.chatId !== 'c1')).toEqual([]);
    const asked = telegram.to('c1').map((d) => d.text);
    expect(asked).toEqual([expect.stringContaining('Delivered by the time of the backup: 3 of 7; 4 still waiting.')]);
    expect(asked[0]).toContain('some people may get it twice');
    expect(await app!.announcements.store.pausedToNotice(app!.clock.now())).toEqual([]); // asked once, whatever the restarts

    await coordinator.send('/announcements');
    expect(coordinator.text()).toContain('⏸ Paused after a restore: “Sanāksme 27. maijā”: 3 / 7');
    await coordinator.press('Stop');
    expect(coordinator.text()).toContain('Stopped');
    await app!.announcements.worker.drain();
    expect(telegram.delivered.filter((d) => d.chatId !== 'c1')).toEqual([]);
    const after = await app!.database.db.selectFrom('outbox').select('status').where('run_id', '=', runId).execute();
    expect(after.filter((s) => s.status === 'cancelled')).toHaveLength(4);
  });

  it('resumes a paused run when its coordinator says so: the rest are sent once', async () => {
    const { coordinator, runId } = await broadcastStarted();
    await deliverSome(5);
    await pauseRunsInProgress(app!.database.db, app!.clock.now());
    const telegram = new MemoryAdapter('telegram', TELEGRAM_CAPS);
    app!.messenger.register(telegram);
    await coordinator.action(`ann:resume:${runId}`);
    expect(coordinator.text()).toContain('Sending goes on.');
    await app!.announcements.worker.drain();
    // Held were u0 and the coordinator's own copy: each gets it once, no one else again.
    expect(telegram.delivered.filter((d) => d.chatId.startsWith('u')).map((d) => d.chatId)).toEqual(['u0']);
    await coordinator.action(`ann:resume:${runId}`);
    expect(coordinator.text()).toContain('no longer paused');
  });

  it.skipIf(ON_POSTGRES)('npm run restore FILE puts the backup in place, keeps the current file and pauses the run', async () => {
    const dir = tempDir('restore-');
    const file = join(dir, 'bot.sqlite');
    const backup = join(dir, 'backup.sqlite');
    await broadcastStarted(file);
    await deliverSome(2);
    const made = script('backup', [backup], { DATABASE_URL: `sqlite:${file}` });
    expect(made.status, made.stderr).toBe(0);
    await deliverSome(3); // delivered after the backup: the restored file cannot know
    await app!.stop();
    app = undefined;

    const missing = script('restore', [join(dir, 'nope.sqlite')], { DATABASE_URL: `sqlite:${file}` });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('there is no backup at');

    const r = script('restore', [backup], { DATABASE_URL: `sqlite:${file}` });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/kept the current database as .*bot\.sqlite\.before-restore-/);
    expect(r.stdout).toContain('paused 1 announcement run(s)');

    app = await testApp({ now: '2026-03-20T11:00:00Z', dbFile: file });
    const rows = await app.database.db.selectFrom('outbox').select('status').execute();
    expect(rows.filter((x) => x.status === 'sent')).toHaveLength(2); // the backup's own state
    expect(rows.filter((x) => x.status === 'held')).toHaveLength(5);
  });
});
