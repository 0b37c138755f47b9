import { fileBytes } from '../../src/core/files.ts';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ON_POSTGRES, testApp, TestUser } from '../helpers/harness.ts';
import { extendedPumpurs } from './helpers.ts';

type TestApp = Awaited<ReturnType<typeof testApp>>;
let app: TestApp | undefined;
afterEach(async () => {
  await app?.stop();
  app = undefined;
});

describe('versions and the people who published them', () => {
  it('/mydata lists the versions a coordinator published; /forget keeps the versions without the person', async () => {
    app = await testApp({ now: '2026-12-01T10:00:00Z' });
    const anna = await new TestUser(app, { id: 'anna-7', username: 'anna_k' }).as('coordinator', 'riga', 'en');
    const janis = await new TestUser(app, { id: 'janis' }).as('coordinator', 'talsi', 'en');
    const id = (await app.database.db.selectFrom('identities').select('person_id').where('key', '=', 'console:anna-7').executeTakeFirstOrThrow()).person_id;
    await anna.sendFile('ikvd-pumpurs.yaml', extendedPumpurs());
    await anna.press('Publish');
    await anna.send('Extended by IKVD');

    await anna.send('/mydata');
    const data = JSON.parse(new TextDecoder().decode(await fileBytes(anna.files()[0]!.file)));
    expect(data.catalogue.versionsPublished).toEqual([expect.objectContaining({ programme_id: 'ikvd-pumpurs', version: 2, change: 'publish', reason: 'Extended by IKVD' })]);

    await anna.send('/forget');
    await anna.press('Yes, erase me');
    const rows = await app.database.db.selectFrom('catalogue_versions').select(['version', 'published_by', 'published_by_role', 'reason']).orderBy('version').execute();
    expect(rows).toEqual([
      { version: 1, published_by: null, published_by_role: null, reason: null },
      { version: 2, published_by: null, published_by_role: 'coordinator', reason: 'Extended by IKVD' },
    ]);
    if (!ON_POSTGRES) {
      const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(app.database.db);
      for (const t of tables.rows) {
        const all = JSON.stringify((await sql`select * from ${sql.table(t.name)}`.execute(app.database.db)).rows);
        expect(all, t.name).not.toContain(id);
        expect(all, t.name).not.toContain('anna-7');
      }
    }
    await janis.action('catalogue:history:ikvd-pumpurs');
    expect(janis.text()).toContain('v2 · 1 Dec 2026 12:00 · coordinator (erased) · file sent in chat: “Extended by IKVD” ← in use');
  });
});
