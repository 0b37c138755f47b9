import { describe, expect, it } from 'vitest';
import { agendaToText, parseAgenda } from '../../src/features/visits/agenda-parser.ts';
import { applyLineFixes, parseDates } from '../../src/features/visits/editor-flow.ts';

const TWO_DAYS = { startsOn: '2019-10-17', endsOn: '2019-10-18' };

describe('agenda parser: good input', () => {
  it('reads day headings, timed and untimed items, presenters, place, link, method and sub-points', () => {
    const r = parseAgenda(
      [
        '# the programme as sent to experts',
        '1. diena',
        '09:30–10:00 Ierašanās un kafija @ Ventspils Tautas nams',
        '10:00 - 11:15 Izglītības iestāžu apmeklējums — M. Avramenko; S. Strauta @ Pārventas pamatskola [labās prakses vizīte]',
        '- skolotāju palīgu darbs',
        '- individuālie izglītības plāni',
        'Sociālā dienesta apmeklējums',
        '',
        'Day 2',
        '13.00—13.15 General information – K. Liepiņa https://teams.microsoft.com/l/meetup-join/abc [tour de table]',
        '18.10.2019',
        '15:45 Noslēgums',
      ].join('\n'),
      TWO_DAYS,
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.items).toHaveLength(5);
    const [coffee, school, social, info, close] = r.items;
    expect(coffee).toMatchObject({ line: 3, day: '2019-10-17', start: '09:30', end: '10:00', title: 'Ierašanās un kafija', place: 'Ventspils Tautas nams', presenters: null });
    expect(school).toMatchObject({
      line: 4,
      start: '10:00',
      end: '11:15',
      title: 'Izglītības iestāžu apmeklējums',
      presenters: 'M. Avramenko; S. Strauta',
      place: 'Pārventas pamatskola',
      method: 'labās prakses vizīte',
      notes: ['skolotāju palīgu darbs', 'individuālie izglītības plāni'],
    });
    expect(social).toMatchObject({ line: 7, day: '2019-10-17', start: null, end: null, title: 'Sociālā dienesta apmeklējums' });
    expect(info).toMatchObject({
      day: '2019-10-18',
      start: '13:00',
      end: '13:15',
      title: 'General information',
      presenters: 'K. Liepiņa',
      link: 'https://teams.microsoft.com/l/meetup-join/abc',
      method: 'tour de table',
    });
    expect(close).toMatchObject({ day: '2019-10-18', start: '15:45', end: null, title: 'Noslēgums' });
  });

  it('knows day headings in Latvian, English and Russian, as dates, numbers and ordinals', () => {
    for (const heading of ['2. diena', 'Otrā diena', 'Day 2', 'Second day:', 'День 2', '2-й день', 'Второй день', '2019-10-18', '18.10.2019', '18.10.2019. (piektdiena)']) {
      const r = parseAgenda(`${heading}\n10:00 Sanāksme`, TWO_DAYS);
      expect(r.errors, heading).toEqual([]);
      expect(r.items[0]!.day, heading).toBe('2019-10-18');
    }
  });

  it('puts items before any heading on the first day', () => {
    const r = parseAgenda('10:00 Sākums', TWO_DAYS);
    expect(r.items[0]!.day).toBe('2019-10-17');
  });

  it('keeps items of the whole visit without a day when the source gives none ("Visās dienās", All days, Все дни)', () => {
    for (const heading of ['Visās dienās', 'visas dienas:', 'All days', 'Все дни']) {
      const r = parseAgenda(`${heading}\nPārventas bibliotēka\n2. diena\n10:00 Sanāksme`, TWO_DAYS);
      expect(r.errors, heading).toEqual([]);
      expect(r.items.map((i) => i.day), heading).toEqual([null, '2019-10-18']);
    }
    // A one-day visit has only one day to put them on.
    expect(parseAgenda('Visās dienās\nSanāksme', { startsOn: '2019-10-17', endsOn: '2019-10-17' }).items[0]!.day).toBe('2019-10-17');
  });

  it('reads back what it writes (the editor shows an agenda as paste text)', () => {
    const text = [
      'Visās dienās',
      'Pārventas bibliotēka',
      '',
      '2019-10-17',
      '09:30–10:00 Kafija @ Tautas nams',
      '10:00 Skola — M. Avramenko @ Pārventa https://example.lv/x [vizīte]',
      '- apakšpunkts',
      'Bez laika',
      '',
      '2019-10-18',
      '13:00–13:15 Info — K. Liepiņa',
    ].join('\n');
    const first = parseAgenda(text, TWO_DAYS);
    expect(agendaToText(first.items)).toBe(text);
    const again = parseAgenda(agendaToText(first.items), TWO_DAYS);
    expect(again.items.map(({ line: _l, ...rest }) => rest)).toEqual(first.items.map(({ line: _l, ...rest }) => rest));
  });
});

