import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DerivedCache } from '../../src/derived-cache.ts';
import { THEMES_FILE, Themes } from '../../src/features/ideas/themes.ts';
import { tempDir } from '../helpers/harness.ts';

/** A derivation that counts its calls. */
function counted<T>(make: (source: string) => T) {
  const calls: string[] = [];
  return { calls, derive: (source: string) => (calls.push(source), make(source)) };
}

describe('values derived from data files, kept per build of the code', () => {
  it('derives a text once; a later start of the same build reads it back, a changed text is derived afresh', () => {
    const build = join(tempDir('derived-'), 'build-1');
    const d = counted((s) => ({ text: s, facts: new Set(['age']), note: undefined, n: 1.5 }));
    const first = new DerivedCache(build).remember('programme\0a.yaml', 'age: 1', d.derive);
    // The next start: a new process, the same build.
    const again = new DerivedCache(build).remember('programme\0a.yaml', 'age: 1', d.derive);
    expect(again).toEqual(first);
    expect(again.facts).toBeInstanceOf(Set);
    expect('note' in again).toBe(true);
    expect(d.calls).toEqual(['age: 1']);

    new DerivedCache(build).remember('programme\0a.yaml', 'age: 2', d.derive);
    // The same text under another file name is another value (the checks read the name too).
    new DerivedCache(build).remember('programme\0b.yaml', 'age: 1', d.derive);
    expect(d.calls).toEqual(['age: 1', 'age: 2', 'age: 1']);
  });

  it('never gives a value made by another build, and removes earlier builds’ values', () => {
    const root = tempDir('derived-');
    const d = counted((s) => s.length);
    new DerivedCache(join(root, 'build-1')).remember('themes', 'x', d.derive);
    expect(existsSync(join(root, 'build-1'))).toBe(true);
    new DerivedCache(join(root, 'build-2')).remember('themes', 'x', d.derive);
    expect(d.calls).toEqual(['x', 'x']);
    expect(readdirSync(root)).toEqual(['build-2']);
  });

  it('keeps nothing that failed its checks: errors are found afresh each time', () => {
    const build = join(tempDir('derived-'), 'build-1');
    const broken = counted((): number => {
      throw new Error('visit.yaml: agenda line 3');
    });
    for (let i = 0; i < 2; i++) expect(() => new DerivedCache(build).remember('visit\0v.yaml', 'bad', broken.derive)).toThrow(/agenda line 3/);
    expect(broken.calls).toHaveLength(2);

    const refused = counted((s) => ({ errors: [s] }));
    for (let i = 0; i < 2; i++) new DerivedCache(build).remember('programme\0p.yaml', 'p', refused.derive, (r) => r.errors.length === 0);
    expect(refused.calls).toHaveLength(2);
  });

  it('keeps nothing when running from the sources, and keeps working when the folder cannot be written', () => {
    const d = counted((s) => s);
    const off = new DerivedCache(undefined);
    off.remember('seeds', 'a', d.derive);
    off.remember('seeds', 'a', d.derive);
    expect(d.calls).toHaveLength(2);

    // A file where the folder should be: nothing can be written under it (even by root, as CI runs).
    const blocked = join(tempDir('derived-'), 'not-a-folder');
    writeFileSync(blocked, '');
    const ro = new DerivedCache(join(blocked, 'build-1'));
    expect(ro.remember('seeds', 'a', (s) => `${s}!`)).toBe('a!');
    expect(ro.remember('seeds', 'a', (s) => `${s}?`)).toBe('a?');
  });
});

describe('the themes, kept with their rules compiled', () => {
  it('tags ideas the same when the themes come from the kept values as when compiled afresh', () => {
    const build = join(tempDir('derived-'), 'build-1');
    Themes.load(THEMES_FILE, new DerivedCache(build));
    const kept = Themes.load(THEMES_FILE, new DerivedCache(build));
    const fresh = Themes.load(THEMES_FILE, new DerivedCache(undefined));
    expect(readdirSync(build)).toHaveLength(1);
    const ideas = [
      'Skolotāja palīgs romu bērniem katrā skolā',
      'Teacher’s assistants and mentors for Roma pupils',
      'Помощник учителя и вечерние курсы для взрослых',
      'Romu mediatori pašvaldībās un veselības aprūpē',
    ];
    for (const idea of ideas) expect(kept.tag(idea)).toEqual(fresh.tag(idea));
    expect(ideas.some((idea) => kept.tag(idea).length > 0)).toBe(true);
  });
});
