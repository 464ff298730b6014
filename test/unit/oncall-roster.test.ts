import {
  isWorking,
  localTime,
  lowUrgencyNote,
  nextWorkingStart,
  onCallAt,
  onCallShift,
  responsePromise,
  spanText,
  stepPeople,
  workingAt,
  zoneCity,
} from '../../functions/core/oncall/roster';
import { checkTeamFile } from '../../functions/core/oncall/team-file';
import type { Team } from '../../functions/core/oncall/team-schema';

/*
 * 2026's clock changes: Sydney leaves DST on Sun 5 April (03:00 AEDT → 02:00 AEST) and enters it on
 * Sun 4 October (02:00 → 03:00); Toronto springs forward on Sun 8 March (02:00 → 03:00) and falls back
 * on Sun 1 November (02:00 → 01:00); London on Sun 29 March (01:00 GMT → 02:00 BST) and Sun 25 October
 * (02:00 BST → 01:00 GMT). Every instant below is UTC; a fixed offset would get one side of each wrong.
 */

const PEOPLE = `people:
  - { id: tim, name: Tim, slack: U0TIM00001, timezone: Australia/Sydney, hours: Mon-Fri 08:00-18:00 }
  - { id: ana, name: Ana, slack: U0ANA00001, timezone: America/Toronto, hours: [Mon-Thu 09:00-17:00, Fri 09:00-13:00] }
  - { id: sam, name: Sam, slack: U0SAM00001, timezone: Europe/London, hours: [Mon-Fri 09:30-17:30, Sat 22:00-02:00] }
`;

function teamOf(yaml: string): Team {
  const result = checkTeamFile('oncall.yaml', yaml);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.line}: ${p.message}`).join('\n'));
  return result.team;
}

/** Weekly, Mondays 09:00 Sydney; Tim takes over on Mon 5 January 2026 (2026-01-04T22:00Z). */
const team = teamOf(`timezone: Australia/Sydney
${PEOPLE}oncall: { rotation: [tim, ana, sam], handoff: Mon 09:00, every: 1w, starts: 2026-01-05, respond: 30m }
escalation:
  - { notify: oncall, wait: 10m }
  - { notify: working, wait: 15m }
  - { notify: everyone }
