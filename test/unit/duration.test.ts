import { durationSeconds, formatRelative, formatUtc, parseDuration } from '../../functions/core/duration';

describe('durations', () => {
  it.each([
    ['24h', 86400],
    ['15m', 900],
    ['90s', 90],
    ['7d', 604800],
  ])('parses %s', (text, seconds) => expect(parseDuration(text)).toBe(seconds));

  it.each(['', '24', 'h', '1.5h', '0s', '-1m', '24 hours'])('rejects %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );

  it('reads one as seconds in a zod rule, whose message quotes the text and gives the caller’s examples', () => {
    const rule = durationSeconds('such as 24h');
    expect(rule.parse('15m')).toBe(900);
    expect(rule.safeParse('soon').error?.issues.map((issue) => issue.message)).toEqual([
      '"soon" is not a duration such as 24h',
    ]);
  });

  it('formats relative and UTC times', () => {
    const now = Date.UTC(2026, 10, 21, 9, 0);
    expect(formatRelative(now + 23.5 * 3600_000, now)).toBe('in 23 hours');
    expect(formatRelative(now - 5 * 60_000, now)).toBe('5 minutes ago');
    expect(formatRelative(now + 30_000, now)).toBe('in 30 seconds');
    expect(formatUtc(now)).toBe('2026-11-21 09:00 UTC');
  });
});
