import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { parseCommand } from '../../src/core/input.ts';
import { localizedCommand } from '../../src/features/people/languages.ts';
import { testApp } from '../helpers/harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** README.md and every Markdown file under docs/. */
function documents(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? walk(p) : f.endsWith('.md') ? [p] : [];
    });
  return [join(ROOT, 'README.md'), ...(existsSync(join(ROOT, 'docs')) ? walk(join(ROOT, 'docs')) : [])];
}

/** Text outside fenced code blocks (examples there may show anything). */
function prose(md: string): string {
  return md.replace(/```[\s\S]*?```/g, '');
}

/** Paths the bot's HTTP server answers, which look like commands in the docs but are not. */
const HTTP_PATHS = new Set(['healthz', 'metrics', 'telegram', 'calendar']);

/** @BotFather's own commands, which the operator's guide tells the operator to send to it (docs/operations.md). */
const BOTFATHER = new Set(['newbot', 'revoke', 'setprivacy', 'setjoingroups', 'setcommands', 'setdescription', 'setabouttext', 'setuserpic']);

/** The README is a front page: what the bot does, how to start, and links; the details live under docs/. */
const README_MAX_BYTES = 15 * 1024;

let app: App | undefined;
afterAll(async () => app?.stop());

describe('the documentation', () => {
  it('has every relative link pointing at a file that exists', () => {
    const broken: string[] = [];
    for (const doc of documents()) {
      for (const m of prose(readFileSync(doc, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^(https?:|mailto:|#)/.test(target)) continue;
        const path = resolve(dirname(doc), decodeURIComponent(target.split('#')[0]!));
        if (!existsSync(path)) broken.push(`${doc.slice(ROOT.length + 1)} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('names only commands the bot has and npm scripts package.json has', async () => {
    app = await testApp();
    const commands = new Set([...app.registry.commands.keys()]);
    const scripts = new Set(Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>));
    const unknown: string[] = [];
    for (const doc of documents()) {
      const text = readFileSync(doc, 'utf8');
      const name = doc.slice(ROOT.length + 1);
      // `/command` or `/command ARGS` in inline code, as the docs show commands to type.
      for (const m of prose(text).matchAll(/`\/(\p{Ll}[\p{Ll}0-9_]*)(?=[\s`])/gu)) {
        const cmd = m[1]!;
        // A command in the reader's own words (`/palīdzība`) counts when it reaches the bot as text (a Latin-only
        // name is parsed as a command of its own) and names a command the bot has.
        const localized = parseCommand(`/${cmd}`) ? undefined : localizedCommand(`/${cmd}`)?.name;
        const known = commands.has(cmd) || (localized !== undefined && commands.has(localized));
        if (!known && !HTTP_PATHS.has(cmd) && !(name === 'docs/operations.md' && BOTFATHER.has(cmd)) && cmd !== 'file') {
          unknown.push(`${name}: /${cmd}`);
        }
      }
      for (const m of text.matchAll(/npm run ([a-z][a-z0-9:_-]*)/g)) if (!scripts.has(m[1]!)) unknown.push(`${name}: npm run ${m[1]}`);
    }
    expect(unknown).toEqual([]);
  });

  it('keeps the README a front page of at most 15 KB', () => {
    const bytes = statSync(join(ROOT, 'README.md')).size;
    expect(bytes, `README.md is ${bytes} bytes; move details to docs/ and link them`).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it("explains every setting the bot reads, in .env.example and the operator's guide", () => {
    const read = new Set(readFileSync(join(ROOT, 'src', 'config.ts'), 'utf8').match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g));
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const guide = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
    const unexplained = [...read].filter((v) => !new RegExp(`^#? ?${v}=`, 'm').test(example) || !guide.includes(`\`${v}\``));
    expect(read.size).toBeGreaterThan(15);
    expect(unexplained).toEqual([]);
  });

  it('ships a systemd unit that systemd-analyze accepts', () => {
    const which = spawnSync('sh', ['-c', 'command -v systemd-analyze']);
    if (which.status !== 0) return; // CI installs it (.ci/run); a developer's machine may not have systemd
    const r = spawnSync('systemd-analyze', ['verify', join(ROOT, 'deploy', 'roma-bot.service')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.trim()).toBe('');
  });
});