describe('agenda parser: malformed input is pointed at by line, with what was expected', () => {
  const cases: Array<[string, number, string]> = [
    ['10:00 Sākums\n13:0 Intro', 2, 'time'],
    ['25:00 Vēlu', 1, 'time'],
    ['10:61 Dīvaini', 1, 'time'],
    ['13:15–13:00 Atpakaļ', 1, 'end_after_start'],
    ['13:00–13:6 Puse', 1, 'time'],
    ['13:00Bez atstarpes', 1, 'time'],
    ['13:00–13:15', 1, 'title'],
    ['10:00 Sākums\n3. diena\n11:00 Beigas', 2, 'day_in_range'],
    ['2019-10-19\n11:00 Beigas', 1, 'day_in_range'],
    ['31.02.2019', 1, 'date'],
    ['2019-10-17 10:00 Sākums', 1, 'heading_alone'],
    ['10:00 Sākums [metode', 1, 'bracket'],
    ['- apakšpunkts bez punkta', 1, 'item_before_point'],
    ['Visās dienās\n10:00 Kad?', 2, 'day_for_time'],
    [`10:00 ${'x'.repeat(700)}`, 1, 'line_length'],
  ];
  for (const [input, line, expected] of cases) {
    it(`${JSON.stringify(input.slice(0, 40))} → line ${line}: ${expected}`, () => {
      const r = parseAgenda(input, TWO_DAYS);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatchObject({ line, expected });
      expect(r.errors[0]!.text.length).toBeLessThanOrEqual(120);
    });
  }

  it('reports every bad line of a paste, not just the first, and keeps the good ones', () => {
    const r = parseAgenda('10:00 Labs\n1O:00 Ar burtu O\n11:00 Labs\n99:99 Slikts', TWO_DAYS);
    expect(r.errors.map((e) => e.line)).toEqual([4]);
    expect(r.items.map((i) => i.title)).toEqual(['Labs', '1O:00 Ar burtu O', 'Labs']);
    const r2 = parseAgenda('10:00 Labs\n10.0 Slikts\n12:00–11:00 Slikts', TWO_DAYS);
    expect(r2.errors.map((e) => [e.line, e.expected])).toEqual([
      [2, 'time'],
      [3, 'end_after_start'],
    ]);
  });
});

describe('agenda parser: warnings, not refusals', () => {
  it('warns about overlapping and out-of-order times', () => {
    const r = parseAgenda('10:00–11:00 A\n10:30–11:30 B\n09:00 C', TWO_DAYS);
    expect(r.errors).toEqual([]);
    expect(r.items).toHaveLength(3);
    expect(r.warnings.map((w) => [w.line, w.warning, w.params?.other])).toEqual([
      [2, 'overlap', 1],
      [3, 'order', 2],
    ]);
  });

  it('warns about days in the past', () => {
    const r = parseAgenda('1. diena\n10:00 A\n2. diena\n10:00 B', { ...TWO_DAYS, today: '2019-10-18' });
    expect(r.warnings).toEqual([expect.objectContaining({ line: 1, warning: 'past', params: { date: '2019-10-17' } })]);
  });

  it('warns about a time the spring-forward night skips and one the fall-back night repeats', () => {
    const spring = parseAgenda('03:30 Nakts', { startsOn: '2026-03-29', endsOn: '2026-03-29' });
    expect(spring.warnings).toEqual([expect.objectContaining({ warning: 'dst_gap', params: { time: '03:30' } })]);
    const autumn = parseAgenda('03:30 Nakts', { startsOn: '2026-10-25', endsOn: '2026-10-25' });
    expect(autumn.warnings).toEqual([expect.objectContaining({ warning: 'dst_twice', params: { time: '03:30' } })]);
    const fine = parseAgenda('02:30–04:30 Nakts', { startsOn: '2026-10-25', endsOn: '2026-10-25' });
    expect(fine.warnings).toEqual([]);
  });
});

describe('editor helpers', () => {
  it('reads dates and ranges as coordinators type them', () => {
    expect(parseDates('2021-05-27')).toEqual({ startsOn: '2021-05-27', endsOn: '2021-05-27' });
    expect(parseDates('27.05.2021.')).toEqual({ startsOn: '2021-05-27', endsOn: '2021-05-27' });
    expect(parseDates('17.10.2019–18.10.2019')).toEqual({ startsOn: '2019-10-17', endsOn: '2019-10-18' });
    expect(parseDates('2019-10-17 - 2019-10-18')).toEqual({ startsOn: '2019-10-17', endsOn: '2019-10-18' });
    expect(parseDates('17.–18.10.2019')).toEqual({ startsOn: '2019-10-17', endsOn: '2019-10-18' });
    expect(parseDates('nākamajā ceturtdienā')).toBeUndefined();
    expect(parseDates('31.02.2021')).toBeUndefined();
  });

  it('replaces numbered lines of the kept draft', () => {
    expect(applyLineFixes('a\nb\nc', '2: B')).toBe('a\nB\nc');
    expect(applyLineFixes('a\nb\nc', '1: A\n3:')).toBe('A\nb\n');
    expect(applyLineFixes('a\nb\nc', '4: d')).toBe('a\nb\nc\nd');
    expect(applyLineFixes('a\nb\nc', '9: d')).toBeUndefined();
    expect(applyLineFixes('a\nb\nc', '13:00 Intro')).toBeUndefined();
  });
});
