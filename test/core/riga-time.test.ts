import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { isIsoDate, rigaDate, rigaTime } from '../../src/core/time.ts';

const luxon = (d: Date) => {
  const r = DateTime.fromJSDate(d, { zone: 'Europe/Riga' });
  return `${r.toISODate()} ${r.toFormat('HH:mm')}`;
};
const ours = (d: Date) => `${rigaDate(d)} ${rigaTime(d)}`;

describe('Riga date and time of an instant', () => {
  it('agrees with the time zone database across daylight-saving changes, old offsets and odd years', () => {
    const instants: Date[] = [];
    // Every 10 minutes across the nights of the clock changes, Soviet and Latvian rules alike.
    for (const [y, m] of [[1981, 3], [1984, 8], [1989, 2], [1990, 2], [2000, 2], [2021, 2], [2021, 9], [2026, 9], [2037, 2]] as const) {
      const lastSunday = new Date(Date.UTC(y, m + 1, 0));
      lastSunday.setUTCDate(lastSunday.getUTCDate() - lastSunday.getUTCDay());
      for (let t = lastSunday.getTime() - 6 * 3_600_000; t < lastSunday.getTime() + 6 * 3_600_000; t += 10 * 60_000 + 1_001) instants.push(new Date(t));
    }
    // A spread over a century and a half, local mean time (an offset with seconds) included.
    for (let t = Date.UTC(1880, 0, 1); t < Date.UTC(2040, 0, 1); t += 997 * 3_600_000 + 12_345) instants.push(new Date(t));
    for (const y of [1, 999, 10_000]) instants.push(new Date(new Date(0).setUTCFullYear(y)));
    instants.push(new Date(-1), new Date(0), new Date('2021-05-27T06:00:59.999Z'));
    expect(instants.filter((d) => ours(d) !== luxon(d)).map((d) => `${d.toISOString()}: ${ours(d)} ≠ ${luxon(d)}`)).toEqual([]);
    expect(ours(new Date('2021-05-27T06:00:00Z'))).toBe('2021-05-27 09:00');
    expect(ours(new Date('2021-12-31T22:30:00Z'))).toBe('2022-01-01 00:30');
  });
});

describe('a typed date', () => {
  it('is a calendar day exactly when luxon says so: leap years, month ends, odd years and malformed text', () => {
    const typed = ['2024-02-29', '2023-02-29', '2000-02-29', '1900-02-29', '2026-12-31', '2026-12-32', '2026-13-01', '2026-00-10', '2026-04-31', '2026-04-30', '0050-01-01', '9999-12-31', '2026-1-01', '2026-01-01x', ' 2026-01-01', ''];
    for (let d = new Date(Date.UTC(2020, 0, 1)); d.getUTCFullYear() < 2029; d = new Date(d.getTime() + 86_400_000 * 3)) typed.push(d.toISOString().slice(0, 10));
    for (const s of typed) expect(isIsoDate(s), s).toBe(/^\d{4}-\d{2}-\d{2}$/.test(s) && DateTime.fromISO(s).isValid);
  });
});
