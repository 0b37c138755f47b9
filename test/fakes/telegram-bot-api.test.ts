import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { autoRetry } from '@grammyjs/auto-retry';
import { Bot, GrammyError, HttpError, InlineKeyboard, InputFile, webhookCallback } from 'grammy';
import type { Update } from 'grammy/types';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeTelegram, type FakeTelegramOptions } from './telegram-bot-api.ts';

/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  // bots before the fake: bot.stop() confirms the offset with one last getUpdates
  while (cleanups.length) await cleanups.pop()!().catch(() => undefined);
});

async function fakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const fake = await FakeTelegram.start(options);
  cleanups.push(() => fake.stop());
  return fake;
}

function newBot(fake: FakeTelegram): Bot {
  return new Bot(fake.token, { client: { apiRoot: fake.apiRoot } });
}

/** Starts long polling; errors from handlers are collected instead of stopping the bot. */
function run(bot: Bot): { errors: unknown[]; done: Promise<void> } {
  const errors: unknown[] = [];
  bot.catch((err) => {
    errors.push(err.error);
  });
  const done = bot.start();
  cleanups.push(async () => {
    if (bot.isRunning()) await bot.stop();
    await done;
  });
  return { errors, done };
}

type Envelope = { ok: boolean; result?: any; error_code?: number; description?: string; parameters?: { retry_after?: number } };

