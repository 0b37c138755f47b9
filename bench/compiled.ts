import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUNDLE_OPTIONS, ROOT } from '../scripts/build.mjs';

/** Inside the repository, so the compiled code finds its root (locales, data, migrations) as npm start's does. */
export const BENCH_BUILD_DIR = join(ROOT, 'node_modules', '.cache', 'roma-network-bot', 'bench');

/**
 * Compiles `entry` (a bench's view of the bot) the way `npm start`'s bot is compiled and returns the file: the
 * bench times the JavaScript that runs in production, not tsx's on-the-fly transform of it (which, among other
 * things, wraps every function it creates to keep its name).
 */
export async function compileForBench(entry: string): Promise<string> {
  const { build: esbuild } = await import('esbuild');
  mkdirSync(BENCH_BUILD_DIR, { recursive: true });
  const name = entry.replace(/^.*\//, '').replace(/\.ts$/, '');
  await esbuild({ ...BUNDLE_OPTIONS, entryPoints: { [name]: join(ROOT, entry) }, outdir: BENCH_BUILD_DIR });
  return join(BENCH_BUILD_DIR, `${name}.cjs`);
}

/** `compileForBench` then import it. */
export async function importCompiled<T>(entry: string): Promise<T> {
  return (await import(pathToFileURL(await compileForBench(entry)).href)) as T;
}
