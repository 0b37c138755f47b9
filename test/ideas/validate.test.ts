import { describe, expect, it } from 'vitest';
import { checkList, checkReplacement, ideaLength, parseIdeas, tidyIdea } from '../../src/features/ideas/validate.ts';

describe('reading five ideas from one message', () => {
  it('reads numbered lines in every common style', () => {
    expect(parseIdeas('1. Mediators\n2) Palīgs\n3: Vecāki\n4 - Jaunieši\n5.ESF')).toEqual(['Mediators', 'Palīgs', 'Vecāki', 'Jaunieši', 'ESF']);
  });

  it('reads plain lines and bullets, skipping blank lines', () => {
    expect(parseIdeas('• Mediators\n\n- Palīgs\n* Vecāki\nJaunieši\n\nESF')).toEqual(['Mediators', 'Palīgs', 'Vecāki', 'Jaunieši', 'ESF']);
  });

  it('joins an unnumbered line to the numbered idea before it', () => {
    expect(parseIdeas('1. Romu mediators\n   skolā un sociālajā dienestā\n2. Palīgs')).toEqual(['Romu mediators skolā un sociālajā dienestā', 'Palīgs']);
  });

  it('keeps a numbered line with nothing after it as an empty idea', () => {
    expect(parseIdeas('1. aaa\n2.\n3. ccc\n4. ddd\n5. eee')).toEqual(['aaa', '', 'ccc', 'ddd', 'eee']);
  });

  it('splits one line numbered inline (a terminal sends one line), without splitting at grades or dates', () => {
    expect(parseIdeas('1. Mediatori skolās 2. Palīgs 1.–4. klasē 3. Vecāku skola 4. Jaunieši 5. ESF 27.05 projekts')).toEqual([
      'Mediatori skolās',
      'Palīgs 1.–4. klasē',
      'Vecāku skola',
      'Jaunieši',
      'ESF 27.05 projekts',
    ]);
  });

  it('does not take a date at the start of a line for a number', () => {
    expect(parseIdeas('27.05 tikšanās ar vecākiem\nOtrā ideja')).toEqual(['27.05 tikšanās ar vecākiem', 'Otrā ideja']);
  });

  it('tidies spaces and counts characters as people do', () => {
    expect(tidyIdea('  Romu   mediators\n skolā ')).toBe('Romu mediators skolā');
    expect(ideaLength('👩‍🏫ab')).toBe(5); // code points: woman, joiner, school
    expect(ideaLength('ķēā')).toBe(3);
  });
});

describe('what is wrong with a list', () => {
  const ok = ['Mediatori skolās', 'Skolotāja palīgs', 'Vecāku skola', 'Jauniešu centrs', 'ESF projekts'];

  it('accepts five good ideas', () => {
    expect(checkList(ok)).toEqual([]);
  });

  it('names each bad idea and what is wrong, all at once', () => {
    expect(checkList(['Mediatori skolās', 'ab', '', 'x'.repeat(501), 'mediatori  SKOLAS!'])).toEqual([
      { kind: 'too_short', n: 2, length: 2 },
      { kind: 'empty', n: 3 },
      { kind: 'too_long', n: 4, length: 501 },
      { kind: 'duplicate', n: 5, of: 1 },
    ]);
  });

  it('accepts exactly 3 and 500 characters', () => {
    expect(checkList(['abc', 'x'.repeat(500), 'c d', 'e f', 'g h'])).toEqual([]);
  });

  it('treats ideas differing only in case, diacritics or punctuation as repeats', () => {
    expect(checkList(['Skolotāja palīgs', 'skolotaja paligs.', 'a b c', 'd e f', 'g h i'])).toEqual([{ kind: 'duplicate', n: 2, of: 1 }]);
  });

  it('checks one re-entered idea against all the others', () => {
    expect(checkReplacement(ok, 2, 'ESF projekts')).toEqual({ kind: 'duplicate', n: 2, of: 5 });
    expect(checkReplacement(ok, 2, 'no')).toEqual({ kind: 'too_short', n: 2, length: 2 });
    expect(checkReplacement(ok, 2, 'Skolotāja palīgs')).toBeUndefined(); // itself is not a repeat
    expect(checkReplacement(ok.slice(0, 2), 3, 'Mediatori skolās')).toEqual({ kind: 'duplicate', n: 3, of: 1 });
  });
});
