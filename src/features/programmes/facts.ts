import { LRUCache } from 'lru-cache';
import * as z from 'zod';
import { type Problem, problem } from './reasons.ts';

/**
 * The fact vocabulary: what an eligibility question may know about a case. Names are stable (catalogue rules and
 * maintainers' rule tests use them). Each fact is about the situation, never about who the person is: no names.
 *
 * `ask` facts are asked by the questionnaire (its questions and options live in locales/<lng>/programmes.json under
 * `facts.<name>`); the others may be used by rules and rule tests only.
 */
export type FactDef =
  | { name: string; kind: 'enum'; options: readonly string[]; ask: boolean }
  | { name: string; kind: 'set'; options: readonly string[]; ask: boolean }
  | { name: string; kind: 'int'; min: number; max: number; ask: boolean }
  | { name: string; kind: 'bool'; ask: boolean }
  | { name: string; kind: 'text'; pattern?: RegExp; ask: boolean };

export const SUBJECTS = ['child', 'adult', 'school', 'municipality'] as const;
export const NEEDS = [
  'learning_support',
  'meals',
  'transport',
  'accommodation',
  'language_support',
  'roma_teacher_assistant',
  'career',
  'psychological',
  'legal',
  'job',
  'mediator',
  'everyday_help',
  'family_skills',
] as const;
/** What a school asks for: the support measures a school can apply for. */
export const SCHOOL_NEEDS = [
  'teacher_assistant',
  'learning_groups',
  'individual_support',
  'early_leaving_support',
  'talents',
  'research',
  'interest_education',
  'lab_assistants',
] as const;
export const BARRIER_GROUNDS = ['gender', 'ethnicity', 'disability', 'age'] as const;
export const EMPLOYMENT_STATUSES = ['unemployed', 'job_seeker', 'employed', 'pupil'] as const;

type Subject = (typeof SUBJECTS)[number];

/**
 * When a question makes sense: only for some subjects (a pupil is not asked about their job), and, for a child,
 * only from some age on. An unknown subject (the person said "I don't know") leaves every question possible.
 */
export interface AskWhen {
  subjects: readonly Subject[];
  /** For a child, the question is asked only when the age is known to be at least this. */
  childMinAge?: number;
}

/** In the order the questionnaire prefers when two questions would settle equally many programmes. */
export const FACTS = [
  { name: 'subject', kind: 'enum', options: SUBJECTS, ask: true },
  { name: 'needs', kind: 'set', options: NEEDS, ask: true, when: { subjects: ['child', 'adult'] } },
  { name: 'school_needs', kind: 'set', options: SCHOOL_NEEDS, ask: true, when: { subjects: ['school'] } },
  { name: 'grade', kind: 'int', min: 1, max: 12, ask: true, when: { subjects: ['child'] } },
  { name: 'at_risk_of_leaving_school', kind: 'bool', ask: true, when: { subjects: ['child'] } },
  { name: 'has_pedagogical_education', kind: 'bool', ask: true, when: { subjects: ['school', 'adult'] } },
  { name: 'studying_pedagogy', kind: 'bool', ask: true, when: { subjects: ['school', 'adult'] } },
  { name: 'age', kind: 'int', min: 0, max: 120, ask: true, when: { subjects: ['child', 'adult'] } },
  { name: 'employment_status', kind: 'enum', options: EMPLOYMENT_STATUSES, ask: true, when: { subjects: ['adult', 'child'], childMinAge: 15 } },
  { name: 'unemployed_months', kind: 'int', min: 0, max: 600, ask: true, when: { subjects: ['adult', 'child'], childMinAge: 15 } },
  { name: 'barrier_grounds', kind: 'set', options: BARRIER_GROUNDS, ask: true, when: { subjects: ['child', 'adult'] } },
  { name: 'high_achiever', kind: 'bool', ask: true, when: { subjects: ['child'] } },
  { name: 'mediator_candidate_found', kind: 'bool', ask: true, when: { subjects: ['municipality'] } },
  { name: 'school_has_assistant_post', kind: 'bool', ask: false },
  { name: 'municipality', kind: 'text', pattern: /^[a-z][a-z-]*$/, ask: false },
  { name: 'school_year', kind: 'text', pattern: /^\d{4}\/\d{2}$/, ask: false },
] as const satisfies readonly (FactDef & { when?: AskWhen })[];

