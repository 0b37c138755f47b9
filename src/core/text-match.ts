/**
 * Forgiving text matching for names people type on phones: case, missing Latvian diacritics ("skolotaja" for
 * "skolotāja"), Russian ё, and word endings ("Pumpura" for "Pumpurs") do not matter.
 */
export function fold(text: string): string {
  return text
    .toLocaleLowerCase('lv')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ё/g, 'е')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

// Longest first, so "iem" is tried before "em" and "m". Latvian noun and adjective endings, English plural and
// Russian case endings: enough to meet the forms people type, not a full stemmer.
const ENDINGS = [
  'ajiem', 'ajam', 'ajai', 'ajos', 'ajas', 'iem', 'ām', 'ies', 'ais', 'ajs', 'ams',
  'ого', 'его', 'ому', 'ему', 'ыми', 'ими', 'ами', 'ями', 'ах', 'ях', 'ой', 'ей', 'ий', 'ый', 'ая', 'яя', 'ое', 'ее', 'ов', 'ев', 'ам', 'ям',
  'as', 'es', 'is', 'us', 'os', 'am', 'em', 'im', 'um', 'ai', 'ei', 'ie', 'ns', 'ss',
  'a', 'e', 'i', 'u', 's', 'š', 'o',
  'а', 'я', 'ы', 'и', 'у', 'ю', 'е', 'о', 'ь', 'й',
].map(fold);

/** A crude stem: the folded word without a common ending, never shorter than three letters. */
export function stem(word: string): string {
  const w = fold(word);
  for (const e of ENDINGS) {
    if (e && w.length - e.length >= 3 && w.endsWith(e)) return w.slice(0, -e.length);
  }
  return w;
}

export function stems(text: string): string[] {
  return fold(text)
    .split(' ')
    .filter(Boolean)
    .map(stem);
}
