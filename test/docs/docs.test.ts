import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
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
      for (const m of prose(text).matchAll(/`\/([a-z][a-z0-9_]*)(?=[\s`])/g)) {
        const cmd = m[1]!;
        if (!commands.has(cmd) && !HTTP_PATHS.has(cmd) && cmd !== 'file') unknown.push(`${name}: /${cmd}`);
      }
      for (const m of text.matchAll(/npm run ([a-z][a-z0-9:_-]*)/g)) if (!scripts.has(m[1]!)) unknown.push(`${name}: npm run ${m[1]}`);
    }
    expect(unknown).toEqual([]);
  });

  it('ships a systemd unit that systemd-analyze accepts', () => {
    const which = spawnSync('sh', ['-c', 'command -v systemd-analyze']);
    if (which.status !== 0) return; // CI installs it (.ci/run); a developer's machine may not have systemd
    const r = spawnSync('systemd-analyze', ['verify', join(ROOT, 'deploy', 'roma-bot.service')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.trim()).toBe('');
  });
});
