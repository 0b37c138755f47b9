import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, testDatabaseUrl } from '../helpers/harness.ts';
import { extendedPumpurs } from './helpers.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** The real bot as `npm start` runs it, as one role, with piped lines; returns what the terminal shows. */
function run(dir: string, role: string, lines: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', '--as', role], {
    cwd: ROOT,
    input: `${lines.join('\n')}\n`,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'en_GB.UTF-8', DATABASE_URL: testDatabaseUrl(dir), CONSOLE_FILES_DIR: join(dir, 'files') },
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe('the catalogue in the console (a real process, files sent with /file PATH)', () => {
  it('a coordinator publishes a changed programme, a mediator sees it at once, and restoring the first version brings the old text back', { timeout: 300_000 }, () => {
    const dir = tempDir('catalogue-console-');
    const file = join(dir, 'ikvd-pumpurs.yaml');
    writeFileSync(file, extendedPumpurs());

    // Preview: [1] Publish [2] Cancel; the reason is typed; then the programme's page: Manage is [2], History [4].
    const published = run(dir, 'coordinator', [`/file ${file}`, '1', 'Extended until June 2027 by IKVD', '/programme pumpurs', '2', '4']);
    expect(published).toContain('Preview — nothing is published yet');
    expect(published).toContain('Valid until: 31 December 2023 → 30 June 2027');
    expect(published).toContain('a Roma pupil in grade 3 at risk of leaving school, as of today: closed → likely eligible (the test expects: closed)');
    expect(published).toContain('[1] ✅ Publish');
    expect(published).toContain('Pumpurs (reducing early school leaving), version 2');
    expect(published).toContain('[2] 🛠 Manage (v2)');
    expect(published).toContain('[4] 🕘 History');
    expect(published).toMatch(/• v2 · .* · console coordinator \(coordinator\) · file sent in chat: “Extended until June 2027 by IKVD” ← in use/);
    expect(published).toContain('• v1 · ');
    expect(published).toContain('[1] ↩ Restore v1');

    const seen = run(dir, 'mediator', ['/programme pumpurs']);
    expect(seen).toContain('Extended until June 2027. Individual consultations');

    // History [4], Restore v1 [1], the same preview, Publish [1], the suggested reason [a].
    const restored = run(dir, 'coordinator', ['/programme pumpurs', '2', '4', '1', '1', 'a', '/programme pumpurs']);
    expect(restored).toContain('Restoring version 1 of Pumpurs');
    expect(restored).toContain('[a] Restored version 1');
    expect(restored).toContain('Pumpurs (reducing early school leaving), version 3');
    const after = restored.slice(restored.lastIndexOf('version 3'));
    expect(after).toContain('Individual consultations (school subjects');
    expect(after).not.toContain('Extended until June 2027');
  });
});
