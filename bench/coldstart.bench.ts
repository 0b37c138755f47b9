import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FakeTelegram } from '../test/fakes/telegram-bot-api.ts';
import { tempDir } from '../test/helpers/harness.ts';
import { build, isStale } from '../scripts/build.mjs';
import { NODE_FLAGS } from '../scripts/node-flags.ts';
import type { BenchModule, BenchResult } from './run.ts';

export const title = 'cold start';

const ROOT = join(import.meta.dirname, '..');

interface Timing {
  /** Spawn to the first byte on stdout (the first reply), if any. */
  firstOutputMs?: number;
  /** Spawn to exit. */
  exitMs: number;
}

/** Spawns `command args`, feeds `input` (then ends stdin), and times the first output and the exit. */
function timeProcess(command: string, args: string[], env: Record<string, string>, input = ''): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let firstOutputMs: number | undefined;
    let err = '';
    child.stdout.on('data', () => {
      firstOutputMs ??= performance.now() - t0;
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const exitMs = performance.now() - t0;
      if (code !== 0 && code !== null) reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`));
      else resolve({ exitMs, ...(firstOutputMs !== undefined ? { firstOutputMs } : {}) });
    });
    child.stdin.end(input);
  });
}

const firstReply = async (command: string, args: string[], env: Record<string, string>) => {
  const t = await timeProcess(command, args, env, '/help\n');
  if (t.firstOutputMs === undefined) throw new Error(`no reply to /help from ${args.join(' ')}`);
  return t.firstOutputMs;
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/**
 * Spawn → first reply of the console bot, compiled (what `npm start` runs since issue 19) and through tsx (how it
 * ran before, and how tests and development run it), against `node -e ""`, all in one round-robin so load from
 * elsewhere on the machine falls on each alike. `npm start` itself is timed too: npm's own start-up comes on top.
 */
export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  if (isStale()) await build();
  const runs = quick ? 3 : 9;
  const consoleEnv = (dir: string) => ({ DATABASE_URL: `sqlite:${join(dir, 'bot.sqlite')}`, CONSOLE_FILES_DIR: join(dir, 'files') });
  const migratedDir = tempDir('bench-cold-');
  const fake = await FakeTelegram.start({ botUsername: 'roma_network_bot' });
  const telegramDir = tempDir('bench-cold-');
  const node = process.execPath;

  const telegram = (args: string[]) => async () => {
    const before = fake.callsTo('getUpdates').length;
    const t0 = performance.now();
    const child = spawn(node, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: `sqlite:${join(telegramDir, 'bot.sqlite')}`, TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, LOG_LEVEL: 'error', PRIVACY_CONTROLLER: 'Bench', PRIVACY_CONTACT: 'bench@example.lv' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let exitCode: number | null | undefined;
    const exited = new Promise<void>((resolve) => child.once('exit', (code) => ((exitCode = code), resolve())));
    try {
      // A bot that refuses to start (a setting missing, say) fails the bench at once with its own words.
      await fake.waitFor(() => {
        if (exitCode !== undefined) throw new Error(`the Telegram bot exited with ${exitCode} before polling:\n${stderr}`);
        return fake.callsTo('getUpdates').length > before;
      }, 60_000);
      return performance.now() - t0;
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  };

  const variants: Array<{ key: string; name: string; measure: () => Promise<number> }> = [
    { key: 'node', name: '`node -e ""` (the floor)', measure: async () => (await timeProcess(node, ['-e', ''], {})).exitMs },
    { key: 'compiled', name: `compiled console bot (\`node ${NODE_FLAGS.join(' ')} scripts/start.cjs\`, what \`npm start\` runs), spawn → first reply to /help`, measure: () => firstReply(node, [...NODE_FLAGS, 'scripts/start.cjs', '--console'], consoleEnv(migratedDir)) },
    { key: 'npm', name: '`npm start --silent`, spawn → first reply to /help (npm itself included)', measure: () => firstReply('npm', ['start', '--silent', '--', '--console'], consoleEnv(migratedDir)) },
    { key: 'tsx', name: 'console bot through tsx (as before issue 19; tests and development), spawn → first reply', measure: () => firstReply(node, ['--import', 'tsx', 'src/main.ts', '--console'], consoleEnv(migratedDir)) },
    { key: 'fresh', name: 'compiled console bot, fresh database (migrations run), empty stdin → exit', measure: async () => (await timeProcess(node, [...NODE_FLAGS, 'scripts/start.cjs', '--console'], consoleEnv(tempDir('bench-cold-')))).exitMs },
    { key: 'telegram', name: 'compiled Telegram bot (fake Bot API, migrated database), spawn → first getUpdates', measure: telegram([...NODE_FLAGS, 'scripts/start.cjs']) },
  ];

  // Round-robin: every round runs each variant once. The first round warms up (the OS page cache, the migrated
  // databases, the parsed-YAML cache) and is not counted.
  const samples = new Map(variants.map((v) => [v.key, [] as number[]]));
  const load: number[] = [];
  try {
    for (let round = 0; round <= runs; round++) {
      load.push(loadavg()[0]!);
      for (const v of variants) {
        const ms = await v.measure();
        if (round > 0) samples.get(v.key)!.push(ms);
      }
    }
  } finally {
    await fake.stop();
  }
  const loadAvg1m = median(load);
  const floor = median(samples.get('node')!);
  const results: BenchResult[] = variants.map((v) => {
    const xs = samples.get(v.key)!;
    return { name: v.name, value: median(xs), unit: 'ms', details: { min: Math.min(...xs), max: Math.max(...xs), ratioToNode: median(xs) / floor, runs, loadAvg1m } };
  });
  const compiled = median(samples.get('compiled')!);
  results.unshift({
    name: 'spawn → first reply, compiled console bot ÷ `node -e ""` (medians, same rounds)',
    value: compiled / floor,
    unit: '×',
    details: { compiledMs: compiled, nodeMs: floor, tsxRatio: median(samples.get('tsx')!) / floor, npmStartRatio: median(samples.get('npm')!) / floor, loadAvg1m },
    target: '≤ 5 (and < 250 ms)',
  });
  return results;
}

export default { title, run } satisfies BenchModule;
