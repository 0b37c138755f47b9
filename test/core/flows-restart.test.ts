import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, testApp, TestUser } from '../helpers/harness.ts';

let app: Awaited<ReturnType<typeof testApp>> | undefined;
afterEach(async () => app?.stop());

describe('conversations survive a restart', () => {
  it('continues /start where the person was after the database is closed and reopened', async () => {
    const dbFile = join(tempDir(), 'bot.sqlite');
    app = await testApp({ dbFile });
    let u = new TestUser(app, { id: 'maija' });
    await u.send('/start');
    await u.press('English');
    expect(u.text()).toContain('What is your role');
    await app.stop();

    app = await testApp({ dbFile });
    u = new TestUser(app, { id: 'maija' });
    await u.send('2'); // Roma mediator, typed as on a terminal after the restart
    expect(u.text()).toContain('Which municipality');
    await u.send('Ventspils');
    expect(u.text()).toMatch(/Several municipalities|Please check/);
    if (u.text().includes('Several')) await u.press('Ventspils Municipality');
    expect(u.text()).toContain('Roma mediator');
    await u.press('Confirm');
    expect(u.text()).toContain('waiting for a coordinator');

    const row = await app.database.db.selectFrom('persons').selectAll().executeTakeFirstOrThrow();
    expect(row.requested_role).toBe('mediator');
    expect(row.role).toBe('guest');
    expect(row.language).toBe('en');
    expect(row.municipality).toBe('ventspils-novads');
  });

  it('expires the buttons of a step already answered', async () => {
    app = await testApp();
    const u = new TestUser(app, { id: 'a' });
    await u.send('/start');
    const english = u.choices().find((c) => c.label === 'English')!.action;
    await u.action(english);
    await u.action(english);
    expect(u.text()).toMatch(/no longer active/);
  });

  it('forgets an untouched conversation after a day', async () => {
    app = await testApp();
    const u = new TestUser(app, { id: 'b' });
    await u.send('/start');
    await u.press('English');
    app.clock.advance(25 * 60 * 60 * 1000);
    expect(await app.core.sweep()).toBe(1);
    // Its buttons were a day old too: nothing of the chat is left.
    expect(await app.database.db.selectFrom('chat_state').selectAll().execute()).toEqual([]);
    await u.send('Talsi');
    expect(u.text()).not.toContain('Please check');
  });

  it('keeps a chat\'s recent buttons when its conversation expires, and nothing once they are old too', async () => {
    app = await testApp();
    const u = new TestUser(app, { id: 'c' });
    await u.send('/start');
    await u.press('English');
    app.clock.advance(23 * 60 * 60 * 1000);
    await u.send('/help'); // new buttons, outside the conversation
    app.clock.advance(2 * 60 * 60 * 1000);
    expect(await app.core.sweep()).toBe(1);
    const left = await app.database.db.selectFrom('chat_state').select(['flow', 'state', 'choices']).execute();
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ flow: null, state: null });
    expect(left[0]!.choices).not.toBeNull();
    app.clock.advance(24 * 60 * 60 * 1000);
    expect(await app.core.sweep()).toBe(0);
    expect(await app.database.db.selectFrom('chat_state').selectAll().execute()).toEqual([]);
  });
});
