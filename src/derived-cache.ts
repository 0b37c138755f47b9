import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { COMPILED, ROOT, RUNNING_FILE } from './data-dir.ts';

/** Beside the installed packages, like the parsed-YAML and code caches: never committed, safe to delete. */
export const DERIVED_CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'roma-network-bot', 'derived');

const sha = (...parts: string[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 32);
};

/**
 * What the code made of a data file (a programme checked and compiled, a visit's agenda parsed), remembered by the
 * file's content for this build of the code only: checking the catalogue, visits, themes and places with zod took
 * a tenth of a compiled start (issue 17). Keyed by the build as well as the text, so a changed parser or schema
 * never meets a value made by an earlier one; from the TypeScript sources (tests, development), where code changes
 * without a build, nothing is kept. Only values worth keeping (a file that passed its checks) are stored: errors
 * are found afresh each time, by the code itself. An unwritable cache is simply not used.
 */
export class DerivedCache {
  private usable = true;
  private made = false;

  /** `dir`: one folder per build of the code (its siblings, earlier builds', are removed); undefined keeps nothing. */
  constructor(private readonly dir: string | undefined) {}

  remember<T>(kind: string, source: string, derive: (source: string) => T, worthKeeping: (value: T) => boolean = () => true): T {
    if (!this.dir || !this.usable) return derive(source);
    const file = join(this.dir, `${sha(kind, source)}.v8`);
    try {
      return deserialize(readFileSync(file)) as T;
    } catch {
      // not kept yet (or unreadable): derive it
    }
    const value = derive(source);
    if (worthKeeping(value)) this.keep(file, value);
    return value;
  }

  private keep(file: string, value: unknown): void {
    try {
      if (!this.made) {
        mkdirSync(this.dir!, { recursive: true });
        this.made = true;
        this.forgetOtherBuilds();
      }
      // Written aside and renamed, so a second process never reads half a file.
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, serialize(value));
      renameSync(tmp, file);
    } catch {
      this.usable = false;
    }
  }

  /** Values made by earlier builds can never be read again: every pull would otherwise leave a folder behind. */
  private forgetOtherBuilds(): void {
    const parent = join(this.dir!, '..');
    for (const d of readdirSync(parent)) if (join(parent, d) !== this.dir) rmSync(join(parent, d), { recursive: true, force: true });
  }
}

/** This build's folder: named by the compiled file's size, time and inode (any rebuild is a new name) and Node's version. */
function buildFolder(): string | undefined {
  if (!COMPILED) return undefined;
  try {
    const s = statSync(RUNNING_FILE);
    return join(DERIVED_CACHE_DIR, sha(String(s.size), String(s.mtimeMs), String(s.ino), process.version, process.arch));
  } catch {
    return undefined;
  }
}

/** The running bot's cache: in use when it runs compiled (`npm start`), off from the TypeScript sources. */
export const derived = new DerivedCache(buildFolder());
