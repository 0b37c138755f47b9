import { fileBytes } from '../../src/core/files.ts';
import { unzipSync, zipSync, strToU8, strFromU8 } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { testApp, TestUser } from '../helpers/harness.ts';
import { extendedPumpurs, PUMPURS } from './helpers.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

async function setup() {
  app = await testApp({ now: '2026-12-01T10:00:00Z' });
  const coordinator = await new TestUser(app, { id: 'coord' }).as('coordinator', 'riga', 'en');
  const mediator = await new TestUser(app, { id: 'med' }).as('mediator', 'talsi', 'en');
  return { app, coordinator, mediator };
}

describe('a coordinator keeps a programme current by sending its file', () => {
  it('previews the change with the rule-test answers that change, publishes it for everyone at once, and restores the first version', async () => {
    const { app, coordinator, mediator } = await setup();
    await mediator.send('/programme pumpurs');
    expect(mediator.text()).toContain('until 31 December 2023 · ended on 31 December 2023');

    await coordinator.sendFile('pumpurs from IKVD.yaml', extendedPumpurs(), 'application/yaml');
    const preview = coordinator.text();
    expect(preview).toContain('Preview — nothing is published yet');
    expect(preview).toContain('changed: version 1 → 2');
    expect(preview).toContain('Valid until: 31 December 2023 → 30 June 2027');
    expect(preview).toContain('What it gives (lv, en, ru): “Extended until June 2027. Individual consultations');
    expect(preview).toMatch(/Rule tests run: \d+ of the project's cases, 0 sent with it/);
    expect(preview).toContain('a Roma pupil in grade 3 at risk of leaving school, as of today: closed → likely eligible (the test expects: closed)');
    // Nothing is live before "Publish".
    await mediator.send('/programme pumpurs');
    expect(mediator.text()).not.toContain('Extended until June 2027');

    await coordinator.press('Publish');
    expect(coordinator.text()).toContain('In one line: why this change?');
    await coordinator.send('Extended until June 2027\nby IKVD');
    expect(coordinator.text()).toContain('Please write the reason in one line');
    await coordinator.send('Extended until June 2027 by IKVD letter of 20.11.2026');
    expect(coordinator.text()).toContain('Published:');
    expect(coordinator.text()).toContain('Pumpurs (reducing early school leaving), version 2');

    await mediator.send('/programme pumpurs');
    expect(mediator.text()).toContain('Extended until June 2027. Individual consultations');
    expect(mediator.text()).toContain('until 30 June 2027 · open today');
    await mediator.send('/eligibility');
    expect(mediator.text()).toContain('never names');

    // The history lists both versions, with who, when and why.
    await coordinator.action('catalogue:history:ikvd-pumpurs');
    const history = coordinator.text();
    expect(history).toContain('v2 · 1 Dec 2026 12:00 · console:coord (coordinator) · file sent in chat: “Extended until June 2027 by IKVD letter of 20.11.2026” ← in use');
    expect(history).toContain('v1 · 1 Dec 2026 12:00 · data/programmes · the initial catalogue');

    // Restoring the first version shows the same kind of preview, then brings the old text back.
    await coordinator.press('Restore v1');
    expect(coordinator.text()).toContain('Restoring version 1 of');
    expect(coordinator.text()).toContain('Valid until: 30 June 2027 → 31 December 2023');
    expect(coordinator.text()).toContain('a Roma pupil in grade 3 at risk of leaving school, as of today: likely eligible → closed');
    await coordinator.press('Publish');
    await coordinator.press('Restored version 1');
    expect(coordinator.text()).toContain('version 3');
    await mediator.send('/programme pumpurs');
    expect(mediator.text()).not.toContain('Extended until June 2027');
    expect(mediator.text()).toContain('until 31 December 2023 · ended on 31 December 2023');

    await coordinator.action('catalogue:history:ikvd-pumpurs');
    expect(coordinator.text()).toContain('v3 · 1 Dec 2026 12:00 · console:coord (coordinator) · restored v1: “Restored version 1” ← in use');

    const audit = await app.database.db.selectFrom('audit_log').select(['action', 'details', 'actor_role']).where('action', 'like', 'catalogue.%').orderBy('id').execute();
    expect(audit.map((a) => [a.action, JSON.parse(a.details!)])).toEqual([
      ['catalogue.publish', { programme: 'ikvd-pumpurs', version: 2, change: 'publish' }],
      ['catalogue.restore', { programme: 'ikvd-pumpurs', version: 3, change: 'restore', from: 1 }],
    ]);
    expect(audit.every((a) => a.actor_role === 'coordinator')).toBe(true);
  });

  it('lists the catalogue with versions and checked dates, and exports it as one YAML file per programme that can be sent back', async () => {
    const { app, coordinator } = await setup();
    await coordinator.sendFile('ikvd-pumpurs.yaml', extendedPumpurs());
    await coordinator.press('Publish');
    await coordinator.send('Extended by IKVD');

    await coordinator.send('/catalogue');
    const list = coordinator.text();
    expect(list).toContain('Programme catalogue: 19 programmes (1 December 2026)');
    expect(list).toContain('Pumpurs (reducing early school leaving) · v2 · checked 1 Dec 2026');
    expect(list).toContain('School in the Community (Skola – kopienā) · v1 · checked 1 Dec 2026');
    expect(list).not.toContain('not checked for long');

    await coordinator.send('/catalogue_export');
    const [zip] = coordinator.files();
    expect(zip!.file).toMatchObject({ name: 'catalogue-2026-12-01.zip', mime: 'application/zip' });
    const files = unzipSync(await fileBytes(zip!.file));
    expect(Object.keys(files).sort()).toHaveLength(19);
    expect(strFromU8(files['ikvd-pumpurs.yaml']!)).toBe(extendedPumpurs());
    expect(strFromU8(files['viaa-skola-kopiena.yaml']!)).toContain('id: viaa-skola-kopiena');

    // The exported catalogue sent back changes nothing.
    await coordinator.sendFile('catalogue.zip', await fileBytes(zip!.file), 'application/zip');
    expect(coordinator.text()).toContain('Nothing to publish');
    expect(await app.database.db.selectFrom('catalogue_versions').select('id').execute()).toHaveLength(2);
  });

  it('refuses a file with errors naming field, line and reason, in the reader’s language, and changes nothing', async () => {
    const { app } = await setup();
    const lv = await new TestUser(app, { id: 'koord' }).as('coordinator', 'riga', 'lv');
    const broken = PUMPURS.replace('until: 2023-12-31', 'until: 2023-13-01').replace('applicant:', 'aplicant: school\napplicant:');
    await lv.sendFile('ikvd-pumpurs.yaml', broken);
    const out = lv.text();
    expect(out).toContain('❌ Nav pieņemts: 2 problēmas.');
    const line = (needle: string) => broken.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(out).toContain(`ikvd-pumpurs.yaml, ${line('until: 2023-13-01')}. rinda, valid.until: jābūt datumam formā GGGG-MM-DD`);
    expect(out).toContain(`ikvd-pumpurs.yaml, ${line('aplicant:')}. rinda: nezināms lauks aplicant (pārbaudiet rakstību)`);
    expect(out).toContain('Nekas nav mainīts');
    expect(out).not.toMatch(/must|Invalid|expected/);

    await lv.sendFile('ikvd-pumpurs.yaml', `${PUMPURS}\n  lv: [unclosed\n`);
    expect(lv.text()).toMatch(/ikvd-pumpurs\.yaml, \d+\. rinda: YAML nevar nolasīt/);

    await lv.sendFile('huge.yaml', `# ${'x'.repeat(300 * 1024)}\n${PUMPURS}`);
    expect(lv.text()).toContain('„huge.yaml” ir lielāks par 256 KB');

    await lv.sendFile('photo.yaml', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]));
    expect(lv.text()).toContain('„photo.yaml” nav teksta fails');

    expect(await app.database.db.selectFrom('catalogue_versions').select('id').execute()).toEqual([]);
    const audit = await app.database.db.selectFrom('audit_log').select('action').where('action', 'like', 'catalogue.%').execute();
    expect(audit).toEqual([]);
  });

  it('is for coordinators and admins only, and in a private chat', async () => {
    const { app, mediator } = await setup();
    await mediator.sendFile('ikvd-pumpurs.yaml', extendedPumpurs());
    expect(mediator.text()).toContain('Programme files are taken from coordinators only');
    await mediator.send('/catalogue');
    expect(mediator.text()).toContain('only for coordinators');
    await mediator.action('catalogue:restore:ikvd-pumpurs:1');
    expect(mediator.text()).toContain('only for coordinators');
    await mediator.action('catalogue:edit:ikvd-pumpurs:close');
    expect(mediator.text()).toContain('only for coordinators');

    const inGroup = await new TestUser(app, { platform: 'telegram', id: '501', chatId: '-100501', chatKind: 'group' }).as('coordinator', 'riga', 'en');
    await inGroup.send('/catalogue');
    expect(inGroup.text()).toContain('The catalogue is changed in a private chat with me');
    await inGroup.action('catalogue:open:ikvd-pumpurs');
    expect(inGroup.text()).toContain('private chat with me');
    await inGroup.sendFile('ikvd-pumpurs.yaml', extendedPumpurs());
    expect(inGroup.text()).toContain('private chat with me');

    const admin = await new TestUser(app, { id: 'adm' }).as('admin', null, 'en');
    await admin.sendFile('ikvd-pumpurs.yaml', extendedPumpurs());
    expect(admin.text()).toContain('changed: version 1 → 2');
    await admin.press('Cancel');
    expect(admin.text()).toContain('Cancelled: nothing has changed.');
    expect(await app.database.db.selectFrom('catalogue_versions').select('id').execute()).toEqual([]);
  });

  it('shows a new programme as new and publishes it as version 1', async () => {
    const { coordinator, mediator } = await setup();
    const fresh = extendedPumpurs()
      .replace('id: ikvd-pumpurs', 'id: ikvd-pumpurs-2027')
      .replace(/aliases: \[[^\]]*\]/, 'aliases: [pumpurs 2027]')
      .replace('Pumpurs (reducing early school leaving)', 'Pumpurs 2027');
    const zip = zipSync({ 'new/ikvd-pumpurs-2027.yaml': strToU8(fresh), 'README.txt': strToU8('hello') });
    await coordinator.sendFile('new.zip', zip, 'application/zip');
    expect(coordinator.text()).toContain('Pumpurs 2027 (ikvd-pumpurs-2027): 🆕 new programme');
    await coordinator.press('Publish');
    await coordinator.send('A new call for 2027');
    expect(coordinator.text()).toContain('Pumpurs 2027, version 1');
    await mediator.send('/programme pumpurs 2027');
    expect(mediator.text()).toContain('Pumpurs 2027');
  });
});
