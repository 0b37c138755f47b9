import { spawnSync } from 'node:child_process';
import { isAscii } from 'node:buffer';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DERIVED_CACHE_DIR } from '../../src/derived-cache.ts';
import { tempDir } from '../helpers/harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** `npm start`'s own command (npm start is `node scripts/start.cjs`), in a shell, as a newcomer would type it. */
function sh(script: string, dir: string) {
  return spawnSync('bash', ['-o', 'pipefail', '-c', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: `sqlite:${join(dir, 'bot.sqlite')}`, CONSOLE_FILES_DIR: join(dir, 'files') },
    timeout: 120_000,
  });
}

describe('the compiled start (npm start)', () => {
  it('runs the bot compiled into dist/, compiling it first when missing or older than the sources', () => {
    const r = sh(`printf '/help\\n' | node scripts/start.cjs --console`, tempDir());
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Jums pieejamās komandas (loma: administrators)');
    expect(existsSync(join(ROOT, 'dist', 'main.cjs'))).toBe(true);
    // Written in ASCII, so a start reads it as Latin-1 (the answer above has Latvian letters and a dash all the same).
    expect(isAscii(readFileSync(join(ROOT, 'dist', 'main.cjs')))).toBe(true);
    // A fresh database: the migrations ran from inside the bundle, and nothing was printed but the answer.
    expect(r.stderr).not.toMatch(/Warning|Error/);
  }, 120_000);

  it('ends quietly with status 0 when the reader of its output has gone (| head -1)', () => {
    // Many answers, so the bot is still writing when head has gone: its writes fail with EPIPE.
    const r = sh(`for i in $(seq 300); do echo /help; done | node scripts/start.cjs --console | head -1`, tempDir());
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['Jums pieejamās komandas (loma: administrators)']);
    expect(r.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
  }, 120_000);

  it('answers from the catalogue and the visits kept by an earlier start exactly as from the files themselves', () => {
    const ask = `printf '/programmes\\n/programme pumpurs\\n/visits\\n'`;
    // From the sources nothing is kept: the files are read and checked as they are.
    const fromFiles = sh(`${ask} | node --import tsx src/main.ts --console`, tempDir());
    expect(fromFiles.status, fromFiles.stderr).toBe(0);
    expect(fromFiles.stdout).toContain('Pumpurs');
    rmSync(DERIVED_CACHE_DIR, { recursive: true, force: true });
    const derives = sh(`${ask} | node scripts/start.cjs --console`, tempDir());
    expect(derives.status, derives.stderr).toBe(0);
    expect(readdirSync(DERIVED_CACHE_DIR)).toHaveLength(1);
    const keeps = sh(`${ask} | node scripts/start.cjs --console`, tempDir());
    expect(keeps.stdout).toBe(fromFiles.stdout);
    expect(derives.stdout).toBe(fromFiles.stdout);
  }, 120_000);
});
