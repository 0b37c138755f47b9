import { afterEach, describe, expect, it } from 'vitest';
import type { Adapter } from '../../src/core/adapter.ts';
import { DeliveryError } from '../../src/core/adapter.ts';
import { toPlain } from '../../src/core/markup.ts';
import type { Address, Reply } from '../../src/core/types.ts';
import { TELEGRAM_CAPS, testApp, TestUser } from '../helpers/harness.ts';
import { insertVisit, numbered } from './helpers.ts';

let app: Awaited<ReturnType<typeof testApp>> | undefined;
afterEach(async () => app?.stop());

const VISIT = '2031-03-12-valmiera';

/** A platform that records what it is asked to send; chat "blocked" refuses, as a user who blocked the bot. */
function fakeTelegram(sent: Array<{ address: Address; reply: Reply }>): Adapter {
  return {
    platform: 'telegram',
    capabilities: TELEGRAM_CAPS,
    start: async () => {},
    stop: async () => {},
    send: async (address, reply) => {
      if (address.chatId === 'blocked') throw new DeliveryError({ kind: 'unreachable', reason: 'bot was blocked by the user' });
      sent.push({ address, reply });
      return [{ address, messageId: String(sent.length) }];
    },
  };
}

describe('/ideas_remind', () => {
  it('reminds registered experts without a list, in their language, and counts who could not be reached', async () => {
    app = await testApp({ now: '2031-03-12T10:00:00Z' });
    await insertVisit(app, { id: VISIT, starts_on: '2031-03-12', title: 'Valmiera visit' });
    const sent: Array<{ address: Address; reply: Reply }> = [];
    app.messenger.register(fakeTelegram(sent));

    const coordinator = await new TestUser(app, { id: 'coord' }).as('coordinator');
    await coordinator.send('/ideas_remind');
    expect(coordinator.text()).toContain('is not open, so there is nothing to remind about');
    await coordinator.press('Open collection');

    const done = await new TestUser(app, { platform: 'telegram', id: '1', caps: TELEGRAM_CAPS }).as('expert', 'talsi');
    await done.send('/ideas');
    await done.send(numbered(['Mediators in schools', 'Teacher assistants', 'Parent evenings', 'Youth club', 'ESF projects']));
    await done.press('Save');
    await new TestUser(app, { platform: 'telegram', id: '2', caps: TELEGRAM_CAPS }).as('expert', 'riga', 'ru');
    await new TestUser(app, { platform: 'telegram', id: '3', caps: TELEGRAM_CAPS }).as('expert', 'riga', 'lv');
    await new TestUser(app, { platform: 'telegram', id: 'blocked', caps: TELEGRAM_CAPS }).as('expert', 'riga');
    await new TestUser(app, { platform: 'discord', id: '4' }).as('expert', 'riga'); // Discord is not running
    await new TestUser(app, { platform: 'telegram', id: '5', caps: TELEGRAM_CAPS }).as('mediator', 'riga'); // not an expert
    await new TestUser(app, { platform: 'telegram', id: '6', caps: TELEGRAM_CAPS }).send('/start'); // not registered

    await coordinator.send('/ideas_remind');
    // Queued for everyone with an account on a running platform; Discord is not running here.
    expect(coordinator.text()).toContain('Reminded 3 experts.');
    expect(coordinator.text()).toContain('1 expert could not be reached');
    expect(sent.map((s) => s.address.chatId).sort()).toEqual(['2', '3']);
    // The one who blocked the bot is shown to coordinators as not delivered.
    await coordinator.send('/undelivered');
    expect(coordinator.text()).toContain('five-idea reminder');
    expect(coordinator.text()).toContain('unreachable');

    const ru = sent.find((s) => s.address.chatId === '2')!.reply;
    expect(ru.kind).toBe('text');
    if (ru.kind !== 'text') return;
    expect(toPlain(ru.text)).toContain('Напоминание: пожалуйста, отправьте свои пять идей (Valmiera visit, 12 марта 2031 г.)');
    const button = ru.choices![0]![0]!;
    expect(button.label).toBe('💡 Отправить идеи');
    const lv = sent.find((s) => s.address.chatId === '3')!.reply;
    expect(lv.kind === 'text' && toPlain(lv.text)).toContain('Atgādinājums');

    // The button starts /ideas for that visit.
    const expert = new TestUser(app, { platform: 'telegram', id: '2', caps: TELEGRAM_CAPS });
    if (!('action' in button)) throw new Error('not an action button');
    await expert.action(button.action);
    expect(expert.text()).toContain('Ваши пять идей · Valmiera visit');
  });

  it('says when every expert has already sent a list', async () => {
    app = await testApp({ now: '2031-03-12T10:00:00Z' });
    await insertVisit(app, { id: VISIT, starts_on: '2031-03-12', title: 'Valmiera visit' });
    const coordinator = await new TestUser(app, { id: 'coord' }).as('coordinator');
    await coordinator.send('/ideas_open');
    await coordinator.send('/ideas_remind');
    expect(coordinator.text()).toContain('Every registered expert has already sent a list');
  });
});
