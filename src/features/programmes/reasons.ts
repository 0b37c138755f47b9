import type * as z from 'zod';

type Params = Record<string, string | number>;

/**
 * Why a catalogue file (or a rule test) is refused, as a code with parameters. The English sentence is for the
 * command line, logs and the repository's own tests; chat answers say it in the reader's language
 * (`catalogue:reason.<code>` in locales), so a Latvian coordinator never reads an English library message.
 */
const ENGLISH = {
  empty: () => 'must not be empty',
  date: () => 'must be a date written YYYY-MM-DD',
  seed_file_name: () => 'must name a seed file such as 003_07a1e3c4c4f769ab.txt',
  source_kind: () => 'a source needs a seed file, a reference or a URL',
  web_source: () => 'a web source needs title, publisher and read (the date you read it)',
  id_format: () => 'lowercase letters, digits and dashes, e.g. ikvd-pumpurs',
  from_after_until: () => 'from must not be after until',
  after_unknown: () => 'after: unknown needs an until date',
  param_name: () => 'parameter names are lowercase with underscores',
  label_value: () => 'each language must contain {value}',
  url: () => 'must be a web address (https://…)',
  one_of: (p) => `must be one of ${p.options}`,
  required: (p) => `is required (${p.expected})`,
  required_plain: () => 'is required',
  wrong_type: (p) => `must be ${p.expected}`,
  unknown_fields: (p) => `unknown field${Number(p.count) > 1 ? 's' : ''} ${p.keys}`,
  unknown_fields_beside: (p) => `unknown field${Number(p.count) > 1 ? 's' : ''} ${p.keys} beside ${p.kind}`,
  list_empty: () => 'needs at least one item',
  too_small_number: (p) => `must be at least ${p.min}`,
  too_big_number: (p) => `must be at most ${p.max}`,
  too_short: (p) => `must be at least ${p.min} characters`,
  invalid: () => 'is not valid here',
  condition_shape: () => 'a condition is an object: {all: [...]}, {any: [...]}, {not: ...} or {fact, op, value, label, source}',
  condition_groups: (p) => `use one of all, any, not, not ${p.groups}`,
  not_label: () => 'a not condition needs its own label (what must not be the case)',
  group_empty: (p) => `${p.group} needs a non-empty list of conditions`,
  unknown_fact: (p) => `unknown fact ${JSON.stringify(p.fact)} (see the fact vocabulary in docs/catalogue.md)`,
  op_fact: (p) => `${p.op} does not apply to ${p.fact} (a ${p.factKind} fact)`,
  no_value: (p) => `${p.op} takes no value`,
  value_or_param: (p) => `${p.op} needs either value or param`,
  list_needed: (p) => `${p.op} needs a non-empty list of values`,
  one_value: (p) => `${p.op} needs one value, not a list`,
  not_option: (p) => `${p.value} is not one of ${p.options}`,
  not_int_range: (p) => `${p.value} is not a whole number from ${p.min} to ${p.max}`,
  not_bool: (p) => `${p.value} is not true or false`,
  not_text: (p) => `${p.value} is not a valid ${p.fact}`,
  no_param: (p) => `no parameter ${p.param} in parameters`,
  placeholder: (p) => `${p.name} names no parameter of this programme`,
  overlap: (p) => `its dates overlap those of ${p.other}`,
  id_file: (p) => `is ${p.id}, but the file is named ${p.file}: name it ${p.id}.yaml`,
  seed_unknown: (p) => `${p.file} is not a document of the network's archive (data/seeds.yaml)`,
  id_used: (p) => `${p.id} is already used by ${p.other}`,
  yaml_duplicate_key: (p) => `not valid YAML: ${p.detail}`,
  yaml_indent: (p) => `not valid YAML: ${p.detail}`,
  yaml_tab: (p) => `not valid YAML: ${p.detail}`,
  yaml_bracket: (p) => `not valid YAML: ${p.detail}`,
  yaml_unreadable: (p) => `not valid YAML: ${p.detail}`,
  json: (p) => `not valid JSON: ${p.detail}`,
  not_mapping: () => 'a programme file is a mapping of fields (id: …, name: …)',
  cannot_read_folder: (p) => `cannot read the folder: ${p.detail}`,
  no_files: () => 'no programme files (*.yaml, *.json)',
  cannot_read: (p) => `cannot read: ${p.detail}`,
  tests_not_list: () => 'a rule-test file is a list of cases (- name: …)',
  cites_short: () => 'quote the sentence this case tests (at least 10 characters)',
  expect_empty: () => 'expect at least one programme',
  cites_unmatched: (p) => `cites words found in no source quote of ${p.ids}`,
  no_programme: (p) => `no programme ${p.id} in the catalogue`,
  case_failed: (p) => `${p.id}: expected ${p.want}, actual ${p.got}`,
} satisfies Record<string, (p: Params) => string>;

export type ReasonCode = keyof typeof ENGLISH;
export const REASON_CODES = Object.keys(ENGLISH) as ReasonCode[];

export interface Problem {
  code: ReasonCode;
  params?: Params;
}

export function problem(code: ReasonCode, params?: Params): Problem {
  return params ? { code, params } : { code };
}

export function english(p: Problem): string {
  return (ENGLISH[p.code] as (p: Params) => string)(p.params ?? {});
}

export function isReasonCode(x: string): x is ReasonCode {
  return Object.hasOwn(ENGLISH, x);
}

/**
 * A zod issue as a Problem. Our own refinements carry a reason code as their message; zod's own issues are mapped
 * by their kind. Anything else reads "is not valid here" rather than an English library sentence.
 */
export function fromZodIssue(issue: z.core.$ZodIssue): Problem {
  if (isReasonCode(issue.message)) return problem(issue.message);
  switch (issue.code) {
    case 'invalid_type': {
      const missing = /received undefined$/.test(issue.message);
      return problem(missing ? 'required' : 'wrong_type', { expected: issue.expected });
    }
    case 'unrecognized_keys':
      return problem('unknown_fields', { keys: issue.keys.join(', '), count: issue.keys.length });
    case 'invalid_value':
      return problem('one_of', { options: issue.values.map(String).join(', ') });
    case 'invalid_format':
      return issue.format === 'url' ? problem('url') : problem('invalid');
    case 'too_small':
      if (issue.origin === 'array' || issue.origin === 'set') return problem('list_empty');
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? problem('empty') : problem('too_short', { min: Number(issue.minimum) });
      return problem('too_small_number', { min: Number(issue.minimum) });
    case 'too_big':
      return problem('too_big_number', { max: Number(issue.maximum) });
    default:
      return problem('invalid');
  }
}