`);

const at = (iso: string) => Date.parse(iso);
const person = (id: string) => team.people.find((p) => p.id === id)!;
const works = (id: string, iso: string) => isWorking(person(id), at(iso));
const ids = (people: { id: string }[]) => people.map((p) => p.id);
const onCall = (t: Team, iso: string) => onCallAt(t, at(iso))?.id;

describe('working hours on each wall clock, across DST', () => {
  it('Toronto springs forward: 09:00 is 14:00Z before and 13:00Z after', () => {
    expect(works('ana', '2026-03-02T13:30:00Z')).toBe(false); // 08:30 EST
    expect(works('ana', '2026-03-02T14:00:00Z')).toBe(true); // 09:00 EST
    expect(works('ana', '2026-03-09T12:59:00Z')).toBe(false); // 08:59 EDT
    expect(works('ana', '2026-03-09T13:30:00Z')).toBe(true); // 09:30 EDT
  });

  it('Toronto falls back: 09:00 is 13:00Z before and 14:00Z after', () => {
    expect(works('ana', '2026-10-26T13:30:00Z')).toBe(true); // 09:30 EDT
    expect(works('ana', '2026-11-02T13:30:00Z')).toBe(false); // 08:30 EST
    expect(works('ana', '2026-11-02T14:00:00Z')).toBe(true); // 09:00 EST
  });

  it('Sydney leaves DST in April: 08:00 Monday is 21:00Z before and 22:00Z after', () => {
    expect(works('tim', '2026-03-29T21:30:00Z')).toBe(true); // Mon 08:30 AEDT
    expect(works('tim', '2026-04-05T21:30:00Z')).toBe(false); // Mon 07:30 AEST
    expect(works('tim', '2026-04-05T22:00:00Z')).toBe(true); // Mon 08:00 AEST
  });

  it('Sydney enters DST in October: 08:00 Monday is 22:00Z before and 21:00Z after', () => {
    expect(works('tim', '2026-09-27T21:30:00Z')).toBe(false); // Mon 07:30 AEST
    expect(works('tim', '2026-10-04T20:59:00Z')).toBe(false); // Mon 07:59 AEDT
    expect(works('tim', '2026-10-04T21:30:00Z')).toBe(true); // Mon 08:30 AEDT
  });

  it('London in March and October', () => {
    expect(works('sam', '2026-03-23T08:45:00Z')).toBe(false); // 08:45 GMT
    expect(works('sam', '2026-03-30T08:45:00Z')).toBe(true); // 09:45 BST
    expect(works('sam', '2026-10-19T08:45:00Z')).toBe(true); // 09:45 BST
    expect(works('sam', '2026-10-26T08:45:00Z')).toBe(false); // 08:45 GMT
  });

  it('an overnight range on the night London springs forward ends at 02:00 BST, an hour early', () => {
    expect(works('sam', '2026-03-28T21:59:00Z')).toBe(false); // Sat 21:59 GMT
    expect(works('sam', '2026-03-28T22:00:00Z')).toBe(true); // Sat 22:00 GMT
    expect(works('sam', '2026-03-29T00:59:00Z')).toBe(true); // Sun 00:59 GMT
    expect(works('sam', '2026-03-29T01:00:00Z')).toBe(false); // Sun 02:00 BST
  });

  it('lists whoever works, in the file order', () => {
    expect(ids(workingAt(team, at('2026-03-09T13:30:00Z')))).toEqual(['ana', 'sam']);
    expect(ids(workingAt(team, at('2026-03-09T22:00:00Z')))).toEqual(['tim']);
    expect(ids(workingAt(team, at('2026-03-07T12:00:00Z')))).toEqual([]);
  });
});

describe('on call: hand-offs at wall-clock time in the team zone', () => {
  it('hands off at 09:00 Sydney, not a minute before', () => {
    expect(onCall(team, '2026-01-04T21:59:00Z')).toBe('sam'); // the turn before Tim's first
    expect(onCall(team, '2026-01-04T22:00:00Z')).toBe('tim');
    expect(onCall(team, '2026-01-04T22:01:00Z')).toBe('tim');
    expect(onCall(team, '2026-01-11T21:59:00Z')).toBe('tim');
    expect(onCall(team, '2026-01-11T22:00:00Z')).toBe('ana');
    expect(onCall(team, '2026-01-18T22:00:00Z')).toBe('sam');
    expect(onCall(team, '2026-01-25T22:00:00Z')).toBe('tim');
  });

  it('the first hand-off after Sydney leaves DST is at 23:00Z, and that shift lasts an hour longer', () => {
    expect(onCall(team, '2026-04-05T22:00:00Z')).toBe('tim'); // 08:00 AEST: not yet
    expect(onCall(team, '2026-04-05T22:59:00Z')).toBe('tim');
    expect(onCall(team, '2026-04-05T23:00:00Z')).toBe('ana'); // 09:00 AEST
    const shift = onCallShift(team, at('2026-04-01T00:00:00Z'));
    expect([shift.person?.id, shift.from, shift.until]).toEqual([
      'tim',
      at('2026-03-29T22:00:00Z'),
      at('2026-04-05T23:00:00Z'),
    ]);
  });

  it('the first hand-off after Sydney enters DST is at 22:00Z', () => {
    expect(onCall(team, '2026-10-04T21:59:00Z')).toBe('sam');
    expect(onCall(team, '2026-10-04T22:00:00Z')).toBe('tim'); // 09:00 AEDT
    expect(onCall(team, '2026-10-04T22:30:00Z')).toBe('tim');
    expect(onCallShift(team, at('2026-10-04T22:00:00Z')).until).toBe(at('2026-10-11T22:00:00Z'));
  });

  describe('a hand-off on a DST night', () => {
    /** Daily at 02:30 Sydney, a time that is skipped in October and happens twice in April. */
    const nightly = teamOf(`timezone: Australia/Sydney
