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

describe('Discord as strict as Discord', () => {
  it('answers a direct message from someone who never used a command (no warm-up: the DM says its channel type)', async () => {
    app = await testApp();
    driver = await DiscordDriver.start(app);
    const msgs = await driver.dm('100000000000000800', '/help');
    expect(msgs.join('\n')).toContain('Jums pieejamās komandas');
  });

  it('continues a conversation that needs typing in a DM when it is asked for in a server', async () => {
    app = await testApp({ now: '2021-10-01T09:00:00Z' });
    await new TestUser(app, { platform: 'discord', id: '100000000000000810', caps: DISCORD_CAPS }).as('mediator', 'talsi', 'en');
    driver = await DiscordDriver.start(app);
    const r = await driver.slash('100000000000000810', 'eligibility', {}, { dm: false });
    expect(text(r)).toContain('direct message');
    expect(r[0]!.ephemeral).toBe(true);
    await driver.fake.waitFor(() => driver!.fake.dmsTo('100000000000000810').length > 0, 10_000);
    expect(driver.fake.dmsTo('100000000000000810')[0]!.content).toContain('never names');
    const conversations = await app.database.db.selectFrom('chat_state').select('chat_key').where('flow', 'is not', null).execute();
    expect(conversations).toEqual([{ chat_key: 'discord:100000000000000810' }]);
  });

  it('hides staff commands from ordinary server members by default', async () => {
    app = await testApp();
    driver = await DiscordDriver.start(app);
    const commands = Object.values(driver.fake.commands.guilds)[0]!;
    const perms = (name: string) => commands.find((c) => c.name === name)!.default_member_permissions;
    for (const staff of ['announce', 'audit', 'roles', 'undelivered']) expect(perms(staff)).toBe('0');
    for (const open of ['help', 'start', 'ideas', 'eligibility']) expect(perms(open)).toBeNull();
  });

  it('pages select menus past 125 choices, and hands the core clean values', async () => {
    app = await testApp();
    const picked: string[] = [];
    const choices = Array.from({ length: 130 }, (_, i) => ({ label: `Nr. ${i}`, action: `many:pick:${i}` }));
    choices.push({ label: 'Again', action: 'many:pick:7' }); // a repeat: Discord needs it told apart, the core must not see how
    app.registry.add({
      name: 'many',
      commands: [{ name: 'many', access: [anyone], description: 'people:commands.help', handle: async () => [text_(esc('Pick one'), [choices])] }],
      actions: [{ id: 'many:pick', access: [anyone], handle: async (_ctx, [n]) => (picked.push(n!), [text_(esc(`picked ${n}`))]) }],
    });
    driver = await DiscordDriver.start(app);
    const user = '100000000000000820';
    const [first] = await driver.slash(user, 'many', {}, { dm: true });
    const rows = first!.components as Array<{ components: Array<{ type: number; custom_id?: string; options?: Array<{ value: string }> }> }>;
    expect(rows).toHaveLength(5);
    expect(rows.slice(0, 4).every((r) => r.components[0]!.type === 3)).toBe(true);
    const next = rows[4]!.components[0]!;
    expect(next.custom_id).toMatch(/^page:[a-z0-9]+:1$/);
    // The next page holds the rest, the repeat among them.
    const turn = driver.fake.pressButton({ userId: user, customId: next.custom_id!, dm: true });
    await driver.fake.waitFor(() => driver!.fake.responsesTo(turn).length > 0, 10_000);
    const page2 = driver.fake.responsesTo(turn)[0]!;
    expect(page2.callbackType).toBe(7); // the message is updated in place
    const values = (page2.components as typeof rows).flatMap((r) => r.components.flatMap((c) => c.options ?? []).map((o) => o.value));
    expect(values).toContain('many:pick:129');
    const repeat = values.find((v) => v.startsWith('many:pick:7|'))!;
    const select = (page2.components as typeof rows).find((r) => r.components[0]!.options?.some((o) => o.value === repeat))!.components[0]!;
    const pick = driver.fake.selectOption({ userId: user, customId: select.custom_id!, values: [repeat], dm: true });
    await driver.fake.waitFor(() => driver!.fake.responsesTo(pick).length > 0, 10_000);
    expect(picked).toEqual(['7']);
  });

  it('after an interaction expires sends only the answers not yet shown, by DM', async () => {
    app = await testApp();
    app.registry.add({
      name: 'two',
      commands: [{ name: 'two', access: [anyone], description: 'people:commands.help', handle: async () => [text_(esc('first part')), text_(esc('second part'))] }],
    });
    driver = await DiscordDriver.start(app);
    const user = '100000000000000830';
    driver.fake.failNext(/^POST \/webhooks\//, { status: 401, body: { code: 50027, message: 'Invalid Webhook Token' } });
    const i = driver.fake.slashCommand({ userId: user, name: 'two', dm: true });
    await driver.fake.waitFor(() => driver!.fake.dmsTo(user).some((m) => m.content === 'second part'), 10_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(driver.fake.responsesTo(i).map((r) => r.content)).toEqual(['first part']);
    // The DM holds the interaction's answer and the part sent after it expired; nothing twice.
    expect(driver.fake.dmsTo(user).map((m) => m.content)).toEqual(['first part', 'second part']);
  });
});
