import { afterEach, describe, expect, it } from 'vitest';
import { anyone } from '../../src/core/access.ts';
import { esc } from '../../src/core/markup.ts';
import { text as text_ } from '../../src/core/types.ts';
import { DiscordDriver } from '../helpers/discord-driver.ts';
import { testApp, TestUser, DISCORD_CAPS } from '../helpers/harness.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp | undefined;
let driver: DiscordDriver | undefined;
afterEach(async () => {
  await app?.stop();
  await driver?.stop();
  app = undefined;
  driver = undefined;
});

const text = DiscordDriver.text;

describe('Discord adapter against a fake Discord (real discord.js)', () => {
  it('registers slash commands with Latvian descriptions and English and Russian localizations', async () => {
    app = await testApp();
    driver = await DiscordDriver.start(app);
    const commands = Object.values(driver.fake.commands.guilds)[0]!;
    const help = commands.find((c) => c.name === 'help')!;
    expect(help.description).toBe('Ko es protu: komandu saraksts');
    expect(help.description_localizations['en-US']).toBe('What I can do: the list of commands');
    expect(help.description_localizations.ru).toBe('Что я умею: список команд');
    expect(help.description_localizations.lv).toBeUndefined();
    const language = commands.find((c) => c.name === 'language')!;
    expect(language.options[0]).toMatchObject({ name: 'language', type: 3 });
  });

  it('registers a newcomer with buttons; Latvian by default, the stored language after that', async () => {
    app = await testApp();
    driver = await DiscordDriver.start(app);
    const r = await driver.slash('100000000000000100', 'start', {}, { dm: true, locale: 'de' });
    expect(text(r)).toContain('Izvēlieties valodu');
    await driver.press('100000000000000100', 'English');
    expect(text(driver.fake.responsesTo(driver.lastInteraction('100000000000000100')!))).toContain('What is your role');
    await driver.press('100000000000000100', 'Roma mediator');
    await driver.press('100000000000000100', 'Kurzeme');
    await driver.press('100000000000000100', 'Talsi Municipality');
    const confirm = await driver.press('100000000000000100', 'Confirm');
    expect(text(confirm)).toContain('waiting for a coordinator');
    const help = await driver.slash('100000000000000100', 'help', {}, { dm: true, locale: 'ru' });
    expect(text(help)).toContain('Commands you can use'); // the stored choice wins over the client's locale
  });

  it('answers in a server channel ephemerally, and /help follows the user locale before any choice', async () => {
    app = await testApp();
    driver = await DiscordDriver.start(app);
    const r = await driver.slash('100000000000000200', 'help', {}, { dm: false, locale: 'ru' });
    expect(text(r)).toContain('Доступные вам команды');
    expect(r[0]!.ephemeral).toBe(true);
  });

  it('says a button from before a restart has expired and offers a fresh menu', async () => {
    app = await testApp();
    driver = await DiscordDriver.start(app);
    await driver.slash('100000000000000300', 'start', {}, { dm: true });
    const english = driver.buttons('100000000000000300').find((b) => b.label === 'English')!;
    await driver.slash('100000000000000300', 'cancel', {}, { dm: true }); // the conversation ends; its buttons stay on screen
    const i = driver.fake.pressButton({ userId: '100000000000000300', customId: english.customId, dm: true });
    await driver.fake.waitFor(() => driver!.fake.responsesTo(i).length > 0, 10_000);
    expect(driver.fake.responsesTo(i)[0]!.content).toMatch(/no longer active/);
  });

  it('defers work longer than Discord’s three seconds and follows up', async () => {
    app = await testApp();
    app.registry.add({
      name: 'slow',
      commands: [{ name: 'slow', access: [anyone], description: 'people:commands.help', handle: async () => (await new Promise((r) => setTimeout(r, 300)), [text_(esc('done at last'))]) }],
    });
    driver = await DiscordDriver.start(app, { deferAfterMs: 50 });
    const i = driver.fake.slashCommand({ userId: '100000000000000400', name: 'slow', dm: true });
    await driver.fake.waitFor(() => driver!.fake.responsesTo(i).length >= 2, 10_000);
    const r = driver.fake.responsesTo(i);
    expect(r[0]!.callbackType).toBe(5); // "thinking…" within the three seconds
    expect(text(r)).toContain('done at last');
  });

  it('takes free text in a direct message (conversation steps that need typing)', async () => {
    app = await testApp();
    driver = await DiscordDriver.start(app);
    await driver.slash('100000000000000500', 'start', {}, { dm: true });
    await driver.press('100000000000000500', 'English');
    await driver.press('100000000000000500', 'Regional expert');
    const msgs = await driver.dm('100000000000000500', 'Talsi');
    expect(msgs.join('\n')).toContain('Municipality: Talsi Municipality');
  });

  it('delivers a coordinator’s announcement to members by direct message, and marks closed DMs unreachable', async () => {
    app = await testApp({ now: '2026-11-20T10:00:00Z' });
    driver = await DiscordDriver.start(app);
    for (const id of ['100000000000000601', '100000000000000602', '100000000000000603']) await new TestUser(app, { platform: 'discord', id, caps: DISCORD_CAPS }).as('expert', 'talsi', 'lv');
    await new TestUser(app, { platform: 'discord', id: '100000000000000600', caps: DISCORD_CAPS }).as('coordinator', 'riga', 'en');
    driver.fake.closeDms('100000000000000603');
    await driver.slash('100000000000000600', 'announce', {}, { dm: true });
    await driver.dm('100000000000000600', 'Meeting on **Thursday** at 13:00');
    await driver.press('100000000000000600', 'Meeting');
    await driver.press('100000000000000600', 'Everyone');
    await driver.press('100000000000000600', 'All platforms');
    await driver.press('100000000000000600', 'Now');
    await driver.press('100000000000000600', 'No file');
    await driver.press('100000000000000600', 'Send now');
    await driver.fake.waitFor(() => driver!.fake.dmsTo('100000000000000601').length > 0 && driver!.fake.dmsTo('100000000000000602').length > 0, 10_000);
    expect(driver.fake.dmsTo('100000000000000601')[0]!.content).toContain('Sanāksme');
    expect(driver.fake.dmsTo('100000000000000601')[0]!.content).toContain('Meeting on **Thursday** at 13:00'); // formatting kept
    await driver.fake.waitFor(async () => {
      const rows = await app!.database.db.selectFrom('outbox').select(['chat_id', 'status']).execute();
      return rows.length === 4 && rows.every((r) => r.status !== 'pending' && r.status !== 'sending') && rows;
    }, 10_000);
    const rows = await app.database.db.selectFrom('outbox').select(['chat_id', 'status']).orderBy('chat_id').execute();
    expect(rows.find((r) => r.chat_id === '100000000000000603')!.status).toBe('unreachable');
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(3);
  });
});
