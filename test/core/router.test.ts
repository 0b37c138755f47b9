import { afterEach, describe, expect, it } from 'vitest';
import { anyone, staff } from '../../src/core/access.ts';
import { esc } from '../../src/core/markup.ts';
import { text } from '../../src/core/types.ts';
import { testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';
import type { App } from '../../src/app.ts';

let app: App;
afterEach(async () => app?.stop());

describe('router', () => {
  it('answers /help with the commands this role may use, in the person’s language', async () => {
    app = await testApp();
    const guest = new TestUser(app, { id: 'g' });
    await guest.send('/help');
    expect(guest.text()).toContain('/start');
    expect(guest.text()).toContain('Jums pieejamās komandas');
    await guest.send('/language en');
    // The answer to the change is already in the new language.
    expect(guest.text()).toContain('What next?');
    await guest.send('/help');
    expect(guest.text()).toContain('Commands you can use');
  });

  it('suggests the closest command for a typo and lists /help for an unknown one', async () => {
    app = await testApp();
    const u = new TestUser(app);
    await u.send('/hepl');
    expect(u.text()).toContain('/help?');
    await u.send('/zzzzzzzz');
    expect(u.text()).toContain('/zzzzzzzz');
    expect(u.text()).toContain('/help');
  });

  it('checks access before a command runs and does not run it when denied', async () => {
    app = await testApp();
    let ran = 0;
    app.registry.add({
      name: 'secret',
      commands: [{ name: 'secret', access: [staff], description: 'people:commands.help', handle: async () => (ran++, [text(esc('ok'))]) }],
      actions: [{ id: 'secret:do', access: [staff], handle: async () => (ran++, [text(esc('done'))]) }],
    });
    const expert = await new TestUser(app, { id: 'e' }).as('expert');
    await expert.send('/secret');
    expect(expert.text()).toMatch(/only for coordinators/);
    await expert.action('secret:do:1');
    expect(expert.text()).toMatch(/only for coordinators/);
    expect(ran).toBe(0);
    const coordinator = await new TestUser(app, { id: 'c' }).as('coordinator');
    await coordinator.send('/secret');
    expect(coordinator.text()).toBe('ok');
    expect(ran).toBe(1);
  });

  it('treats admins named by configuration as admins whatever their stored role', async () => {
    app = await testApp({ env: { BOT_ADMINS: 'telegram:42' } });
    const admin = new TestUser(app, { platform: 'telegram', id: '42', caps: TELEGRAM_CAPS });
    await admin.send('/help');
    expect(admin.text()).toMatch(/administr/);
  });

  it('says a button from an unknown or old action has expired and offers a menu', async () => {
    app = await testApp();
    const u = new TestUser(app);
    await u.action('nope:nothing:1');
    expect(u.text()).toMatch(/vairs nav aktīva/);
    expect(u.choices().length).toBeGreaterThan(0);
    await u.action('~abcdef:lang:en');
    expect(u.text()).toMatch(/vairs nav aktīva/);
  });

  it('lets a typed key pick a choice and refuses a key that is not on offer', async () => {
    app = await testApp();
    const u = new TestUser(app);
    await u.send('/language');
    expect(u.choices().map((c) => c.key)).toEqual(['1', '2', '3']);
    await u.send('2');
    expect(u.text()).toContain('Language: English');
    await u.send('/language');
    await u.send('7');
    expect(u.text()).toContain('from 1 to 3');
    await u.send('Русский');
    expect(u.text()).toContain('Язык: русский');
  });

  it('keeps button data within the platform limit by referring to long actions', async () => {
    app = await testApp();
    const long = `x:y:${'a'.repeat(100)}`;
    app.registry.add({
      name: 'long',
      commands: [{ name: 'long', access: [anyone], description: 'people:commands.help', handle: async () => [text(esc('pick'), [[{ label: 'L', action: long }]])] }],
      actions: [{ id: 'x:y', access: [anyone], handle: async (_ctx, args) => [text(esc(`got ${args[0]!.length}`))] }],
    });
    const u = new TestUser(app, { platform: 'telegram', id: '7', caps: TELEGRAM_CAPS });
    await u.send('/long');
    const data = u.choices()[0]!.action;
    expect(Buffer.byteLength(data)).toBeLessThanOrEqual(64);
    await u.action(data);
    expect(u.text()).toBe('got 100');
  });

  it('refuses a clash of command names at start-up', async () => {
    app = await testApp();
    expect(() =>
      app.registry.add({ name: 'dup', commands: [{ name: 'help', access: [anyone], description: 'x', handle: async () => [] }] }),
    ).toThrow(/twice/);
  });
});
