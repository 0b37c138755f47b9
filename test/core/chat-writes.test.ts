import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { anyone } from '../../src/core/access.ts';
import { flowChoice, type FlowDef } from '../../src/core/flows.ts';
import { esc } from '../../src/core/markup.ts';
import { text } from '../../src/core/types.ts';
import { ON_POSTGRES, testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';

let app: Awaited<ReturnType<typeof testApp>>;
afterEach(async () => app?.stop());

/** /count: a conversation that counts presses of "+1" (or the typed key 1) and ends on "Done", with its total. */
function addCounter(app: App) {
  const step = (n: number) => ({
    state: n,
    replies: [text(esc(`Count ${n}`), [[flowChoice('+1', 'up'), flowChoice('Done', 'done')]])],
  });
  const counter: FlowDef<number> = {
    name: 'count',
    start: async () => step(0),
    input: async (_ctx, n, input) =>
      input.type === 'choice' && input.value === 'done' ? { done: true, replies: [text(esc(`Total ${n}`), [[{ label: 'Again', action: 'cmd:run:count' }]])] } : step(n + 1),
  };
  app.registry.add({ name: 'counter', commands: [{ name: 'count', access: [anyone], description: 'people:commands.help', handle: (ctx) => ctx.startFlow('count') }], flows: [counter] });
}

const rows = async (app: App) => ({
  conversations: (await app.database.db.selectFrom('chat_state').select(['flow', 'state']).where('flow', 'is not', null).execute()).map((r) => `${r.flow} ${JSON.parse(r.state!).s}`),
  choices: (await app.database.db.selectFrom('chat_state').select('choices').where('choices', 'is not', null).execute()).map((r) => (JSON.parse(r.choices!) as Array<{ label: string }>).map((c) => c.label)),
});

describe('a conversation step and its buttons, kept together', () => {
  it('go on from a press, a typed key and a restart, and end leaving the last answer\'s buttons', async () => {
    app = await testApp();
    addCounter(app);
    const u = new TestUser(app, { platform: 'telegram', id: '7', caps: TELEGRAM_CAPS });
    await u.send('/count');
    expect(await rows(app)).toEqual({ conversations: ['count 0'], choices: [['+1', 'Done']] });
    await u.press('+1');
    expect(u.text()).toBe('Count 1');
    await u.send('1');
    expect(u.text()).toBe('Count 2');
    expect(await rows(app)).toEqual({ conversations: ['count 2'], choices: [['+1', 'Done']] });
    await u.press('Done');
    expect(u.text()).toBe('Total 2');
    expect(await rows(app)).toEqual({ conversations: [], choices: [['Again']] });
    await u.send('1');
    expect(u.text()).toBe('Count 0');
    expect(await rows(app)).toEqual({ conversations: ['count 0'], choices: [['+1', 'Done']] });
  });

  // A write refused by the database (a full disk, say) is made here by a trigger: SQLite's syntax.
  it.skipIf(ON_POSTGRES)('when the step cannot be kept, the person is told something went wrong instead of shown a dead question', async () => {
    app = await testApp();
    addCounter(app);
    const u = new TestUser(app, { platform: 'telegram', id: '7', caps: TELEGRAM_CAPS });
    await u.send('/count');
    const plus = u.choices().find((c) => c.label === '+1')!.action;
    await sql`create trigger refuse before update of state on chat_state begin select raise(abort, 'disk full'); end`.execute(app.database.db);
    await u.action(plus);
    expect(u.text()).not.toContain('Count');
    expect(u.text()).toBe(app.i18n.translator('lv').t('common:errors.internal').toString());
    await sql`drop trigger refuse`.execute(app.database.db);
    // The conversation is where it was: its buttons still count from 0.
    await u.action(plus);
    expect(u.text()).toBe('Count 1');
  });

  it.skipIf(ON_POSTGRES)('a step whose buttons cannot be remembered is not kept either: both or neither', async () => {
    app = await testApp();
    addCounter(app);
    const u = new TestUser(app, { platform: 'telegram', id: '7', caps: TELEGRAM_CAPS });
    await u.send('/count');
    await u.press('+1');
    const before = await rows(app);
    expect(before).toEqual({ conversations: ['count 1'], choices: [['+1', 'Done']] });
    const plus = u.choices().find((c) => c.label === '+1')!.action;
    await sql`create trigger refuse before update of choices on chat_state begin select raise(abort, 'disk full'); end`.execute(app.database.db);
    await u.action(plus);
    expect(u.text()).toBe(app.i18n.translator('lv').t('common:errors.internal').toString());
    expect(await rows(app)).toEqual(before);
    await sql`drop trigger refuse`.execute(app.database.db);
    await u.action(plus);
    expect(u.text()).toBe('Count 2');
  });
});
