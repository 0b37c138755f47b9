import { fold } from '../../core/text-match.ts';

export const IDEAS_PER_LIST = 5;
export const MIN_IDEA_LENGTH = 3;
export const MAX_IDEA_LENGTH = 500;

/** What is wrong with one idea; `n` is its number in the list (1–5). */
export type IdeaProblem =
  | { kind: 'empty'; n: number }
  | { kind: 'too_short'; n: number; length: number }
  | { kind: 'too_long'; n: number; length: number }
  | { kind: 'duplicate'; n: number; of: number };

/** Length as people count it: characters, not UTF-16 units (an emoji is one). */
export function ideaLength(text: string): number {
  return [...text].length;
}

/** One idea as stored: surrounding space and bullets gone, runs of spaces and line breaks made one space. */
export function tidyIdea(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[-–—•*·▪►✓✔]\s*/, '')
    .trim();
}

// "1. …", "1) …", "1: …", "1 - …", "1.Idea" at the start of a line; not "27.05 …" (a date).
const NUMBERED = /^\s*(?:№\s*)?(\d{1,2})\s*(?:[.):\]](?=\s|$|\p{L})|\s[-–—](?=\s))\s*(.*)$/u;

/**
 * Splits one message into ideas. Numbered lines (`1. …`, `1) …`) each begin an idea and unnumbered lines continue
 * the one before; a numbered line with nothing after the number is an empty idea (reported as such, not dropped).
 * Without numbers every non-empty line is an idea. A single line numbered inline (`1. … 2. … 3. …`, how a
 * terminal sends a list) is split at the numbers 1, 2, 3 … in order.
 */
export function parseIdeas(message: string): string[] {
  const lines = message.split('\n');
  const numbered = lines.some((l) => NUMBERED.test(l));
  const nonEmpty = lines.filter((l) => l.trim() !== '');
  if (nonEmpty.length === 1) {
    const inline = splitInline(nonEmpty[0]!);
    if (inline) return inline.map(tidyIdea);
  }
  if (!numbered) return nonEmpty.map(tidyIdea).filter((t) => t !== '');
  const items: string[] = [];
  let continuing = false;
  for (const line of lines) {
    const m = NUMBERED.exec(line);
    if (m) {
      items.push(m[2] ?? '');
      continuing = true;
    } else if (line.trim() === '') {
      continue;
    } else if (!continuing) {
      items.push(line);
    } else {
      items[items.length - 1] = `${items[items.length - 1]} ${line}`;
    }
  }
  return items.map(tidyIdea);
}

/** `1. a 2. b 3) c` → [a, b, c]; undefined unless the line starts with 1 and a 2 follows. */
function splitInline(line: string): string[] | undefined {
  const first = /^\s*(?:№\s*)?1\s*[.):](?=\s|$|\p{L})\s*/u.exec(line);
  if (!first) return undefined;
  const parts: string[] = [];
  let start = first[0].length;
  for (let k = 2; k < 100; k++) {
    const marker = new RegExp(`(?:^|\\s)(?:№\\s*)?${k}\\s*[.):](?:\\s+|$|(?=\\p{L}))`, 'gu');
    marker.lastIndex = start;
    const m = marker.exec(line);
    if (!m) break;
    parts.push(line.slice(start, m.index));
    start = m.index + m[0].length;
  }
  if (parts.length === 0) return undefined;
  parts.push(line.slice(start));
  return parts;
}

/** The problem of idea number `n` (1-based) among `list` (the whole list, itself included), if any. */
export function checkIdea(list: readonly string[], n: number): IdeaProblem | undefined {
  const text = list[n - 1] ?? '';
  if (text.trim() === '') return { kind: 'empty', n };
  const length = ideaLength(text);
  if (length < MIN_IDEA_LENGTH) return { kind: 'too_short', n, length };
  if (length > MAX_IDEA_LENGTH) return { kind: 'too_long', n, length };
  const key = fold(text);
  if (key) {
    for (let j = 0; j < list.length; j++) {
      if (j === n - 1) continue;
      const other = list[j] ?? '';
      // A repeat is reported on the later of the two, naming the earlier one.
      if (j < n - 1 && fold(other) === key) return { kind: 'duplicate', n, of: j + 1 };
    }
  }
  return undefined;
}

/** A single idea typed in alone (one at a time, or re-entering idea `n`): compared with every other idea. */
export function checkReplacement(list: readonly string[], n: number, text: string): IdeaProblem | undefined {
  const withIt = [...list];
  withIt[n - 1] = text;
  const own = checkIdea(withIt.slice(0, n), n);
  if (own && own.kind !== 'duplicate') return own;
  const key = fold(text);
  for (let j = 0; j < withIt.length; j++) {
    if (j !== n - 1 && key && fold(withIt[j] ?? '') === key) return { kind: 'duplicate', n, of: j + 1 };
  }
  return undefined;
}

/** Every problem of a list of exactly five, in order. */
export function checkList(list: readonly string[]): IdeaProblem[] {
  const out: IdeaProblem[] = [];
  for (let n = 1; n <= list.length; n++) {
    const p = checkIdea(list, n);
    if (p) out.push(p);
  }
  return out;
}
