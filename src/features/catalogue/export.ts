import type { Zippable } from 'fflate';
import type { CatalogueStore } from '../programmes/catalogue.ts';
import type { VersionRow } from '../programmes/versions.ts';

/**
 * The catalogue in use as a zip: one YAML file per programme, named by its id, exactly as published (comments
 * kept), plus the rule tests sent in chat with the versions in use (tests/). The same shape a coordinator can send
 * back, and a developer can copy over data/programmes.
 */
export async function exportZip(store: CatalogueStore, latest: readonly VersionRow[], now: Date): Promise<Uint8Array> {
  // Loaded on first use, like the intake's: a start need not pay for fflate's tables.
  const { strToU8, zipSync } = await import('fflate');
  const files: Zippable = {};
  const mtime = now;
  for (const p of store.current.programmes) files[`${p.id}.yaml`] = [strToU8(p.text), { mtime }];
  const tests: Zippable = {};
  const seen = new Set<string>();
  for (const row of latest) {
    for (const t of storedTests(row.tests)) {
      if (seen.has(t.text)) continue;
      seen.add(t.text);
      tests[`chat-${row.programme_id}-v${row.version}-${t.name.replace(/^.*\//, '').replace(/[^\w.-]+/g, '_')}`] = [strToU8(t.text), { mtime }];
    }
  }
  if (Object.keys(tests).length) files.tests = tests;
  return zipSync(files, { level: 6 });
}

/** Rule-test files kept with a version (JSON: [{name, text}]). */
export function storedTests(json: string | null): Array<{ name: string; text: string }> {
  if (!json) return [];
  try {
    const list = JSON.parse(json) as unknown;
    return Array.isArray(list) ? list.filter((t): t is { name: string; text: string } => typeof t?.name === 'string' && typeof t?.text === 'string') : [];
  } catch {
    return [];
  }
}
