import { afterEach, describe, expect, it } from 'vitest';
import { IdeaStore } from '../../src/features/ideas/idea-store.ts';
import type { VisitsFeature } from '../../src/features/visits/index.ts';
import { DISCORD_CAPS, testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';
import { MemoryAdapter } from '../helpers/memory-adapter.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp;
afterEach(async () => app?.stop());

const VISIT = '2021-05-27-online';
const five = (tag: string) => [1, 2, 3, 4, 5].map((i) => ({ text: `${tag} idea number ${i}`, themes: [], corrected: false }));

const personOf = (key: string) =>
  app.database.db
    .selectFrom('identities')
    .innerJoin('persons', 'persons.id', 'identities.person_id')
    .selectAll('persons')
    .where('key', '=', key)
    .executeTakeFirst();

function codeIn(u: TestUser): string {
  const m = /\b([A-Z2-9]{4}-[A-Z2-9]{4})\b/.exec(u.text());
  if (!m) throw new Error(u.text());
  return m[1]!;
}

describe('/link: one person across platforms', () => {
  it('joins a Telegram and a Discord account: one role, the creator’s language, lists, answers and subscriptions together', async () => {
    app = await testApp({ now: '2026-03-02T10:00:00Z' });
    const tg = await new TestUser(app, { platform: 'telegram', id: 't1', caps: TELEGRAM_CAPS, username: 'anna_tg' }).as('expert', 'talsi', 'lv');
    const dc = await new TestUser(app, { platform: 'discord', id: 'd1', caps: DISCORD_CAPS, username: 'anna_dc' }).as('guest', null, 'en');
    const tgId = (await personOf('telegram:t1'))!.id;
    // The shipped visits are loaded in the background at start; reads through the visit store wait for them.
    await (app.registry.features.find((f) => f.name === 'visits') as unknown as VisitsFeature).store.get(VISIT);
    const dcId = (await personOf('discord:d1'))!.id;

    // Each account has something of its own.
    const ideas = new IdeaStore(app.database.db);
    await ideas.open(VISIT, tgId, app.clock.now());
    await ideas.save(VISIT, tgId, 'talsi', five('first'), app.clock.now());
    app.clock.advance(60_000);
    await ideas.save(VISIT, tgId, 'talsi', five('second'), app.clock.now());
    await app.database.db.updateTable('persons').set({ role: 'expert' }).where('id', '=', dcId).execute();
    app.clock.advance(60_000);
    await ideas.save(VISIT, dcId, null, five('discord'), app.clock.now());
    await app.database.db.updateTable('persons').set({ role: 'guest' }).where('id', '=', dcId).execute();
    await tg.send('/unsubscribe deadline');
    await dc.send('/unsubscribe'); // a guest: not allowed, nothing stored
    await app.database.db.insertInto('announcement_optouts').values({ person_id: dcId, kind: 'input', created_at: app.clock.now().toISOString() }).execute();
    await app.database.db.insertInto('visit_rsvps').values({ visit_id: VISIT, person_id: tgId, answer: 'going', updated_at: '2026-03-01T00:00:00Z' }).execute();
    await app.database.db.insertInto('visit_rsvps').values({ visit_id: VISIT, person_id: dcId, answer: 'maybe', updated_at: '2026-03-02T00:00:00Z' }).execute();

    await tg.send('/link');
    expect(tg.text()).toContain('derīgs 10 minūtes');
    const code = codeIn(tg);
    expect(JSON.stringify(await app.database.db.selectFrom('link_codes').selectAll().execute())).not.toContain(code.replace('-', ''));

    await dc.send(`/link ${code.toLowerCase().replace('-', ' ')}`);
    expect(dc.text()).toContain('Gatavs: jūsu konti (Telegram, Discord) tagad ir viens');
    expect(dc.text()).toContain('Loma: reģionālais eksperts');

    const a = (await personOf('telegram:t1'))!;
    const b = (await personOf('discord:d1'))!;
    expect(a.id).toBe(b.id);
    expect(a).toMatchObject({ role: 'expert', language: 'lv', municipality: 'talsi' });
    expect(await app.database.db.selectFrom('persons').select('id').where('id', 'in', [tgId, dcId]).execute()).toHaveLength(1);

    // One list for the visit: the newer one current, the other's versions kept before it.
    const lists = await app.database.db.selectFrom('idea_lists').selectAll().where('visit_id', '=', VISIT).execute();
    expect(lists).toHaveLength(1);
    expect(lists[0]!).toMatchObject({ person_id: a.id, version: 3, municipality: 'talsi' });
    const versions = await ideas.versions(lists[0]!.id);
    expect(versions.map((v) => v.ideas[0]!.text)).toEqual(['first idea number 1', 'second idea number 1', 'discord idea number 1']);
    expect((await ideas.currentList(VISIT, a.id))!.ideas[0]!.text).toBe('discord idea number 1');

    const rsvps = await app.database.db.selectFrom('visit_rsvps').selectAll().execute();
    expect(rsvps).toEqual([expect.objectContaining({ person_id: a.id, answer: 'maybe' })]);
    const optouts = await app.database.db.selectFrom('announcement_optouts').select('kind').where('person_id', '=', a.id).orderBy('kind').execute();
    expect(optouts.map((o) => o.kind)).toEqual(['deadline', 'input']);

    // Announcements reach the person once, on the platform they choose.
    const everyone = () => app.announcements.audienceSize({ target: { type: 'everyone' } }, 'general');
    expect((await everyone()).recipients).toHaveLength(1);
    expect(dc.choices().map((c) => c.label)).toEqual(['Telegram', 'Discord', 'Uz pēdējo izmantoto kontu']);
    await dc.press('Telegram');
    expect(dc.text()).toContain('tiks sūtīti uz Telegram');
    expect((await everyone()).recipients).toEqual([expect.objectContaining({ platform: 'telegram', chatId: 't1' })]);
    // /link again (from either account) shows the choice too.
    await tg.send('/link');
    expect(tg.text()).toContain('Paziņojumi jums pašlaik tiek sūtīti: Telegram');
    await tg.press(/^Discord$/);
    expect((await everyone()).recipients).toEqual([expect.objectContaining({ platform: 'discord', chatId: 'd1' })]);
    expect(await app.people.addressesOf(a.id)).toEqual([{ platform: 'discord', chatId: 'd1' }, { platform: 'telegram', chatId: 't1' }]);

    const audit = await app.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'account.link').execute();
    expect(audit).toHaveLength(1);
  });

  it('codes are single use, expire after 10 minutes, work only in private, and wrong guesses are limited', async () => {
    app = await testApp({ now: '2026-03-02T10:00:00Z' });
    const tg = await new TestUser(app, { platform: 'telegram', id: 't1', caps: TELEGRAM_CAPS }).as('coordinator', 'riga', 'en');
    const dc = new TestUser(app, { platform: 'discord', id: 'd1', caps: DISCORD_CAPS, languageHint: 'en' });
    // Another person's account on a platform the coordinator has not linked yet (console).
    const other = new TestUser(app, { platform: 'console', id: 'c2', languageHint: 'en' });

    const group = new TestUser(app, { platform: 'telegram', id: 't1', chatId: '-100', chatKind: 'group', caps: TELEGRAM_CAPS });
    await group.send('/link');
    expect(group.text()).toContain('private only');

    await tg.send('/link');
    const expired = codeIn(tg);
    await tg.send(`/link ${expired}`);
    expect(tg.text()).toContain('from this same account');
    app.clock.advance(10 * 60_000 + 1000);
    await dc.send(`/link ${expired}`);
    expect(dc.text()).toContain('not valid');

    await tg.send('/link');
    const code = codeIn(tg);
    await dc.send(`/link ${code}`);
    expect(dc.text()).toContain('Role: coordinator');
    await other.send(`/link ${code}`);
    expect(other.text()).toContain('Tries left this hour: 4');
    expect((await personOf('console:c2'))!.role).toBe('guest');

    for (let i = 0; i < 4; i++) await other.send('/link ZZZZ-ZZZZ');
    expect(other.text()).toContain('That was the last try');
    await tg.send('/link');
    const fresh = codeIn(tg);
    await other.send(`/link ${fresh}`);
    expect(other.text()).toContain('Too many wrong codes');
    expect((await personOf('console:c2'))!.role).toBe('guest');
    app.clock.advance(61 * 60_000);
    await tg.send('/link');
    await other.send(`/link ${codeIn(tg)}`);
    expect(other.text()).toContain('are now one');
  });

  it('an account named admin by BOT_ADMINS makes the joined person admin on every platform, without storing it', async () => {
    app = await testApp({ now: '2026-03-02T10:00:00Z', env: { BOT_ADMINS: 'telegram:42' } });
    const tg = new TestUser(app, { platform: 'telegram', id: '42', caps: TELEGRAM_CAPS, languageHint: 'en' });
    const dc = new TestUser(app, { platform: 'discord', id: '77', caps: DISCORD_CAPS, languageHint: 'en' });
    await dc.send('/audit');
    expect(dc.text()).toMatch(/only for administrators/);
    await tg.send('/link');
    await dc.send(`/link ${codeIn(tg)}`);
    expect(dc.text()).toContain('Role: administrator');
    await dc.send('/audit');
    expect(dc.text()).toContain('linked accounts');
    expect((await personOf('discord:77'))!.role).toBe('guest');
  });

  it('refuses a code from another account on the same platform, and leaves both accounts and the code as they were', async () => {
    app = await testApp({ now: '2026-03-02T10:00:00Z' });
    const coordinator = await new TestUser(app, { platform: 'console', id: 'coordinator' }).as('coordinator', 'riga', 'en');
    const guest = new TestUser(app, { platform: 'console', id: 'guest', languageHint: 'en' });
    await coordinator.send('/link');
    const code = codeIn(coordinator);
    await guest.send(`/link ${code}`);
    expect(guest.text()).toContain('This code was made by another console account.');
    expect(guest.text()).toContain('Nothing was changed.');
    expect((await personOf('console:guest'))!.role).toBe('guest');
    expect((await personOf('console:guest'))!.id).not.toBe((await personOf('console:coordinator'))!.id);
    // Not a wrong guess, and the code still works for the coordinator's own account elsewhere.
    const tg = new TestUser(app, { platform: 'telegram', id: 't9', caps: TELEGRAM_CAPS, languageHint: 'en' });
    await tg.send(`/link ${code}`);
    expect(tg.text()).toContain('are now one');
    expect((await personOf('telegram:t9'))!.role).toBe('coordinator');
  });

  it('asks before a link changes a registered role, and tells the code creator’s accounts who joined', async () => {
    app = await testApp({ now: '2026-03-02T10:00:00Z' });
    const telegram = new MemoryAdapter('telegram', TELEGRAM_CAPS);
    app.messenger.register(telegram);
    const tg = await new TestUser(app, { platform: 'telegram', id: 't1', caps: TELEGRAM_CAPS }).as('expert', 'talsi', 'en');
    const dc = await new TestUser(app, { platform: 'discord', id: 'd1', caps: DISCORD_CAPS, username: 'maris' }).as('coordinator', 'riga', 'en');
    await tg.send('/link');
    await dc.send(`/link ${codeIn(tg)}`);
    expect(dc.text()).toContain('this account is coordinator, the account that made the code is regional expert');
    expect(dc.text()).toContain('one person with the role coordinator. Join them?');
    await dc.press('Cancel');
    expect(dc.text()).toContain('the accounts were not joined');
    expect((await personOf('telegram:t1'))!.role).toBe('expert');

    await dc.send(`/link ${codeIn(tg)}`);
    await dc.press('Join');
    expect(dc.text()).toContain('are now one');
    expect((await personOf('telegram:t1'))!.role).toBe('coordinator');
    await app.notices.flush();
    const told = telegram.delivered.filter((d) => d.chatId === 't1').map((d) => d.text);
    expect(told).toEqual([expect.stringContaining('Your account is now joined with the Discord account @maris. Role: coordinator.')]);
  });
});
