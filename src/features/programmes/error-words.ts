import type { Markup } from '../../core/markup.ts';
import type { Translator } from '../../i18n/index.ts';
import type { CatalogueError } from './catalogue.ts';

/**
 * A catalogue error in the reader's words. The catalogue's checks (and zod under them) describe a problem in
 * English, for the logs and `npm run rules:test`; a coordinator reloading in chat reads it in their language. Each
 * known English shape maps to a text of `programmes:reload.error.*` with the names and values it mentions; one not
 * known here (a check added later) is told as "this value is not valid", so no English reaches a Latvian or
 * Russian reader. File names and field paths are code and are shown as they are.
 */
const SHAPES: ReadonlyArray<[RegExp, string]> = [
  [/^is required(?: \((?<type>\w+)\))?$/, 'required'],
  [/^must not be empty$/, 'required'],
  [/^Invalid input: expected (?<type>\w+), received \w+$/, 'wrong_type'],
  [/^Invalid option: expected one of (?<options>.+)$/, 'one_of'],
  [/^Too small: expected \w+ to have >=?(?<min>\d+)/, 'too_short'],
  [/^Too big: expected \w+ to have <=?(?<max>\d+)/, 'too_long'],
  [/^must be a date written YYYY-MM-DD$/, 'date_format'],
  [/^must name a seed file/, 'seed_format'],
  [/^a web source needs title, publisher and read/, 'web_source'],
  [/^after: unknown needs an until date$/, 'after_needs_until'],
  [/^unknown fields? (?<fields>[^ ]+(?:, [^ ]+)*)(?: beside \w+)?$/, 'unknown_field'],
  [/^Unrecognized keys?: (?<fields>.+)$/, 'unknown_field'],
  [/^unknown fact (?<fact>\S+)/, 'unknown_fact'],
  [/^(?<op>\w+) does not apply to (?<fact>\w+)/, 'op_not_for_fact'],
  [/^(?<op>\w+) takes no value$/, 'no_value'],
  [/^(?<op>\w+) needs either value or param$/, 'value_or_param'],
  [/^(?<op>\w+) needs a non-empty list/, 'non_empty_list'],
  [/^(?<op>\w+) needs one value, not a list$/, 'one_value'],
  [/^no parameter (?<param>\S+) in parameters$/, 'unknown_param'],
  [/^\{(?<param>\w+)\} names no parameter/, 'unknown_placeholder'],
  [/^a condition is an object/, 'condition_shape'],
  [/^use one of all, any, not/, 'condition_kind'],
  [/^a not condition needs its own label/, 'not_label'],
  [/^from must not be after until$/, 'from_after_until'],
  [/^its dates overlap those of (?<other>\S+)$/, 'dates_overlap'],
  [/^not valid (?<format>JSON|YAML)/, 'not_parsable'],
  [/^is (?<id>\S+), but the file is named (?<file>\S+): name it/, 'id_file'],
  [/^(?<file>\S+) is not a document of the network's archive/, 'unknown_seed'],
  [/^cannot read/, 'cannot_read'],
  [/^no programme files/, 'no_files'],
  [/^(?<id>\S+) is already used by (?<other>\S+)$/, 'duplicate_id'],
];

export function errorInWords(e: CatalogueError, tr: Translator): Markup {
  let reason = tr.t('programmes:reload.error.invalid');
  for (const [re, key] of SHAPES) {
    const m = re.exec(e.reason);
    if (m) {
      // zod lists options as "a"|"b"; people read a, b.
      const options = m.groups?.options?.replace(/"/g, '').split('|').join(', ');
      reason = tr.t(`programmes:reload.error.${key}`, { ...m.groups, ...(options ? { options } : {}) });
      break;
    }
  }
  // The reason is markup already (its field names in <code>, its values escaped).
  return tr.t('programmes:reload.error_line', { file: e.file, field: e.field || '—', reason });
}
