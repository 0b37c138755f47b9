import { strFromU8, unzipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordDriver } from '../helpers/discord-driver.ts';
import { DISCORD_CAPS, testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';
import { TelegramDriver } from '../helpers/telegram-driver.ts';
import { extendedPumpurs } from '../catalogue/helpers.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp | undefined;
let telegram: TelegramDriver | undefined;
let discord: DiscordDriver | undefined;
afterEach(async () => {
  await app?.stop();
  await telegram?.fake.stop();
  await discord?.stop();
  app = undefined;
  telegram = undefined;
  discord = undefined;
});

const NEW_TEXT = 'Extended until June 2027. Individual consultations';
const OLD_TEXT = 'Individual consultations (school subjects';

describe('Telegram: a coordinator sends a programme as a document', () => {
  it('previews, publishes, a mediator sees it at once; the history restores the first version; the export comes as a zip document', { timeout: 120_000 }, async () => {
    app = await testApp({ now: '2026-12-01T10:00:00Z' });
    await new TestUser(app, { platform: 'telegram', id: '201', caps: TELEGRAM_CAPS }).as('coordinator', 'riga', 'en');
    await new TestUser(app, { platform: 'telegram', id: '202', caps: TELEGRAM_CAPS }).as('mediator', 'talsi', 'en');
    telegram = await TelegramDriver.start(app);
    const text = TelegramDriver.text;

    const since = telegram.fake.sent.length;
    telegram.fake.userSends({ userId: 201, kind: 'document', fileName: 'ikvd-pumpurs.yaml', mimeType: 'application/x-yaml', bytes: extendedPumpurs() });
    const preview = text(await telegram.collect(201, since, 1));
    expect(preview).toContain('Valid until: 31 December 2023 → 30 June 2027');
    expect(preview).toContain('a Roma pupil in grade 3 at risk of leaving school, as of today: closed → likely eligible');

    expect(text(await telegram.press(201, 'Publish'))).toContain('In one line: why this change?');
    expect(text(await telegram.say(201, 'Extended until June 2027 by IKVD'))).toContain('Pumpurs (reducing early school leaving), version 2');
    expect(text(await telegram.say(202, '/programme pumpurs'))).toContain(NEW_TEXT);

    const history = text(await telegram.press(201, 'History'));
    expect(history).toContain('v2 · 1 Dec 2026 12:00');
    expect(history).toContain('v1 · 1 Dec 2026 12:00 · data/programmes · the initial catalogue');
    expect(text(await telegram.press(201, 'Restore v1'))).toContain('Restoring version 1');
    await telegram.press(201, 'Publish');
    expect(text(await telegram.press(201, 'Restored version 1'))).toContain('version 3');
    const back = text(await telegram.say(202, '/programme pumpurs'));
    expect(back).toContain(OLD_TEXT);
    expect(back).not.toContain(NEW_TEXT);

    const exported = await telegram.say(201, '/catalogue_export');
    const doc = exported.find((m) => m.kind === 'document')!;
    expect(doc.files[0]!.fileName).toBe('catalogue-2026-12-01.zip');
    const files = unzipSync(new Uint8Array(doc.files[0]!.bytes));
    expect(Object.keys(files)).toHaveLength(19);
    expect(strFromU8(files['ikvd-pumpurs.yaml']!)).toContain('until: 2023-12-31');
    // Button data stays within Telegram's 64 bytes.
    for (const m of telegram.fake.messagesTo(201)) {
      for (const b of ((m.replyMarkup as { inline_keyboard?: Array<Array<{ callback_data?: string }>> } | undefined)?.inline_keyboard ?? []).flat()) {
        expect(Buffer.byteLength(b.callback_data ?? '')).toBeLessThanOrEqual(64);
      }
    }
  });
});

const U = (n: number) => `2000000000000${String(n).padStart(5, '0')}`;

describe('Discord: a coordinator sends a programme as an attachment in a direct message', () => {
  it('previews, publishes, a mediator sees it at once, and restoring the first version brings the old text back', { timeout: 120_000 }, async () => {
    app = await testApp({ now: '2026-12-01T10:00:00Z' });
    await new TestUser(app, { platform: 'discord', id: U(1), caps: DISCORD_CAPS }).as('coordinator', 'riga', 'en');
    await new TestUser(app, { platform: 'discord', id: U(2), caps: DISCORD_CAPS }).as('mediator', 'talsi', 'en');
    discord = await DiscordDriver.start(app);
    const text = DiscordDriver.text;
    const hasButton = (label: string) => (msgs: Array<{ components: unknown[] }>) => JSON.stringify(msgs.map((m) => m.components)).includes(label);

    const preview = (await discord.dmFile(U(1), 'ikvd-pumpurs.yaml', extendedPumpurs(), hasButton('Publish'))).join('\n');
    expect(preview).toContain('Valid until: 31 December 2023 → 30 June 2027');
    expect(preview).toContain('closed → likely eligible');

    expect(text(await discord.press(U(1), 'Publish'))).toContain('In one line: why this change?');
    expect((await discord.dm(U(1), 'Extended until June 2027 by IKVD', hasButton('History'))).join('\n')).toContain('version 2');
    expect(text(await discord.slash(U(2), 'programme', { name: 'pumpurs' }))).toContain(NEW_TEXT);

    expect(text(await discord.press(U(1), 'History'))).toContain('v1 · 1 Dec 2026 12:00 · data/programmes');
    expect(text(await discord.press(U(1), 'Restore v1'))).toContain('Restoring version 1');
    await discord.press(U(1), 'Publish');
    expect(text(await discord.press(U(1), 'Restored version 1'))).toContain('version 3');
    const back = text(await discord.slash(U(2), 'programme', { name: 'pumpurs' }));
    expect(back).toContain(OLD_TEXT);
    expect(back).not.toContain(NEW_TEXT);

    const exported = await discord.slash(U(1), 'catalogue_export');
    const zip = exported.flatMap((r) => r.attachments).find((a) => a.filename.endsWith('.zip'))!;
    expect(Object.keys(unzipSync(new Uint8Array(zip.bytes)))).toHaveLength(19);
  });
});
