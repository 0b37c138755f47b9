import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { anyone } from '../../src/core/access.ts';
import { esc } from '../../src/core/markup.ts';
import { text as text_ } from '../../src/core/types.ts';
import { FakeTelegram } from '../fakes/telegram-bot-api.ts';
import { TelegramDriver } from '../helpers/telegram-driver.ts';
import { testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp | undefined;
let driver: TelegramDriver | undefined;
afterEach(async () => {
  await app?.stop(); // the bot stops before the fake: grammY confirms the last offset on stop
  await driver?.fake.stop();
  app = undefined;
  driver = undefined;
});

const text = TelegramDriver.text;

describe('Telegram adapter against a fake Bot API (real grammY, long polling)', () => {
  it('registers a newcomer through inline buttons, every callback answered', async () => {
    app = await testApp();
    driver = await TelegramDriver.start(app);
    const greeting = await driver.say(11, '/start', { languageCode: 'lv' });
    expect(text(greeting)).toContain('Izvēlieties valodu');
    expect(greeting[0]!.parseMode).toBe('HTML');
    expect(text(await driver.press(11, 'English'))).toContain('What is your role');
    await driver.press(11, 'Regional expert');
    await driver.press(11, 'Latgale');
    await driver.press(11, 'Daugavpils');
    expect(text(await driver.press(11, 'Confirm'))).toContain('waiting for a coordinator');
    // Five buttons pressed, five callback queries answered (each answer ok), so no spinner is left turning.
    const answers = driver.fake.callsTo('answerCallbackQuery');
    expect(answers).toHaveLength(5);
    expect(answers.every((c) => c.ok)).toBe(true);
    const person = await app.database.db.selectFrom('persons').selectAll().where('requested_role', '=', 'expert').executeTakeFirstOrThrow();
    expect(person.municipality).toBe('daugavpils');
  });

  it('answers /help in the language Telegram reports, until the person chooses one', async () => {
    app = await testApp();
    driver = await TelegramDriver.start(app);
    expect(text(await driver.say(21, '/help', { languageCode: 'lv' }))).toContain('Jums pieejamās komandas');
    expect(text(await driver.say(22, '/help', { languageCode: 'en-GB' }))).toContain('Commands you can use');
    expect(text(await driver.say(23, '/help', { languageCode: 'ru' }))).toContain('Доступные вам команды');
    expect(text(await driver.say(24, '/help', { languageCode: 'de' }))).toContain('Jums pieejamās komandas');
    await driver.say(23, '/language en', { languageCode: 'ru' });
    expect(text(await driver.say(23, '/help', { languageCode: 'ru' }))).toContain('Commands you can use');
  });

  it('sets the command menu for each language, and a wider one in each member’s own chat', async () => {
    app = await testApp();
    await new TestUser(app, { platform: 'telegram', id: '31', caps: TELEGRAM_CAPS }).as('coordinator', 'riga', 'ru');
    driver = await TelegramDriver.start(app);
    await driver.fake.waitFor(() => driver!.fake.commandsFor({ type: 'chat', chat_id: 31 }), 10_000);
    const names = (cmds: Array<{ command: string }> | undefined) => (cmds ?? []).map((c) => c.command);
    expect(names(driver.fake.commandsFor({ type: 'default' }, 'lv'))).toContain('help');
    expect(driver.fake.commandsFor({ type: 'default' }, 'ru')!.find((c) => c.command === 'help')!.description).toBe('Что я умею: список команд');
    expect(names(driver.fake.commandsFor({ type: 'default' }, 'en'))).not.toContain('announce');
    expect(names(driver.fake.commandsFor({ type: 'chat', chat_id: 31 }))).toContain('announce');
  });

  it('retries a failing start-up call instead of giving up', async () => {
    app = await testApp();
    const fake = await FakeTelegram.start({ botUsername: 'roma_network_bot' });
    fake.failNext('setMyCommands', { status: 500 }, { count: 1 });
    driver = await TelegramDriver.start(app, { fake });
    await fake.waitFor(() => fake.commandsFor({ type: 'default' }, 'lv'), 10_000);
    expect(fake.callsTo('setMyCommands').filter((c) => !c.ok).length).toBeGreaterThanOrEqual(1);
  });

  it('says an old button has expired and offers a fresh menu; stickers get a hint', async () => {
    app = await testApp();
    driver = await TelegramDriver.start(app);
    await driver.say(41, '/start', { languageCode: 'en' });
    const old = driver.fake.messagesTo(41).find((m) => m.replyMarkup)!;
    await driver.say(41, '/cancel');
    const since = driver.fake.sent.length;
    driver.fake.userPresses({ userId: 41, message: old, button: 'English', force: true });
    const reply = await driver.collect(41, since, 1);
    expect(text(reply)).toMatch(/no longer active/);
    expect(reply[0]!.replyMarkup).toBeDefined();
    const s2 = driver.fake.sent.length;
    driver.fake.userSends({ userId: 41, kind: 'sticker' });
    expect(text(await driver.collect(41, s2, 1))).toMatch(/only text and buttons/);
  });

  it('keeps running after an update whose reply fails, and escapes what users type', async () => {
    app = await testApp();
    driver = await TelegramDriver.start(app);
    driver.fake.failNext('sendMessage', { status: 400, description: 'Bad Request: message is too long' }, { chatId: 51 });
    driver.fake.userSays({ userId: 51, text: '/help' });
    // The refused reply is followed by a short notice; the next answer is counted only after it.
    await driver.fake.waitFor(() => driver!.fake.messagesTo(51).some((m) => m.text?.includes('neizdevās parādīt')), 10_000);
    expect(text(await driver.say(51, '/language <b>&amp;</b>'))).toContain('<b>&amp;</b>');
  });

  it('follows a refused reply with a short notice, and logs why without the text', async () => {
    app = await testApp();
    const lines: string[] = [];
    const log = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    driver = await TelegramDriver.start(app, { log });
    driver.fake.failNext('sendMessage', { status: 400, description: 'Bad Request: message is too long' }, { chatId: 52 });
    const r = await driver.say(52, '/language Slepens-Vārds-42', { languageCode: 'en' });
    expect(text(r)).toContain('I could not show this answer');
    const logged = lines.join('');
    expect(logged).toContain('could not send a reply');
    expect(logged).toContain('message is too long');
    expect(logged).not.toContain('Slepens');
  });

  it('gives up reading a file that does not arrive in time, says so, and keeps the conversation waiting', async () => {
    app = await testApp();
    app.registry.add({
      name: 'upload',
      commands: [{ name: 'upload', access: [anyone], description: 'people:commands.help', handle: (ctx) => ctx.startFlow('upload') }],
      flows: [
        {
          name: 'upload',
          start: async () => ({ replies: [text_(esc('Send the file'))], state: {} }),
          input: async (_ctx, state, input) =>
            input.type === 'file' ? { replies: [text_(esc(`got ${input.data.byteLength} bytes`))], done: true } : { replies: [text_(esc('a file, please'))], state },
        },
      ],
    });
    driver = await TelegramDriver.start(app, { downloadTimeoutMs: 500 });
    await driver.say(53, '/upload', { languageCode: 'en' });
    driver.fake.failNext('getFile', { delayMs: 5000 });
    const since = driver.fake.sent.length;
    const started = Date.now();
    driver.fake.userSends({ userId: 53, kind: 'document', fileName: 'agenda.txt', mimeType: 'text/plain', bytes: Buffer.from('12:00 Sākums') });
    const r = await driver.collect(53, since, 1);
    expect(Date.now() - started).toBeLessThan(4500); // not the 5 s the server takes
    expect(text(r)).toContain('Something went wrong');
    const again = driver.fake.sent.length;
    driver.fake.userSends({ userId: 53, kind: 'document', fileName: 'agenda.txt', mimeType: 'text/plain', bytes: Buffer.from('12:00 Sākums') });
    expect(text(await driver.collect(53, again, 1))).toContain('got 13 bytes');
  });

  it('retries a 429 with Telegram’s retry_after and delivers', async () => {
    app = await testApp();
    driver = await TelegramDriver.start(app);
    driver.fake.failNext('sendMessage', { status: 429, retryAfter: 1 }, { chatId: 61 });
    const r = await driver.say(61, '/help');
    expect(text(r)).toContain('Jums pieejamās komandas');
    expect(driver.fake.callsTo('sendMessage').filter((c) => c.status === 429)).toHaveLength(1);
  });

  it('in a group answers only commands addressed to it, and lets a coordinator register the group', async () => {
    app = await testApp();
    await new TestUser(app, { platform: 'telegram', id: '71', caps: TELEGRAM_CAPS }).as('coordinator', 'riga', 'en');
    driver = await TelegramDriver.start(app);
    const group = { id: -1001234, type: 'supergroup' as const, title: 'Kurzemes eksperti' };
    const since = driver.fake.sent.length;
    driver.fake.userSays({ userId: 72, text: 'hello everyone', chat: group });
    driver.fake.userSays({ userId: 72, text: '/help@some_other_bot', chat: group });
    const r = await driver.say(72, '/help@roma_network_bot', { chat: group });
    expect(driver.fake.sent.slice(since).filter((m) => m.chatId === group.id)).toHaveLength(1);
    expect(text(r)).toContain('/start');
    expect(text(await driver.say(71, '/register_group', { chat: group }))).toContain('Kurzemes eksperti');
    const chats = await app.database.db.selectFrom('audience_chats').selectAll().execute();
    expect(chats).toMatchObject([{ platform: 'telegram', chat_id: String(group.id), title: 'Kurzemes eksperti' }]);
  });

  it('in a group, privacy mode hides chatter from the bot, and a conversation that needs typing moves to the private chat by deep link', async () => {
    app = await testApp({ now: '2021-05-20T09:00:00Z' });
    await new TestUser(app, { platform: 'telegram', id: '73', caps: TELEGRAM_CAPS }).as('mediator', 'talsi', 'en');
    driver = await TelegramDriver.start(app);
    const group = { id: -1005555, type: 'supergroup' as const, title: 'Eksperti' };
    expect(driver.fake.userSays({ userId: 73, text: 'sveiki visiem', chat: group }).update_id).toBe(-1); // never reaches the bot
    const r = await driver.say(73, '/eligibility@roma_network_bot', { chat: group });
    const button = (r[0]!.replyMarkup as { inline_keyboard: Array<Array<{ text: string; url?: string }>> }).inline_keyboard[0]![0]!;
    expect(text(r)).toContain('private chat');
    expect(button.url).toBe('https://t.me/roma_network_bot?start=go-eligibility');
    // Telegram opens the private chat and sends /start with the payload: the questionnaire starts there.
    expect(text(await driver.say(73, '/start go-eligibility'))).toContain('never names');
    expect(await app.database.db.selectFrom('chat_state').select('chat_key').where('flow', 'is not', null).execute()).toEqual([{ chat_key: 'telegram:73' }]);
  });

  it('answers someone else’s, an old or a forbidden button in a group with a toast, leaving the chat and the buttons alone', async () => {
    app = await testApp({ now: '2021-05-20T09:00:00Z' });
    await new TestUser(app, { platform: 'telegram', id: '76', caps: TELEGRAM_CAPS }).as('expert', 'talsi', 'en');
    driver = await TelegramDriver.start(app);
    const group = { id: -1006666, type: 'supergroup' as const, title: 'Eksperti' };
    const agenda = await driver.say(76, '/agenda@roma_network_bot 2021-05-27', { chat: group });
    const withButtons = agenda.find((m) => JSON.stringify(m.replyMarkup ?? '').includes('going'))!;
    expect(withButtons).toBeDefined();
    const sentBefore = driver.fake.sent.length;
    // A guest presses a members' button; then someone presses a stale conversation button.
    driver.fake.userPresses({ userId: 77, languageCode: 'en', chat: group, message: { chatId: group.id, messageId: withButtons.messageId }, button: /going/ });
    driver.fake.userPresses({ userId: 76, chat: group, message: { chatId: group.id, messageId: withButtons.messageId }, data: '~dead00:a:x', force: true });
    await driver.fake.waitFor(() => [...driver!.fake.callbackAnswers.values()].filter((a) => a.text).length >= 2, 10_000);
    const toasts = [...driver.fake.callbackAnswers.values()].map((a) => a.text);
    expect(toasts).toContain('This is only for approved members of the network. Register with /start; a coordinator will approve your request.');
    expect(toasts).toContain('This button is not yours, or no longer active.');
    await new Promise((r) => setTimeout(r, 200));
    expect(driver.fake.sent.slice(sentBefore)).toEqual([]); // no message to the group, no keyboard removed
  });

  it('follows a group upgraded to a supergroup: the announcement is re-sent to the new id, which keeps receiving them', async () => {
    app = await testApp({ now: '2026-11-20T10:00:00Z' });
    await new TestUser(app, { platform: 'telegram', id: '78', caps: TELEGRAM_CAPS }).as('coordinator', 'riga', 'en');
    driver = await TelegramDriver.start(app);
    const old = { id: -4242, type: 'group' as const, title: 'Latgales eksperti' };
    await driver.say(78, '/register_group', { chat: old });
    driver.fake.failNext(
      'sendMessage',
      { status: 400, description: 'Bad Request: group chat was upgraded to a supergroup chat', parameters: { migrate_to_chat_id: -1004242 } },
      { chatId: old.id, count: Infinity },
    );
    const chat = await app.database.db.selectFrom('audience_chats').select('id').executeTakeFirstOrThrow();
    const person = await app.people.resolve({ platform: 'telegram', id: '78' }, app.clock.now());
    const announce = async (words: string) => {
      await app!.announcements.store.create(
        { kind: 'general', text: esc(words), audience: { target: { type: 'chat', audienceChatId: chat.id } }, schedule: { type: 'now' } },
        { personId: person.id, report: { platform: 'telegram', chatId: '78' }, language: 'en' },
        app!.clock.now(),
      );
      await app!.announcements.tickNow();
    };
    await announce('Pirmais paziņojums');
    await driver.fake.waitForMessage(-1004242, 'Pirmais paziņojums');
    expect(await app.database.db.selectFrom('audience_chats').select('chat_id').execute()).toEqual([{ chat_id: '-1004242' }]);
    app.clock.advance(60_000);
    await announce('Otrais paziņojums');
    await driver.fake.waitForMessage(-1004242, 'Otrais paziņojums');
    // One refused send to the old id; the second announcement went straight to the new one.
    expect(driver.fake.callsTo('sendMessage').filter((c) => Number(c.params.chat_id) === old.id && c.status === 400)).toHaveLength(1);
  });

  it('follows a group upgraded to a supergroup as soon as Telegram says so, before any send to the old id fails', async () => {
    app = await testApp({ now: '2026-11-20T10:00:00Z' });
    await new TestUser(app, { platform: 'telegram', id: '79', caps: TELEGRAM_CAPS }).as('coordinator', 'riga', 'en');
    driver = await TelegramDriver.start(app);
    const old = { id: -5151, type: 'group' as const, title: 'Zemgales eksperti' };
    await driver.say(79, '/register_group', { chat: old });
    const sentBefore = driver.fake.sent.length;
    const callsBefore = driver.fake.callsTo('sendMessage').length;
    driver.fake.upgradeGroup(old.id, -1005151, { userId: 79 });
    await vi.waitFor(async () => expect(await app!.database.db.selectFrom('audience_chats').select('chat_id').execute()).toEqual([{ chat_id: '-1005151' }]), { timeout: 10_000, interval: 20 });
    // The service messages are not answered: nothing is written to either chat.
    expect(driver.fake.sent.slice(sentBefore)).toEqual([]);
    const chat = await app.database.db.selectFrom('audience_chats').select('id').executeTakeFirstOrThrow();
    const person = await app.people.resolve({ platform: 'telegram', id: '79' }, app.clock.now());
    await app.announcements.store.create(
      { kind: 'general', text: esc('Sanāksme pārcelta'), audience: { target: { type: 'chat', audienceChatId: chat.id } }, schedule: { type: 'now' } },
      { personId: person.id, report: { platform: 'telegram', chatId: '79' }, language: 'en' },
      app.clock.now(),
    );
    await app.announcements.tickNow();
    await driver.fake.waitForMessage(-1005151, 'Sanāksme pārcelta');
    expect(driver.fake.callsTo('sendMessage').slice(callsBefore).filter((c) => Number(c.params.chat_id) === old.id)).toEqual([]);
  });

  it('lets a coordinator register a channel by its @name, once the bot may post there', async () => {
    app = await testApp();
    await new TestUser(app, { platform: 'telegram', id: '75', caps: TELEGRAM_CAPS }).as('coordinator', 'riga', 'en');
    driver = await TelegramDriver.start(app);
    driver.fake.addChat({ id: -1009876, type: 'channel', title: 'Romu tīkla ziņas', username: 'romu_tikls' });
    let admin = false;
    driver.fake.handle('getChatMember', () => (admin ? { status: 'administrator', can_post_messages: true, user: { id: driver!.fake.botId, is_bot: true, first_name: 'bot' } } : { status: 'left', user: { id: driver!.fake.botId, is_bot: true, first_name: 'bot' } }));
    expect(text(await driver.say(75, '/register_group @nosuchchannel'))).toContain('cannot find @nosuchchannel');
    expect(text(await driver.say(75, '/register_group @romu_tikls'))).toContain('add me to the channel as an administrator');
    admin = true;
    expect(text(await driver.say(75, '/register_group @romu_tikls'))).toContain('“Romu tīkla ziņas” will receive announcements');
    const chats = await app.database.db.selectFrom('audience_chats').selectAll().execute();
    expect(chats).toMatchObject([{ platform: 'telegram', chat_id: '-1009876', title: 'Romu tīkla ziņas' }]);
  });

  it('delivers a coordinator’s announcement to several users, with their formatting, and marks blocked ones', async () => {
    app = await testApp({ now: '2026-11-20T10:00:00Z' });
    for (const id of ['81', '82', '83']) await new TestUser(app, { platform: 'telegram', id, caps: TELEGRAM_CAPS }).as('expert', 'talsi', 'lv');
    await new TestUser(app, { platform: 'telegram', id: '80', caps: TELEGRAM_CAPS }).as('coordinator', 'riga', 'en');
    driver = await TelegramDriver.start(app);
    driver.fake.blockUser(83);
    await driver.say(80, '/announce');
    const since = driver.fake.sent.length;
    driver.fake.userSays({ userId: 80, text: 'Visit to Talsi on 3 July', entities: [{ type: 'bold', offset: 0, length: 14 }] });
    await driver.collect(80, since, 1);
    await driver.press(80, 'Visit');
    await driver.press(80, 'Everyone');
    await driver.press(80, 'All platforms');
    await driver.press(80, 'Now');
    await driver.press(80, 'No file');
    await driver.press(80, 'Send now');
    const got81 = await driver.fake.waitForMessage(81, 'Visit to Talsi');
    await driver.fake.waitForMessage(82, 'Visit to Talsi');
    expect(got81.text).toContain('<b>Visit to Talsi</b> on 3 July');
    const report = await driver.fake.waitForMessage(80, /Report/);
    expect(report.plainText).toContain('Delivered: 3 of 4');
    expect(report.plainText).toContain('Unreachable (blocked the bot or left): 1');
  });
});

describe('Telegram adapter in webhook mode', () => {
  it('takes updates Telegram posts with the secret header and refuses requests without it', async () => {
    app = await testApp();
    driver = await TelegramDriver.start(app, { webhook: { secret: 'hunter2-secret' } });
    const info = await driver.fake.waitFor(() => (driver!.fake.webhookInfo.url ? (driver!.fake.webhookInfo as { url: string }) : undefined), 10_000);
    expect(info.url).toMatch(/\/telegram$/);
    expect(text(await driver.say(91, '/help'))).toContain('Jums pieejamās komandas');
    const update = { update_id: 1, message: { message_id: 1, date: 0, chat: { id: 92, type: 'private' }, from: { id: 92, is_bot: false, first_name: 'X' }, text: '/help' } };
    const noSecret = await fetch(info.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(update) });
    expect(noSecret.status).toBe(401);
    const wrong = await fetch(info.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'nope' }, body: JSON.stringify(update) });
    expect(wrong.status).toBe(401);
    await new Promise((r) => setTimeout(r, 200));
    expect(driver.fake.messagesTo(92)).toHaveLength(0);
  });
});
