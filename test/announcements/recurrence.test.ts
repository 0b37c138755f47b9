import { describe, expect, it } from 'vitest';
import { nextRun, nextRuns, parseRecurrence } from '../../src/features/announcements/recurrence.ts';

const iso = (d: Date | undefined) => d?.toISOString();

describe('recurring rules', () => {
  it('reads "every Monday 09:00" in English, Latvian and Russian, and cron expressions', () => {
    for (const phrase of ['every Monday 09:00', 'every monday at 9:00', 'katru pirmdienu 9:00', 'katru pirmdienu plkst. 09.00', 'каждый понедельник 09:00', 'по понедельникам 9:00', '0 9 * * 1']) {
      expect(parseRecurrence(phrase), phrase).toEqual({ ok: true, cron: '0 9 * * 1' });
    }
    expect(parseRecurrence('every weekday 08:30')).toEqual({ ok: true, cron: '30 8 * * 1-5' });
    expect(parseRecurrence('katru dienu 18:00')).toEqual({ ok: true, cron: '0 18 * * *' });
    expect(parseRecurrence('каждую пятницу 17:15')).toEqual({ ok: true, cron: '15 17 * * 5' });
  });

  it('refuses what it cannot read, naming the bad cron field', () => {
    expect(parseRecurrence('sometimes')).toMatchObject({ ok: false, reason: 'format' });
    expect(parseRecurrence('every Monday 25:00')).toMatchObject({ ok: false, reason: 'format' });
    const bad = parseRecurrence('61 9 * * 1');
    expect(bad).toMatchObject({ ok: false, reason: 'cron' });
    expect(bad).toEqual({ ok: false, reason: 'cron', problems: [{ field: 'minute', value: '61', kind: 'range' }] });
  });

  it('keeps a weekly 09:00 at 09:00 Riga time across the 2026 spring change', () => {
    expect(nextRuns('0 9 * * 1', new Date('2026-03-20T00:00:00Z'), 3).map(iso)).toEqual([
      '2026-03-23T07:00:00.000Z', // EET, UTC+2
      '2026-03-30T06:00:00.000Z', // EEST, UTC+3, the day after the change
      '2026-04-06T06:00:00.000Z',
    ]);
  });

  it('neither skips nor doubles a run at a time the spring-forward night does not have (2026-03-29 03:30)', () => {
    const runs = nextRuns('30 3 * * *', new Date('2026-03-27T12:00:00Z'), 4).map(iso);
    expect(runs).toEqual([
      '2026-03-28T01:30:00.000Z', // 03:30 EET
      '2026-03-29T01:30:00.000Z', // 03:30 does not exist: runs when clocks resume, 04:30 EEST
      '2026-03-30T00:30:00.000Z', // 03:30 EEST
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('runs once at a time the fall-back night has twice (2026-10-25 03:30)', () => {
    const runs = nextRuns('30 3 * * *', new Date('2026-10-23T12:00:00Z'), 4).map(iso);
    expect(runs).toEqual([
      '2026-10-24T00:30:00.000Z', // 03:30 EEST
      '2026-10-25T00:30:00.000Z', // the first 03:30 (EEST) only
      '2026-10-26T01:30:00.000Z', // 03:30 EET
      '2026-10-27T01:30:00.000Z',
    ]);
  });

  it('refuses an impossible date and says when a rule does not happen within a year', () => {
    expect(parseRecurrence('0 9 31 4 *')).toEqual({ ok: false, reason: 'cron', problems: [{ field: 'dayOfMonth', value: '31', kind: 'impossible' }] });
    // 29 February that is also a Monday: not before 2044.
    expect(nextRun('0 9 29 2 1', new Date('2026-01-01T00:00:00Z'))).toBeUndefined();
  });
});
