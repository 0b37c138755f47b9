import { afterEach, describe, expect, it } from 'vitest';
import { testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';
import { MemoryAdapter } from '../helpers/memory-adapter.ts';
import { TelegramDriver } from '../helpers/telegram-driver.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp | undefined;
let driver: TelegramDriver | undefined;
afterEach(async () => {
  await app?.stop();
  await driver?.fake.stop();
  app = undefined;
  driver = undefined;
});

const person = (key: string) =>
  app!.database.db
    .selectFrom('identities')
    .innerJoin('persons', 'persons.id', 'identities.person_id')
    .select(['persons.role', 'persons.municipality', 'persons.registered_at', 'persons.id'])
    .where('key', '=', key)
    .executeTakeFirst();

async function makeInvite(coordinator: TestUser): Promise<string> {
  await coordinator.send('/invite');
  await coordinator.press('regional expert');
  await coordinator.send('Talsi');
  const m = /Code: (\w+)/.exec(coordinator.text());
  if (!m) throw new Error(coordinator.text());
  return m[1]!;
}

describe('invites', () => {
  it('a one-time code makes a newcomer a member at once; used, expired or guessed codes do not', async () => {
    app = await testApp({ now: '2026-03-02T10:00:00Z' });
    const telegram = new MemoryAdapter('telegram');
    app.messenger.register(telegram);
    const coordinator = await new TestUser(app, { platform: 'telegram', id: 'c1', caps: TELEGRAM_CAPS }).as('coordinator', 'riga', 'en');
    const code = await makeInvite(coordinator);
    expect(code).toMatch(/^[A-HJ-KM-NP-Z2-9]{10}$/);
    expect(coordinator.text()).toContain('Invite: regional expert, Talsi Municipality');
    expect(coordinator.text()).toContain(`/start ${code}`);
    // Only the hash is stored.
    const stored = await app.database.db.selectFrom('invites').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(code);

    const newcomer = new TestUser(app, { platform: 'telegram', id: 'n1', caps: TELEGRAM_CAPS, languageHint: 'en', username: 'jauns' });
    await newcomer.send(`/start ${code.toLowerCase()}`);
    expect(newcomer.text()).toContain('Welcome to the network');
    expect(newcomer.text()).toContain('regional expert');
    expect(await person('telegram:n1')).toMatchObject({ role: 'expert', municipality: 'talsi' });
    expect(telegram.to('c1').at(-1)!.text).toContain('has been used by @jauns');
    await newcomer.send('/ideas_summary');
    expect(newcomer.text()).not.toMatch(/only for approved members/);

    // Single use.
    const other = new TestUser(app, { platform: 'telegram', id: 'n2', caps: TELEGRAM_CAPS, languageHint: 'en' });
    await other.send(`/start ${code}`);
    expect(other.text()).toContain('This invite code is not valid');
    expect(other.text()).toContain('Hello'); // and /start goes on as usual
    expect((await person('telegram:n2'))!.role).toBe('guest');

    // Expired after a week.
    const code2 = await makeInvite(coordinator);
    app.clock.advance(8 * 24 * 3600_000);
    await other.send(`/start ${code2}`);
    expect(other.text()).toContain('This invite code is not valid');

    // A coordinator does not spend an invite meant for someone else.
    const code3 = await makeInvite(coordinator);
    await coordinator.send(`/start ${code3}`);
    expect(coordinator.text()).toContain('You already have the role');
    await other.send(`/start ${code3}`);
    expect(other.text()).toContain('Welcome to the network');

    const actions = (await app.database.db.selectFrom('audit_log').select('action').execute()).map((a) => a.action);
    expect(actions.filter((a) => a === 'invite.create')).toHaveLength(3);
    expect(actions.filter((a) => a === 'invite.use')).toHaveLength(2);
  });

  it('limits wrong guesses: five an hour, then not even checked', async () => {
    app = await testApp({ now: '2026-03-02T10:00:00Z' });
    const coordinator = await new TestUser(app, { platform: 'telegram', id: 'c1', caps: TELEGRAM_CAPS }).as('coordinator', 'riga', 'en');
    const code = await makeInvite(coordinator);
    const guesser = new TestUser(app, { platform: 'telegram', id: 'x', caps: TELEGRAM_CAPS, languageHint: 'en' });
    for (let i = 0; i < 5; i++) {
      await guesser.send(`/start ${'ABCDEFGHJK'.slice(i) + 'ABCDEFGHJK'.slice(0, i)}`);
      expect(guesser.text()).toContain('not valid');
    }
    await guesser.send(`/start ${code}`);
    expect(guesser.text()).toContain('Too many wrong codes');
    expect((await person('telegram:x'))!.role).toBe('guest');
    app.clock.advance(61 * 60_000);
    await guesser.send(`/start ${code}`);
    expect(guesser.text()).toContain('Welcome to the network');
  });

  it('on Telegram: the coordinator gets a deep link, and opening it (/start CODE) registers the newcomer', async () => {
    app = await testApp({ now: '2026-03-02T10:00:00Z', env: { BOT_ADMINS: 'telegram:500' } });
    driver = await TelegramDriver.start(app);
    await driver.say(500, '/invite', { languageCode: 'en' });
    await driver.press(500, 'regional expert');
    await driver.press(500, 'Kurzeme');
    const created = TelegramDriver.text(await driver.press(500, 'Talsi Municipality'));
    const m = /https:\/\/t\.me\/roma_network_bot\?start=(\w+)/.exec(created);
    expect(m, created).not.toBeNull();
    const code = m![1]!;

    // What Telegram sends when the newcomer opens the link and presses Start.
    const welcome = TelegramDriver.text(await driver.say(600, `/start ${code}`, { languageCode: 'en' }));
    expect(welcome).toContain('Welcome to the network');
    expect(await person('telegram:600')).toMatchObject({ role: 'expert', municipality: 'talsi' });
    // The inviter is told, and the newcomer's command menu now has the members' commands.
    await driver.fake.waitForMessage(500, /has been used/);
    await driver.fake.waitFor(() => driver!.fake.commandsFor({ type: 'chat', chat_id: 600 })?.some((c) => c.command === 'ideas'));
  });
});
