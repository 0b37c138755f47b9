import { tempFilePath } from '../../core/files.ts';
import type { DiskFile } from '../../core/types.ts';
import type { Translator } from '../../i18n/index.ts';
import { sheetDate, XLSX_MIME } from '../ideas/export.ts';
import type { Municipalities } from '../people/municipalities.ts';
import { StreamingWorkbook } from '../reports/xlsx.ts';
import type { RsvpEntry } from './rsvp.ts';

/**
 * A visit's answers as a workbook: every answer (name, municipality, institution, answer, whether the person may be
 * named in the report, when), and the participant list as the report's Annex 2 has it (those going who agreed).
 */
export async function rsvpWorkbook(entries: readonly RsvpEntry[], baseName: string, tr: Translator, municipalities: Municipalities, now: Date): Promise<DiskFile> {
  const path = await tempFilePath(`${baseName}.xlsx`);
  const book = await StreamingWorkbook.open(path, now);
  const c = (k: string) => tr.plain(`visits:export.columns.${k}`);
  const muni = (id: string | null) => (id ? (municipalities.get(id)?.name ?? id) : '');
  const answers = book.sheet(tr.plain('visits:export.sheet_answers'), [
    { header: c('name'), width: 28 },
    { header: c('municipality'), width: 20 },
    { header: c('institution'), width: 40, kind: 'wrap' },
    { header: c('answer'), width: 14 },
    { header: c('listed'), width: 18 },
    { header: c('answered'), width: 17, kind: 'datetime' },
  ]);
  for (const e of entries) {
    const listed = e.listed === null ? tr.plain('visits:export.not_asked') : tr.plain(e.listed ? 'common:yes' : 'common:no');
    answers.row([e.name, muni(e.municipality), e.institution, tr.plain(`visits:buttons.rsvp_${e.answer}`), listed, sheetDate(e.updatedAt)]);
  }
  answers.close();
  const list = book.sheet(tr.plain('visits:export.sheet_participants'), [
    { header: c('name'), width: 28 },
    { header: c('institution'), width: 48, kind: 'wrap' },
    { header: c('municipality'), width: 20 },
  ]);
  for (const e of entries) if (e.answer === 'going' && e.listed === true) list.row([e.name, e.institution, muni(e.municipality)]);
  list.close();
  await book.close();
  return { name: `${baseName}.xlsx`, mime: XLSX_MIME, path, temporary: true };
}
