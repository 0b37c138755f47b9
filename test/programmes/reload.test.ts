import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { BotCore } from '../../src/core/bot.ts';
import { Registry } from '../../src/core/router.ts';
import type { FeatureDeps } from '../../src/features/deps.ts';
import { peopleFeature } from '../../src/features/people/index.ts';
import { PROGRAMMES_DIR, type ReloadRecord } from '../../src/features/programmes/catalogue.ts';
import { programmesFeature } from '../../src/features/programmes/index.ts';
import { tempDir, testApp, TestUser } from '../helpers/harness.ts';

let app: App | undefined;
afterEach(async () => app?.stop());

/** The bot with the programmes feature reading a catalogue copy in a temporary folder, so a test may edit it. */
async function withCatalogueCopy() {
  app = await testApp({ now: '2021-10-01T09:00:00Z' });
  const dir = tempDir('catalogue-');
  cpSync(PROGRAMMES_DIR, dir, { recursive: true });
  const records: ReloadRecord[] = [];
  const registry = new Registry();
  registry.add(peopleFeature({ people: app.people, municipalities: app.municipalities, registry, languages: app.i18n }));
  const deps = { db: app.database.db, dialect: app.database.dialect, clock: app.clock, log: app.log, i18n: app.i18n, messenger: app.messenger, people: app.people, municipalities: app.municipalities, registry, config: app.config } as FeatureDeps;
  registry.add(programmesFeature(deps, { dir, onReload: (r) => void records.push(r) }));
  const core = new BotCore({ db: app.database.db, registry, i18n: app.i18n, people: app.people, clock: app.clock, log: app.log });
  const local = { ...app, core, registry } as App;
  return { dir, records, local };
}

describe('/reload applies catalogue edits without a restart', () => {
  it('refuses an invalid catalogue with file, field and reason, and keeps the old one in use', async () => {
    const { dir, records, local } = await withCatalogueCopy();
    const coordinator = await new TestUser(local, { id: 'c' }).as('coordinator');
    const mediator = await new TestUser(local, { id: 'm' }).as('mediator');
    const file = join(dir, 'sif-motivation-programme.yaml');
    const good = readFileSync(file, 'utf8');

    writeFileSync(file, good.replace('until: 2022-12-31', 'until: 2022-13-31').replace('value: adult', 'value: grown-up'));
    await coordinator.send('/reload');
    const out = coordinator.text();
    expect(out).toContain('Catalogue NOT reloaded');
    expect(out).toContain('The previous one stays in use (19 programmes)');
    expect(out).toMatch(/sif-motivation-programme\.yaml, line \d+, valid\.until: must be a date written YYYY-MM-DD/);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ ok: false, at: '2021-10-01T09:00:00.000Z', count: 19 });
    expect(records[0]!.by).toBeTruthy();

    await mediator.send('/programme motivation');
    expect(mediator.text()).toContain('Until 31 December 2022'); // the old catalogue answers

    writeFileSync(file, good.replace('until: 2022-12-31', 'until: 2023-06-30'));
    await coordinator.send('/reload');
    expect(coordinator.text()).toContain('Catalogue reloaded: 19 programmes in use.');
    expect(coordinator.text()).toContain('Changed: sif-motivation-programme.');
    await mediator.send('/programme motivation');
    expect(mediator.text()).toContain('Until 30 June 2023');
    expect(records.map((r) => r.ok)).toEqual([false, true]);
  });

  it('adds a new programme from a file, with no code change', async () => {
    const { dir, local } = await withCatalogueCopy();
    const coordinator = await new TestUser(local, { id: 'c' }).as('coordinator');
    const L = (s: string) => ({ lv: s, en: s, ru: s });
    const source = { file: '003_07a1e3c4c4f769ab.txt', part: 'III daļa', quote: 'Kā konkrēti vizītes galamērķi tiek minētas Valmieras, Rūjienas, Limbažu un Valkas pašvaldības' };
    writeFileSync(
      join(dir, 'km-romani-course.json'),
      JSON.stringify({
        id: 'km-romani-course',
        name: { lv: 'Romu valodas pamatkurss', en: 'Basic Romani course', ru: 'Базовый курс цыганского языка' },
        funder: { kind: 'state', name: L('KM') },
        operator: L('Kultūras ministrija (KM)'),
        applicant: 'person',
        gives: L('A basic Romani course online.'),
        valid: { from: '2022-09-01' },
        checked: '2026-12-01',
        apply: L('Ask KM.'),
        source,
        conditions: { all: [{ fact: 'subject', op: 'eq', value: 'adult', label: L('an adult'), source }] },
      }),
    );
    await coordinator.send('/reload');
    expect(coordinator.text()).toContain('Catalogue reloaded: 20 programmes in use.');
    expect(coordinator.text()).toContain('Added: km-romani-course.');
    await coordinator.send('/programme romani course');
    expect(coordinator.text()).toContain('Basic Romani course');
    expect(coordinator.text()).toContain('opens on 1 September 2022');
  });
});
