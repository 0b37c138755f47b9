/**
 * Forgiving text matching for names people type on phones: case, missing Latvian diacritics ("skolotaja" for
 * "skolotāja"), Russian ё, and word endings ("Pumpura" for "Pumpurs") do not matter.
 */
export function fold(text: string): string {
  // Latvian has no casing rules of its own (Unicode's are for Lithuanian, Turkish and Azeri): the same result as
  // toLocaleLowerCase('lv'), at half the cost.
  return text
    .toLowerCase()
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
  return stemOfFolded(fold(word));
}

/** `stem` of a word already folded. */
export function stemOfFolded(w: string): string {
  for (const e of ENDINGS) {
    if (e && w.length - e.length >= 3 && w.endsWith(e)) return w.slice(0, -e.length);
  }
  return w;
}

export function stems(text: string): string[] {
  return stemsOfFolded(fold(text));
}

/** `stems` of a text already folded. */
export function stemsOfFolded(folded: string): string[] {
  return folded.split(' ').filter(Boolean).map(stemOfFolded);
}

const CYRILLIC: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', ж: 'ž', з: 'z', и: 'i', к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p',
  р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'h', ц: 'c', ч: 'č', ш: 'š', щ: 'šč', ъ: '', ы: 'i', ь: '', э: 'e',
};
const VOWELS = new Set([...'аеёиоуыэюяaeiou']);

/**
 * Russian Cyrillic in Latvian letters, the way Latvian names are spelt in Russian read back: "Даугавпилс" →
 * "Daugavpils", "Лиепая" → "Liepaja", "Елгава" → "Jelgava", "Айзкраукле" → "Aizkraukle", "Варакляны" →
 * "Varaklani" (compared after folding, so "Varakļāni" matches). е, ё, ю, я are read with a j only where Russian
 * says one (at the start of a word or after a vowel); a й after a vowel closes a Latvian diphthong (ai, ei).
 * Other letters are kept.
 */
export function translit(text: string): string {
  let out = '';
  let prev = '';
  for (const ch of text) {
    const lower = ch.toLowerCase();
    const startOrVowel = prev === '' || !/\p{L}/u.test(prev) || VOWELS.has(prev);
    let t: string;
    if (lower === 'е') t = prev === '' || !/\p{L}/u.test(prev) ? 'je' : 'e';
    else if (lower === 'ё') t = startOrVowel ? 'jo' : 'o';
    else if (lower === 'ю') t = startOrVowel ? 'ju' : 'u';
    else if (lower === 'я') t = startOrVowel ? 'ja' : 'a';
    else if (lower === 'й') t = VOWELS.has(prev) ? 'i' : 'j';
    else t = CYRILLIC[lower] ?? ch;
    out += ch !== lower && t ? t.charAt(0).toUpperCase() + t.slice(1) : t;
    prev = lower;
  }
  return out;
}

/** Whether a text has Cyrillic letters (then it is also compared in Latin letters). */
export function hasCyrillic(text: string): boolean {
  return /[\u0400-\u04ff]/.test(text);
}
