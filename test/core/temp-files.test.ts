import { existsSync } from 'node:fs';
import { rm, utimes, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempFilePath } from '../../src/core/files.ts';
import { testApp } from '../helpers/harness.ts';

// Exports are written to files in a folder every instance shares (the system's temporary folder), and a starting
// bot sweeps what a crash left there. Another instance's export in progress must survive that sweep, whatever day
// the starting bot's clock says (the suite's bots run years ahead, beside one another).
describe('temporary files', () => {
  it('are swept at start when a crash left them, but not while another bot is still writing them', async () => {
    const writing = await tempFilePath('participants-2031-03-12.xlsx');
    await writeFile(writing, 'PK');
    const left = await tempFilePath('report-2021-05-27.docx');
    await writeFile(left, 'PK');
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    await utimes(left, twoHoursAgo, twoHoursAgo);
    await utimes(dirname(left), twoHoursAgo, twoHoursAgo);

    const app = await testApp({ now: '2031-03-01T10:00:00Z' });
    await app.start([]);
    await app.stop(); // waits for the sweep begun at start

    expect(existsSync(writing)).toBe(true);
    expect(existsSync(left)).toBe(false);
    await rm(dirname(writing), { recursive: true, force: true });
  });
});
