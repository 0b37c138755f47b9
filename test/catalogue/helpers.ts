import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROGRAMMES_DIR } from '../../src/features/programmes/catalogue.ts';

export const PUMPURS = readFileSync(join(PROGRAMMES_DIR, 'ikvd-pumpurs.yaml'), 'utf8');

/** Pumpurs as a coordinator would send it after IKVD extended it: a new end date and a new "what it gives". */
export function extendedPumpurs(source = PUMPURS): string {
  const out = source
    .replace('until: 2023-12-31', 'until: 2027-06-30')
    .replace('  lv: "Individuālas konsultācijas', '  lv: "Pagarināts līdz 2027. gada jūnijam. Individuālas konsultācijas')
    .replace('  en: "Individual consultations', '  en: "Extended until June 2027. Individual consultations')
    .replace('  ru: "Индивидуальные консультации', '  ru: "Продлено до июня 2027 года. Индивидуальные консультации');
  if (out === source || !out.includes('Extended until June 2027')) throw new Error('the Pumpurs fixture no longer matches data/programmes/ikvd-pumpurs.yaml');
  return out;
}
