import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CatalogueFeature } from '../../src/features/catalogue/index.ts';
import { tempDir, testApp, TestUser } from '../helpers/harness.ts';
import { MemoryAdapter } from '../helpers/memory-adapter.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
const apps: TestApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.stop();
});

const reminderOf = (app: TestApp) => (app.registry.features.find((f) => f.name === 'catalogue') as CatalogueFeature).reminder;

describe('the monthly reminder of programmes not checked for long', () => {
  it('goes to coordinators once a month across instances, in working hours, with a button to open each programme', async () => {
    const dir = tempDir('catalogue-reminder-');
    // 1 December 2026 + 12 months: on 2 January 2028 every programme is stale; none is on 1 December 2027.
    const a = await testApp({ now: '2027-12-01T10:00:00Z', dbFile: join(dir, 'bot.sqlite') });
    const b = await testApp({ now: '2027-12-01T10:00:00Z', dbFile: join(dir, 'bot.sqlite') });
    apps.push(a, b);
    const memoryA = new MemoryAdapter('console');
    const memoryB = new MemoryAdapter('console');
    a.messenger.register(memoryA);
    b.messenger.register(memoryB);
    const anna = await new TestUser(a, { id: 'anna' }).as('coordinator', 'riga', 'lv');
    await new TestUser(a, { id: 'janis' }).as('coordinator', 'talsi', 'en');
    await new TestUser(a, { id: 'mara' }).as('mediator', 'talsi', 'en');

    expect(await reminderOf(a).tick(new Date('2027-12-01T10:00:00Z'))).toBeUndefined();
    // 07:30 Riga on 2 January 2028: not before working hours.
    expect(await reminderOf(a).tick(new Date('2028-01-02T05:30:00Z'))).toBeUndefined();
    const at = new Date('2028-01-02T08:00:00Z');
    const [ra, rb] = await Promise.all([reminderOf(a).tick(at), reminderOf(b).tick(at)]);
    expect([ra, rb].filter(Boolean)).toEqual([{ month: '2028-01', programmes: 19, reached: 2 }]);
    await a.notices.flush(); // reminders go through the notice outbox
    await b.notices.flush();
    const sent = [...memoryA.delivered, ...memoryB.delivered];
    expect(sent.map((d) => d.chatId).sort()).toEqual(['anna', 'janis']);
    const lv = sent.find((d) => d.chatId === 'anna')!;
    expect(lv.text).toContain('Ikmēneša kataloga pārbaude');
    expect(lv.text).toContain('19 programmas nav salīdzinātas ar saviem avotiem ilgāk par 12 mēn.');
    expect(lv.text).toContain('• Pumpurs — pārbaudīta 2026. gada 1. decembrī');
    const buttons = lv.reply.kind === 'text' ? (lv.reply.choices ?? []).flat() : [];
    expect(buttons.length).toBe(13);
    // The console gets typed keys for them; pressing one opens the programme's page for coordinators.
    const first = buttons[0]!;
    expect('key' in first && first.key).toBeTruthy();
    await anna.send(first.key!);
    expect(anna.text()).toContain('Versija 1: sākotnējais katalogs');
    expect(anna.choices().map((c) => c.label)).toContain('✔ Pārbaudīts šodien');

    // Later the same month: not again, on either instance.
    expect(await reminderOf(a).tick(new Date('2028-01-20T09:00:00Z'))).toBeUndefined();
    expect(await reminderOf(b).tick(new Date('2028-01-31T12:00:00Z'))).toBeUndefined();
    // Next month: again.
    expect(await reminderOf(b).tick(new Date('2028-02-01T08:00:00Z'))).toMatchObject({ month: '2028-02', programmes: 19 });
  });
});
