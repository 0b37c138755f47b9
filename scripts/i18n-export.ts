import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { rigaDate } from '../src/core/time.ts';
import { languageNamed } from '../src/features/people/languages.ts';
import { openI18nCli, option, positional } from './i18n-common.ts';

/**
 * `npm run i18n:export -- rom [--out FILE] [--lang lv]`: the spreadsheet to translate the bot into a language (or
 * to correct its Latvian, English or Russian): key, Latvian source, English, note, length limit and the current
 * translation, including what people already applied in chat. Prints the file's path.
 */
const args = process.argv.slice(2);
const locale = languageNamed(positional(args, ['--out', '--lang'])[0] ?? '');
if (!locale) {
  console.error('usage: npm run i18n:export -- rom|lv|en|ru [--out FILE] [--lang lv|en|ru]');
  process.exit(2);
}
const cli = await openI18nCli(args);
try {
  const today = rigaDate(new Date());
  const { name, data } = await cli.service.sheet(locale, today, cli.i18n.translator(cli.printLanguage));
  const file = resolve(option(args, '--out') ?? name);
  writeFileSync(file, data);
  const c = cli.i18n.coverage(locale);
  console.log(`${file} (${locale}: ${c.percent} %, ${c.translated}/${c.total})`);
} finally {
  await cli.close();
}
