// Compiles the bot for `npm start`: src/main.ts and everything it imports into dist/ as plain JavaScript (esbuild,
// one bundle split where the code imports lazily), and each migration into dist/migrations. Plain JavaScript
// itself, so it runs before anything is compiled. Tests and development run the TypeScript sources through tsx
// and vitest instead.
import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');
/** Written last by a build: its time is the build's. */
export const ENTRY = join(DIST, 'main.js');
const SOURCES = ['src', 'adapters', 'migrations'];
/**
 * Packages bundled in would cost nothing to resolve at start (kysely alone is about 280 files): all but these,
 * which load native code (better-sqlite3, resvg), find files beside their own (pino's transports, node-cron's
 * daemon), or are loaded only for a platform (pg, grammY, discord.js).
 */
const EXTERNAL = ['better-sqlite3', '@resvg/resvg-js', 'pino', 'node-cron', 'pg', 'grammy', '@grammyjs/*', 'discord.js'];
/** npm rewrites it on every install: a changed dependency is bundled anew. */
const INSTALLED = join(ROOT, 'node_modules', '.package-lock.json');

function newestSource() {
  let newest = statSync(fileURLToPath(import.meta.url)).mtimeMs;
  try {
    newest = Math.max(newest, statSync(INSTALLED).mtimeMs);
  } catch {
    // installed some other way: sources only
  }
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const s of SOURCES) walk(join(ROOT, s));
  return newest;
}

/** Whether dist/ is missing or older than a source file (a pull, an edit) or an install: a few ms of stat calls. */
export function isStale() {
  let built;
  try {
    built = statSync(ENTRY).mtimeMs;
  } catch {
    return true;
  }
  return newestSource() > built;
}

/** esbuild's options for the bot's code, shared with the bench (which times the bot compiled, as it runs). */
export const BUNDLE_OPTIONS = {
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  external: EXTERNAL,
  // Bundled CommonJS packages call require() for node's own modules.
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
};

export async function build() {
  const { build: esbuild } = await import('esbuild');
  const migrations = readdirSync(join(ROOT, 'migrations')).filter((f) => /^\d{4}_[\w-]+\.ts$/.test(f));
  const entryPoints = { main: join(ROOT, 'src', 'main.ts') };
  for (const m of migrations) entryPoints[`migrations/${m.replace(/\.ts$/, '')}`] = join(ROOT, 'migrations', m);
  // Built beside dist/ and swapped in whole, so a bot starting meanwhile never sees half a build.
  const tmp = join(ROOT, `.dist-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    await esbuild({ ...BUNDLE_OPTIONS, entryPoints, outdir: tmp });
    const old = join(ROOT, `.dist-old-${process.pid}`);
    try {
      renameSync(DIST, old);
    } catch {
      // no previous build
    }
    renameSync(tmp, DIST);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const t0 = performance.now();
  await build();
  process.stderr.write(`built dist/ in ${Math.round(performance.now() - t0)} ms\n`);
}
