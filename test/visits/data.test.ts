import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { Municipalities } from '../../src/features/people/municipalities.ts';
import { loadVisitData, readVisitFile, visitFiles } from '../../src/features/visits/data-loader.ts';
import { visitsFeature } from '../../src/features/visits/index.ts';
import { VisitStore, visitsReady } from '../../src/features/visits/visit-store.ts';
import { silentLogger } from '../../src/log.ts';
import { tempDir, testApp } from '../helpers/harness.ts';

let app: App | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('shipped visits (data/visits)', () => {
  const municipalities = Municipalities.load();

  it('every file reads, its agenda parses, and it names its source', () => {
    const files = visitFiles();
    // Eight visits 2016–2020 (seed 001: Talsi and Sabile are one) and the 2021-05-27 meeting.
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const f of files) {
      const v = readVisitFile(f, municipalities);
      expect(basename(f), 'file named after the id').toBe(`${v.visit.id}.yaml`);
      expect(v.visit.source).toMatch(/\d{3}_[0-9a-f]{16}\.txt/);
    }
  });

  it('has the visits and meetings the sources know, with the 2021-05-27 agenda in full', () => {
    const byId = new Map(visitFiles().map((f) => readVisitFile(f, municipalities)).map((v) => [v.visit.id, v]));
    expect(byId.get('2017-02-23-jelgava')?.visit).toMatchObject({ starts_on: '2017-02-23', ends_on: '2017-02-24', municipality: 'jelgava' });
    const ventspils = byId.get('2019-10-17-ventspils')!;
    expect(ventspils.visit).toMatchObject({ starts_on: '2019-10-17', ends_on: '2019-10-18' });
    // The source names what the visit held, not which day: every item belongs to the whole visit.
    expect(ventspils.items.map((i) => i.day)).toEqual([null, null, null, null]);
    const talsi = byId.get('2020-07-02-talsi')!;
    expect(talsi.visit).toMatchObject({ starts_on: '2020-07-02', ends_on: '2020-07-03', municipality: 'talsi' });
    expect(talsi.replaces).toEqual(['2020-07-02-sabile', '2020-07-03-talsi']);
    expect(talsi.items.map((i) => i.day)).toEqual(['2020-07-02', '2020-07-02', '2020-07-02', '2020-07-03']);
    const counted = [...byId.values()].filter((v) => v.visit.format === 'visit');
    expect(counted).toHaveLength(8);
    for (const place of ['jurmala', 'daugavpils', 'limbazi', 'rezekne-malta', 'vilaka']) {
      expect(byId.get(`2016-2020-${place}`)?.visit.date_precision, place).toBe('years');
    }
    const online = byId.get('2021-05-27-online')!;
    expect(online.visit).toMatchObject({ format: 'online', municipality: null, reminder_lead_minutes: 15 });
    expect(online.items.map((i) => i.starts_at)).toEqual([
      '2021-05-27T09:45:00.000Z',
      '2021-05-27T10:00:00.000Z',
      '2021-05-27T10:15:00.000Z',
      '2021-05-27T10:45:00.000Z',
      '2021-05-27T11:45:00.000Z',
      '2021-05-27T12:00:00.000Z',
      '2021-05-27T12:45:00.000Z',
    ]);
    expect(online.items[1]!.presenters).toContain('Kristīne Liepiņa, sanāksmes vadītāja');
    expect(online.items[3]!.notes).toContain('Karīna Dzene, Sabiedrības integrācijas fonda');
    expect(online.items[6]!.title).toBe('Noslēgums');
  });

  it('loads at start, refreshes a changed file, and never touches a visit made in chat', async () => {
    const dir = tempDir('visits-data-');
    mkdirSync(dir, { recursive: true });
    for (const f of visitFiles()) copyFileSync(f, join(dir, basename(f)));
    app = await testApp();
    const store = new VisitStore(app.database.db);
    const db = app.database.db;
    const now = new Date('2021-06-01T00:00:00Z');
    await visitsReady(db);
    expect(await loadVisitData(db, now, silentLogger, { dir })).toBe(0); // already loaded at start, unchanged

    const talsi = join(dir, '2020-07-02-talsi.yaml');
    writeFileSync(talsi, readFileSync(talsi, 'utf8').replace('@ Talsu Tautas nams', '@ Talsu Tautas nams, lielā zāle'));
    expect(await loadVisitData(db, now, silentLogger, { dir })).toBe(1);
    const changed = (await store.get('2020-07-02-talsi'))!;
    expect(changed.items[3]!.place).toBe('Talsu Tautas nams, lielā zāle');
    expect(changed.revision).toBe(1);

    // As the editor in chat writes a visit: a new revision at the time of the change.
    await db.updateTable('visits').set({ origin: 'chat', title: 'Coordinator’s own', revision: 2, updated_at: '2021-06-01T00:00:00.000Z' }).where('id', '=', '2020-07-02-talsi').execute();
    writeFileSync(talsi, readFileSync(talsi, 'utf8').replace('Sventes', 'Sventes ezera'));
    expect(await loadVisitData(db, now, silentLogger, { dir })).toBe(0);
    expect((await store.get('2020-07-02-talsi'))!.title).toBe('Coordinator’s own');
  });

  it('retires the two visits Talsi and Sabile once were, moving their answers to the one visit', async () => {
    app = await testApp();
    const db = app.database.db;
    await visitsReady(db);
    const store = new VisitStore(db);
    const { items: _items, ...talsi } = (await store.get('2020-07-02-talsi'))!;
    const person = await app.people.resolve({ platform: 'console', id: 'old-rsvp' }, app.clock.now());
    const stamp = '2020-06-01T00:00:00.000Z';
    for (const id of ['2020-07-02-sabile', '2020-07-03-talsi']) {
      await db.insertInto('visits').values({ ...talsi, id, created_at: stamp, updated_at: stamp }).execute();
    }
    await db.insertInto('visit_rsvps').values({ visit_id: '2020-07-03-talsi', person_id: person.id, answer: 'going', updated_at: stamp }).execute();
    await loadVisitData(db, new Date('2021-06-01T00:00:00Z'), silentLogger);
    expect(await db.selectFrom('visits').select('id').where('id', 'in', ['2020-07-02-sabile', '2020-07-03-talsi']).execute()).toEqual([]);
    expect(await db.selectFrom('visit_rsvps').select(['visit_id', 'answer']).where('person_id', '=', person.id).execute()).toEqual([
      { visit_id: '2020-07-02-talsi', answer: 'going' },
    ]);
  });

  it('skips a broken file with a log line naming its line, and loads the rest', async () => {
    const dir = tempDir('visits-bad-');
    writeFileSync(
      join(dir, 'bad.yaml'),
      "id: bad-one\nformat: visit\ntitle: X\nplace: Y\nmunicipality: null\nstarts_on: '2030-01-01'\nends_on: '2030-01-01'\nsource: test\nagenda: |\n  10:00 Labs\n  1O:00 labs arī\n  25:00 Slikts\n",
    );
    copyFileSync(visitFiles()[0]!, join(dir, basename(visitFiles()[0]!)));
    expect(() => readVisitFile(join(dir, 'bad.yaml'))).toThrow(/bad\.yaml: agenda line 3 “25:00 Slikts”: expected time/);
    app = await testApp();
    const errors: unknown[] = [];
    const log = { ...silentLogger, error: (...args: unknown[]) => void errors.push(args) } as unknown as typeof silentLogger;
    await visitsReady(app.database.db);
    await app.database.db.deleteFrom('visits').execute();
    expect(await loadVisitData(app.database.db, new Date(), log, { dir })).toBe(1);
    expect(errors).toHaveLength(1);
  });

  it('loading again on the same database (a restart) changes nothing and bumps no revision', async () => {
    app = await testApp();
    const { database, clock, i18n, messenger, notices, people, municipalities: m, registry, config } = app;
    const again = visitsFeature({ db: database.db, dialect: database.dialect, clock, log: silentLogger, i18n, messenger, notices, people, municipalities: m, registry, config });
    expect((await again.store.get('2021-05-27-online'))!.revision).toBe(0);
    expect(await again.store.list(clock.now())).toHaveLength(visitFiles().length);
  });
});
