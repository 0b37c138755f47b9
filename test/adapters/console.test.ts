import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ON_POSTGRES, tempDir, testDatabaseUrl } from '../helpers/harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** Runs the real bot as `npm start` does, with piped stdin, and returns what a terminal would show. */
function runConsole(input: string, args: string[] = [], env: Record<string, string> = {}, dir = tempDir()) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: testDatabaseUrl(dir), CONSOLE_FILES_DIR: join(dir, 'files'), ...env },
    timeout: 60_000,
  });
  return { ...result, dir };
}

describe('console adapter (a real process with piped stdin)', () => {
  it('answers /help and exits with status 0 at the end of input', () => {
    const r = runConsole('/help\n');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('/start');
    expect(r.stdout).toContain('Jums pieejamās komandas (loma: administrators)');
    expect(r.stdout).not.toMatch(/"level"/); // no log lines between chat lines
  });

  it('registers a newcomer through numbered choices, in the chosen language', () => {
    const r = runConsole('/start\n3\n1\nd\n', ['--console', '--as', 'guest']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('[1] Latviešu');
    expect(r.stdout).toContain('[3] Русский');
    expect(r.stdout).toContain('Какова ваша роль в сети?');
    expect(r.stdout).toContain('[a] Курземе');
    expect(r.stdout).toContain('Латгале: выберите самоуправление.');
  });

  it('continues a conversation after the process is restarted', () => {
    const dir = tempDir();
    const first = runConsole('/start\n2\n', ['--as', 'guest'], {}, dir);
    expect(first.stdout).toContain('What is your role');
    const second = runConsole('1\nTalsi\n1\n', ['--as', 'guest'], {}, dir);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain('Municipality: Talsi Municipality');
    expect(second.stdout).toContain('waiting for a coordinator');
  });

  it('acts as each role with --as', () => {
    const r = runConsole('/help\n', ['--as', 'coordinator']);
    expect(r.stdout).toContain('loma: koordinators');
  });

  it('refuses a wrong role or configuration value, naming what is expected', () => {
    const r = runConsole('', ['--as', 'king']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--as: expected one of guest, expert, mediator, coordinator, admin');
    const c = runConsole('', [], { LOG_LEVEL: 'loud' });
    expect(c.status).toBe(2);
    expect(c.stderr).toContain('LOG_LEVEL');
  });

  it('survives bad input and keeps answering', () => {
    const r = runConsole(`\n${'x'.repeat(20_000)}\n\u0000\u0001\n/nope\n7\n/help\n`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('par garu');
    expect(r.stdout).toContain('/nope nepazīstu');
    expect(r.stdout).toContain('Jums pieejamās komandas');
    if (!ON_POSTGRES) expect(existsSync(join(r.dir, 'bot.sqlite'))).toBe(true);
  });
});

describe('a console that explains itself', () => {
  it('prints a message for another local person under their name, not as if the operator had been told', async () => {
    const { PassThrough } = await import('node:stream');
    const { ConsoleAdapter } = await import('../../adapters/console/console-adapter.ts');
    const { esc } = await import('../../src/core/markup.ts');
    const output = new PassThrough();
    let printed = '';
    output.on('data', (d: Buffer) => (printed += d.toString()));
    const adapter = new ConsoleAdapter({ input: new PassThrough(), output, identity: { platform: 'console', id: 'guest' }, filesDir: tempDir() });
    await adapter.send({ platform: 'console', chatId: 'coordinator' }, { kind: 'text', text: esc('New role request') });
    await adapter.send({ platform: 'console', chatId: 'guest' }, { kind: 'text', text: esc('For you') });
    expect(printed).toBe('→ console:coordinator\nNew role request\n\nFor you\n\n');
  });

  it.skipIf(ON_POSTGRES)('starts over with --fresh, keeping the previous database beside it', () => {
    const dir = tempDir();
    const first = runConsole('/language en\n', [], {}, dir);
    expect(first.status, first.stderr).toBe(0);
    const again = runConsole('/help\n', ['--fresh'], {}, dir);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/started over: the previous database is kept as .*bot\.sqlite\.before-fresh-/);
    expect(again.stdout).toContain('Jums pieejamās komandas'); // Latvian again: a new database
  });
});
