import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { parse, type DocumentOptions, type ParseOptions, type SchemaOptions, type ToJSOptions } from 'yaml';
import { ROOT } from './data-dir.ts';

/** Beside the installed packages, like other tools' caches: never committed, safe to delete at any time. */
export const YAML_CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'roma-network-bot', 'yaml');

let usable = true;

/**
 * `yaml.parse`, remembered by content: parsing the catalogue, themes, municipalities and visit files took a
 * quarter of a compiled start (issue 17). The value of a text already parsed once is read back from a file named
 * by the text's hash (v8's serialization: numbers, dates and infinities come back as they went in). Only texts
 * that parse are remembered, so errors are reported by the parser itself, as before; an unwritable cache is
 * simply not used.
 */
export function parseYamlCached(source: string, options?: ParseOptions & DocumentOptions & SchemaOptions & ToJSOptions): unknown {
  if (!usable) return parse(source, options);
  const key = createHash('sha256')
    .update(JSON.stringify(options ?? {}))
    .update('\0')
    .update(source)
    .digest('hex');
  const file = join(YAML_CACHE_DIR, `${key}.v8`);
  try {
    return deserialize(readFileSync(file));
  } catch {
    // not cached yet (or unreadable): parse it
  }
  const value = parse(source, options);
  try {
    mkdirSync(YAML_CACHE_DIR, { recursive: true });
    // Written aside and renamed, so a second process never reads half a file.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, serialize(value));
    renameSync(tmp, file);
  } catch {
    usable = false;
  }
  return value;
}