${PEOPLE}oncall: { rotation: [tim, ana], handoff: Sun 02:30, every: 1d, starts: 2026-01-04, respond: 30m }
`);

    it('skipped (02:00 → 03:00): at 03:00, the moment the clock has passed 02:30', () => {
      expect(onCall(nightly, '2026-10-03T15:59:00Z')).toBe('tim'); // 01:59 AEST
      expect(onCall(nightly, '2026-10-03T16:00:00Z')).toBe('ana'); // 03:00 AEDT
      expect(onCallShift(nightly, at('2026-10-03T16:00:00Z')).until).toBe(at('2026-10-04T15:30:00Z'));
    });

    it('repeated (03:00 → 02:00): at the first 02:30, not again an hour later', () => {
      expect(onCall(nightly, '2026-04-04T15:29:00Z')).toBe('tim'); // 02:29 AEDT
      expect(onCall(nightly, '2026-04-04T15:30:00Z')).toBe('ana'); // 02:30 AEDT
      expect(onCall(nightly, '2026-04-04T16:30:00Z')).toBe('ana'); // 02:30 AEST, the second time
      const shift = onCallShift(nightly, at('2026-04-04T16:30:00Z'));
      expect(shift.until - shift.from).toBe(25 * 3600_000);
    });

    it('Toronto, weekly: a skipped 02:30 in March and a repeated 01:30 in November', () => {
      const toronto = (handoff: string) =>
        teamOf(`timezone: America/Toronto
${PEOPLE}oncall: { rotation: [tim, ana], handoff: ${handoff}, every: 1w, respond: 30m }
`);
      expect(onCallShift(toronto('Sun 02:30'), at('2026-03-08T06:00:00Z')).until).toBe(
        at('2026-03-08T07:00:00Z'),
      );
      // 01:30 EDT (05:30Z) comes first, 01:30 EST (06:30Z) an hour later.
      expect(onCallShift(toronto('Sun 01:30'), at('2026-11-01T05:00:00Z')).until).toBe(
        at('2026-11-01T05:30:00Z'),
      );
    });
  });
});

describe('the next working hours', () => {
  it('is now when someone works, the first of them in the file', () => {
    expect(nextWorkingStart(team, at('2026-03-09T13:30:00Z'))).toEqual({
      person: person('ana'),
      at: at('2026-03-09T13:30:00Z'),
    });
  });

  it('is the earliest start of anyone: Saturday night in London before Monday in Sydney', () => {
    expect(nextWorkingStart(team, at('2026-03-07T12:00:00Z'))).toEqual({
      person: person('sam'),
      at: at('2026-03-07T22:00:00Z'),
    });
  });

  it('follows each zone across its DST change', () => {
    const only = (id: string): Team => ({ ...team, people: [person(id)] });
    expect(nextWorkingStart(only('ana'), at('2026-03-07T23:00:00Z'))?.at).toBe(at('2026-03-09T13:00:00Z'));
    expect(nextWorkingStart(only('tim'), at('2026-04-04T00:00:00Z'))?.at).toBe(at('2026-04-05T22:00:00Z'));
    expect(nextWorkingStart(only('tim'), at('2026-10-03T00:00:00Z'))?.at).toBe(at('2026-10-04T21:00:00Z'));
  });

  it('a start the clocks skip is the moment after the jump, when the person is working', () => {
    const night = teamOf(`timezone: America/Toronto
people:
  - { id: ana, name: Ana, slack: U0ANA00001, timezone: America/Toronto, hours: Sun 02:30-04:00 }
