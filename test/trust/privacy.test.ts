import { sql } from 'kysely';
import { fileBytes } from '../../src/core/files.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { IdeaStore } from '../../src/features/ideas/idea-store.ts';
import type { VisitsFeature } from '../../src/features/visits/index.ts';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ON_POSTGRES, tempDir, testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';
import { MemoryAdapter } from '../helpers/memory-adapter.ts';
import { loadConfig, privacyProblems } from '../../src/config.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp;
afterEach(async () => app?.stop());

const VISIT = '2021-05-27-online';
const TG_ID = '987654321';

/** A member with something in every feature: an idea list, an RSVP, settings, a delivered announcement, a link code. */
async function memberWithData() {
  app = await testApp({ now: '2026-03-02T10:00:00Z' });
  app.messenger.register(new MemoryAdapter('telegram'));
  const coordinator = await new TestUser(app, { platform: 'telegram', id: 'c1', caps: TELEGRAM_CAPS, username: 'koordinatore' }).as('coordinator', 'riga', 'en');
  const erika = new TestUser(app, { platform: 'telegram', id: TG_ID, caps: TELEGRAM_CAPS, username: 'erika_k' });
  await erika.send('/start');
  await erika.press('English');
  await erika.press('Regional expert');
  await erika.send('Talsi');
  await erika.press('Confirm');
  await coordinator.send('/roles');
  await coordinator.press('Approve');
  const id = (await app.database.db.selectFrom('identities').select('person_id').where('key', '=', `telegram:${TG_ID}`).executeTakeFirstOrThrow()).person_id;
  // The shipped visits are loaded in the background at start; reads through the visit store wait for them.
  await (app.registry.features.find((f) => f.name === 'visits') as unknown as VisitsFeature).store.get(VISIT);

  const ideas = new IdeaStore(app.database.db);
  await ideas.open(VISIT, (await app.database.db.selectFrom('identities').select('person_id').where('key', '=', 'telegram:c1').executeTakeFirstOrThrow()).person_id, app.clock.now());
  await ideas.save(VISIT, id, 'talsi', [1, 2, 3, 4, 5].map((i) => ({ text: `Erika's idea ${i}`, themes: [], corrected: false })), app.clock.now());
  await app.database.db.insertInto('visit_rsvps').values({ visit_id: VISIT, person_id: id, answer: 'going', updated_at: app.clock.now().toISOString() }).execute();
  await erika.send('/reminders off');
  await erika.send('/unsubscribe deadline');
  await erika.send('/contacts');
  await erika.press('Show me in the directory');
  await erika.send('/link');
  await app.announcements.store.create(
    { kind: 'general', text: 'Hello network' as never, audience: { target: { type: 'everyone' } }, schedule: { type: 'now' } },
    { personId: 'someone', report: { platform: 'telegram', chatId: 'c1' }, language: 'en' },
    app.clock.now(),
  );
  await app.announcements.tickNow();
  await app.announcements.worker.drain();
  return { coordinator, erika, id };
}

/** Every row of every table, as text (SQLite: the tables from its catalogue). */
async function everything(): Promise<string> {
  const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(app.database.db);
  let all = '';
  for (const t of tables.rows) {
    const rows = await sql`select * from ${sql.table(t.name)}`.execute(app.database.db);
    all += `\n${t.name}: ${JSON.stringify(rows.rows, (_k, v) => (v instanceof Uint8Array ? '' : v))}`;
  }
  return all;
}