async function api(fake: FakeTelegram, method: string, params: Record<string, unknown> = {}): Promise<Envelope & { status: number }> {
  const res = await fetch(`${fake.apiRoot}/bot${fake.token}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(params),
  });
  return { status: res.status, ...((await res.json()) as Envelope) };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the promise to reject');
}

describe('FakeTelegram HTTP surface', () => {
  it('answers in the Bot API envelope, 401 for a wrong token, 404 for an unknown method', async () => {
    const fake = await fakeTelegram({ botUsername: 'roma_network_bot' });
    const me = await api(fake, 'getMe');
    expect(me).toMatchObject({ status: 200, ok: true, result: { id: fake.botId, is_bot: true, username: 'roma_network_bot' } });

    const wrong = await fetch(`${fake.apiRoot}/bot123:nope/getMe`);
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ ok: false, error_code: 401, description: 'Unauthorized' });

    const unknown = await api(fake, 'sendTelepathy', { chat_id: 1 });
    expect(unknown).toEqual({ status: 404, ok: false, error_code: 404, description: 'Not Found' });

    // method names are case-insensitive, like Telegram's
    expect((await api(fake, 'getme')).ok).toBe(true);
  });

  it('takes parameters as multipart (standard FormData), urlencoded and query string', async () => {
    const fake = await fakeTelegram();
    const form = new FormData();
    form.set('chat_id', '5');
    form.set('caption', 'a note');
    form.set('document', new Blob([Buffer.from('hello file')], { type: 'text/plain' }), 'note.txt');
    const res = await fetch(`${fake.apiRoot}/bot${fake.token}/sendDocument`, { method: 'POST', body: form });
    expect(res.status).toBe(200);
    const doc = fake.lastMessageTo(5)!;
    expect(doc.kind).toBe('document');
    expect(doc.files[0]).toMatchObject({ fileName: 'note.txt', mimeType: 'text/plain', size: 10, source: 'upload' });
    expect(doc.files[0]!.bytes.toString()).toBe('hello file');
    expect(fake.callsTo('sendDocument')[0]!.params).toMatchObject({ chat_id: 5, caption: 'a note', document: { fileName: 'note.txt', size: 10 } });

    const keyboard = { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] };
    const encoded = await fetch(`${fake.apiRoot}/bot${fake.token}/sendMessage`, {
      method: 'POST',
      body: new URLSearchParams({ chat_id: '5', text: 'form encoded', reply_markup: JSON.stringify(keyboard) }),
    });
    expect(encoded.status).toBe(200);
    expect(fake.lastMessageTo(5)).toMatchObject({ text: 'form encoded', replyMarkup: keyboard });

    const query = await fetch(`${fake.apiRoot}/bot${fake.token}/sendMessage?chat_id=5&text=${encodeURIComponent('from the query')}`);
    expect(((await query.json()) as Envelope).result).toMatchObject({ message_id: 3, chat: { id: 5, type: 'private' }, text: 'from the query' });
  });

  it('holds getUpdates until an update arrives, honours offset, limit and timeout', async () => {
    const fake = await fakeTelegram();
    const pending = api(fake, 'getUpdates', { timeout: 30 });
    await fake.waitFor(() => fake.callsTo('getUpdates').length === 1);
    expect(fake.callsTo('getUpdates')[0]!.status).toBeUndefined(); // still held

    const u1 = fake.userSays({ userId: 42, text: 'hello' });
    const first = await pending;
    expect(first.result).toEqual([u1]);

    // not confirmed yet: delivered again; offset confirms and drops it
    expect((await api(fake, 'getUpdates')).result.map((u: Update) => u.update_id)).toEqual([u1.update_id]);
    const u2 = fake.userSays({ userId: 42, text: 'second' });
    const u3 = fake.userSays({ userId: 42, text: 'third' });
    expect(u2.update_id).toBe(u1.update_id + 1);
    expect(u3.update_id).toBe(u2.update_id + 1);
    const limited = await api(fake, 'getUpdates', { offset: u1.update_id + 1, limit: 1 });
    expect(limited.result.map((u: Update) => u.update_id)).toEqual([u2.update_id]);
    expect(fake.pendingUpdates.map((u) => u.update_id)).toEqual([u2.update_id, u3.update_id]);
    await api(fake, 'getUpdates', { offset: u3.update_id + 1 });
    expect(fake.pendingUpdates).toEqual([]);

    // the timeout passes with an empty answer
    const t0 = performance.now();
    const empty = await api(fake, 'getUpdates', { timeout: 1 });
    expect(empty.result).toEqual([]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(900);

    // a second concurrent getUpdates ends the first with 409, like Telegram
    const older = api(fake, 'getUpdates', { timeout: 30 });
    await fake.waitFor(() => fake.callsTo('getUpdates').filter((c) => c.status === undefined).length === 1);
    const newer = api(fake, 'getUpdates', { timeout: 30 });
    const conflict = await older;
    expect(conflict).toMatchObject({ status: 409, ok: false, error_code: 409, description: expect.stringMatching(/^Conflict: terminated by other getUpdates request/) });
    const u4 = fake.userSays({ userId: 1, text: 'x' });
    expect((await newer).result).toEqual([u4]);
  });

  it('stops promptly with a long poll pending', async () => {
    const fake = await FakeTelegram.start();
    const pending = api(fake, 'getUpdates', { timeout: 50 }).catch((err: unknown) => err);
    await fake.waitFor(() => fake.callsTo('getUpdates').length === 1);
    const t0 = performance.now();
    await fake.stop();
    await pending;
    expect(performance.now() - t0).toBeLessThan(5000);
    await fake.stop(); // idempotent
  });
});

describe('FakeTelegram with the real grammY client', () => {
  it('delivers user messages to a long-polling bot exactly once and records the replies', async () => {
    const fake = await fakeTelegram();
    const bot = newBot(fake);
    const seen: number[] = [];
    bot.use(async (ctx, next) => {
      seen.push(ctx.update.update_id);
      await next();
    });
    bot.command('start', (ctx) => ctx.reply(`Hello, <b>${ctx.from!.first_name}</b> &amp; welcome`, { parse_mode: 'HTML' }));
    bot.on('message:text', (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
    const { errors } = run(bot);

    const start = fake.userSays({ userId: 42, text: '/start', firstName: 'Anna', languageCode: 'lv' });
    expect(start.message!.entities).toEqual([{ type: 'bot_command', offset: 0, length: 6 }]);
    const hello = await fake.waitForMessage(42, 'Hello');
    expect(hello).toMatchObject({ kind: 'message', chatId: 42, text: 'Hello, <b>Anna</b> &amp; welcome', plainText: 'Hello, Anna & welcome', parseMode: 'HTML' });
    expect(hello.message).toMatchObject({
      message_id: 2, // the user's /start was message 1 in this chat
      from: { id: fake.botId, is_bot: true, username: fake.botUsername },
      chat: { id: 42, type: 'private', first_name: 'Anna' },
      text: 'Hello, Anna & welcome',
      entities: [{ type: 'bold', offset: 7, length: 4 }],
    });
    expect(typeof hello.message.date).toBe('number');

    const more = [1, 2, 3].map((i) => fake.userSays({ userId: 42, text: `message ${i}` }));
    await fake.waitFor(() => fake.messagesTo(42).length === 4);
    expect(fake.messagesTo(42).map((m) => m.plainText)).toEqual(['Hello, Anna & welcome', 'echo: message 1', 'echo: message 2', 'echo: message 3']);
    expect(fake.messagesTo(42).map((m) => m.messageId)).toEqual([2, 6, 7, 8]); // the three user messages took 3, 4, 5

    // every update handled once, in order; the next getUpdates confirmed them
    expect(seen).toEqual([start, ...more].map((u) => u.update_id));
    await fake.waitFor(() => fake.pendingUpdates.length === 0);
    const offsets = fake.callsTo('getUpdates').map((c) => c.params.offset);
    expect(offsets).toContain(more[2]!.update_id + 1);

    // getChat knows the user from their updates
    expect(await bot.api.getChat(42)).toMatchObject({ id: 42, type: 'private', first_name: 'Anna' });
    await expect(bot.api.getChat(999)).rejects.toMatchObject({ error_code: 400, description: 'Bad Request: chat not found' });

    const t0 = performance.now();
    await bot.stop();
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(fake.pendingUpdates).toEqual([]);
    expect(errors).toEqual([]);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('runs callback queries: answerCallbackQuery, editMessageText, "message is not modified"', async () => {
    const fake = await fakeTelegram();
    const bot = newBot(fake);
    const editErrors: unknown[] = [];
    bot.command('menu', (ctx) => ctx.reply('Pick one', { reply_markup: new InlineKeyboard().text('Yes', 'pick:yes').text('No', 'pick:no') }));
    bot.callbackQuery(/^pick:(.+)$/, async (ctx) => {
      await ctx.answerCallbackQuery({ text: 'Saved' });
      await ctx.editMessageText(`You picked <i>${ctx.match[1]}</i>`, { parse_mode: 'HTML' });
      try {
        await ctx.editMessageText(`You picked <i>${ctx.match[1]}</i>`, { parse_mode: 'HTML' });
      } catch (err) {
        editErrors.push(err);
      }
    });
    const { errors } = run(bot);

    fake.userSays({ userId: 7, text: '/menu' });
    const menu = await fake.waitForMessage(7, 'Pick one');
    expect(menu.replyMarkup).toEqual({ inline_keyboard: [[{ text: 'Yes', callback_data: 'pick:yes' }, { text: 'No', callback_data: 'pick:no' }]] });
    expect(() => fake.userPresses({ userId: 7, message: menu, data: 'pick:maybe' })).toThrow(/no button/);

    const since = fake.sent.length;
    const press = fake.userPresses({ userId: 7, message: menu, button: 'Yes' });
    expect(press.callback_query).toMatchObject({ data: 'pick:yes', from: { id: 7 }, message: { message_id: menu.messageId, chat: { id: 7 } } });
    const edit = await fake.waitForMessage(7, 'You picked', { since });
    expect(edit).toMatchObject({ kind: 'edit', method: 'editMessageText', messageId: menu.messageId, plainText: 'You picked yes', replyMarkup: undefined });
    expect(fake.callbackAnswers.get(press.callback_query!.id)).toMatchObject({ text: 'Saved', showAlert: false });

    await fake.waitFor(() => editErrors.length === 1);
    expect(editErrors[0]).toBeInstanceOf(GrammyError);
    expect((editErrors[0] as GrammyError).description).toMatch(/^Bad Request: message is not modified/);
    expect(fake.message(7, menu.messageId)!.message).toMatchObject({ text: 'You picked yes', entities: [{ type: 'italic', offset: 11, length: 3 }] });
    expect(fake.message(7, menu.messageId)!.message).not.toHaveProperty('reply_markup'); // an edit without reply_markup drops it

    // a query can be answered once
    await expect(bot.api.answerCallbackQuery(press.callback_query!.id)).rejects.toMatchObject({ error_code: 400 });
    expect(errors).toEqual([]);
  });

  it('records files sent with InputFile (bytes, file name) and serves files users send', async () => {
    const fake = await fakeTelegram();
    const bot = newBot(fake);
    bot.command('report', async (ctx) => {
      await ctx.replyWithDocument(new InputFile(Buffer.from('a,b\n1,2\n'), 'report 2024.csv'), { caption: '<b>Report</b>', parse_mode: 'HTML' });
      await ctx.replyWithPhoto(new InputFile(PNG, 'chart.png'));
    });
    const received: string[] = [];
    bot.on('message:document', async (ctx) => {
      const file = await ctx.getFile();
      const res = await fetch(`${fake.apiRoot}/file/bot${fake.token}/${file.file_path}`);
      received.push(await res.text());
      await ctx.reply(`got ${ctx.message.document.file_name}`);
    });
    run(bot);

    fake.userSays({ userId: 5, text: '/report' });
    const doc = await fake.waitForMessage(5, (m) => m.kind === 'document');
    expect(doc.files[0]).toMatchObject({ field: 'document', source: 'upload', fileName: 'report 2024.csv', mimeType: 'application/octet-stream', size: 8 });
    expect(doc.files[0]!.bytes.toString()).toBe('a,b\n1,2\n');
    expect(doc).toMatchObject({ text: '<b>Report</b>', plainText: 'Report', caption: '<b>Report</b>' });
    expect(doc.message).toMatchObject({ caption: 'Report', caption_entities: [{ type: 'bold', offset: 0, length: 6 }], document: { file_name: 'report 2024.csv', mime_type: 'text/csv', file_size: 8 } });
    expect(fake.callsTo('sendDocument')[0]!.params.document).toEqual({ fileName: 'report 2024.csv', mimeType: 'application/octet-stream', size: 8 });

    const photo = await fake.waitForMessage(5, (m) => m.kind === 'photo');
    expect(photo.files[0]).toMatchObject({ fileName: 'chart.png', size: PNG.length });
    expect(photo.message.photo!.at(-1)).toMatchObject({ width: 1, height: 1 });

    // re-sending by file_id works; an unknown file_id does not; a non-image is refused as a photo
    const again = await bot.api.sendDocument(6, doc.message.document!.file_id);
    expect(again.document!.file_name).toBe('report 2024.csv');
    expect(fake.lastMessageTo(6)!.files[0]).toMatchObject({ source: 'file_id', size: 8 });
    await expect(bot.api.sendDocument(6, 'no-such-file')).rejects.toMatchObject({ description: 'Bad Request: wrong file identifier/HTTP URL specified' });
    await expect(bot.api.sendPhoto(6, new InputFile(Buffer.from('<svg/>'), 'x.svg'))).rejects.toMatchObject({ description: 'Bad Request: IMAGE_PROCESS_FAILED' });

    const up = fake.userSends({ userId: 8, kind: 'document', fileName: 'ideas.txt', bytes: 'idea one', caption: 'my ideas' });
    expect(up.message).toMatchObject({ caption: 'my ideas', document: { file_name: 'ideas.txt', mime_type: 'text/plain', file_size: 8 } });
    await fake.waitForMessage(8, 'got ideas.txt');
    expect(received).toEqual(['idea one']);

    const sticker = fake.userSends({ userId: 8, kind: 'sticker', emoji: '🙂' });
    expect(sticker.message!.sticker).toMatchObject({ emoji: '🙂', type: 'regular' });
    expect(fake.userSends({ userId: 8, kind: 'voice', duration: 4 }).message!.voice).toMatchObject({ duration: 4, mime_type: 'audio/ogg' });
    expect(fake.userSends({ userId: 8, kind: 'photo', bytes: PNG }).message!.photo!.at(-1)).toMatchObject({ width: 1, height: 1 });
  });

  it('records setMyCommands per scope and language', async () => {
    const fake = await fakeTelegram();
    const bot = newBot(fake);
    await bot.api.setMyCommands([{ command: 'start', description: 'Start' }]);
    await bot.api.setMyCommands([{ command: 'start', description: 'Sākt' }, { command: 'help', description: 'Palīdzība' }], { language_code: 'lv' });
    await bot.api.setMyCommands([{ command: 'admin', description: 'Админ' }], { scope: { type: 'chat', chat_id: 42 }, language_code: 'ru' });

    expect(fake.commandsFor()).toEqual([{ command: 'start', description: 'Start' }]);
    expect(fake.commandsFor({ type: 'default' }, 'lv')!.map((c) => c.command)).toEqual(['start', 'help']);
    expect([...fake.commands.keys()].sort()).toEqual(['chat:42/ru', 'default', 'default/lv']);
    expect(await bot.api.getMyCommands({ language_code: 'lv' })).toHaveLength(2);
    expect(await bot.api.getMyCommands({ language_code: 'ru' })).toEqual([]);

    await bot.api.deleteMyCommands({ language_code: 'lv' });
    expect(fake.commandsFor(undefined, 'lv')).toBeUndefined();
    await expect(bot.api.setMyCommands([{ command: 'Bad-Name', description: 'x' }])).rejects.toMatchObject({ description: 'Bad Request: BOT_COMMAND_INVALID' });
    expect(await bot.api.setChatMenuButton({ menu_button: { type: 'commands' } })).toBe(true);
  });

  it('refuses what Telegram refuses: bad HTML, bad MarkdownV2, empty or long texts, long callback data', async () => {
    const fake = await fakeTelegram();
    const bot = newBot(fake);
    const cases: Array<[string, string]> = [
      ['<b>bold', `Can't find end tag corresponding to start tag "b"`],
      ['a < b', 'Unsupported start tag "" at byte offset 2'],
      ['<div>x</div>', 'Unsupported start tag "div" at byte offset 0'],
      ['<b><i>x</b></i>', 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'],
      ['x</b>', 'Unexpected end tag at byte offset 1'],
      ['<span>x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'],
      ['<a href=x y>', 'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0'],
      ['ā<br>', 'Unsupported start tag "br" at byte offset 2'],
    ];
    for (const [text, detail] of cases) {
      const err = await rejection(bot.api.sendMessage(1, text, { parse_mode: 'HTML' }));
      expect(err).toBeInstanceOf(GrammyError);
      expect(err).toMatchObject({ error_code: 400, description: `Bad Request: can't parse entities: ${detail}` });
    }

    const ok = await bot.api.sendMessage(
      1,
      '<b>b</b> <strong>s</strong> <i>i</i> <u>u</u> <s>x</s> <tg-spoiler>sp</tg-spoiler> <span class="tg-spoiler">sp2</span> ' +
        '<a href="https://example.com/?a=1&amp;b=2">link</a> <code>c</code> <pre><code class="language-ts">let x;</code></pre> ' +
        '<blockquote>q</blockquote> &lt;&gt;&amp;&quot;&#39;&#x41; AT&T &nbsp;',
      { parse_mode: 'HTML' },
    );
    expect(ok.text).toBe(`b s i u x sp sp2 link c let x; q <>&"'A AT&T &nbsp;`);
    expect(ok.entities!.map((e) => e.type)).toEqual(['bold', 'bold', 'italic', 'underline', 'strikethrough', 'spoiler', 'spoiler', 'text_link', 'code', 'pre', 'blockquote']);
    expect(ok.entities!.find((e) => e.type === 'text_link')).toMatchObject({ url: 'https://example.com/?a=1&b=2' });
    expect(ok.entities!.find((e) => e.type === 'pre')).toMatchObject({ language: 'ts' });

    await expect(bot.api.sendMessage(1, 'Hello.', { parse_mode: 'MarkdownV2' })).rejects.toMatchObject({
      description: "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    });
    expect((await bot.api.sendMessage(1, '*bold* and \\.', { parse_mode: 'MarkdownV2' })).entities).toEqual([{ type: 'bold', offset: 0, length: 4 }]);

    await expect(bot.api.sendMessage(1, '')).rejects.toMatchObject({ description: 'Bad Request: message text is empty' });
    await expect(bot.api.sendMessage(1, '<b> </b>', { parse_mode: 'HTML' })).rejects.toMatchObject({ description: 'Bad Request: message text is empty' });
    await expect(bot.api.sendMessage(1, 'x'.repeat(4097))).rejects.toMatchObject({ description: 'Bad Request: message is too long' });
    expect((await bot.api.sendMessage(1, `<b>${'x'.repeat(4096)}</b>`, { parse_mode: 'HTML' })).text).toHaveLength(4096);
    await expect(bot.api.sendMessage(1, 'x', { parse_mode: 'Textile' as 'HTML' })).rejects.toMatchObject({ description: 'Bad Request: unsupported parse_mode' });

    const tooLong = new InlineKeyboard().text('Too long', 'ā'.repeat(33)); // 66 bytes
    await expect(bot.api.sendMessage(1, 'buttons', { reply_markup: tooLong })).rejects.toMatchObject({ error_code: 400, description: 'Bad Request: BUTTON_DATA_INVALID' });
    const fits = new InlineKeyboard().text('Fits', 'ā'.repeat(32)); // 64 bytes
    expect((await bot.api.sendMessage(1, 'buttons', { reply_markup: fits })).reply_markup).toEqual({ inline_keyboard: [[{ text: 'Fits', callback_data: 'ā'.repeat(32) }]] });
    await expect(bot.api.sendMessage(undefined as unknown as number, 'x')).rejects.toMatchObject({ description: 'Bad Request: chat_id is empty' });
  });

  it('answers 429 with retry_after, which auto-retry waits out (time-scaled)', async () => {
    const fake = await fakeTelegram({ timeScale: 10 });
    const bot = newBot(fake);
    bot.api.config.use(autoRetry());

    fake.failNext('sendMessage', { status: 429, retryAfter: 2 });
    const t0 = performance.now();
    const sent = await bot.api.sendMessage(3, 'after the flood');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190); // 2 fake seconds = 200 ms
    expect(sent.text).toBe('after the flood');
    expect(fake.callsTo('sendMessage').map((c) => [c.status, c.description])).toEqual([
      [429, 'Too Many Requests: retry after 0.2'],
      [200, undefined],
    ]);
    expect(fake.messagesTo(3)).toHaveLength(1);

    const raw = newBot(fake); // no auto-retry: the error reaches the caller
    fake.failNext('sendMessage', { status: 429, retryAfter: 5 });
    const err = await rejection(raw.api.sendMessage(3, 'x'));
    expect(err).toMatchObject({ error_code: 429, description: 'Too Many Requests: retry after 0.5', parameters: { retry_after: 0.5 } });
  });

  it('injects faults on demand: 500, 403, dropped sockets, delays, per chat and count', async () => {
    const fake = await fakeTelegram();
    const bot = newBot(fake);

    fake.failNext('sendMessage', { status: 500 });
    await expect(bot.api.sendMessage(1, 'x')).rejects.toMatchObject({ error_code: 500, description: 'Internal Server Error' });

    fake.failNext('sendMessage', { drop: true });
    expect(await rejection(bot.api.sendMessage(1, 'x'))).toBeInstanceOf(HttpError);

    fake.failNext('sendMessage', { status: 400, description: 'Bad Request: chat not found' }, { chatId: 11, count: 2 });
    expect((await bot.api.sendMessage(10, 'other chat')).chat.id).toBe(10);
    await expect(bot.api.sendMessage(11, 'a')).rejects.toMatchObject({ description: 'Bad Request: chat not found' });
    await expect(bot.api.sendMessage(11, 'b')).rejects.toMatchObject({ description: 'Bad Request: chat not found' });
    expect((await bot.api.sendMessage(11, 'c')).text).toBe('c');

    fake.failNext('getMe', { delayMs: 300 });
    const t0 = performance.now();
    await bot.api.getMe();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);

    fake.blockUser(9);
    await expect(bot.api.sendMessage(9, 'hi')).rejects.toMatchObject({ error_code: 403, description: 'Forbidden: bot was blocked by the user' });
    await expect(bot.api.sendChatAction(9, 'typing')).rejects.toMatchObject({ error_code: 403 });
    fake.userSays({ userId: 9, text: 'I am back' }); // writing to the bot again unblocks it
    expect(await bot.api.sendChatAction(9, 'typing')).toBe(true);
    expect(fake.stats().faultsInjected).toBe(5);
  });

  it('delivers updates to a webhook with the secret header; getUpdates answers 409 meanwhile', async () => {
    const fake = await fakeTelegram({ webhookRetryMs: 50 });
    const bot = newBot(fake);
    bot.on('message:text', (ctx) => ctx.reply(`got ${ctx.message.text}`));
    const callback = webhookCallback(bot, 'http', { secretToken: 's3cr3t' });
    const secrets: Array<string | undefined> = [];
    const server = http.createServer((req, res) => {
      secrets.push(req.headers['x-telegram-bot-api-secret-token'] as string | undefined);
      callback(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/telegram`;

    expect(await bot.api.setWebhook(url, { secret_token: 's3cr3t' })).toBe(true);
    expect(await bot.api.getWebhookInfo()).toMatchObject({ url, pending_update_count: 0, has_custom_certificate: false });
    await expect(bot.api.getUpdates()).rejects.toMatchObject({ error_code: 409, description: expect.stringContaining("can't use getUpdates method while webhook is active") });

    fake.userSays({ userId: 77, text: 'hi via webhook' });
    await fake.waitForMessage(77, 'got hi via webhook');
    expect(secrets).toEqual(['s3cr3t']);
    await fake.waitFor(() => fake.webhookDeliveries[0]?.status); // recorded when the bot's answer to the POST arrives
    expect(fake.webhookDeliveries[0]).toMatchObject({ status: 200, url, secretSent: true });

    // a wrong secret: grammY answers 401, Telegram's side records the error and keeps the update
    await bot.api.setWebhook(url, { secret_token: 'stale' });
    fake.userSays({ userId: 77, text: 'second' });
    await fake.waitFor(() => fake.webhookDeliveries.some((d) => d.status === 401));
    const info = await bot.api.getWebhookInfo();
    expect(info.last_error_message).toBe('Wrong response from the webhook: 401 Unauthorized');
    expect(info.pending_update_count).toBe(1);
    await bot.api.setWebhook(url, { secret_token: 's3cr3t' });
    await fake.waitForMessage(77, 'got second');

    expect(await bot.api.deleteWebhook()).toBe(true);
    expect((await bot.api.getWebhookInfo()).url).toBe('');
  });

  it('executes a webhook reply (a method in the webhook response body)', async () => {
    const fake = await fakeTelegram();
    const bot = new Bot(fake.token, { client: { apiRoot: fake.apiRoot, canUseWebhookReply: (m) => m === 'sendMessage' } });
    bot.on('message:text', (ctx) => ctx.reply('inline answer'));
    const callback = webhookCallback(bot, 'http');
    const server = http.createServer((req, res) => void callback(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(resolve);
    }));
    await bot.api.setWebhook(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    fake.userSays({ userId: 3, text: 'hello' });
    await fake.waitForMessage(3, 'inline answer');
    expect(fake.callsTo('sendMessage')[0]!.via).toBe('webhook-reply');
  });
});

describe('FakeTelegram chats and users', () => {
  it('applies privacy mode in groups: commands for this bot and replies to it only', async () => {
    const fake = await fakeTelegram({});
    const group = { id: -1009990001, type: 'supergroup' as const, title: 'Eksperti' };
    const sent = await newBot(fake).api.sendMessage(group.id, 'Labdien');
    expect(fake.userSays({ userId: 31, chat: group, text: 'sveiki' }).update_id).toBe(-1);
    expect(fake.userSays({ userId: 31, chat: group, text: '/help@other_bot' }).update_id).toBe(-1);
    expect(fake.userSays({ userId: 31, chat: group, text: `/help@${fake.botUsername}` }).update_id).toBeGreaterThan(0);
    expect(fake.userSays({ userId: 31, chat: group, text: '/help' }).update_id).toBeGreaterThan(0);
    expect(fake.userSays({ userId: 31, chat: group, text: 'atbilde', replyTo: sent.message_id }).update_id).toBeGreaterThan(0);
    expect(fake.userSays({ userId: 31, text: 'privāti' }).update_id).toBeGreaterThan(0);
    const open = await fakeTelegram({ privacyMode: false });
    expect(open.userSays({ userId: 31, chat: group, text: 'sveiki' }).update_id).toBeGreaterThan(0);
  });

  it('handles groups, replies, unknown chats and webhook delivery errors', async () => {
    const fake = await fakeTelegram({ unknownChats: 'reject', webhookRetryMs: 10_000 });
    const bot = newBot(fake);
    bot.command('ping', (ctx) => ctx.reply('pong', { reply_parameters: { message_id: ctx.msg.message_id } }));
    run(bot);

    const group = { id: -1001234567890, type: 'supergroup' as const, title: 'Regional experts' };
    const ping = fake.userSays({ userId: 21, chat: group, text: `/ping@${fake.botUsername}` });
    expect(ping.message).toMatchObject({ chat: group, from: { id: 21, is_bot: false }, entities: [{ type: 'bot_command', offset: 0, length: 5 + fake.botUsername.length + 1 }] });
    const pong = await fake.waitForMessage(group.id, 'pong');
    expect(pong.message.reply_to_message).toMatchObject({ message_id: ping.message!.message_id, text: ping.message!.text });
    expect(await bot.api.getChat(group.id)).toMatchObject({ id: group.id, type: 'supergroup', title: 'Regional experts' });

    // like Telegram, a user who never wrote to the bot cannot be messaged
    await expect(bot.api.sendMessage(555, 'hi')).rejects.toMatchObject({ description: 'Bad Request: chat not found' });
    fake.addUser({ userId: 555, firstName: 'Ilze', languageCode: 'lv' });
    expect((await bot.api.sendMessage(555, 'hi')).chat).toMatchObject({ id: 555, first_name: 'Ilze' });
    await expect(bot.api.sendMessage(1, 'hi', { reply_parameters: { message_id: 999 } })).rejects.toMatchObject({ description: 'Bad Request: chat not found' });
    await expect(bot.api.sendMessage(555, 'hi', { reply_parameters: { message_id: 999 } })).rejects.toMatchObject({ description: 'Bad Request: message to be replied not found' });
    await bot.stop();

    // a webhook nobody listens on: the error shows in getWebhookInfo and the update stays pending
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await bot.api.setWebhook(`http://127.0.0.1:${port}/`);
    fake.userSays({ userId: 21, chat: group, text: '/ping' });
    await fake.waitFor(() => fake.webhookDeliveries.find((d) => d.error));
    expect(await bot.api.getWebhookInfo()).toMatchObject({ last_error_message: 'Connection refused', pending_update_count: 1 });
  });
});

describe('FakeTelegram rate limits', () => {
  it('answers 429 beyond perSecond, perChatPerSecond and perGroupPerMinute', async () => {
    // a fake second of 20 real seconds: the burst certainly lands inside one window, however slow the machine
    const fake = await fakeTelegram({ timeScale: 0.05, rateLimit: { perSecond: 5, perChatPerSecond: Infinity, perGroupPerMinute: Infinity } });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => api(fake, 'sendMessage', { chat_id: 100 + i, text: 'x' })));
    const refused = results.filter((r) => r.status === 429);
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    expect(refused).toHaveLength(7);
    for (const r of refused) {
      expect(r.error_code).toBe(429);
      expect(r.parameters!.retry_after).toBeGreaterThan(0);
      expect(r.description).toBe(`Too Many Requests: retry after ${r.parameters!.retry_after}`);
    }
    expect(fake.stats()).toMatchObject({ sends: 5, rateLimited: 7, maxPerSecond: 5 });

    fake.setRateLimit({ perSecond: Infinity, perChatPerSecond: 1, perGroupPerMinute: 2 });
    expect((await api(fake, 'sendMessage', { chat_id: 1, text: 'first' })).ok).toBe(true);
    expect((await api(fake, 'sendMessage', { chat_id: 1, text: 'second' })).status).toBe(429);
    expect((await api(fake, 'sendMessage', { chat_id: 2, text: 'another chat' })).ok).toBe(true);

    fake.setRateLimit({ perSecond: Infinity, perChatPerSecond: Infinity, perGroupPerMinute: 2 });
    fake.addChat({ id: -100123, type: 'supergroup', title: 'Experts' });
    expect((await api(fake, 'sendMessage', { chat_id: -100123, text: '1' })).ok).toBe(true);
    expect((await api(fake, 'sendMessage', { chat_id: -100123, text: '2' })).ok).toBe(true);
    const third = await api(fake, 'sendMessage', { chat_id: -100123, text: '3' });
    expect(third.status).toBe(429);
    expect(fake.messagesTo(-100123)).toHaveLength(2);
  });

  it('lets a grammY broadcast with auto-retry through at the allowed pace', async () => {
    const fake = await fakeTelegram({ timeScale: 20, rateLimit: { perSecond: 30 } });
    const bot = newBot(fake);
    bot.api.config.use(autoRetry());
    const chats = Array.from({ length: 200 }, (_, i) => 1000 + i);
    await Promise.all(chats.map((id) => bot.api.sendMessage(id, `news for ${id}`)));
    const stats = fake.stats();
    expect(stats.sends).toBe(200);
    expect(stats.maxPerSecond).toBeLessThanOrEqual(30);
    expect(stats.perSecond.reduce((a, b) => a + b, 0)).toBe(200);
    expect(stats.rateLimited).toBeGreaterThan(0);
    expect(new Set(fake.sent.map((s) => s.chatId)).size).toBe(200);
  });
});