oncall: { rotation: [ana], handoff: Mon 09:00, respond: 30m }
`);
    const start = nextWorkingStart(night, at('2026-03-07T12:00:00Z'))!.at;
    expect(start).toBe(at('2026-03-08T07:00:00Z')); // 03:00 EDT
    expect(isWorking(night.people[0]!, start)).toBe(true);
    expect(isWorking(night.people[0]!, start - 1000)).toBe(false);
  });
});

describe('whom each escalation step reaches', () => {
  const quiet = at('2026-03-07T12:00:00Z'); // nobody works; Sam is on call (the week of 2 March)
  const busy = at('2026-03-09T13:30:00Z'); // Ana and Sam work; Tim is on call

  it('oncall → the on-call person', () => {
    expect(ids(stepPeople(team, 0, quiet))).toEqual(['sam']);
    expect(ids(stepPeople(team, 0, busy))).toEqual(['tim']);
  });

  it('working → the people working now, and on call when nobody is', () => {
    expect(ids(stepPeople(team, 1, busy))).toEqual(['ana', 'sam']);
    expect(ids(stepPeople(team, 1, quiet))).toEqual(['sam']);
  });

  it('everyone → all; a person id → that person; a step the team lacks → nobody', () => {
    expect(ids(stepPeople(team, 2, quiet))).toEqual(['tim', 'ana', 'sam']);
    const named: Team = { ...team, escalation: [{ notify: 'ana' }] };
    expect(ids(stepPeople(named, 0, quiet))).toEqual(['ana']);
    expect(stepPeople(team, 3, quiet)).toEqual([]);
  });
});

describe('what an alert promises', () => {
  const quiet = at('2026-03-07T12:00:00Z');
  const busy = at('2026-03-09T13:30:00Z');

  it('high: the on-call respond time, even when people of the first step are working', () => {
    expect(responsePromise(team, 'high', quiet)).toEqual({
      withinSeconds: 1800,
      by: quiet + 1800_000,
      who: [person('sam')],
    });
    expect(responsePromise(team, 'high', busy).withinSeconds).toBe(1800);
  });

  it('low: now when someone works, else when the next working hours start', () => {
    expect(responsePromise(team, 'low', busy)).toEqual({
      withinSeconds: 0,
      by: busy,
      who: [person('ana'), person('sam')],
    });
    expect(responsePromise(team, 'low', quiet)).toEqual({
      withinSeconds: 10 * 3600,
      by: at('2026-03-07T22:00:00Z'),
      who: [person('sam')],
    });
  });
});

describe('the low-urgency note', () => {
  it('says who works now, in their own time', () => {
    expect(lowUrgencyNote(team, at('2026-03-09T13:30:00Z'))).toBe(
      'Ana and Sam are working now (09:30 Toronto, 13:30 London)',
    );
    expect(lowUrgencyNote(team, at('2026-03-09T22:00:00Z'))).toBe('Tim is working now (09:00 Sydney)');
  });

  it('else who starts next, when on their clock, and in how long', () => {
    expect(lowUrgencyNote(team, at('2026-03-07T12:00:00Z'))).toBe(
      'next in working hours: Sam, Sat 22:00 London — in 10 h',
    );
    expect(lowUrgencyNote(team, at('2026-03-07T21:15:30Z'))).toBe(
      'next in working hours: Sam, Sat 22:00 London — in 45 min',
    );
  });

  it('holds names from the team file as written, never a Slack id', () => {
    const odd: Team = { ...team, people: [{ ...person('tim'), name: '*Tim* <!here>' }] };
    const note = lowUrgencyNote(odd, at('2026-03-09T22:00:00Z'));
    expect(note).toBe('*Tim* <!here> is working now (09:00 Sydney)');
    expect(note).not.toContain('U0TIM');
  });
});

describe('times as messages say them', () => {
  it('a wall clock and a city', () => {
    expect(localTime('Europe/London', at('2026-03-29T01:00:00Z'))).toBe('Sun 02:00');
    expect(localTime('Australia/Sydney', at('2026-04-04T16:30:00Z'))).toBe('Sun 02:30');
    expect(zoneCity('America/Toronto')).toBe('Toronto');
    expect(zoneCity('America/Argentina/Buenos_Aires')).toBe('Buenos Aires');
    expect(zoneCity('UTC')).toBe('UTC');
  });

  it('a span, rounded up to the minute', () => {
    expect(spanText(1)).toBe('1 min');
    expect(spanText(1800)).toBe('30 min');
    expect(spanText(5 * 3600 + 30 * 60)).toBe('5 h 30 min');
    expect(spanText(3 * 86400 + 2 * 3600)).toBe('3 d 2 h');
  });
});

describe('hours that fall wholly in a skipped daylight-saving hour', () => {
  // Toronto skips 02:00–03:00 on Sun 8 March 2026: Lee's only hours start and end at 03:00.
  const gap = teamOf(`timezone: America/Toronto
people:
  - { id: lee, name: Lee, slack: U0LEE00001, timezone: America/Toronto, hours: Sun 02:00-03:00 }
oncall: { rotation: [lee], handoff: Mon 09:00, every: 1w, respond: 30m }
`);
  it('still names who will look, never an empty list', () => {
    const from = at('2026-03-06T12:00:00Z');
    expect(lowUrgencyNote(gap, from)).toMatch(/^next in working hours: Lee, Sun 03:00 Toronto/);
    expect(ids(responsePromise(gap, 'low', from).who)).toEqual(['lee']);
  });
});
