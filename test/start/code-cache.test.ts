import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/harness.ts';

const LOADER = join(import.meta.dirname, '..', '..', 'scripts', 'code-cache.cjs');

/** One start: runs `file` through the loader in a fresh node, as scripts/start.cjs does, and says how it went. */
function start(file: string, cacheDir: string) {
  const script = `import(${JSON.stringify(LOADER)}).then((m) => { const how = m.runWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(cacheDir)}); console.log(how); })`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  const [answer, how] = r.stdout.trim().split('\n');
  return { answer, how, stderr: r.stderr };
}

const cacheFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.code'));

describe('the compiled bot started from its kept code (scripts/code-cache.cjs)', () => {
  const program = (answer: string) =>
    `const { join } = require('node:path');\nfunction answer() { return ${JSON.stringify(answer)} + ' ' + typeof join; }\nconsole.log(answer());\n`;
  /** A built bot answering `answer`, and where its code would be kept. */
  const built = (answer: string) => {
    const dir = tempDir();
    const file = join(dir, 'bot.cjs');
    writeFileSync(file, program(answer));
    return { dir, file, cacheDir: join(dir, 'cache') };
  };

  it('compiles on the first start, keeps the code when it exits, and the next start uses it', () => {
    const { file, cacheDir } = built('labdien');
    expect(start(file, cacheDir)).toMatchObject({ answer: 'labdien function', how: 'compiled' });
    const [kept] = cacheFiles(cacheDir);
    expect(kept).toBeDefined();
    const written = statSync(join(cacheDir, kept!)).mtimeMs;
    expect(start(file, cacheDir)).toMatchObject({ answer: 'labdien function', how: 'used' });
    expect(statSync(join(cacheDir, kept!)).mtimeMs).toBe(written);
  });

  it('never runs old code for a rebuilt file, even one of the same length', () => {
    const { file, cacheDir } = built('labdien');
    start(file, cacheDir);
    writeFileSync(file, program('sveiki!'));
    expect(start(file, cacheDir)).toMatchObject({ answer: 'sveiki! function', how: 'compiled' });
    expect(start(file, cacheDir)).toMatchObject({ answer: 'sveiki! function', how: 'used' });
    // The earlier build's code is gone: one file, not one per build.
    expect(cacheFiles(cacheDir)).toHaveLength(1);
  });

  it('starts from the source when the kept code is damaged, and keeps it anew', () => {
    const { file, cacheDir } = built('labdien');
    start(file, cacheDir);
    const [kept] = cacheFiles(cacheDir);
    writeFileSync(join(cacheDir, kept!), 'not V8 code at all');
    const r = start(file, cacheDir);
    expect(r).toMatchObject({ answer: 'labdien function', how: 'compiled' });
    expect(r.stderr).toBe('');
    expect(start(file, cacheDir)).toMatchObject({ answer: 'labdien function', how: 'used' });
  });

  it('starts all the same when the cache cannot be written', () => {
    const { dir, file } = built('labdien');
    // A file where the cache folder would be: nothing can be kept under it.
    const blocked = join(dir, 'blocked');
    writeFileSync(blocked, '');
    const r = start(file, join(blocked, 'cache'));
    expect(r).toMatchObject({ answer: 'labdien function', how: 'compiled' });
    expect(r.stderr).toBe('');
  });
});
