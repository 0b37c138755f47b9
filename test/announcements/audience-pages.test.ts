import { afterEach, describe, expect, it } from 'vitest';
import { audiencePages, prepareAudience } from '../../src/features/announcements/audience.ts';
import { testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp;
afterEach(async () => app?.stop());

describe('an audience read page by page', () => {
  it('gives every member once across pages, counts opt-outs, and adds configured admins the pages left out', async () => {
    app = await testApp({ env: { BOT_ADMINS: 'telegram:boss' } });
    for (let i = 0; i < 7; i++) await new TestUser(app, { platform: 'telegram', id: `m${i}`, caps: TELEGRAM_CAPS }).as(i % 2 ? 'mediator' : 'expert', 'talsi', 'lv');
    // A configured admin who never registered: no member by stored role, an admin all the same.
    await app.people.resolve({ platform: 'telegram', id: 'boss' }, app.clock.now());
    const m3 = await app.people.resolve({ platform: 'telegram', id: 'm3' }, app.clock.now());
    await app.database.db.insertInto('announcement_optouts').values({ person_id: m3.id, kind: 'all', created_at: app.clock.now().toISOString() }).execute();

    const prepared = await prepareAudience({ target: { type: 'everyone' } }, { municipalities: app.municipalities, admins: new Set(['telegram:boss']) });
    const pages = [];
    for await (const page of audiencePages(app.database.db, prepared, 'general', 2)) pages.push(page);
    const chats = pages.flatMap((p) => p.recipients.map((r) => r.chatId));
    expect(pages.length).toBeGreaterThan(3);
    expect(pages.every((p) => p.recipients.length + p.skipped <= 2)).toBe(true);
    expect(chats.sort()).toEqual(['boss', 'm0', 'm1', 'm2', 'm4', 'm5', 'm6']);
    expect(pages.reduce((n, p) => n + p.skipped, 0)).toBe(1);
    // The same as the whole audience at once (the compose preview's count).
    const all = await app.announcements.audienceSize({ target: { type: 'everyone' } }, 'general');
    expect(all.recipients.map((r) => r.chatId).sort()).toEqual(chats);
  });
});
