import { afterEach, describe, expect, it } from 'vitest';
import { FakeTelegram, parseHtml } from '../fakes/telegram-bot-api.ts';
import { DiscordDriver } from '../helpers/discord-driver.ts';
import { TelegramDriver } from '../helpers/telegram-driver.ts';
import { DISCORD_CAPS, testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp | undefined;
let discord: DiscordDriver | undefined;
let telegram: FakeTelegram | undefined;
afterEach(async () => {
  await app?.stop();
  await discord?.stop();
  await telegram?.stop();
  app = undefined;
  discord = undefined;
  telegram = undefined;
});

describe('one bot on Discord and Telegram at once', () => {
  it('an announcement written on Discord with overlapping markdown reaches Telegram members formatted', async () => {
    app = await testApp({ now: '2026-11-20T10:00:00Z' });
    telegram = await FakeTelegram.start({ botUsername: 'roma_network_bot' });
    const tgAdapter = await TelegramDriver.adapter(app, telegram);
    discord = await DiscordDriver.start(app, { with: [tgAdapter] });
    for (const id of ['81', '82']) await new TestUser(app, { platform: 'telegram', id, caps: TELEGRAM_CAPS }).as('expert', 'talsi', 'lv');
    const coordinator = '100000000000000700';
    await new TestUser(app, { platform: 'discord', id: coordinator, caps: DISCORD_CAPS }).as('coordinator', 'riga', 'en');

    await discord.slash(coordinator, 'announce', {}, { dm: true });
    // A backtick span that starts inside a bold marker pair and ends outside it, and underline around italics.
    await discord.dm(coordinator, 'Meeting `x **y` z** soon, __very *much* so__');
    for (const step of ['Meeting', 'Everyone', 'All platforms', 'Now', 'No file', 'Send now']) await discord.press(coordinator, step);

    const got = await telegram.waitForMessage(81, 'Meeting', { timeoutMs: 15_000 });
    await telegram.waitForMessage(82, 'Meeting', { timeoutMs: 15_000 });
    expect(got.text).toContain('Meeting <code>x **y</code> z** soon, <u>very <i>much</i> so</u>');
    expect(got.entities?.map((e) => e.type)).toEqual(expect.arrayContaining(['code', 'underline', 'italic']));
    expect(parseHtml(got.text!).text).toContain('Meeting x **y z** soon, very much so');
  }, 30_000);
});
