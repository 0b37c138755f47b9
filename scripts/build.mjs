// Compiles the bot for `npm start`: src/main.ts and everything it imports, migrations included, into one CommonJS
// file, dist/main.cjs (esbuild), which scripts/code-cache.cjs runs with V8's code cache. Plain JavaScript itself,
// so it runs before anything is compiled. Tests and development run the TypeScript sources through tsx
// and vitest instead.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import stale from './stale.cjs';

export const { ROOT, DIST, ENTRY, CODE_CACHE_DIR, isStale } = stale;
/**
 * Packages bundled in would cost nothing to resolve at start (kysely alone is about 280 files): all but these,
 * which find native code beside their own files (resvg; `bindings`, which better-sqlite3 uses only when not told
 * where its compiled part is: src/db/database.ts tells it), or are loaded only for a platform (pg, grammY,
 * discord.js).
 */
const EXTERNAL = ['bindings', '@resvg/resvg-js', 'pg', 'grammy', '@grammyjs/*', 'discord.js'];

/**
 * esbuild's options for the bot's code, shared with the bench (which times the bot compiled, as it runs): one
 * CommonJS file, because only a classic script can be given V8's code cache on Node 20 (ES modules have no such
 * option before Node 22). Lazily imported code stays lazy: it is in the file but runs only when imported.
 */
export const BUNDLE_OPTIONS = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.19',
  // Packages loaded only for one task (exceljs, docx) stay outside too, read on first use.
  external: [...EXTERNAL, 'exceljs', 'docx'],
  // import() becomes require(): code run from V8's code cache (scripts/code-cache.cjs) is a vm script, where
  // Node 20 has no import() without an experimental flag.
  supported: { 'dynamic-import': false },
  // A CommonJS file has no import.meta: its URL is made from __filename (src/data-dir.ts finds the root by it).
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  // In this package a .js file is an ES module.
  outExtension: { '.js': '.cjs' },
  logLevel: 'warning',
};

/**
 * The bundle with every character beyond ASCII written as a `\u` escape. esbuild leaves them in regular expressions,
 * template literals and comments (•, ·, 📍, Latvian letters); a file of ASCII is read as Latin-1 at start, a third of
 * the time of decoding UTF-8 (scripts/code-cache.cjs), and V8 keeps it in one byte per character. An escape means
 * the same character in a string, a template's text, a regular expression (with or without the u flag, where a
 * surrogate pair of escapes is one code point) and an identifier; only a template's raw text would differ, and the
 * bot reads none. A character escaped by a backslash (`\ё`, the same as `ё`) loses that backslash.
 */
export function asciiOnly(code) {
  return code.replace(/(\\*)([^\x00-\x7f])/g, (_, slashes, ch) => {
    const kept = slashes.length % 2 === 1 ? slashes.slice(1) : slashes;
    return kept + `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

export async function build() {
  const { build: esbuild } = await import('esbuild');
  // Built beside dist/ and swapped in whole, so a bot starting meanwhile never sees half a build.
  const tmp = join(ROOT, `.dist-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    await esbuild({ ...BUNDLE_OPTIONS, entryPoints: { main: join(ROOT, 'src', 'main.ts') }, outdir: tmp });
    const main = join(tmp, 'main.cjs');
    writeFileSync(main, asciiOnly(readFileSync(main, 'utf8')), 'latin1');
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