describe('privacy', () => {
  it('/privacy says what is stored, why and for how long', async () => {
    app = await testApp();
    const u = new TestUser(app, { languageHint: 'en' });
    await u.send('/privacy');
    expect(u.text()).toContain('What is stored, and why');
    expect(u.text()).toContain('The audit log: 12 months');
    expect(u.text()).toContain('Link codes: 10 minutes');
    expect(u.choices().map((c) => c.label)).toEqual(['📄 My data', '🗑 Erase me']);
    // A trial names no controller, and says so; the supervisory authority is always named.
    expect(u.text()).toContain('Not set: this is a trial on one computer.');
    expect(u.text()).toContain('Data State Inspectorate');
  });

  it('/privacy names the data controller and their contact from PRIVACY_CONTROLLER and PRIVACY_CONTACT', async () => {
    app = await testApp({ env: { PRIVACY_CONTROLLER: 'Kultūras ministrija', PRIVACY_CONTACT: 'pasts@km.gov.lv' } });
    const u = new TestUser(app, { languageHint: 'lv' });
    await u.send('/privacy');
    expect(u.text().split('\n').slice(0, 2)).toEqual(['Kas atbild par jūsu datiem', 'Kultūras ministrija — pasts@km.gov.lv']);
    expect(u.text()).toContain('Datu valsts inspekcijā');
  });

  it('a bot reaching people on a platform does not start without naming the controller', () => {
    const base = { TELEGRAM_BOT_TOKEN: '123:abc' };
    expect(privacyProblems(loadConfig(base))).toEqual([expect.stringContaining('PRIVACY_CONTROLLER and PRIVACY_CONTACT: required with a platform token')]);
    expect(privacyProblems(loadConfig({ ...base, PRIVACY_CONTROLLER: 'KM', PRIVACY_CONTACT: 'pasts@km.gov.lv' }))).toEqual([]);
    expect(privacyProblems(loadConfig({}))).toEqual([]); // the console trial
  });

  it('/mydata sends everything stored about the person as a JSON file, in private only', async () => {
    const { erika } = await memberWithData();
    const group = new TestUser(app, { platform: 'telegram', id: TG_ID, chatId: '-5', chatKind: 'group', caps: TELEGRAM_CAPS });
    await group.send('/mydata');
    expect(group.text()).toContain('private only');

    await erika.send('/mydata');
    const [file] = erika.files();
    expect(file!.file).toMatchObject({ name: 'mydata.json', mime: 'application/json' });
    const data = JSON.parse(new TextDecoder().decode(await fileBytes(file!.file)));
    expect(data.people.person).toMatchObject({ role: 'expert', municipality: 'talsi', language: 'en', directory_optin: true });
    expect(data.people.accounts[0]).toMatchObject({ key: `telegram:${TG_ID}`, username: 'erika_k' });
    expect(data.ideas.ideaLists[0].versions[0].ideas).toContain("Erika's idea 3");
    expect(data.visits.rsvps).toEqual([expect.objectContaining({ visit_id: VISIT, answer: 'going' })]);
    expect(data.visits.reminderSetting).toMatchObject({ on: false });
    expect(data.announcements.unsubscribed).toEqual([expect.objectContaining({ kind: 'deadline' })]);
    expect(data.announcements.deliveries).toHaveLength(1);
    expect(data.access.linkCodesWaiting).toHaveLength(1);
    expect(data.access.auditLog.map((a: { action: string }) => a.action)).toEqual(['role.request', 'role.approve']);
    expect(data.core.conversations).toEqual([]);
    // Nobody else's name.
    expect(JSON.stringify(data)).not.toContain('koordinatore');
    const exportsAudited = await app.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'data.export').execute();
    expect(exportsAudited).toHaveLength(1);
  });

  it('/forget, after confirmation, leaves no trace of the person; idea lists stay without the name', async () => {
    const { erika, coordinator, id } = await memberWithData();
    await erika.send('/forget');
    expect(erika.text()).toContain('Erase everything about you?');
    // Someone else pressing the confirmation (a copy of the button) erases nothing.
    const yes = erika.choices().find((c) => c.label.includes('Yes'))!;
    await coordinator.action(yes.action);
    expect(coordinator.text()).toContain('no longer active');
    await erika.press('No, keep');
    expect(erika.text()).toContain('Nothing was erased');
    if (!ON_POSTGRES) expect(await everything()).toContain(TG_ID);

    await erika.send('/forget');
    await erika.press('Yes, erase me');
    expect(erika.text()).toContain('everything about you has been erased');
    expect(erika.choices()).toEqual([]);

    if (!ON_POSTGRES) {
      const rows = await everything();
      for (const trace of [id, TG_ID, 'erika_k']) expect(rows, trace).not.toContain(trace);
    }
    const list = await app.database.db.selectFrom('idea_lists').selectAll().execute();
    expect(list).toEqual([expect.objectContaining({ person_id: null, municipality: 'talsi' })]);
    const exported = await new IdeaStore(app.database.db).exportLists(VISIT);
    expect(exported[0]).toMatchObject({ author: null, municipality: 'talsi' });
    expect(exported[0]!.ideas[0]!.text).toBe("Erika's idea 1");
    // The outbox still counts the delivery, without the address.
    const delivered = await app.database.db.selectFrom('outbox').select(['status', 'chat_id', 'person_id']).where('status', '=', 'sent').execute();
    expect(delivered.length).toBeGreaterThan(0);

    const audit = await app.database.db.selectFrom('audit_log').selectAll().orderBy('id').execute();
    expect(audit.at(-1)).toMatchObject({ action: 'data.erase', actor_id: null, actor_role: 'expert', subject_id: null });
    expect(audit.find((a) => a.action === 'role.approve')).toMatchObject({ subject_id: null, actor_role: 'coordinator' });

    // Writing again starts afresh, as a guest.
    await erika.send('/help');
    const again = await app.database.db.selectFrom('identities').innerJoin('persons', 'persons.id', 'identities.person_id').select(['persons.id', 'persons.role']).where('key', '=', `telegram:${TG_ID}`).executeTakeFirstOrThrow();
    expect(again.role).toBe('guest');
    expect(again.id).not.toBe(id);
  });

  it('the retention sweep deletes what has served its purpose', async () => {
    const { id } = await memberWithData();
    const idle = new TestUser(app, { platform: 'telegram', id: 'idle', caps: TELEGRAM_CAPS });
    await idle.send('/help');
    app.clock.advance(200 * 24 * 3600_000);
    const r = await (app.registry.features.find((f) => f.name === 'access') as unknown as { sweep(now?: Date): Promise<Record<string, number>> }).sweep();
    expect(r).toMatchObject({ linkCodes: 1, guests: 1 });
    expect(r.deliveries).toBeGreaterThan(0);
    const left = await app.database.db.selectFrom('identities').select('key').execute();
    expect(left.map((l) => l.key).sort()).toEqual([`telegram:${TG_ID}`, 'telegram:c1']);
    const outbox = await app.database.db.selectFrom('outbox').select(['person_id', 'chat_id']).execute();
    expect(outbox.every((o) => o.person_id === null && o.chat_id.startsWith('erased-'))).toBe(true);
    expect(await app.database.db.selectFrom('persons').select('id').where('id', '=', id).executeTakeFirst()).toBeDefined();
  });
});

