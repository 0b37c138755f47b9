import { afterEach, describe, expect, it } from 'vitest';
import { testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';

let app: Awaited<ReturnType<typeof testApp>>;
afterEach(async () => app?.stop());

const CYRILLIC = /[\u0400-\u04FF]/;

/** The account as the core left it after an update: what the directory, exports and language fallback read. */
async function account(id: string) {
  return app.database.db.selectFrom('identities').select(['username', 'language_hint', 'last_seen_at']).where('key', '=', `telegram:${id}`).executeTakeFirstOrThrow();
}

describe('who is writing, read with the chat state at the start of each update', () => {
  it('keeps a known account current: a new username and platform language are recorded, what a platform left out is kept', async () => {
    app = await testApp({ now: '2026-11-30T09:00:00Z' });
    const as = (o: { username?: string; languageHint?: string }) => new TestUser(app, { platform: 'telegram', id: '41', caps: TELEGRAM_CAPS, ...o });

    await as({ username: 'mediatore', languageHint: 'en' }).send('/help');
    expect(await account('41')).toEqual({ username: 'mediatore', language_hint: 'en', last_seen_at: '2026-11-30T09:00:00.000Z' });

    // Telegram set to Russian and a new username: both recorded at once, and the answer follows the language for
    // someone who never chose one.
    app.clock.advance(60_000);
    const ru = as({ username: 'mediatore_riga', languageHint: 'ru' });
    await ru.send('/help');
    expect(ru.text()).toMatch(CYRILLIC);
    expect(await account('41')).toEqual({ username: 'mediatore_riga', language_hint: 'ru', last_seen_at: '2026-11-30T09:01:00.000Z' });

    // An update that carries neither (a button press) changes nothing and still answers in Russian.
    app.clock.advance(60_000);
    const bare = as({});
    await bare.send('/help');
    expect(bare.text()).toMatch(CYRILLIC);
    expect(await account('41')).toEqual({ username: 'mediatore_riga', language_hint: 'ru', last_seen_at: '2026-11-30T09:01:00.000Z' });

    // Seen again after more than an hour: the time is refreshed.
    app.clock.advance(61 * 60_000);
    await bare.send('/help');
    expect((await account('41')).last_seen_at).toBe('2026-11-30T10:03:00.000Z');
  });

  it('answers a registered member by their role and chosen language from the first message on', async () => {
    app = await testApp({ now: '2026-11-30T09:00:00Z' });
    const coordinator = await new TestUser(app, { platform: 'telegram', id: '42', caps: TELEGRAM_CAPS, languageHint: 'ru' }).as('coordinator', 'riga', 'lv');
    const guest = new TestUser(app, { platform: 'telegram', id: '43', caps: TELEGRAM_CAPS, languageHint: 'ru' });
    await coordinator.send('/help');
    await guest.send('/help');
    // The chosen Latvian wins over the platform's Russian, and a coordinator is offered more than a guest.
    expect(coordinator.text()).not.toMatch(CYRILLIC);
    expect(guest.text()).toMatch(CYRILLIC);
    expect(coordinator.text().split('\n').length).toBeGreaterThan(guest.text().split('\n').length);
  });
});
