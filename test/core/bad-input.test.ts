import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { testApp, TestUser } from '../helpers/harness.ts';

let app: App;
afterEach(async () => app?.stop());

async function snapshot(app: App) {
  const db = app.database.db;
  return JSON.stringify({
    persons: await db.selectFrom('persons').select(['id', 'role', 'requested_role', 'municipality', 'language', 'registered_at']).orderBy('id').execute(),
    conversations: await db.selectFrom('chat_state').select(['person_id', 'flow', 'state']).where('flow', 'is not', null).execute(),
  });
}

describe('bad input gets a clear, localized answer and changes nothing', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['an empty line', '', /tukša/],
    ['only spaces and control characters', ' \u0000\u0007\u001b \t', /tukša/],
    ['a 20,000-character line', 'ā'.repeat(20_000), /par garu: 20000 rakstzīm.*4000/],
    ['an unknown command', '/teleport now', /\/teleport nepazīstu/],
    ['a number with no choices pending', '3', /nav, no kā izvēlēties/],
    ['emoji', '🙂👍🏽', /komandām un pogām/],
    ['right-to-left text', 'مرحبا بكم', /komandām un pogām/],
    ['a bidirectional override', '\u202Egnp.exe', /komandām un pogām/],
  ];

  for (const [what, input, answer] of cases) {
    it(`answers ${what}`, async () => {
      app = await testApp();
      const u = new TestUser(app, { id: 'x' });
      await u.send('/help'); // creates the person; no choices pending except the menu
      await u.send('/cancel');
      const before = await snapshot(app);
      await app.database.db.updateTable('chat_state').set({ choices: null, choices_updated_at: null }).execute(); // no buttons on offer
      await u.send(input);
      expect(u.text()).toMatch(answer);
      expect(await snapshot(app)).toBe(before);
    });
  }

  it('keeps a conversation intact through bad input in the middle of it', async () => {
    app = await testApp();
    const u = new TestUser(app, { id: 'y' });
    await u.send('/start');
    await u.press('English');
    const before = await snapshot(app);
    for (const bad of ['', 'x'.repeat(20_000), '/nonsense', '🙂']) await u.send(bad);
    expect(await snapshot(app)).toBe(before);
    await u.send('1');
    expect(u.text()).toContain('Which municipality');
  });

  it('names the valid range when a typed number is not among the choices', async () => {
    app = await testApp();
    const u = new TestUser(app, { id: 'v' });
    await u.send('/language');
    await u.send('9');
    expect(u.text()).toMatch(/no 1 līdz 3/);
    await u.send('1');
    expect(u.text()).toMatch(/Valoda: latviešu/);
  });

  it('answers stickers and other non-text messages with a hint', async () => {
    app = await testApp();
    const u = new TestUser(app, { id: 'z' });
    await u.deliver({ type: 'unsupported', what: 'sticker' });
    expect(u.text()).toMatch(/tikai tekstu un pogas/);
  });

  it('escapes what people type when it is shown back', async () => {
    app = await testApp();
    const u = new TestUser(app, { id: 'w' });
    await u.send('/language <b>xx</b>');
    const reply = u.last[0]!;
    expect(reply.kind === 'text' && reply.text).toContain('&lt;b&gt;');
  });
});
