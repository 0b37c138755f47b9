import { createApp } from '../src/app.ts';
import { ManualClock } from '../src/core/clock.ts';
import type { Capabilities, Incoming, Reply } from '../src/core/types.ts';
import { loadConfig } from '../src/config.ts';
import { openSqlite } from '../src/db/database.ts';
import { compileProgramme, makeCatalogue, type Programme } from '../src/features/programmes/catalogue.ts';
import { evaluate } from '../src/features/programmes/engine.ts';
import { type Facts, NEEDS } from '../src/features/programmes/facts.ts';
import { plan } from '../src/features/programmes/planner.ts';
import type { BenchResult } from './run.ts';

export const title = 'programmes';

/** A deterministic pseudo-random sequence, so every run measures the same catalogue. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const L = (s: string) => ({ lv: s, en: s, ru: s });
const SOURCE = { file: '003_07a1e3c4c4f769ab.txt', part: 'II daļa', quote: 'Kopumā projektā ir iesaistījušās 330 skolas.' };

/** A catalogue of `n` programmes shaped like the real ones: alternatives of 2–4 conditions, a dated grade limit. */
export function generatedCatalogue(n: number): Programme[] {
  const r = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const leaf = () => {
    const kind = pick(['subject', 'grade', 'needs', 'age', 'bool', 'employment'] as const);
    const base = { label: L('condition'), source: SOURCE };
    switch (kind) {
      case 'subject':
        return { ...base, fact: 'subject', op: 'in', value: [pick(['child', 'adult', 'school', 'municipality'])] };
      case 'grade':
        return { ...base, fact: 'grade', op: 'gte', param: 'min_grade' };
      case 'needs':
        return { ...base, fact: 'needs', op: 'includes_any', value: [pick(NEEDS), pick(NEEDS)] };
      case 'age':
        return { ...base, fact: 'age', op: pick(['gte', 'lte']), value: Math.floor(r() * 100) };
      case 'bool':
        return { ...base, fact: pick(['at_risk_of_leaving_school', 'has_pedagogical_education', 'studying_pedagogy']), op: 'is_true' };
      case 'employment':
        return { ...base, fact: 'employment_status', op: 'in', value: ['unemployed', 'job_seeker'] };
    }
  };
  const programmes: Programme[] = [];
  for (let i = 0; i < n; i++) {
    const id = `gen-${i}`;
    const branches = Array.from({ length: 2 + Math.floor(r() * 2) }, () => ({ all: Array.from({ length: 2 + Math.floor(r() * 3) }, leaf) }));
    const file = {
      id,
      name: L(`Programme ${i}`),
      funder: { kind: 'esf', name: L('ESF') },
      operator: L('Operator'),
      applicant: 'school',
      gives: L('Support.'),
      valid: { from: '2016-01-01', until: r() < 0.3 ? '2022-12-31' : '2030-12-31' },
      apply: L('Ask.'),
      source: SOURCE,
      checked: '2026-12-01',
      parameters: { min_grade: { label: { lv: 'no {value}. klases', en: 'from grade {value}', ru: 'с {value}-го класса' }, values: [{ until: '2021-08-31', value: 5 }, { from: '2021-09-01', value: 1 }] } },
      conditions: { any: branches },
    };
    const compiled = compileProgramme(`${id}.json`, JSON.stringify(file));
    if (!compiled.programme) throw new Error(JSON.stringify(compiled.errors));
    programmes.push(compiled.programme);
  }
  return programmes;
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), n: sorted.length };
}

function time(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const CAPS: Capabilities = { buttons: false, forms: false, edits: false, files: true, maxTextLength: 100_000, maxActionLength: 4096 };

export async function run({ quick }: { quick: boolean }): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const catalogue = makeCatalogue(generatedCatalogue(500));
  const facts: Facts = { subject: 'child', grade: 3, needs: ['meals', 'learning_support'], at_risk_of_leaving_school: true };

  const iterations = quick ? 200 : 3000;
  for (let i = 0; i < 100; i++) evaluate(catalogue, facts, '2021-10-01'); // warm up
  const evalTimes = Array.from({ length: iterations }, () => time(() => evaluate(catalogue, facts, '2021-10-01')));
  const e = stats(evalTimes);
  results.push({ name: 'evaluate 500 programmes, one fact set', value: e.p50, unit: 'ms', details: { p90: e.p90, p99: e.p99, runs: e.n }, target: 'median well under 1 ms' });

  const planTimes = Array.from({ length: quick ? 5 : 30 }, () => time(() => plan(catalogue, { subject: 'child' }, '2021-10-01')));
  const pl = stats(planTimes);
  results.push({ name: 'plan the next question over 500 programmes', value: pl.p50, unit: 'ms', details: { p90: pl.p90, runs: pl.n } });

  // One questionnaire step end to end through the core: a pressed answer in, the next question out (SQLite in memory).
  const clock = new ManualClock('2021-10-01T09:00:00Z');
  const app = await createApp({ config: loadConfig({}), clock, database: openSqlite(':memory:') });
  const send = (payload: Incoming['payload']): Promise<Reply[]> =>
    app.core.handle({ identity: { platform: 'console', id: 'bench' }, chat: { platform: 'console', chatId: 'bench', kind: 'private' }, payload, capabilities: CAPS });
  const steps: number[] = [];
  const rounds = quick ? 30 : 300;
  for (let i = 0; i < rounds; i++) {
    const first = await send({ type: 'command', name: 'eligibility', args: '' });
    const choice = first.flatMap((r) => (r.kind === 'text' ? (r.choices ?? []).flat() : [])).find((c) => 'action' in c && c.action.endsWith(':a:child'));
    if (!choice || !('action' in choice)) throw new Error('no answer button in the first question');
    const t0 = process.hrtime.bigint();
    await send({ type: 'action', data: choice.action });
    steps.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  await app.stop();
  const s = stats(steps.slice(Math.min(10, steps.length - 1)));
  results.push({ name: 'questionnaire step end to end (answer → next question)', value: s.p50, unit: 'ms', details: { p90: s.p90, p99: s.p99, runs: s.n } });
  return results;
}
