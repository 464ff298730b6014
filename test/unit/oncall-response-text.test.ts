import {
  atText,
  type GroupStanding,
  promisedBy,
  responseText,
  standingOf,
  withinText,
} from '../../functions/core/oncall/response-text';
import { workingAt } from '../../functions/core/oncall/roster';
import { checkTeamFile } from '../../functions/core/oncall/team-file';
import type { Team } from '../../functions/core/oncall/team-schema';
import { UNKNOWN_RESPONSE } from '../../functions/core/templates/context';

/*
 * The promise a fix message makes, in situations a support lead would check by hand. Instants are
 * UTC. In March 2026 Toronto is already on EDT (UTC-4, since Sun 8 March), London still on GMT (until
 * Sun 29 March) and Sydney on AEDT (UTC+11, until Sun 5 April 03:00, when it goes back to 02:00 AEST).
 */

function teamOf(yaml: string): Team {
  const result = checkTeamFile('oncall.yaml', yaml);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.line}: ${p.message}`).join('\n'));
  return result.team;
}

const ONCALL = 'oncall: { rotation: [tim], handoff: Mon 09:00, respond: 30m }\n';
const TIM =
  '  - { id: tim, name: Tim, slack: U0TIM00001, timezone: Australia/Sydney, hours: Mon-Fri 08:00-18:00 }\n';

/** The example team: Tim in Sydney, Ana in Toronto (Fridays until 13:00), Sam in London (and Saturday nights). */
const followTheSun = teamOf(`timezone: Australia/Sydney
people:
${TIM}  - { id: ana, name: Ana, slack: U0ANA00001, timezone: America/Toronto, hours: [Mon-Thu 09:00-17:00, Fri 09:00-13:00] }
  - { id: sam, name: Sam, slack: U0SAM00001, timezone: Europe/London, hours: [Mon-Fri 09:30-17:30, Sat 22:00-02:00] }
${ONCALL}`);
/** Tim alone: nobody works outside Sydney's office hours. */
const sydney = teamOf(`timezone: Australia/Sydney\npeople:\n${TIM}${ONCALL}`);
/** Ana alone, in Toronto, with the team zone hers too. */
const toronto = teamOf(`timezone: America/Toronto
people:
  - { id: ana, name: Ana, slack: U0ANA00001, timezone: America/Toronto, hours: [Mon-Thu 09:00-17:00, Fri 09:00-13:00] }
oncall: { rotation: [ana], handoff: Mon 09:00, respond: 30m }
`);

/** One person in `zone` with these hours and `respond`. */
const teamIn = (zone: string, hours: string, respond: string) =>
  teamOf(`timezone: ${zone}
people:
  - { id: leo, name: Leo, slack: U0LEO00001, timezone: ${zone}, hours: ${hours} }
oncall: { rotation: [leo], handoff: Mon 09:00, respond: ${respond} }
`);

/** Leo alone in London (hours 09–17 unless given), with `respond` as given. */
const london = (respond: string, hours = 'Mon-Fri 09:00-17:00') =>
  teamOf(`timezone: Europe/London
people:
  - { id: leo, name: Leo, slack: U0LEO00001, timezone: Europe/London, hours: ${hours} }
