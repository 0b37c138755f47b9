import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FakeTelegram } from '../test/fakes/telegram-bot-api.ts';
import { tempDir } from '../test/helpers/harness.ts';
import type { BenchModule, BenchResult } from './run.ts';

export const title = 'cold start';

const ROOT = join(import.meta.dirname, '..');

interface Timing {
  /** Spawn to the first byte on stdout (the first reply), if any. */
  firstOutputMs?: number;
  /** Spawn to exit. */
  exitMs: number;
  code: number | null;
}

/** Spawns node with `args`, feeds `input` (then ends stdin), and times the first output and the exit. */
function timeProcess(args: string[], env: Record<string, string>, input = '', until?: (out: string) => boolean): Promise<Timing & { stop?: () => void }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let firstOutputMs: number | undefined;
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      firstOutputMs ??= performance.now() - t0;
      out += d.toString();
      if (until?.(out)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const exitMs = performance.now() - t0;
      if (code !== 0 && code !== null) reject(new Error(`${args.join(' ')} exited ${code}: ${err.slice(-2000)}`));
      else resolve({ exitMs, code, ...(firstOutputMs !== undefined ? { firstOutputMs } : {}) });
    });
    child.stdin.end(input);
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

type Stats = { median: number; min: number; max: number };

const DEPS = ['kysely', 'better-sqlite3', 'zod', 'pino', 'luxon', 'i18next', 'yaml', 'node-cron', 'ical-generator', '@touch4it/ical-timezones', '@resvg/resvg-js', 'csv-stringify', 'fastest-levenshtein', 'prom-client'];
const IMPORT_DEPS = `for (const m of ${JSON.stringify(DEPS)}) await import(m);`;

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const runs = quick ? 2 : 7;
  const consoleEnv = (dir: string) => ({ DATABASE_URL: `sqlite:${join(dir, 'bot.sqlite')}`, CONSOLE_FILES_DIR: join(dir, 'files') });
  const bot = ['--import', 'tsx', 'src/main.ts', '--console'];
  const migratedDir = tempDir('bench-cold-');
  const fake = await FakeTelegram.start({ botUsername: 'roma_network_bot' });
  const telegramDir = tempDir('bench-cold-');

  const variants: Array<{ name: string; measure: () => Promise<number> }> = [
    { name: '`node -e ""` (the floor)', measure: async () => (await timeProcess(['-e', ''], {})).exitMs },
    { name: '`node --import tsx -e ""` (tsx loaded, nothing compiled)', measure: async () => (await timeProcess(['--import', 'tsx', '-e', ''], {})).exitMs },
    // tsx resolves and loads every module through its hooks, node_modules included: the same npm packages
    // imported by plain node and under tsx show that share (kysely alone is about 280 files).
    { name: 'import the npm packages the console bot loads, plain node', measure: async () => (await timeProcess(['--input-type=module', '-e', IMPORT_DEPS], {})).exitMs },
    { name: 'the same imports under tsx', measure: async () => (await timeProcess(['--import', 'tsx', '--input-type=module', '-e', IMPORT_DEPS], {})).exitMs },
    { name: 'console bot, fresh database (migrations run), empty stdin → exit', measure: async () => (await timeProcess(bot, consoleEnv(tempDir('bench-cold-')))).exitMs },
    { name: 'console bot, migrated database, empty stdin → exit', measure: async () => (await timeProcess(bot, consoleEnv(migratedDir))).exitMs },
    {
      name: 'console bot, migrated database, spawn → first reply to /help',
      measure: async () => {
        const t = await timeProcess(bot, consoleEnv(migratedDir), '/help\n');
        if (t.firstOutputMs === undefined) throw new Error('no reply to /help');
        return t.firstOutputMs;
      },
    },
    // Without tsx's on-disk transform cache every TypeScript file is compiled again, as on a first start.
    {
      name: 'console bot, fresh database, tsx cache off (every file compiled)',
      measure: async () => (await timeProcess(bot, { ...consoleEnv(tempDir('bench-cold-')), TSX_DISABLE_CACHE: '1' })).exitMs,
    },
    // Telegram mode against a local fake Bot API: spawn → the first getUpdates (the bot is listening).
    {
      name: 'Telegram bot (fake Bot API, migrated database), spawn → first getUpdates',
      measure: async () => {
        const before = fake.callsTo('getUpdates').length;
        const t0 = performance.now();
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: `sqlite:${join(telegramDir, 'bot.sqlite')}`, TELEGRAM_BOT_TOKEN: fake.token, TELEGRAM_API_ROOT: fake.apiRoot, LOG_LEVEL: 'error' },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        try {
          await fake.waitFor(() => fake.callsTo('getUpdates').length > before, 60_000);
          return performance.now() - t0;
        } finally {
          child.kill('SIGTERM');
          await exited;
        }
      },
    },
  ];

  // Round-robin: every round runs each variant once, so load from elsewhere on the machine falls on all alike.
  // The first round warms up (tsx's transform cache, the OS page cache, the migrated databases) and is not counted.
  const samples = variants.map(() => [] as number[]);
  const load: number[] = [];
  try {
    for (let round = 0; round <= runs; round++) {
      load.push(loadavg()[0]!);
      for (const [i, v] of variants.entries()) {
        const ms = await v.measure();
        if (round > 0) samples[i]!.push(ms);
      }
    }
  } finally {
    await fake.stop();
  }
  const stats = (xs: number[]): Stats => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
  const loadAvg = median(load);
  return variants.map((v, i) => {
    const s = stats(samples[i]!);
    return { name: v.name, value: s.median, unit: 'ms', details: { min: s.min, max: s.max, runs, loadAvg1m: loadAvg } };
  });
}

export default { title, run } satisfies BenchModule;
