import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/app.ts';
import { ManualClock } from '../src/core/clock.ts';
import type { Capabilities, Incoming, Reply } from '../src/core/types.ts';
import { loadConfig } from '../src/config.ts';
import { openSqlite } from '../src/db/database.ts';
import { releaseFiles } from '../src/core/files.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { IdeaStore } from '../src/features/ideas/idea-store.ts';
import { Themes } from '../src/features/ideas/themes.ts';
import { visitsReady } from '../src/features/visits/visit-store.ts';
import { tempDir } from '../test/helpers/harness.ts';
import { BENCH_VISIT, ideaTexts, seedIdeaLists } from './ideas-seed.ts';
import type { BenchModule, BenchResult } from './run.ts';

export const title = 'ideas';

const VISIT = BENCH_VISIT;
const CAPS: Capabilities = { buttons: true, forms: false, edits: true, files: true, maxTextLength: 4096, maxActionLength: 64 };
const ROOT = join(import.meta.dirname, '..');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time<T>(runs: number, fn: () => Promise<T>): Promise<{ ms: number; all: number[]; last: T }> {
  const all: number[] = [];
  let last!: T;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = await fn();
    all.push(performance.now() - t0);
  }
  return { ms: median(all), all, last };
}

function exportInChild(file: string): { ms: number; idleMiB: number; peakMiB: number; sizes: Record<string, number> } {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'bench', 'export-child.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: `sqlite:${file}`, LOG_LEVEL: 'error' },
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`export child failed (${r.status ?? r.signal}): ${r.error?.message ?? ''} ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const lists = quick ? 1_000 : 10_000;
  const runs = quick ? 2 : 5;
  const clock = new ManualClock('2031-03-13T10:00:00Z');
  const database = openSqlite(':memory:');
  const app = await createApp({ config: loadConfig({}), clock, database });
  const sqlite = database.sqlite!;
  const themes = Themes.load();
  await visitsReady(database.db);

  // Tagging speed: every idea of the workload is tagged once when saved.
  const texts = ideaTexts(lists);
  const tagStart = performance.now();
  const tags = texts.map((t) => JSON.stringify(themes.tag(t)));
  const tagMs = performance.now() - tagStart;

  // 10,000 experts, each with a name, a municipality and a list of five, written straight into SQLite.
  const seedStart = performance.now();
  seedIdeaLists(sqlite, lists, themes, clock.now().toISOString(), tags);
  const seedMs = performance.now() - seedStart;

  // The coordinator's commands, end to end through the core as an adapter hands them over.
  const command = (name: string): Promise<Reply[]> => {
    const incoming: Incoming = {
      identity: { platform: 'telegram', id: '1', displayName: 'Koordinatore' },
      chat: { platform: 'telegram', chatId: '1', kind: 'private' },
      payload: { type: 'command', name, args: VISIT },
      capabilities: CAPS,
    };
    return app.core.handle(incoming);
  };
  const exported = await time(runs, () => command('ideas_export'));
  const reported = await time(runs, () => command('ideas_report'));
  // Where the export's time goes: reading the lists' heads and then their ideas.
  const store = new IdeaStore(database.db);
  const read = await time(runs, async () => {
    return store.readLists(await store.exportHeads(VISIT));
  });
  const files = exported.last.flatMap((r) => (r.kind === 'file' && 'path' in r.file ? [r.file] : []));
  const chart = reported.last.find((r) => r.kind === 'image');
  const summary = reported.last.find((r) => r.kind === 'text');
  if (files.length !== 3 || !chart || !summary) throw new Error('export or report did not produce their files');
  const size = async (ext: string) => (await stat(files.find((f) => f.name.endsWith(ext))!.path)).size / 2 ** 20;
  const sizes = { xlsxMiB: await size('.xlsx'), csvMiB: await size('.csv'), mdMiB: await size('.md') };
  await releaseFiles(exported.last);
  await app.stop();

  // Scale: the export in a process of its own on a seeded SQLite file, its time and its peak memory over idle.
  const scale: BenchResult[] = [];
  for (const n of quick ? [1_000, 10_000] : [1_000, 10_000, 100_000]) {
    const file = join(tempDir('bench-export-'), 'bot.sqlite');
    const seeded = openSqlite(file);
    await migrateToLatest(seeded.db);
    seedIdeaLists(seeded.sqlite!, n, themes, clock.now().toISOString());
    await seeded.close();
    const m = exportInChild(file);
    scale.push({
      name: `export ${n.toLocaleString('en')} lists (XLSX + CSV + Markdown streamed to files): time, peak memory over idle`,
      value: m.ms,
      unit: 'ms',
      details: { peakOverIdleMiB: Math.round((m.peakMiB - m.idleMiB) * 10) / 10, idleMiB: m.idleMiB, peakMiB: m.peakMiB, ...Object.fromEntries(Object.entries(m.sizes).map(([k, v]) => [`${k}MiB`, v])) },
      ...(n === 100_000 ? { target: 'peak ≤ idle + 100 MiB' } : {}),
    });
    rmSync(dirname(file), { recursive: true, force: true });
  }

  const target = quick ? undefined : 'well under a few seconds';
  return [
    {
      name: `export ${lists.toLocaleString('en')} lists (XLSX + CSV + Markdown, /ideas_export end to end, in process)`,
      value: exported.ms,
      unit: 'ms',
      details: {
        runs,
        min: Math.min(...exported.all),
        readMs: read.ms,
        ...sizes,
      },
      ...(target ? { target } : {}),
    },
    {
      name: `report ${lists.toLocaleString('en')} lists (counts, text, PNG chart, /ideas_report end to end)`,
      value: reported.ms,
      unit: 'ms',
      details: { runs, min: Math.min(...reported.all), pngKiB: chart.kind === 'image' ? chart.file.data.length / 1024 : 0 },
      ...(target ? { target } : {}),
    },
    { name: `tag ${(lists * 5).toLocaleString('en')} ideas with themes`, value: tagMs, unit: 'ms', details: { perIdeaUs: (tagMs * 1000) / (lists * 5) } },
    { name: `seed ${lists.toLocaleString('en')} lists into SQLite (setup, for scale)`, value: seedMs, unit: 'ms' },
    ...scale,
  ];
}

export default { title, run } satisfies BenchModule;