oncall: { rotation: [leo], handoff: Mon 09:00, respond: ${respond} }
`);

const open = (high: boolean): GroupStanding => ({ high, state: 'open' });
const acked = (high: boolean): GroupStanding => ({ high, state: 'acknowledged' });
const at = (iso: string) => Date.parse(iso);

describe('response.within / response.at / response.who', () => {
  it.each<[string, Team, GroupStanding | undefined, string, string | undefined, [string, string, string]]>([
    [
      '2 am Sydney (Tue), Tim alone, low: his office hours, plus respond',
      sydney,
      open(false),
      '2026-03-09T15:00:00Z',
      undefined,
      ['within 7 hours', 'by 08:30 Sydney time', 'our developer team'],
    ],
    [
      '2 am Sydney (Tue), Tim alone, high: on call answers in 30 minutes',
      sydney,
      open(true),
      '2026-03-09T15:00:00Z',
      undefined,
      ['within 30 minutes', 'by 02:30 Sydney time', 'our on-call engineer'],
    ],
    [
      '2 am Sydney (Tue), the follow-the-sun team, low: Sam works in London now',
      followTheSun,
      open(false),
      '2026-03-09T15:00:00Z',
      undefined,
      ['within 30 minutes', 'by 02:30 Sydney time', 'our developer team'],
    ],
    [
      'Friday 18:00 Toronto, low, a Toronto user: nobody until Sam’s Saturday night in London',
      followTheSun,
      open(false),
      '2026-03-13T22:00:00Z',
      'America/Toronto',
      ['within 25 hours', 'by Sat 18:30 your time', 'our developer team'],
    ],
    [
      'the same without the user’s zone: the team’s, where it is already Saturday, and said so',
      followTheSun,
      open(false),
      '2026-03-13T22:00:00Z',
      undefined,
      ['within 25 hours', 'by Sun 09:30 Sydney time', 'our developer team'],
    ],
    [
      'Friday 18:00 Toronto, high, a Toronto user',
      followTheSun,
      open(true),
      '2026-03-13T22:00:00Z',
      'America/Toronto',
      ['within 30 minutes', 'by 18:30 your time', 'our on-call engineer'],
    ],
    [
      'Friday 12:45 Toronto, Ana alone, low: 15 minutes left on Friday, the other 15 on Monday',
      toronto,
      open(false),
      '2026-03-13T16:45:00Z',
      'America/Toronto',
      ['within 3 days', 'by Mon 09:15 your time', 'our developer team'],
    ],
    [
      'respond 9h, one 9–17 day: Tuesday 10:00 has 7 working hours left, Wednesday the other 2',
      london('9h'),
      open(false),
      '2026-03-10T10:00:00Z',
      undefined,
      ['within 25 hours', 'by Wed 11:00 London time', 'our developer team'],
    ],
    [
      'respond 2h over a lunch break (09–12, 13–17): 11:30 + 30 min before, 1 h 30 min after',
      london('2h', '[Mon-Fri 09:00-12:00, Mon-Fri 13:00-17:00]'),
      open(false),
      '2026-03-10T11:30:00Z',
      undefined,
      ['within 3 hours', 'by 14:30 London time', 'our developer team'],
    ],
    [
      'respond 1d of working time, Friday 10:00: 7 h that day, 8 h Monday and Tuesday, 1 h Wednesday',
      london('1d'),
      open(false),
      '2026-03-13T10:00:00Z',
      undefined,
      ['within 5 days', 'by Wed 10:00 London time', 'our developer team'],
    ],
    [
      'a weekend (Sat noon Sydney), low: nobody until Monday',
      sydney,
      open(false),
      '2026-03-14T01:00:00Z',
      undefined,
      ['within 45 hours', 'by Mon 08:30 Sydney time', 'our developer team'],
    ],
    [
      'the same weekend for a London user: Monday morning in Sydney is Sunday evening in London',
      sydney,
      open(false),
      '2026-03-14T01:00:00Z',
      'Europe/London',
      ['within 45 hours', 'by Sun 21:30 your time', 'our developer team'],
    ],
    [
      'Friday 18:30 Sydney, low: Monday is over 48 hours away, said in days',
      sydney,
      open(false),
      '2026-03-13T07:30:00Z',
      undefined,
      ['within 3 days', 'by Mon 08:30 Sydney time', 'our developer team'],
    ],
    [
      'acknowledged, high, on a weekend: someone owns it, on call’s time',
      sydney,
      acked(true),
      '2026-03-14T01:00:00Z',
      'Australia/Sydney',
      ['within 30 minutes', 'by 12:30 your time', 'the developer looking into it'],
    ],
    [
      'acknowledged, low, on a weekend: an owner, but no sooner than Monday',
      sydney,
      acked(false),
      '2026-03-14T01:00:00Z',
      undefined,
      ['within 45 hours', 'by Mon 08:30 Sydney time', 'the developer looking into it'],
    ],
    [
      'resolved, though high: routine support, in working hours',
      sydney,
      { high: true, state: 'resolved' },
      '2026-03-14T01:00:00Z',
      undefined,
      ['within 45 hours', 'by Mon 08:30 Sydney time', 'our developer team'],
    ],
    [
      'snoozed for 2 hours on Tuesday 10:00 Sydney, high: nothing before the snooze ends',
      sydney,
      { high: true, state: 'snoozed', snoozedUntil: at('2026-03-10T01:00:00Z') },
      '2026-03-09T23:00:00Z',
      undefined,
      ['within 3 hours', 'by 12:30 Sydney time', 'our developer team'],
    ],
    [
      'a group not found: open and low',
      sydney,
      undefined,
      '2026-03-09T23:00:00Z',
      undefined,
      ['within 30 minutes', 'by 10:30 Sydney time', 'our developer team'],
    ],
    [
      'Sydney leaves DST on Sun 5 April: Sat noon to Mon 08:30 is 44.5 h of wall clock, 45.5 h of time',
      sydney,
      open(false),
      '2026-04-04T01:00:00Z',
      undefined,
      ['within 46 hours', 'by Mon 08:30 Sydney time', 'our developer team'],
    ],
  ])('%s', (_, team, standing, now, userZone, [within, byText, who]) => {
    expect(responseText(team, standing, at(now), userZone)).toEqual({ within, at: byText, who });
  });

  it('without a team file promises no time', () => {
    expect(responseText(undefined, open(true), at('2026-03-09T15:00:00Z'), 'Europe/Paris')).toEqual({
      within: 'as soon as we can',
      at: 'as soon as we can',
      who: 'our team',
    });
    expect(UNKNOWN_RESPONSE.within).toBe('as soon as we can');
  });

  it('reads a group as stored: absent urgency is low, absent status is open', () => {
    expect(standingOf({})).toEqual({ high: false, state: 'open', snoozedUntil: undefined });
    expect(
      standingOf({
        urgency: { level: 'high', reason: 'level: fatal', at: 1 },
        status: { state: 'snoozed', snoozedUntil: 5 },
      }),
    ).toEqual({ high: true, state: 'snoozed', snoozedUntil: 5 });
  });
});

describe('never sooner than the roster allows', () => {
  /** Minutes in [from, to) when someone works, sampled mid-minute: exact, as hours and DST changes fall on whole minutes. */
  const workingMinutes = (team: Team, from: number, to: number) => {
    let minutes = 0;
    for (let t = from; t < to; t += 60_000) if (workingAt(team, t + 30_000).length > 0) minutes++;
    return minutes;
  };

  it('over 2026 (DST changes included): exactly `respond` of working time before a low promise runs out', () => {
    const start = at('2026-01-01T00:00:00Z');
    let checked = 0;
    for (let now = start; now < at('2027-01-01T00:00:00Z'); now += 71 * 3600_000, checked++) {
      for (const team of [followTheSun, sydney, toronto]) {
        const low = promisedBy(team, open(false), now) ?? Number.NaN;
        expect([new Date(now).toISOString(), workingMinutes(team, now, low)]).toEqual([
          new Date(now).toISOString(),
          team.oncall.respond / 60,
        ]);
      }
    }
    expect(checked).toBe(124);
  });

  it('over 2026, every 7 hours: high urgency promises exactly on call’s `respond`', () => {
    for (let now = at('2026-01-01T00:00:00Z'); now < at('2027-01-01T00:00:00Z'); now += 7 * 3600_000) {
      for (const team of [followTheSun, sydney, toronto]) {
        expect(promisedBy(team, open(true), now)).toBe(now + team.oncall.respond * 1000);
      }
    }
  });

  it('never promises sooner than 130 working minutes when hours start or end in the hour the clocks go back through', () => {
    const teams = [
      teamIn('Europe/London', 'Sun 01:30-03:00', '130m'),
      teamIn('Europe/London', 'Sat 22:00-01:30', '130m'),
      teamIn('America/New_York', 'Sun 01:15-05:00', '130m'),
      teamIn('America/New_York', 'Sat 23:00-01:30', '130m'),
    ];
    // Hour by hour over the night London (25 Oct) and New York (1 Nov) go back.
    for (const [team, night] of [
      [teams[0]!, '2026-10-24T20:00:00Z'],
      [teams[1]!, '2026-10-24T20:00:00Z'],
      [teams[2]!, '2026-10-31T22:00:00Z'],
      [teams[3]!, '2026-10-31T22:00:00Z'],
    ] as const) {
      for (let now = at(night); now < at(night) + 12 * 3600_000; now += 3600_000) {
        const by = promisedBy(team, open(false), now) ?? Number.NaN;
        // Later is possible (a start on the repeated hour's second pass is not seen: see README), sooner never.
        expect([new Date(now).toISOString(), workingMinutes(team, now, by) >= 130]).toEqual([
          new Date(now).toISOString(),
          true,
        ]);
      }
    }
  });

  it('promises no time rather than too soon when a huge respond over short hours is too far to work out', () => {
    const short = teamIn('Europe/London', 'Mon-Fri 09:00-10:00', '30d');
    expect(responseText(short, open(false), at('2026-03-10T09:05:00Z'))).toEqual(UNKNOWN_RESPONSE);
    expect(promisedBy(short, open(false), at('2026-03-10T09:05:00Z'))).toBeUndefined();
  });
});

describe('rounding: always up, never a promise earlier than the roster’s', () => {
  const MIN = 60_000;
  it.each([
    [1_000, 'within 15 minutes'],
    [15 * MIN, 'within 15 minutes'],
    [15 * MIN + 1, 'within 30 minutes'],
    [45 * MIN, 'within 45 minutes'],
    [46 * MIN, 'within 1 hour'],
    [60 * MIN, 'within 1 hour'],
    [61 * MIN, 'within 2 hours'],
    [48 * 60 * MIN, 'within 48 hours'],
    [48 * 60 * MIN + 1, 'within 3 days'],
    [72 * 60 * MIN + 1, 'within 4 days'],
  ])('%d ms → %s', (ms, text) => {
    expect(withinText(ms)).toBe(text);
  });

  it('says the time up to the quarter hour, the weekday when not today, the date a week or more ahead', () => {
    const now = at('2026-03-10T14:07:00Z'); // a Tuesday
    expect(atText(now + 30 * MIN, now, 'UTC', 'UTC time')).toBe('by 14:45 UTC time');
    expect(atText(at('2026-03-10T14:45:00Z'), now, 'UTC', 'UTC time')).toBe('by 14:45 UTC time');
    expect(atText(at('2026-03-10T23:50:00Z'), now, 'UTC', 'UTC time')).toBe('by Wed 00:00 UTC time');
    expect(atText(at('2026-03-16T09:00:00Z'), now, 'UTC', 'UTC time')).toBe('by Mon 09:00 UTC time');
    expect(atText(at('2026-03-17T09:00:00Z'), now, 'UTC', 'UTC time')).toBe('by Tue 17 Mar 09:00 UTC time');
    // Kathmandu is UTC+5:45: its quarter hours are UTC's too. 14:07Z is 19:52 there, 14:17Z 20:02.
    expect(atText(now + 10 * MIN, now, 'Asia/Kathmandu', 'your time')).toBe('by 20:15 your time');
  });

  it('never names a time of the hour the clocks go back through when the promise is its second pass', () => {
    // New York, 1 Nov 2026: 01:00–02:00 happens twice (05:00–06:00Z in EDT, then 06:00–07:00Z in EST).
    const night = at('2026-11-01T04:00:00Z');
    expect(atText(at('2026-11-01T05:30:00Z'), night, 'America/New_York', 'your time')).toBe(
      'by 01:30 your time',
    );
    expect(atText(at('2026-11-01T06:30:00Z'), night, 'America/New_York', 'your time')).toBe(
      'by 02:00 your time',
    );
    // Lord Howe goes back half an hour (02:00 → 01:30): 01:45 the second time is said as 02:00.
    const howe = at('2026-04-04T14:00:00Z');
    expect(atText(at('2026-04-04T15:15:00Z'), howe, 'Australia/Lord_Howe', 'your time')).toBe(
      'by 02:00 your time',
    );
    expect(atText(at('2026-04-04T14:45:00Z'), howe, 'Australia/Lord_Howe', 'your time')).toBe(
      'by 01:45 your time',
    );
  });

  it('words the time in the team’s zone when the stored user zone is one this runtime does not know', () => {
    const now = at('2026-03-10T10:00:00Z');
    expect(responseText(london('30m'), open(true), now, 'Mars/Olympus').at).toBe('by 10:30 London time');
    expect(responseText(london('30m'), open(true), now, 'europe/paris').at).toBe('by 11:30 your time');
  });
});
