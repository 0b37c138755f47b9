import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { checkedToday, closedOn, withEndDate } from '../../src/features/catalogue/edits.ts';
import { readUpload } from '../../src/features/catalogue/intake.ts';
import { compileProgramme, PROGRAMMES_DIR } from '../../src/features/programmes/catalogue.ts';
import { PUMPURS } from './helpers.ts';

const read = (id: string) => readFileSync(join(PROGRAMMES_DIR, `${id}.yaml`), 'utf8');
const changed = (a: string, b: string) => {
  const x = a.split('\n');
  const y = b.split('\n');
  return { removed: x.filter((l) => !y.includes(l)), added: y.filter((l) => !x.includes(l)) };
};
const valid = (id: string, text: string) => expect(compileProgramme(`${id}.yaml`, text).errors).toEqual([]);

describe('edits keep the file as it was, but for the value changed', () => {
  it('adds an end date where there was none, as one line in the `valid` block', () => {
    const before = read('nva-training-4331');
    const after = withEndDate(before, '2028-12-31');
    expect(changed(before, after)).toEqual({ removed: [], added: ['  until: 2028-12-31'] });
    valid('nva-training-4331', after);
  });

  it('removes the end date and what was known after it ("no known end date")', () => {
    const before = read('km-roma-mediators');
    const after = withEndDate(before, undefined);
    expect(changed(before, after)).toEqual({ removed: ['  until: 2025-04-30', '  after: unknown'], added: [] });
    valid('km-roma-mediators', after);
    expect(compileProgramme('km-roma-mediators.yaml', after).programme!.valid).toMatchObject({ after: 'closed' });
    expect(compileProgramme('km-roma-mediators.yaml', after).programme!.valid.until).toBeUndefined();
  });

  it('closes a programme whose continuation was unknown: `after` becomes closed', () => {
    const after = closedOn(read('km-roma-mediators'), '2025-04-30');
    expect(changed(read('km-roma-mediators'), after)).toEqual({ removed: ['  after: unknown'], added: ['  after: closed'] });
  });

  it('marks checked with the source in a comment and updates the day every source at that address was read', () => {
    const url = 'https://www.ikvd.gov.lv/en/projects/esf-project-no-834016i001-support-reduction-early-school-leaving-pumpurs';
    const after = checkedToday(PUMPURS, '2027-02-01', url);
    const { removed, added } = changed(PUMPURS, after);
    expect(added[0]).toBe(`checked: 2027-02-01 # against ${url}`);
    expect(added.filter((l) => /read: 2027-02-01/.test(l)).length).toBeGreaterThanOrEqual(1);
    expect(removed.length).toBe(added.length);
    valid('ikvd-pumpurs', after);
  });
});

describe('what a coordinator sends', () => {
  it('tells a programme from rule tests, in a file or in a zip', async () => {
    expect(await readUpload('x.yaml', strToU8(PUMPURS))).toMatchObject({ ok: true, programmes: [{ name: 'x.yaml' }], tests: [] });
    expect(await readUpload('cases.yml', strToU8('- name: a\n'))).toMatchObject({ ok: true, programmes: [], tests: [{ name: 'cases.yml' }] });
    const zip = zipSync({ 'catalogue/ikvd-pumpurs.yaml': strToU8(PUMPURS), 'catalogue/tests/a.yaml': strToU8('- name: a\n'), '__MACOSX/._x.yaml': strToU8('junk'), 'notes.txt': strToU8('hi') });
    expect(await readUpload('c.zip', zip)).toEqual({ ok: true, programmes: [{ name: 'ikvd-pumpurs.yaml', text: PUMPURS }], tests: [{ name: 'tests/a.yaml', text: '- name: a\n' }], ignored: [] });
  });

  it('refuses what is too large, not text, or not a zip', async () => {
    expect(await readUpload('big.yaml', new Uint8Array(256 * 1024 + 1))).toMatchObject({ ok: false, why: 'too_large' });
    expect(await readUpload('ok.yaml', strToU8(`${'#'.repeat(256 * 1024 - 1)}\n`))).toMatchObject({ ok: true });
    expect(await readUpload('p.json', new Uint8Array([0xc3, 0x28]))).toMatchObject({ ok: false, why: 'not_text' });
    expect(await readUpload('p.zip', strToU8('nope'))).toMatchObject({ ok: false, why: 'bad_zip' });
    expect(await readUpload('p.zip', zipSync({ 'a.txt': strToU8('x') }))).toMatchObject({ ok: false, why: 'zip_empty' });
  });
});
