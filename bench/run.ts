import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** One measured figure. `baseline` names the figure it is compared with, run side by side in the same process. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** Extra figures (p50, p99, counts) printed after the value. */
  details?: Record<string, number | string>;
  target?: string;
}

export interface BenchModule {
  title: string;
  run(options: { quick: boolean }): Promise<BenchResult[]>;
}

/**
 * `npm run bench` runs every `bench/*.bench.ts`, prints a table and writes bench/results.json. `--quick` (or
 * BENCH_QUICK=1) shrinks the workloads for a smoke run; docs/performance.md quotes full runs.
 */
const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const all: Array<BenchResult & { suite: string; date: string; loadAvg1m: number }> = [];
for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as BenchModule;
  process.stderr.write(`running ${f} …\n`);
  const load = loadavg()[0]!;
  const results = await mod.run({ quick });
  // The machine's load when the suite started and ended: these are shared machines.
  const loadAvg1m = Math.round(((load + loadavg()[0]!) / 2) * 100) / 100;
  for (const r of results) all.push({ suite: mod.title, date: new Date().toISOString(), loadAvg1m, ...r });
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 1 ? n.toFixed(2) : n.toPrecision(3));
const rows = all.map((r) => [
  r.suite,
  r.name,
  `${fmt(r.value)} ${r.unit}`,
  Object.entries(r.details ?? {})
    .map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v) : v}`)
    .join(' '),
  r.target ?? '',
]);
const header = ['suite', 'measure', 'value', 'details', 'target'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
for (const r of rows) console.log(line(r));

const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30) };
// bench/results.json is committed (the figures docs/performance.md quotes): a run replaces the figures it measured
// and keeps the others', each with its own date and load. Figure by figure, not suite by suite: a run without
// BENCH_DATABASE_URL measures a suite's SQLite half only and must not erase the PostgreSQL half of an earlier run.
// A quick run is a smoke test and is not written.
const file = join(here, 'results.json');
if (!quick) {
  let kept: typeof all = [];
  try {
    const previous = JSON.parse(readFileSync(file, 'utf8')) as { results: typeof all };
    const measured = new Set(all.map((r) => `${r.suite}\n${r.name}`));
    kept = previous.results.filter((r) => !measured.has(`${r.suite}\n${r.name}`));
  } catch {
    // none yet
  }
  mkdirSync(here, { recursive: true });
  writeFileSync(file, `${JSON.stringify({ machine, results: [...kept, ...all] }, null, 2)}\n`);
}
console.log(`\nmachine: node ${machine.node}, ${machine.cpus} × ${machine.cpu}; ${quick ? 'quick run, not written' : 'written to bench/results.json'}`);
