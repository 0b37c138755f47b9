import { afterEach, describe, expect, it } from 'vitest';
import { anyone } from '../../src/core/access.ts';
import { esc } from '../../src/core/markup.ts';
import type { Choice } from '../../src/core/types.ts';
import { text } from '../../src/core/types.ts';
import { testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('button data longer than the platform carries', () => {
  it('keeps meaning what it meant when shown, whatever was sent after it', async () => {
    app = await testApp();
    const done: string[] = [];
    const long = (what: string) => `data:do:${what}:${'x'.repeat(80)}`; // over Telegram's 64 bytes
    const button = (what: string): Choice[][] => [[{ label: what, action: long(what) }]];
    app.registry.add({
      name: 'data',
      commands: [
        { name: 'keep', access: [anyone], description: 'people:commands.help', handle: async () => [text(esc('Keep?'), button('keep'))] },
        { name: 'erase', access: [anyone], description: 'people:commands.help', handle: async () => [text(esc('Erase?'), button('erase'))] },
      ],
      actions: [{ id: 'data:do', access: [anyone], handle: async (_ctx, [what]) => (done.push(what!), [text(esc(`done ${what}`))]) }],
    });
    const u = new TestUser(app, { platform: 'telegram', id: '9', caps: TELEGRAM_CAPS });
    await u.send('/keep');
    const keep = u.choices()[0]!;
    expect('action' in keep && Buffer.byteLength(keep.action)).toBeLessThanOrEqual(64);
    await u.send('/erase');
    const erase = u.choices()[0]!;
    // The older "keep" button, pressed after the "erase" message arrived, still keeps.
    if (!('action' in keep) || !('action' in erase)) throw new Error('not action buttons');
    expect(keep.action).not.toBe(erase.action);
    await u.action(keep.action);
    await u.action(erase.action);
    expect(done).toEqual(['keep', 'erase']);
    // Data nobody stored is an expired button, not someone else's action.
    await u.action('@nosuchreference000');
    expect(u.text()).toContain('vairs nav aktīva');
  });
});
