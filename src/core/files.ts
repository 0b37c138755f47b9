import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { FileData, Reply } from './types.ts';

/** Where the bot writes files it sends from disk (exports, reports); each file in a folder of its own. */
export const TEMP_ROOT = join(tmpdir(), 'roma-network-bot');

/**
 * A fresh path for a file named `name` (the name people see when it arrives), in a folder of its own so two exports
 * of one visit at once never share a file.
 */
export async function tempFilePath(name: string): Promise<string> {
  await mkdir(TEMP_ROOT, { recursive: true });
  const dir = await mkdtemp(join(TEMP_ROOT, 'f-'));
  return join(dir, basename(name));
}

/** The file's bytes, wherever they are (tests and small files; adapters send files on disk as streams). */
export async function fileBytes(file: FileData): Promise<Uint8Array> {
  return 'data' in file ? file.data : new Uint8Array(await readFile(file.path));
}

/** Removes the temporary files of sent replies (and their folders). Never throws: a leftover is swept later. */
export async function releaseFiles(replies: readonly Reply[]): Promise<void> {
  for (const r of replies) {
    if ((r.kind === 'file' || r.kind === 'image') && 'path' in r.file && r.file.temporary) {
      const { path } = r.file;
      await rm(path.startsWith(TEMP_ROOT) ? join(path, '..') : path, { recursive: true, force: true }).catch(() => undefined);
    }
  }
}

/**
 * Removes temporary files older than `maxAgeMs`: what a crash or a reply that was never sent left behind. Run at
 * start; a file still being sent by another instance is younger than that. Ages are by the machine's clock, as
 * the files' times are, never by the bot's own clock (a test's, or one set to another day), which would take
 * files still being written.
 */
export async function sweepTempFiles(maxAgeMs = 3_600_000): Promise<number> {
  const now = Date.now();
  let removed = 0;
  let entries: string[];
  try {
    entries = await readdir(TEMP_ROOT);
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(TEMP_ROOT, e);
    const s = await stat(p).catch(() => undefined);
    if (s && now - s.mtimeMs > maxAgeMs) {
      await rm(p, { recursive: true, force: true }).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}
