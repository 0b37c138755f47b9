import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { TELEGRAM_CAPS, TestUser, testApp } from '../helpers/harness.ts';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

/** A Russian speaker writes names in Cyrillic and in Russian forms; the bot understands them as it does Latin ones. */
describe('Russian speakers', () => {
  it('registers a Russian speaker who types "Даугавпилс" in Daugavpils, with Russian names shown back', async () => {
    app = await testApp({ now: '2026-12-01T10:00:00Z' });
    const u = new TestUser(app, { platform: 'telegram', id: 'oleg', caps: TELEGRAM_CAPS });
    await u.send('/start');
    await u.press('Русский');
    await u.press('Ромский медиатор');
    expect(u.text()).toContain('В каком самоуправлении вы работаете?');
    await u.send('Даугавпилс');
    expect(u.text()).toContain('Самоуправление: Даугавпилс');
    await u.press('Подтвердить');
    const row = await app.database.db.selectFrom('persons').select(['municipality', 'language', 'requested_role']).executeTakeFirstOrThrow();
    expect(row).toEqual({ municipality: 'daugavpils', language: 'ru', requested_role: 'mediator' });
  });

  it('finds a municipality in a Russian case form and shows region buttons with Russian names', async () => {
    app = await testApp({ now: '2026-12-01T10:00:00Z' });
    const u = new TestUser(app, { platform: 'telegram', id: 'ira', caps: TELEGRAM_CAPS });
    await u.send('/start');
    await u.press('Русский');
    await u.press('Региональный эксперт');
    await u.press('Курземе');
    expect(u.choices().map((c) => c.label)).toContain('Талсинский край');
    await u.send('в Талсинском крае');
    expect(u.text()).toContain('Самоуправление: Талсинский край');
  });

  it('unsubscribes by the kind names its buttons show, in Latvian and Russian and their forms', async () => {
    app = await testApp({ now: '2026-12-01T10:00:00Z' });
    const ru = await new TestUser(app, { id: 'ru' }).as('expert', 'daugavpils', 'ru');
    const optouts = async () => (await app!.database.db.selectFrom('announcement_optouts').select('kind').execute()).map((r) => r.kind).sort();
    await ru.send('/unsubscribe Визит');
    expect(ru.choices().map((c) => c.label)).toContain('✗ Визит');
    await ru.send('/unsubscribe встречи');
    expect(await optouts()).toEqual(['meeting', 'visit']);
    await ru.send('/subscribe все');
    expect(await optouts()).toEqual([]);
    const lv = await new TestUser(app, { id: 'lv' }).as('expert', 'talsi', 'lv');
    await lv.send('/unsubscribe Vizīte');
    await lv.send('/unsubscribe termiņi');
    expect(await optouts()).toEqual(['deadline', 'visit']);
    await lv.send('/unsubscribe kaut kas');
    expect(lv.text()).toContain('Veida „kaut kas” nav');
  });

  it('finds visits, contacts and languages written in Cyrillic', async () => {
    app = await testApp({ now: '2026-12-01T10:00:00Z' });
    const u = await new TestUser(app, { id: 'ru' }).as('expert', 'daugavpils', 'ru');
    await u.send('/agenda Сабиле');
    expect(u.text()).toContain('Talsu novads');
    await u.send('/contacts Даугавпилс');
    expect(u.text()).toContain('Контакты: Даугавпилс');
    await u.send('/language latviešu');
    expect(u.text()).toContain('Valoda: latviešu');
    await u.send('/language по-русски');
    expect(u.text()).toContain('Язык: русский');
  });

  it('runs commands typed in Russian or Latvian words, which the platforms cannot register', async () => {
    app = await testApp({ now: '2026-12-01T10:00:00Z' });
    const u = await new TestUser(app, { id: 'ru' }).as('expert', 'daugavpils', 'ru');
    await u.send('/помощь');
    expect(u.text()).toContain('Доступные вам команды');
    await u.send('/язык latviešu');
    expect(u.text()).toContain('Valoda: latviešu');
    await u.send('/vizītes');
    expect(u.text()).toContain('Notikušās');
    await u.send('/какая-то');
    expect(u.text()).toContain('Es atbildu uz komandām un pogām');
  });
});
