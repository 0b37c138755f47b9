import { fileBytes } from '../../src/core/files.ts';
import { strToU8, zipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { testApp, TestUser } from '../helpers/harness.ts';
import { extendedPumpurs } from './helpers.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

const PASSING = `- name: a grade 4 pupil at risk in spring 2027, after the extension
  cites: 03.2017. – 12.2023.
  as_of: 2027-03-01
  facts: { subject: child, grade: 4, at_risk_of_leaving_school: true }
  expect: { ikvd-pumpurs: eligible }
`;
const FAILING = `- name: closed in spring 2027 (wrong after the extension)
  cites: 03.2017. – 12.2023.
  as_of: 2027-03-01
  facts: { subject: child, grade: 4, at_risk_of_leaving_school: true }
  expect: { ikvd-pumpurs: closed }
- name: cites words no source has
  cites: this sentence is in no source at all
  as_of: 2027-03-01
  facts: { subject: child, grade: 4, colour: blue }
  expect: { ikvd-pumpurs: eligible }
`;

async function setup() {
  app = await testApp({ now: '2026-12-01T10:00:00Z' });
  return { app, coordinator: await new TestUser(app, { id: 'coord' }).as('coordinator', 'riga', 'en') };
}

describe('rule tests sent with a programme', () => {
  it('runs a rule-test file sent after the programme in the same conversation, and keeps it with the version', async () => {
    const { app, coordinator } = await setup();
    await coordinator.sendFile('ikvd-pumpurs.yaml', extendedPumpurs());
    expect(coordinator.text()).toContain('0 sent with it');
    await coordinator.sendFile('my-cases.yaml', PASSING);
    expect(coordinator.text()).toContain('1 rule-test file added');
    expect(coordinator.text()).toContain('1 sent with it');
    expect(coordinator.text()).toContain('a grade 4 pupil at risk in spring 2027, after the extension: closed → likely eligible');

    // A failing file is refused with the case, its line and why; the draft stays as it was.
    await coordinator.sendFile('wrong.yaml', FAILING);
    const out = coordinator.text();
    expect(out).toContain('Not accepted');
    expect(out).toContain('wrong.yaml, line 1, closed in spring 2027 (wrong after the extension): ikvd-pumpurs: the test expects “closed”, the answer is “likely eligible”');
    expect(out).toContain('wrong.yaml, line 9, [1].facts: unknown field colour');
    expect(out).not.toContain('rule-test file added');
    expect(out).toContain('That file was not added');
    expect(out).toContain('1 sent with it');

    await coordinator.press('Publish');
    await coordinator.send('Extended, with a case for 2027');
    const row = await app.database.db.selectFrom('catalogue_versions').select(['tests']).where('version', '=', 2).executeTakeFirstOrThrow();
    expect(JSON.parse(row.tests!)).toEqual([{ name: 'my-cases.yaml', text: PASSING }]);
  });

  it('takes programmes and rule tests together in a zip, and refuses the zip when its tests fail', async () => {
    const { app, coordinator } = await setup();
    const bad = zipSync({ 'ikvd-pumpurs.yaml': strToU8(extendedPumpurs()), 'tests/pumpurs.yaml': strToU8(FAILING) });
    await coordinator.sendFile('pumpurs.zip', bad, 'application/zip');
    expect(coordinator.text()).toContain('tests/pumpurs.yaml, line 1');
    expect(coordinator.text()).toContain('Nothing has changed');

    const good = zipSync({ 'ikvd-pumpurs.yaml': strToU8(extendedPumpurs()), 'tests/pumpurs.yaml': strToU8(PASSING) });
    await coordinator.sendFile('pumpurs.zip', good, 'application/zip');
    expect(coordinator.text()).toContain('1 sent with it');
    await coordinator.press('Publish');
    await coordinator.send('Extended');
    expect(coordinator.text()).toContain('version 2');

    // The export carries the tests kept with the version.
    await coordinator.send('/catalogue_export');
    const { unzipSync, strFromU8 } = await import('fflate');
    const files = unzipSync(await fileBytes(coordinator.files()[0]!.file));
    expect(strFromU8(files['tests/chat-ikvd-pumpurs-v2-pumpurs.yaml']!)).toBe(PASSING);
    expect(await app.database.db.selectFrom('catalogue_versions').select('id').execute()).toHaveLength(2);
  });

  it('asks for the programme first when only rule tests are sent', async () => {
    const { coordinator } = await setup();
    await coordinator.sendFile('cases.yaml', PASSING);
    expect(coordinator.text()).toContain('This is a rule-test file. Send the programme file first');
  });

  it('refuses a zip that would unpack to too much, before unpacking it', async () => {
    const { coordinator } = await setup();
    const bomb = zipSync({ 'a.yaml': new Uint8Array(2 * 1024 * 1024).fill(32) }, { level: 9 });
    expect(bomb.byteLength).toBeLessThan(256 * 1024);
    await coordinator.sendFile('bomb.zip', bomb, 'application/zip');
    expect(coordinator.text()).toContain('unpacks to more than 1024 KB');
    await coordinator.sendFile('broken.zip', strToU8('PK not really a zip'), 'application/zip');
    expect(coordinator.text()).toContain('cannot be opened as a zip');
  });
});
