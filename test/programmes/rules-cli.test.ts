import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalogue, RULE_TESTS_DIR } from '../../src/features/programmes/catalogue.ts';
import { runRuleTests } from '../../src/features/programmes/rule-tests.ts';
import { tempDir } from '../helpers/harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function rulesTest(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/rules-test.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

describe('npm run rules:test', () => {
  it('passes on the project’s own cases: at least 80, every programme and every status, each citing its source', () => {
    const r = rulesTest();
    expect(r.stderr).toBe('');
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/all good/);

    const loaded = loadCatalogue();
    if (!loaded.ok) throw new Error('catalogue invalid');
    const report = runRuleTests([RULE_TESTS_DIR], loaded.catalogue);
    expect(report.cases).toBeGreaterThanOrEqual(80);
    const expectations = report.outcomes.flatMap((o) => Object.entries(o.case.expect));
    expect(new Set(expectations.map(([id]) => id))).toEqual(new Set(loaded.catalogue.programmes.map((p) => p.id)));
    expect(new Set(expectations.map(([, s]) => s))).toEqual(new Set(['eligible', 'not_eligible', 'unknown', 'closed', 'not_yet_open']));
  });

  it('fails on a wrong expectation and prints the case, both statuses and the trace', () => {
    const dir = tempDir('rules-');
    const file = join(dir, 'wrong.yaml');
    writeFileSync(
      file,
      `- name: deliberately wrong, grade 3 before 2021/22
  cites: iepriekš tas bija tikai no 5.klases
  as_of: 2021-05-27
  facts: { subject: child, grade: 3, at_risk_of_leaving_school: true }
  expect: { ikvd-pumpurs: eligible }
`,
    );
    const r = rulesTest(file);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('✗ deliberately wrong, grade 3 before 2021/22');
    expect(r.stdout).toContain('ikvd-pumpurs: expected eligible, actual not_eligible');
    expect(r.stdout).toMatch(/✗ grade gte min_grade=5 \(fact: 3\) — in grade 5 or higher \[003_07a1e3c4c4f769ab\.txt/);
    // …and that the answer changes on 1 September 2021.
    expect(r.stdout).toContain('from 2021-09-01: eligible');
    expect(r.stdout).toMatch(/✓ at_risk_of_leaving_school is_true \(fact: true\)/);
  });

  it('fails on a case it cannot read: an unknown programme, a fact out of range', () => {
    const dir = tempDir('rules-');
    writeFileSync(
      join(dir, 'bad.yaml'),
      [
        '- name: bad\n  cites: iepriekš tas bija tikai no 5.klases\n  as_of: 2021-05-27\n  facts: { grade: 15 }\n  expect: { ikvd-pumpurs: unknown }',
        '- name: unknown id\n  cites: iepriekš tas bija tikai no 5.klases\n  as_of: 2021-05-27\n  expect: { no-such-programme: eligible }',
        '- name: no citation\n  as_of: 2021-05-27\n  expect: { ikvd-pumpurs: unknown }',
        '- name: a citation no source of the programme has\n  cites: romu bērniem vajag palīgu katrā klasē\n  as_of: 2021-05-27\n  expect: { ikvd-pumpurs: unknown }',
      ].join('\n') + '\n',
    );
    const r = rulesTest(dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/bad\.yaml: 0\.facts\.grade: /);
    expect(r.stdout).toMatch(/no programme no-such-programme/);
    expect(r.stdout).toMatch(/bad\.yaml: 2\.cites: /);
    expect(r.stdout).toMatch(/a citation no source of the programme has: cites words found in no source quote of ikvd-pumpurs/);
  });
});
