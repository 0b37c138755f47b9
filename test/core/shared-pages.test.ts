import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import type { ManualClock } from '../../src/core/clock.ts';
import { VisitStore } from '../../src/features/visits/visit-store.ts';
import { saveVisit } from '../../src/features/visits/visit-writer.ts';
import { testApp, TestUser, TELEGRAM_CAPS } from '../helpers/harness.ts';

// Programme pages, the catalogue list and agendas are built once and shared by every reader of a language: these
// are the things such a page depends on, each of which must show at once.
let app: (App & { clock: ManualClock }) | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const reader = (a: App, id: string) => new TestUser(a, { platform: 'telegram', id, caps: TELEGRAM_CAPS });

describe('pages shared by every reader', () => {
  it('a programme page and the list follow the day: the next morning they say the new date', async () => {
    app = await testApp({ now: '2026-12-01T09:00:00Z' });
    const a = await reader(app, 'a').as('mediator', 'talsi', 'lv');
    const b = await reader(app, 'b').as('expert', 'riga', 'lv');
    await a.send('/programme pumpurs');
    expect(a.text()).toContain('(uz 2026. gada 1. decembri)');
    await b.send('/programme pumpurs');
    expect(b.text()).toBe(a.text());
    await a.send('/programmes');
    expect(a.text()).toContain('(uz 2026. gada 1. decembri)');
    app.clock.advance(24 * 3600_000);
    await b.send('/programme pumpurs');
    expect(b.text()).toContain('(uz 2026. gada 2. decembri)');
    await a.send('/programmes');
    expect(a.text()).toContain('(uz 2026. gada 2. decembri)');
  });

  it('a translation applied in chat shows on the next page read, in that language only', async () => {
    app = await testApp({ now: '2026-12-01T09:00:00Z' });
    const en = await reader(app, 'en').as('mediator', 'talsi', 'en');
    const lv = await reader(app, 'lv').as('mediator', 'talsi', 'lv');
    await en.send('/programme pumpurs');
    await lv.send('/programme pumpurs');
    const before = lv.text();
    expect(en.text()).toContain('What it gives');
    app.i18n.apply('en', [{ key: 'programmes:details.gives', value: '<b>What it offers</b>\n{{text}}' }]);
    await en.send('/programme pumpurs');
    expect(en.text()).toContain('What it offers');
    expect(en.text()).not.toContain('What it gives');
    await lv.send('/programme pumpurs');
    expect(lv.text()).toBe(before);
  });

  it('an agenda edited on any instance is shown as edited at once', async () => {
    app = await testApp({ now: '2021-05-20T09:00:00Z' });
    const u = await reader(app, 'u').as('expert', 'talsi', 'en');
    await u.send('/agenda 2021-05-27');
    const first = u.text();
    const store = new VisitStore(app.database.db);
    const visit = (await store.current(app.clock.now()))!;
    const { items, ...row } = (await store.get(visit.id))!;
    expect(items.length).toBeGreaterThan(0);
    // Written straight to the database, as another instance's editor would: the next revision, with its agenda.
    const edited = { ...row, revision: row.revision + 1, updated_at: '2021-05-20T10:00:00.000Z' };
    await saveVisit(app.database.db, edited, items.map((it, i) => (i === 0 ? { ...it, title: 'Opening words, moved to the town hall' } : it)));
    await u.send('/agenda 2021-05-27');
    expect(u.text()).toContain('Opening words, moved to the town hall');
    expect(u.text()).not.toBe(first);
  });

  it('a visit published or renamed on another instance is listed at once', async () => {
    app = await testApp({ now: '2021-05-20T09:00:00Z' });
    const u = await reader(app, 'u').as('expert', 'talsi', 'en');
    await u.send('/visits');
    const store = new VisitStore(app.database.db);
    const { items, ...row } = (await store.get((await store.current(app.clock.now()))!.id))!;
    const stamp = '2021-05-20T10:00:00.000Z';
    await saveVisit(app.database.db, { ...row, id: 'karsava-2021', place: 'Kārsava', starts_on: '2021-06-10', ends_on: '2021-06-10', revision: 0, updated_at: stamp }, []);
    await u.send('/visits');
    expect(u.text()).toContain('Kārsava');
    await saveVisit(app.database.db, { ...row, id: 'karsava-2021', place: 'Kārsavas pilsēta', starts_on: '2021-06-10', ends_on: '2021-06-10', revision: 1, updated_at: stamp }, []);
    await u.send('/visits');
    expect(u.text()).toContain('Kārsavas pilsēta');
    await app.database.db.updateTable('visits').set({ published_at: null }).where('id', '=', 'karsava-2021').execute();
    await u.send('/visits');
    expect(u.text()).not.toContain('Kārsava');
    expect(items.length).toBeGreaterThan(0);
  });
});
