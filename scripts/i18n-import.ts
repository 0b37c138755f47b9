import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { toPlain } from '../src/core/markup.ts';
import { importReport } from '../src/features/translations/report.ts';
import { openI18nCli, positional } from './i18n-common.ts';

/**
 * `npm run i18n:import -- FILE [--apply] [--lang lv]`: checks a filled translation sheet as the bot does in chat
 * and prints the same report (what would be saved, what not and why, coverage before and after). With --apply the
 * valid rows are saved to the database, where every instance reads them; the audit log records it as done from
 * the command line. Exit status 1 when nothing could be read.
 */
const args = process.argv.slice(2);
const [file] = positional(args, ['--lang']);
if (!file) {
  console.error('usage: npm run i18n:import -- FILE.xlsx [--apply] [--lang lv|en|ru]');
  process.exit(2);
}
const cli = await openI18nCli(args);
try {
  const tr = cli.i18n.translator(cli.printLanguage);
  const data = new Uint8Array(readFileSync(file));
  const checked = await cli.service.validate(data);
  if (!checked.ok) {
    console.error(toPlain(tr.t(`translations:file.${checked.reason}`)));
    process.exitCode = 1;
  } else {
    console.log(toPlain(importReport(tr, checked.result, basename(file), cli.threshold)));
    if (args.includes('--apply') && checked.result.summary.changes > 0) {
      const now = new Date();
      const pending = await cli.service.store.createPending(checked.result, basename(file), null, now);
      const applied = await cli.service.apply(pending.id, null, now, 'command line');
      const locale = checked.result.summary.locale;
      console.log(toPlain(tr.t('translations:applied', { language: tr.plain(`common:languages.${locale}`), count: applied?.changes.length ?? 0, percent: cli.i18n.coverage(locale).percent })));
    }
  }
} finally {
  await cli.close();
}