export type FactName = (typeof FACTS)[number]['name'];
export const FACT_NAMES = FACTS.map((f) => f.name) as FactName[];
const BY_NAME = new Map<string, FactDef>(FACTS.map((f) => [f.name, f as FactDef]));

export function factDef(name: string): FactDef | undefined {
  return BY_NAME.get(name);
}

const WHEN = new Map<string, AskWhen | undefined>(FACTS.map((f) => [f.name, 'when' in f ? (f.when as AskWhen) : undefined]));

/** Whether asking this fact makes sense for what is known so far (see AskWhen). */
export function worthAsking(name: FactName, facts: Facts): boolean {
  const when = WHEN.get(name);
  if (!when || facts.subject === undefined) return true;
  if (!when.subjects.includes(facts.subject)) return false;
  if (facts.subject === 'child' && when.childMinAge !== undefined) return facts.age !== undefined && facts.age >= when.childMinAge;
  return true;
}
export function isFactName(name: string): name is FactName {
  return BY_NAME.has(name);
}

/**
 * The facts of one case, with their ranges: grade 1–12, age 0–120, options from the vocabulary. Built on first use
 * (zod schemas, like the data files' schemas, were several ms of every start).
 */
export const FactsSchema = z.lazy(() =>
  z
    .object({
      subject: z.enum(SUBJECTS),
      age: z.number().int().min(0).max(120),
      grade: z.number().int().min(1).max(12),
      school_year: z.string().regex(/^\d{4}\/\d{2}$/, 'a school year like 2021/22'),
      at_risk_of_leaving_school: z.boolean(),
      needs: z.array(z.enum(NEEDS)),
      school_needs: z.array(z.enum(SCHOOL_NEEDS)),
      unemployed_months: z.number().int().min(0).max(600),
      barrier_grounds: z.array(z.enum(BARRIER_GROUNDS)),
      has_pedagogical_education: z.boolean(),
      studying_pedagogy: z.boolean(),
      employment_status: z.enum(EMPLOYMENT_STATUSES),
      municipality: z.string().regex(/^[a-z][a-z-]*$/, 'a municipality id such as talsi'),
      high_achiever: z.boolean(),
      school_has_assistant_post: z.boolean(),
      mediator_candidate_found: z.boolean(),
    })
    .partial()
    .strict(),
);

export type Facts = z.infer<typeof FactsSchema>;

/**
 * Facts judged by their JSON. A conversation's facts are read back and checked at every step of /eligibility, and
 * the schema took about 40 µs a time (issue 17's seventh round: a tenth of such a step); cases repeat (the same
 * subject and a few answers), and the same JSON always gets the same verdict.
 */
const judged = new LRUCache<string, boolean>({ max: 500 });
export function areValidFacts(facts: unknown): facts is Facts {
  const json = JSON.stringify(facts) as string | undefined;
  if (json === undefined) return false;
  let valid = judged.get(json);
  if (valid === undefined) judged.set(json, (valid = FactsSchema.safeParse(facts).success));
  return valid;
}

export type FactValue = string | number | boolean | readonly string[];

/** The school year a date falls in: it starts on 1 September ("2021-10-01" → "2021/22"). */
export function schoolYearOf(date: string): string {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const start = month >= 9 ? year : year - 1;
  return `${start}/${String((start + 1) % 100).padStart(2, '0')}`;
}

/** The first day of the next school year after a date (2021-10-01 → 2022-09-01; 2021-05-20 → 2021-09-01). */
export function nextSchoolYearStart(date: string): string {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  return `${month >= 9 ? year + 1 : year}-09-01`;
}

/** Whether a single value fits a fact (catalogue rule values are checked with it). */
export function checkFactValue(def: FactDef, value: unknown): Problem | undefined {
  const shown = JSON.stringify(value) ?? String(value);
  switch (def.kind) {
    case 'enum':
    case 'set':
      return typeof value === 'string' && def.options.includes(value) ? undefined : problem('not_option', { value: shown, options: def.options.join(', ') });
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && value >= def.min && value <= def.max
        ? undefined
        : problem('not_int_range', { value: shown, min: def.min, max: def.max });
    case 'bool':
      return typeof value === 'boolean' ? undefined : problem('not_bool', { value: shown });
    case 'text':
      return typeof value === 'string' && (!def.pattern || def.pattern.test(value)) ? undefined : problem('not_text', { value: shown, fact: def.name });
  }
}
