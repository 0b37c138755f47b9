import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS } from '../../scripts/node-flags.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const flags = NODE_FLAGS.join(' ');

describe("node's flags for the bot (scripts/node-flags.ts)", () => {
  it('are the same in npm start, the systemd unit and the bench, so what is measured is what runs', () => {
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toBe(`node ${flags} scripts/start.cjs`);
    expect(scripts.bench).toBe(`node ${flags} --import tsx bench/run.ts`);
    const unit = readFileSync(join(ROOT, 'deploy', 'roma-bot.service'), 'utf8');
    expect(unit).toMatch(new RegExp(`^ExecStart=/usr/bin/env node ${flags} scripts/start\\.cjs$`, 'm'));
  });
});
