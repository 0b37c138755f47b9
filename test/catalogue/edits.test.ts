import { afterEach, describe, expect, it } from 'vitest';
import { testApp, TestUser } from '../helpers/harness.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

async function setup(now = '2026-12-01T10:00:00Z') {
  app = await testApp({ now });
  const coordinator = await new TestUser(app, { id: 'coord' }).as('coordinator', 'riga', 'en');
  const mediator = await new TestUser(app, { id: 'med' }).as('mediator', 'talsi', 'en');
  return { app, coordinator, mediator };
}

const versionRows = (app: TestApp) => app.database.db.selectFrom('catalogue_versions').selectAll().where('version', '>', 1).orderBy('id').execute();

describe('edits from a programme’s page, without YAML', () => {
  it('changes the end date by a typed value, with the same preview and a reason', async () => {
    const { app, coordinator, mediator } = await setup();
    // From the programme's page a coordinator has "Manage"; a mediator has not.
    await mediator.send('/programme skola kopiena');
    expect(mediator.choices().map((c) => c.label)).not.toContain('🛠 Manage (v1)');
    await coordinator.send('/programme skola kopiena');
    await coordinator.press('Manage');
    expect(coordinator.text()).toContain('Version 1: the initial catalogue (data/programmes), not changed in chat');
    await coordinator.press('End date');
    expect(coordinator.text()).toContain('is valid until 31 August 2029');
    await coordinator.send('31.02.2030');
    expect(coordinator.text()).toContain('I could not read “31.02.2030” as a date');
    await coordinator.send('2024-01-01');
    expect(coordinator.text()).toContain('That is before the programme starts (1 July 2024)');
    await coordinator.send('30.06.2030');
    expect(coordinator.text()).toContain('Valid until: 31 August 2029 → 30 June 2030');
    await coordinator.press('Publish');
    await coordinator.press('New end date from the operator');
    expect(coordinator.text()).toContain('version 2');
    await mediator.send('/programme skola kopiena');
    expect(mediator.text()).toContain('until 30 June 2030');
    const [row] = await versionRows(app);
    expect(row).toMatchObject({ programme_id: 'viaa-skola-kopiena', version: 2, change: 'end_date', reason: 'New end date from the operator', published_by_role: 'coordinator' });
    // Only that line of the file changed: comments and layout are as they were.
    const before = (await app.database.db.selectFrom('catalogue_versions').select('content').where('version', '=', 1).executeTakeFirstOrThrow()).content;
    const changedLines = row!.content.split('\n').filter((l, i) => l !== before.split('\n')[i]);
    expect(changedLines).toEqual(['  until: 2030-06-30']);
  });

  it('marks a programme checked today against a source chosen by its button, and audits the check', async () => {
    const { app, coordinator } = await setup('2028-03-02T10:00:00Z');
    await coordinator.send('/catalogue');
    expect(coordinator.text()).toContain('⚠️ 19 programmes have not been checked for more than 12 months');
    expect(coordinator.text()).toContain('School in the Community (Skola – kopienā) · v1 · checked 1 Dec 2026 · ⚠️ not checked for long');
    await coordinator.press('School in the Community');
    await coordinator.press('Checked today');
    expect(coordinator.text()).toContain('Which source did you check it against?');
    await coordinator.send('not an address');
    expect(coordinator.text()).toContain('is not a web address');
    await coordinator.press(/^skola-kopiena\.lv: /);
    expect(coordinator.text()).toContain('Checked: 1 December 2026 → 2 March 2028');
    await coordinator.press('Publish');
    await coordinator.press('Checked against the source');
    await coordinator.send('/catalogue');
    expect(coordinator.text()).toContain('School in the Community (Skola – kopienā) · v2 · checked 2 Mar 2028');
    expect(coordinator.text()).toContain('⚠️ 18 programmes have not been checked');
    const [row] = await versionRows(app);
    expect(row).toMatchObject({ change: 'checked', checked_url: 'https://skola-kopiena.lv/about' });
    expect(row!.content).toContain('checked: 2028-03-02 # against https://skola-kopiena.lv/about');
    expect(row!.content).toMatch(/url: https:\/\/skola-kopiena\.lv\/about\n(?:.*\n)*?\s+read: 2028-03-02/);
    const audit = await app.database.db.selectFrom('audit_log').select(['action', 'details']).where('action', '=', 'catalogue.check').execute();
    expect(audit.map((a) => JSON.parse(a.details!))).toEqual([{ programme: 'viaa-skola-kopiena', version: 2, change: 'checked', url: 'https://skola-kopiena.lv/about' }]);
  });

  it('closes a programme as of a chosen day; answers then say it ended', async () => {
    const { coordinator, mediator } = await setup();
    await coordinator.action('catalogue:open:nva-subsidised-jobs');
    await coordinator.press('Close');
    expect(coordinator.text()).toContain('which was its last open day?');
    await coordinator.send('2027-01-01');
    expect(coordinator.text()).toContain('can be closed as of today at the latest');
    await coordinator.press('Yesterday');
    expect(coordinator.text()).toContain('Valid until: 30 June 2028 → 30 November 2026');
    await coordinator.press('Publish');
    await coordinator.send('NVA stopped new placements');
    await mediator.send('/programme subsidised jobs');
    expect(mediator.text()).toContain('ended on 30 November 2026');
  });

  it('keeps buttons of an old step from acting, and a cancelled edit changes nothing', async () => {
    const { app, coordinator } = await setup();
    await coordinator.action('catalogue:edit:ikvd-pumpurs:end_date');
    await coordinator.press('Cancel');
    expect(coordinator.text()).toContain('Cancelled: nothing has changed.');
    await coordinator.action('catalogue:edit:nope:end_date');
    expect(coordinator.text()).toContain('There is no programme “nope”');
    expect(await versionRows(app)).toEqual([]);
  });
});
