import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CatalogueStore, compileProgramme, formatError, loadCatalogue, PROGRAMMES_DIR } from '../../src/features/programmes/catalogue.ts';
import { programmeSources } from '../../src/features/programmes/sources.ts';
import { tempDir } from '../helpers/harness.ts';

/** DOMAIN.md's eleven programmes (the 2021 seeds) and the eight that answer the network's cases in 2026. */
const IDS = [
  'ikvd-pumpurs',
  'km-roma-mediators',
  'lm-antidiscrimination-4342',
  'municipal-family-assistant',
  'municipal-support-person',
  'nva-jobseeker-support',
  'nva-subsidised-jobs',
  'nva-training-4331',
  'programma-skola-teacher-assistants',
  'sif-motivation-programme',
  'viaa-adult-learning-4242',
  'viaa-pupil-excellence',
  'viaa-skola-kopiena',
  'visc-interest-education',
  'visc-lab-assistants',
  'visc-learning-groups',
  'visc-research',
  'visc-talents',
  'visc-teacher-assistants',
];

const pumpurs = readFileSync(join(PROGRAMMES_DIR, 'ikvd-pumpurs.yaml'), 'utf8');

function errorsOf(file: string, content: string) {
  return compileProgramme(file, content).errors;
}

describe('the shipped catalogue', () => {
  it('validates and holds exactly the programme ids of DOMAIN.md, with the seeds’ dates', () => {
    const r = loadCatalogue();
    expect(r.ok ? [] : r.errors.map(formatError)).toEqual([]);
    if (!r.ok) return;
    const c = r.catalogue;
    expect(c.programmes.map((p) => p.id)).toEqual(IDS);
    expect(c.byId.get('ikvd-pumpurs')!.valid.until).toBe('2023-12-31');
    expect(c.byId.get('sif-motivation-programme')!.valid.until).toBe('2022-12-31');
    expect(c.byId.get('municipal-support-person')!.valid.until).toBeUndefined();
    expect(c.byId.get('nva-jobseeker-support')!.valid.until).toBeUndefined();
    expect(c.byId.get('ikvd-pumpurs')!.parameters.min_grade!.map((d) => d.value)).toEqual([5, 1]);
    for (const p of c.programmes) {
      for (const lng of ['lv', 'en', 'ru'] as const) {
        expect(p.name[lng], `${p.id} name ${lng}`).toBeTruthy();
        expect(p.apply[lng], `${p.id} apply ${lng}`).toBeTruthy();
      }
      expect(p.source.file ?? p.source.ref ?? p.source.url, p.id).toBeTruthy();
      expect(p.checked, `${p.id} checked`).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
    const esf = c.programmes.filter((p) => p.funder.kind === 'esf').map((p) => p.id);
    expect(esf).toEqual(IDS.filter((id) => id.startsWith('visc-') || id === 'ikvd-pumpurs' || id === 'sif-motivation-programme'));
    // The 2021–2027 measures are ESF+, shown apart from the ESF projects that ended.
    const plus = c.programmes.filter((p) => p.funder.kind === 'esf_plus').map((p) => p.id);
    expect(plus).toEqual(['lm-antidiscrimination-4342', 'nva-subsidised-jobs', 'nva-training-4331', 'viaa-adult-learning-4242', 'viaa-pupil-excellence', 'viaa-skola-kopiena']);
    // Every web source says when it was read; every programme when it was last checked.
    for (const p of c.programmes) for (const s of programmeSources(p)) if (s.url) expect(s.read, `${p.id} ${s.url}`).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});

describe('catalogue validation names the file, the field and the reason', () => {
  const cases: Array<[string, (s: string) => string, RegExp, RegExp]> = [
    ['an unknown funder kind', (s) => s.replace('kind: esf', 'kind: lottery'), /^funder\.kind$/, /esf/],
    ['a missing Russian name', (s) => s.replace('  ru: Pumpurs (против раннего ухода из школы)\n', ''), /^name\.ru$/, /required/],
    ['a date that is not a date', (s) => s.replace('until: 2023-12-31', 'until: 2023-02-30'), /^valid\.until$/, /YYYY-MM-DD/],
    ['an unknown fact', (s) => s.replace('fact: at_risk_of_leaving_school', 'fact: at_risk'), /conditions\.any\[0\]\.all\[2\]\.fact/, /unknown fact "at_risk"/],
    ['a value outside the vocabulary', (s) => s.replace('value: child', 'value: kid'), /conditions\.any\[0\]\.all\[0\]\.value/, /"kid" is not one of child, adult/],
    ['an operator that does not fit the fact', (s) => s.replace('op: is_true', 'op: gte'), /conditions\.any\[0\]\.all\[2\]\.op/, /gte does not apply to at_risk_of_leaving_school/],
    ['a parameter that does not exist', (s) => s.replace('param: min_grade', 'param: lowest_grade'), /\.param$/, /no parameter lowest_grade/],
    ['overlapping dated values', (s) => s.replace('- from: 2021-09-01', '- from: 2021-08-01'), /^parameters\.min_grade\.values\[1\]$/, /overlap/],
    ['a grade out of range in a dated value', (s) => s.replace('value: 5\n', 'value: 15\n'), /parameters\.min_grade\.values\[0\]\.value/, /from 1 to 12/],
    ['no checked date', (s) => s.replace('checked: 2026-12-01\n', ''), /^checked$/, /required/],
    ['a web source without the day it was read', (s) => s.replace('  read: 2026-12-01\n  quote: 03.2017', '  quote: 03.2017'), /^source\.url$/, /read/],
    ['a source without the words it relies on', (s) => s.replace('          quote: iepriekš tas bija tikai no 5.klases\n', ''), /quote$/, /required/],
    ['a seed that is not in the archive', (s) => s.replace('file: 003_07a1e3c4c4f769ab.txt', 'file: 009_0000000000000000.txt'), /^source$/, /not a document of the network/],
    ['a parameter label without its value', (s) => s.replace('en: from grade {value}', 'en: from grade'), /parameters\.min_grade\.label/, /\{value\}/],
    ['an unknown field', (s) => s.replace('applicant:', 'applicants: [school]\napplicant:'), /^$/, /unknown field applicants/],
    ['an id that is not the file name', (s) => s.replace('id: ikvd-pumpurs', 'id: pumpurs'), /^id$/, /ikvd-pumpurs/],
    ['broken YAML', (s) => s.replace('gives:\n', 'gives:\n  lv: [unclosed\n'), /line \d+/, /not valid YAML/],
    ['a label naming no parameter', (s) => s.replace('mācās {min_grade}.', 'mācās {max_grade}.'), /\.label\.lv$/, /\{max_grade\} names no parameter/],
  ];
  /** What the named line holds, for the cases where the line is certain. */
  const LINES: Record<string, string> = {
    'an unknown funder kind': 'kind: lottery',
    'a date that is not a date': 'until: 2023-02-30',
    'an unknown fact': 'fact: at_risk',
    'a value outside the vocabulary': 'value: kid',
    'an operator that does not fit the fact': 'op: gte',
    'a parameter that does not exist': 'param: lowest_grade',
    'a grade out of range in a dated value': 'value: 15',
    'a seed that is not in the archive': '009_0000000000000000.txt',
    'an unknown field': 'applicants:',
    'an id that is not the file name': 'id: pumpurs',
    'broken YAML': '',
    'a label naming no parameter': '{max_grade}',
  };
  for (const [what, edit, field, reason] of cases) {
    it(`refuses ${what}`, () => {
      const edited = edit(pumpurs);
      expect(edited, 'the test edit applies').not.toBe(pumpurs);
      const errors = errorsOf('ikvd-pumpurs.yaml', edited);
      expect(errors.length, JSON.stringify(errors)).toBeGreaterThan(0);
      const hit = errors.find((e) => field.test(e.field) && reason.test(e.reason));
      expect(hit, JSON.stringify(errors)).toBeTruthy();
      expect(hit!.file).toBe('ikvd-pumpurs.yaml');
      expect(formatError(hit!)).toMatch(/^ikvd-pumpurs\.yaml:\d+: /);
      // The line named is where the problem is (or, for a missing field, where its parent is).
      const at = LINES[what];
      if (at) expect(edited.split('\n')[hit!.line! - 1], `line ${hit!.line}`).toContain(at);
    });
  }

  it('refuses two files with the same id and keeps the old catalogue on a failed reload', async () => {
    const dir = tempDir('programmes-');
    cpSync(PROGRAMMES_DIR, dir, { recursive: true });
    const store = new CatalogueStore(dir);
    expect(store.current.programmes).toHaveLength(IDS.length);
    writeFileSync(join(dir, 'ikvd-pumpurs.yaml'), pumpurs.replace('kind: esf', 'kind: lottery'));
    const refused = await store.reload('person-1', new Date('2021-10-01T09:00:00Z'));
    expect(refused).toMatchObject({ ok: false, by: 'person-1', at: '2021-10-01T09:00:00.000Z', count: IDS.length });
    expect(refused.errors.map(formatError)).toEqual([expect.stringMatching(/^ikvd-pumpurs\.yaml:15: funder\.kind: /)]);
    expect(store.current.byId.get('ikvd-pumpurs')!.funder.kind).toBe('esf');

    writeFileSync(join(dir, 'ikvd-pumpurs.yaml'), pumpurs.replace('until: 2023-12-31', 'until: 2024-06-30'));
    writeFileSync(join(dir, 'new-one.json'), JSON.stringify({ id: 'other' }));
    const twice = await store.reload('person-1', new Date());
    expect(twice.ok).toBe(false);
    expect(twice.errors.some((e) => e.file === 'new-one.json' && e.field === 'name')).toBe(true);

    rmSync(join(dir, 'new-one.json'));
    writeFileSync(join(dir, 'ikvd-pumpurs.json'), JSON.stringify(parseYaml(pumpurs)));
    const dup = loadCatalogue(dir);
    expect(dup.ok).toBe(false);
    if (!dup.ok) expect(dup.errors.map(formatError)).toContain('ikvd-pumpurs.yaml: id: ikvd-pumpurs is already used by ikvd-pumpurs.json');
  });

  it('applies a valid change on reload and says what changed', async () => {
    const dir = tempDir('programmes-');
    cpSync(PROGRAMMES_DIR, dir, { recursive: true });
    const store = new CatalogueStore(dir);
    writeFileSync(join(dir, 'ikvd-pumpurs.yaml'), pumpurs.replace('until: 2023-12-31', 'until: 2024-06-30'));
    const r = await store.reload('coordinator-1', new Date('2021-10-01T09:00:00Z'));
    expect(r).toMatchObject({ ok: true, changed: ['ikvd-pumpurs'], added: [], removed: [], count: IDS.length });
    expect(store.current.byId.get('ikvd-pumpurs')!.valid.until).toBe('2024-06-30');
  });
});
