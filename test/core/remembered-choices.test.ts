import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { anyone } from '../../src/core/access.ts';
import { esc } from '../../src/core/markup.ts';
import { text } from '../../src/core/types.ts';
import { testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';
import { MemoryAdapter } from '../helpers/memory-adapter.ts';

let app: Awaited<ReturnType<typeof testApp>>;
afterEach(async () => app?.stop());

/** A feature answering /pick with the same two buttons every time; /both also sends a message first to the asker. */
function addPickFeature(app: App, picked: string[]) {
  const pick = () => [text(esc('Pick one'), [[{ label: 'Red', action: 'pick:go:red' }, { label: 'Blue', action: 'pick:go:blue' }]])];
  app.registry.add({
    name: 'pick',
    commands: [
      { name: 'pick', access: [anyone], description: 'people:commands.help', handle: async () => pick() },
      {
        name: 'both',
        access: [anyone],
        description: 'people:commands.help',
        handle: async (ctx) => {
          await app.messenger.send({ platform: 'telegram', chatId: ctx.incoming.chat.chatId }, text(esc('Sent first'), [[{ label: 'Green', action: 'pick:go:green' }]]));
          return pick();
        },
      },
    ],
    actions: [{ id: 'pick:go', access: [anyone], handle: async (_ctx, args) => (picked.push(args[0] ?? ''), [text(esc(`picked ${args[0]}`))]) }],
  });
}

describe('choices remembered for typing', () => {
  it('stay usable when an answer shows the same buttons again, and go when an answer shows none', async () => {
    app = await testApp();
    const picked: string[] = [];
    addPickFeature(app, picked);
    const u = new TestUser(app, { platform: 'telegram', id: '7', caps: TELEGRAM_CAPS });
    await u.send('/pick');
    await u.send('/pick');
    await u.send('2');
    expect(picked).toEqual(['blue']);
    await u.send('/pick');
    await u.send('1');
    expect(picked).toEqual(['blue', 'red']);
    // "picked red" has no buttons: a number typed now is not a choice.
    await u.send('1');
    expect(picked).toEqual(['blue', 'red']);
  });

  it('are those of the answer even when a message with other buttons went to the same chat meanwhile', async () => {
    app = await testApp();
    const adapter = new MemoryAdapter('telegram', TELEGRAM_CAPS);
    await app.start([adapter]);
    const picked: string[] = [];
    addPickFeature(app, picked);
    const u = new TestUser(app, { platform: 'telegram', id: '7', caps: TELEGRAM_CAPS });
    await u.send('/pick');
    await u.send('/both');
    expect(adapter.to('7').map((d) => d.text)).toContain('Sent first');
    // The answer came last, so its buttons are the ones typed keys stand for, as on the screen.
    await u.send('1');
    expect(picked).toEqual(['red']);
  });

  it('are written again when unchanged only after an hour, so the daily sweep does not take a list in use', async () => {
    app = await testApp();
    addPickFeature(app, []);
    const u = new TestUser(app, { platform: 'telegram', id: '7', caps: TELEGRAM_CAPS });
    const updatedAt = async () => (await app.database.db.selectFrom('chat_state').select('choices_updated_at').executeTakeFirstOrThrow()).choices_updated_at;
    await u.send('/pick');
    const first = await updatedAt();
    app.clock.advance(30 * 60_000);
    await u.send('/pick');
    expect(await updatedAt()).toBe(first);
    app.clock.advance(31 * 60_000);
    await u.send('/pick');
    expect(await updatedAt()).toBe(app.clock.now().toISOString());
  });
});
