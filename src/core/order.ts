/**
 * Orders ASCII keys (ISO dates and timestamps, ids) by code point, which for them is the order meant. `localeCompare`
 * would give the same order but loads ICU's collator on first use (6 ms of a start, issue 17); names people read are
 * still sorted with the Latvian collation.
 */
export function byCode(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
