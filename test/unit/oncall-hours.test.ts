import {
  firstOverlap,
  formatRange,
  parseHoursEntry,
  rangeCovers,
  type WorkingRange,
} from '../../functions/core/oncall/hours';
import { checkTeamFile } from '../../functions/core/oncall/team-file';

const ranges = (text: string): WorkingRange[] => {
  const result = parseHoursEntry(text);
  if (!result.ok) throw new Error(result.message);
  return result.ranges;
};
const refusal = (text: string): string => {
  const result = parseHoursEntry(text);
  if (result.ok) throw new Error(`accepted ${text}`);
  return result.message;
};

describe('working hours entries', () => {
  it('reads a span of days as one range per day, in minutes', () => {
    expect(ranges('Mon-Fri 09:00-17:00')).toEqual(
      [1, 2, 3, 4, 5].map((day) => ({ day, start: 540, end: 1020 })),
    );
    expect(ranges('Sat 10:00-14:00')).toEqual([{ day: 6, start: 600, end: 840 }]);
  });

  it('reads lists of days, a span through the weekend, and any case', () => {
    expect(ranges('Mon,Wed 09:00-12:00').map((r) => r.day)).toEqual([1, 3]);
    expect(ranges('Fri-Mon 09:00-12:00').map((r) => r.day)).toEqual([1, 5, 6, 7]);
    expect(ranges('mon, WED 9:00-12:00').map((r) => r.day)).toEqual([1, 3]);
  });

  it('gives an overnight range to the day it starts', () => {
    const [friday] = ranges('Fri 22:00-02:00');
    expect(friday).toEqual({ day: 5, start: 1320, end: 1560 });
    expect(rangeCovers(friday!, 5, 21 * 60 + 59)).toBe(false);
    expect(rangeCovers(friday!, 5, 23 * 60)).toBe(true);
    expect(rangeCovers(friday!, 6, 60 + 59)).toBe(true);
    expect(rangeCovers(friday!, 6, 120)).toBe(false);
    expect(rangeCovers(friday!, 4, 60)).toBe(false);
  });

  it('wraps Sunday night into Monday morning', () => {
    const [sunday] = ranges('Sun 22:00-03:00');
    expect(rangeCovers(sunday!, 1, 2 * 60 + 30)).toBe(true);
    expect(rangeCovers(sunday!, 1, 3 * 60)).toBe(false);
  });

  it('reads 24:00 and 00:00 as the end of the day', () => {
    expect(ranges('Mon 18:00-24:00')).toEqual([{ day: 1, start: 1080, end: 1440 }]);
    expect(ranges('Mon 18:00-00:00')).toEqual([{ day: 1, start: 1080, end: 1440 }]);
    expect(ranges('Mon 00:00-24:00')).toEqual([{ day: 1, start: 0, end: 1440 }]);
  });

  it.each([
    ['09:00-17:00'],
    ['Mon 9am-5pm'],
    ['Mon 25:00-26:00'],
    ['Mon 09:60-10:00'],
    ['Mon 24:00-01:00'],
    ['Xyz 09:00-10:00'],
    ['Mon-Tue-Wed 09:00-10:00'],
    ['Mon 09:00'],
    [''],
  ])('refuses %j with the format expected', (text) => {
    expect(refusal(text)).toMatch(
      /is not working hours — expected days and times such as Mon-Fri 09:00-17:00$/,
    );
  });

  it('refuses an empty range', () => {
    expect(refusal('Mon 09:00-09:00')).toBe('"Mon 09:00-09:00" is empty: it ends when it starts');
  });

  it('writes a range back as it reads', () => {
    for (const text of ['Fri 22:00-02:00', 'Mon 00:00-24:00', 'Sat 10:00-14:30']) {
      expect(formatRange(ranges(text)[0]!)).toBe(text);
      expect(ranges(formatRange(ranges(text)[0]!))).toEqual(ranges(text));
    }
  });
});

describe('overlapping ranges', () => {
  const all = (...texts: string[]) => texts.flatMap(ranges);

  it('finds two ranges that share a minute', () => {
    const overlap = firstOverlap(all('Mon-Fri 09:00-17:00', 'Wed 16:00-18:00'));
    expect(overlap?.map(formatRange)).toEqual(['Wed 09:00-17:00', 'Wed 16:00-18:00']);
  });

  it('lets ranges touch', () => {
    expect(firstOverlap(all('Mon 09:00-12:00', 'Mon 12:00-17:00'))).toBeUndefined();
    expect(firstOverlap(all('Mon-Thu 09:00-17:00', 'Fri 09:00-13:00'))).toBeUndefined();
  });

  it('finds an overnight range running into the next day, through Sunday into Monday', () => {
    expect(firstOverlap(all('Fri 22:00-02:00', 'Sat 01:00-05:00'))?.map(formatRange)).toEqual([
      'Fri 22:00-02:00',
      'Sat 01:00-05:00',
    ]);
    expect(firstOverlap(all('Sun 22:00-03:00', 'Mon 02:00-04:00'))).toBeDefined();
    expect(firstOverlap(all('Sun 22:00-03:00', 'Mon 03:00-04:00'))).toBeUndefined();
  });
});

describe('hostile hours in linear time', () => {
  const KB100 = 100_000;
  const hostile = [
    'Mon-'.repeat(KB100 / 4),
    `${'Mon,'.repeat(KB100 / 4)}Mon 09:00-10:00`,
    ' '.repeat(KB100),
    `${'0'.repeat(KB100)}:00`,
    `Mon ${'09:00-'.repeat(KB100 / 6)}`,
  ];

  it.each(hostile.map((text, i) => [i, text]))(
    'refuses hostile string %i fast, quoting little of it',
    (_, text) => {
      const started = performance.now();
      const message = refusal(text as string);
      expect(performance.now() - started).toBeLessThan(50);
      expect(message.length).toBeLessThan(150);
    },
  );

  it('refuses a 100 KB entry in a team file fast, at its line', () => {
    const text = [
      'timezone: UTC',
      'people:',
      '  - id: a',
      '    name: A',
      '    slack: U0A',
      '    timezone: UTC',
      `    hours: "${'Mon,'.repeat(KB100 / 4)}Mon 09:00-10:00"`,
      'oncall: { rotation: [a], handoff: Mon 09:00, respond: 30m }',
    ].join('\n');
    const started = performance.now();
    const result = checkTeamFile('t.yaml', text);
    expect(performance.now() - started).toBeLessThan(500);
    const problems = result.ok ? [] : result.problems;
    expect(problems.map((p) => p.line)).toEqual([7]);
    expect(problems[0]?.message).toMatch(/^people\.0\.hours: "(Mon,)+Mon…" is too long — expected days/);
    expect(problems[0]!.message.length).toBeLessThan(150);
  });
});