describe('erasure leaves no trace anywhere', () => {
  it.skipIf(ON_POSTGRES)('no id, account, name or free page fragment of an erased inviter or role requester remains, in tables or in the file', async () => {
    const dir = tempDir('erase-');
    const file = join(dir, 'bot.sqlite');
    app = await testApp({ now: '2026-03-02T10:00:00Z', dbFile: file });
    app.messenger.register(new MemoryAdapter('telegram', TELEGRAM_CAPS));
    app.messenger.register(new MemoryAdapter('console'));
    // An admin on the console: role requests reach them as messages with typed keys, remembered by the bot.
    await new TestUser(app, { platform: 'console', id: 'admin' }).as('admin', 'riga', 'en');
    const carla = await new TestUser(app, { platform: 'telegram', id: '77001', caps: TELEGRAM_CAPS, username: 'carla_koordinatore' }).as('coordinator', 'riga', 'en');
    // Carla invites a newcomer: the audit entry of the invite's use names her as the inviter.
    await carla.send('/invite');
    await carla.press('regional expert');
    await carla.send('Talsi');
    const code = /Code: (\w+)/.exec(carla.text())![1]!;
    await new TestUser(app, { platform: 'telegram', id: '77002', caps: TELEGRAM_CAPS, languageHint: 'en' }).send(`/start ${code}`);
    // Gatis asks for a role: the admin's remembered buttons name him.
    const gatis = new TestUser(app, { platform: 'console', id: 'gatis', languageHint: 'en' });
    await gatis.send('/start');
    await gatis.press('English');
    await gatis.press('Regional expert');
    await gatis.send('Talsi');
    await gatis.press('Confirm');
    const idOf = async (key: string) => (await app.database.db.selectFrom('identities').select('person_id').where('key', '=', key).executeTakeFirstOrThrow()).person_id;
    const carlaId = await idOf('telegram:77001');
    const gatisId = await idOf('console:gatis');
    const before = await everything();
    expect(before).toMatch(new RegExp(`invitedBy\\W+${carlaId}`));
    expect(before).toContain(gatisId);

    for (const u of [carla, gatis]) {
      await u.send('/forget');
      await u.press(/Yes, erase me|Jā, dzēst/);
    }
    const rows = await everything();
    for (const trace of [carlaId, gatisId, 'telegram:77001', '77001', 'carla_koordinatore', 'console:gatis']) expect(rows, trace).not.toContain(trace);
    expect(rows).toMatch(/invitedBy\W+erased/);
    // Not in the file's free pages nor in a write-ahead log either.
    const bytes = Buffer.concat([readFileSync(file), ...['-wal', '-shm'].map((s) => (existsSync(file + s) ? readFileSync(file + s) : Buffer.alloc(0)))]);
    for (const trace of [carlaId, gatisId, 'carla_koordinatore']) expect(bytes.includes(Buffer.from(trace)), trace).toBe(false);
  });
});
