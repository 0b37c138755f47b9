import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CatalogueStore, PROGRAMMES_DIR } from '../../src/features/programmes/catalogue.ts';
import { SYNC_INTERVAL_MS } from '../../src/features/programmes/index.ts';
import { VersionStore } from '../../src/features/programmes/versions.ts';
import { tempDir, testApp, TestUser } from '../helpers/harness.ts';
import { extendedPumpurs, PUMPURS } from './helpers.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
const apps: TestApp[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const a of apps.splice(0)) await a.stop();
});

async function twoInstances() {
  const dir = tempDir('catalogue-instances-');
  const a = await testApp({ now: '2026-12-01T10:00:00Z', dbFile: join(dir, 'bot.sqlite') });
  apps.push(a);
  const b = await testApp({ now: '2026-12-01T10:00:00Z', dbFile: join(dir, 'bot.sqlite') });
  apps.push(b);
  return { a, b };
}

const storeOf = (app: TestApp) => (app.registry.features.find((f) => f.name === 'programmes') as unknown as { store: CatalogueStore }).store;

describe('one catalogue on every instance', () => {
  it('a version published on one instance is in use on another at its next look, which comes every few seconds', async () => {
    const { a, b } = await twoInstances();
    const coordinator = await new TestUser(a, { id: 'coord' }).as('coordinator', 'riga', 'en');
    const mediator = await new TestUser(b, { id: 'med' }).as('mediator', 'talsi', 'en');
    const before = storeOf(b).current;
    expect(await storeOf(b).sync()).toBe(false);
    expect(storeOf(b).current).toBe(before);

    await coordinator.sendFile('ikvd-pumpurs.yaml', extendedPumpurs());
    await coordinator.press('Publish');
    await coordinator.send('Extended by IKVD');

    // The second instance looks on its own, on a timer: no message needed.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const programmes = b.registry.features.find((f) => f.name === 'programmes')!;
    await programmes.start?.();
    vi.advanceTimersByTime(SYNC_INTERVAL_MS);
    await vi.waitFor(() => expect(storeOf(b).current).not.toBe(before), { timeout: 10_000, interval: 20 });
    await programmes.stop?.();
    await mediator.send('/programme pumpurs');
    expect(mediator.text()).toContain('Extended until June 2027');
    expect(storeOf(b).versionOf('ikvd-pumpurs')).toMatchObject({ version: 2, from: 'database', change: 'publish' });
  });

  it('tells the second of two coordinators who previewed the same programme that it changed meanwhile, and shows the new preview', async () => {
    const { a, b } = await twoInstances();
    const anna = await new TestUser(a, { id: 'anna' }).as('coordinator', 'riga', 'en');
    const janis = await new TestUser(b, { id: 'janis' }).as('coordinator', 'talsi', 'en');
    await anna.sendFile('ikvd-pumpurs.yaml', extendedPumpurs());
    await janis.sendFile('ikvd-pumpurs.yaml', PUMPURS.replace('until: 2023-12-31', 'until: 2025-12-31'));
    expect(janis.text()).toContain('version 1 → 2');
    await anna.press('Publish');
    await anna.send('Extended to 2027');
    await janis.press('Publish');
    await janis.send('Extended to 2025');
    expect(janis.text()).toContain('Meanwhile someone else published a change to Pumpurs');
    expect(janis.text()).toContain('version 2 → 3');
    expect(janis.text()).toContain('Valid until: 30 June 2027 → 31 December 2025');
    const rows = await a.database.db.selectFrom('catalogue_versions').select(['version', 'reason']).orderBy('version').execute();
    expect(rows).toEqual([
      { version: 1, reason: null },
      { version: 2, reason: 'Extended to 2027' },
    ]);
  });
});

describe('shipped files and versions published in chat', () => {
  async function setup() {
    const app = await testApp({ now: '2026-12-01T10:00:00Z' });
    apps.push(app);
    const dir = tempDir('catalogue-files-');
    cpSync(PROGRAMMES_DIR, dir, { recursive: true });
    const versions = new VersionStore(app.database.db);
    const at = new Date('2026-12-01T10:00:00Z');
    const first = new CatalogueStore(dir, versions);
    await first.load(at);
    await new TestUser(app, { id: 'coord' }).as('coordinator');
    const id = (await app.database.db.selectFrom('identities').select('person_id').where('key', '=', 'console:coord').executeTakeFirstOrThrow()).person_id;
    const published = await versions.publish({ items: [{ programmeId: 'ikvd-pumpurs', content: extendedPumpurs(), base: 0, shipped: PUMPURS }], change: 'publish', reason: 'Extended', by: id, role: 'coordinator', at });
    expect(published).toEqual({ ok: true, published: [{ programmeId: 'ikvd-pumpurs', version: 2 }] });
    return { app, dir, versions, at };
  }

  it('keeps the chat version while the shipped file is unchanged, or is that very version', async () => {
    const { dir, versions, at } = await setup();
    const unchanged = new CatalogueStore(dir, versions);
    expect(await unchanged.load(at)).toEqual([]);
    expect(unchanged.current.byId.get('ikvd-pumpurs')!.valid.until).toBe('2027-06-30');

    // A developer brings the published version into the repository: nothing to take over.
    writeFileSync(join(dir, 'ikvd-pumpurs.yaml'), extendedPumpurs());
    const synced = new CatalogueStore(dir, versions);
    expect(await synced.load(at)).toEqual([]);
    expect(synced.versionOf('ikvd-pumpurs')).toMatchObject({ version: 2, from: 'database' });
  });

  it('lets a shipped file changed in a release take over as a new version, once, however many instances start', async () => {
    const { app, dir, versions, at } = await setup();
    writeFileSync(join(dir, 'ikvd-pumpurs.yaml'), PUMPURS.replace('until: 2023-12-31', 'until: 2024-06-30'));
    const one = new CatalogueStore(dir, versions);
    const two = new CatalogueStore(dir, versions);
    const [t1, t2] = await Promise.all([one.load(at), two.load(at)]);
    expect([...t1, ...t2]).toEqual([{ programmeId: 'ikvd-pumpurs', version: 3 }]);
    await one.sync(true);
    expect(one.current.byId.get('ikvd-pumpurs')!.valid.until).toBe('2024-06-30');
    expect(one.versionOf('ikvd-pumpurs')).toMatchObject({ version: 3, change: 'file' });
    const rows = await app.database.db.selectFrom('catalogue_versions').select(['version', 'change', 'published_by']).orderBy('version').execute();
    expect(rows.map((r) => [r.version, r.change, r.published_by])).toEqual([
      [1, 'initial', null],
      [2, 'publish', expect.any(String)],
      [3, 'file', null],
    ]);
  });

  it('answers with the shipped file when a published version no longer validates, and tells staff', async () => {
    const { app, dir, versions, at } = await setup();
    await app.database.db.updateTable('catalogue_versions').set({ content: extendedPumpurs().replace('fact: at_risk_of_leaving_school', 'fact: at_risk') }).where('version', '=', 2).execute();
    const store = new CatalogueStore(dir, versions);
    await store.load(at);
    expect(store.current.byId.get('ikvd-pumpurs')!.valid.until).toBe('2023-12-31');
    expect(store.startErrors.map((e) => `${e.file}: ${e.field}: ${e.reason}`)).toEqual([expect.stringContaining('ikvd-pumpurs v2: conditions.any[0].all[2].fact: unknown fact "at_risk"')]);
  });
});
