import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);

/** The file this module runs from: dist/main.cjs when compiled (the whole bot is that one file). */
export const RUNNING_FILE = here;

/**
 * Whether this is the compiled bot (dist/, what `npm start` runs) rather than its TypeScript sources (tsx, vitest).
 * Bundled, every module's `import.meta.url` is that of its file in dist/, so paths are found from the root.
 */
export const COMPILED = /\.c?js$/.test(here);

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return join(from, '..');
  }
}

/** The repository's root: package.json, data/, locales/, migrations/. */
export const ROOT = findRoot(dirname(here));

/** The repository's `data/` folder: catalogue content shipped with the bot (the database lives there too by default). */
export const DATA_DIR = join(ROOT, 'data');
