import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTeam, precompileTeam, readTeamFile, teamFilePath } from '../../functions/adapters/team-file';
import { checkTeamFile, type TeamProblem } from '../../functions/core/oncall/team-file';
import { type Team, teamFromJson, teamToJson } from '../../functions/core/oncall/team-schema';
import { ROOT } from '../support/cli';

/** A valid team file, one line per entry so a test can break line N and expect a problem on line N. */
const BASE = [
  'timezone: Australia/Sydney', // 1
  'people:', // 2
  '  - id: tim', // 3
  '    name: Tim', // 4
  '    slack: U0TIM00001', // 5
  '    timezone: Australia/Sydney', // 6
  '    hours: Mon-Fri 08:00-18:00', // 7
  '  - id: ana', // 8
  '    name: Ana', // 9
  '    slack: U0ANA00001', // 10
  '    timezone: America/Toronto', // 11
  '    hours: [Mon-Thu 09:00-17:00, Fri 09:00-13:00]', // 12
  'oncall:', // 13
  '  rotation: [tim, ana]', // 14
  '  handoff: Mon 09:00', // 15
  '  every: 1w', // 16
  '  respond: 30m', // 17
  'urgency:', // 18
  '  - match: { level: fatal }', // 19
  '  - match: { plan: [enterprise] }', // 20
  '  - match: { users: 5, within: 10m }', // 21
  'escalation:', // 22
  '  - notify: oncall', // 23
  '    wait: 10m', // 24
  '  - notify: everyone', // 25
];

const withLine = (line: number, text: string) => BASE.map((l, i) => (i + 1 === line ? text : l)).join('\n');

function team(text: string): Team {
  const result = checkTeamFile('oncall.yaml', text);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.line}: ${p.message}`).join('\n'));
  return result.team;
}

function problems(text: string): TeamProblem[] {
  const result = checkTeamFile('oncall.yaml', text);
  if (result.ok) throw new Error('the file passed');
  return result.problems;
}

describe('a valid team file', () => {
  it('reads people, hours as ranges, durations in seconds and the rotation', () => {
    const t = team(BASE.join('\n'));
    expect(t.timezone).toBe('Australia/Sydney');
    expect(t.people.map((p) => [p.id, p.name, p.slack, p.timezone, p.hours.length])).toEqual([
      ['tim', 'Tim', 'U0TIM00001', 'Australia/Sydney', 5],
      ['ana', 'Ana', 'U0ANA00001', 'America/Toronto', 5],
    ]);
    expect(t.people[1]!.hours.at(-1)).toEqual({ day: 5, start: 540, end: 780 });
    expect(t.oncall).toEqual({
      rotation: ['tim', 'ana'],
      handoff: { day: 1, minute: 540 },
      every: 7,
      respond: 1800,
    });
    expect(t.urgency.map((r) => Object.keys(r.match))).toEqual([['level'], ['plan'], ['users', 'within']]);
    expect(t.escalation).toEqual([{ notify: 'oncall', wait: 600 }, { notify: 'everyone' }]);
  });

  it('fills in a weekly rotation, no urgency rules and one step to on call', () => {
    const t = team(BASE.slice(0, 15).concat('  respond: 1h').join('\n'));
    expect(t.oncall.every).toBe(7);
    expect(t.urgency).toEqual([]);
    expect(t.escalation).toEqual([{ notify: 'oncall' }]);
  });

  it('reads zones by their canonical name', () => {
    expect(team(withLine(1, 'timezone: australia/sydney')).timezone).toBe('Australia/Sydney');
  });

  it('passes the shipped example', () => {
    const t = team(readFileSync(join(ROOT, 'oncall.example.yaml'), 'utf8'));
    expect(t.people.map((p) => p.timezone)).toEqual(['Australia/Sydney', 'America/Toronto', 'Europe/London']);
    expect(t.oncall.rotation).toHaveLength(3);
    expect(t.urgency).toHaveLength(3);
  });
});

describe('problems, each at its line', () => {
  it.each<[string, number, string, RegExp]>([
    ['a bad team zone', 1, 'timezone: Mars/Olympus', /^timezone: "Mars\/Olympus" is not an IANA time zone/],
    ['a fixed offset as zone', 6, '    timezone: "+10:00"', /^people\.0\.timezone: "\+10:00" is not an IANA/],
    [
      'a bad person zone',
      11,
      '    timezone: America/Torono',
      /^people\.1\.timezone: "America\/Torono" is not/,
    ],
    ['a bad person id', 3, '  - id: Tim!', /^people\.0\.id: use lower-case letters/],
    ['a reserved person id', 3, '  - id: everyone', /^people\.0\.id: oncall, working and everyone name/],
    ['a bad Slack id', 5, '    slack: "@tim"', /^people\.0\.slack: expected a Slack member id/],
    ['a duplicate person id', 8, '  - id: tim', /^people\.1\.id: duplicate id "tim": people\.0 has it too$/],
    [
      'a duplicate Slack id',
      10,
      '    slack: U0TIM00001',
      /^people\.1\.slack: duplicate Slack id "U0TIM00001"/,
    ],
    ['bad hours', 7, '    hours: Mon-Fri 8-18', /^people\.0\.hours: "Mon-Fri 8-18" is not working hours/],
    ['empty hours', 7, '    hours: Mon 09:00-09:00', /^people\.0\.hours: "Mon 09:00-09:00" is empty/],
    ['an empty list of hours', 7, '    hours: []', /^people\.0\.hours: empty — give working hours/],
    [
      'overlapping hours',
      12,
      '    hours: [Mon-Thu 09:00-17:00, Thu 16:00-18:00]',
      /^people\.1\.hours: Thu 09:00-17:00 overlaps Thu 16:00-18:00/,
    ],
    [
      'an unknown id in the rotation',
      14,
      '  rotation: [tim, bob]',
      /^oncall\.rotation\.1: no person has the id "bob" \(people: tim, ana\)$/,
    ],
    ['an empty rotation', 14, '  rotation: []', /^oncall\.rotation: name at least one person$/],
    [
      'a bad hand-off',
      15,
      '  handoff: Monday 9am',
      /^oncall\.handoff: "Monday 9am" is not a weekday and time such as Mon 09:00$/,
    ],
    ['a bad hand-off time', 15, '  handoff: Mon 25:00', /^oncall\.handoff: "Mon 25:00" is not/],
    ['a bad period', 16, '  every: 1h', /^oncall\.every: "1h" is not a period such as 1d, 1w or 2w/],
    [
      'a start on another weekday',
      16,
      '  starts: 2026-01-06',
      /^oncall\.starts: 2026-01-06 is a Tue, but hand-offs are on Mon$/,
    ],
    [
      'a start that is no date',
      16,
      '  starts: 2026-02-30',
      /^oncall\.starts: expected a date such as 2026-01-05$/,
    ],
    ['a short respond', 17, '  respond: 30s', /^oncall\.respond: respond is at least 1m$/],
    ['a bad urgency rule', 21, '  - match: { users: 5 }', /^urgency\.2\.match: users and within go together/],
    [
      'an unknown notify target',
      25,
      '  - notify: bob',
      /^escalation\.1\.notify: "bob" is not oncall, working, everyone or a person's id/,
    ],
    ['a short wait', 24, '    wait: 30s', /^escalation\.0\.wait: wait is at least 1m$/],
    ['a wait that is no duration', 24, '    wait: soon', /^escalation\.0\.wait: "soon" is not a duration/],
    ['an unknown key', 17, '  respnd: 30m', /^unknown key "oncall\.respnd"$/],
  ])('%s', (_, line, text, message) => {
    const found = problems(withLine(line, text));
    expect(found.map((p) => p.file)).toContain('oncall.yaml');
    expect(found.find((p) => message.test(p.message))?.line).toBe(line);
  });

  it('a step after one without a wait is unreachable', () => {
    const text = [...BASE.slice(0, 23), '  - notify: everyone', '  - notify: tim'].join('\n');
    expect(problems(text).map((p) => [p.line, p.message])).toEqual([
      [24, 'escalation.1: never reached: escalation.0 has no wait, so escalation stops there'],
      [25, 'escalation.2: never reached: escalation.0 has no wait, so escalation stops there'],
    ]);
  });

  it('YAML syntax, with its line', () => {
    const found = problems(withLine(14, '  rotation: [tim, ana'));
    expect(found[0]?.message).toMatch(/^YAML: /);
    expect(found[0]?.line).toBeGreaterThanOrEqual(14);
  });

  it('a key given twice is a YAML problem, not a silent override', () => {
    const found = problems(withLine(16, '  respond: 5m'));
    expect(found.map((p) => [p.line, p.message.slice(0, 5)])).toEqual([[17, 'YAML:']]);
  });

  it('a file that is not a mapping is one problem on line 1', () => {
    expect(problems('- tim\n- ana\n')).toEqual([
      {
        file: 'oncall.yaml',
        line: 1,
        message: '(team file): Invalid input: expected object, received array',
      },
    ]);
    expect(problems('')[0]?.line).toBe(1);
  });

  it('reports every problem at once, in line order, across sections', () => {
    const text = BASE.map((line, i) => {
      if (i + 1 === 1) return 'timezone: Nowhere/Land';
      if (i + 1 === 8) return '  - id: tim';
      if (i + 1 === 12) return '    hours: []';
      if (i + 1 === 14) return '  rotation: [tim, bob]';
      if (i + 1 === 24) return '    wait: 5s';
      return line;
    }).join('\n');
    expect(problems(text).map((p) => p.line)).toEqual([1, 8, 12, 14, 24]);
  });
});

describe('the team as JSON, for a bundle', () => {
  it('reads back equal to the checked team, through JSON text', () => {
    for (const text of [BASE.join('\n'), readFileSync(join(ROOT, 'oncall.example.yaml'), 'utf8')]) {
      const checked = team(text);
      const back = teamFromJson(JSON.parse(JSON.stringify(teamToJson(checked))));
      expect(back).toEqual({ ok: true, team: checked });
    }
  });

  it('keeps a rule message as its regular expression', () => {
    const t = team(withLine(19, '  - match: { message: "quota (exceeded|hit)" }'));
    const back = teamFromJson(JSON.parse(JSON.stringify(teamToJson(t))));
    expect(back.ok && back.team.urgency[0]?.match.message?.test('Quota HIT')).toBe(true);
  });

  it('refuses JSON that breaks a rule, naming the path', () => {
    const json = teamToJson(team(BASE.join('\n')));
    const broken = { ...json, oncall: { ...json.oncall, rotation: ['nobody'] } };
    expect(teamFromJson(broken)).toEqual({
      ok: false,
      problems: ['oncall.rotation.0: no person has the id "nobody" (people: tim, ana)'],
    });
  });
});

describe('reading the team file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oncall-'));
  const good = join(dir, 'good.yaml');
  const broken = join(dir, 'broken.yaml');
  writeFileSync(good, BASE.join('\n'));
  writeFileSync(broken, withLine(14, '  rotation: [tim, bob]').replace('respond: 30m', 'respond: 1s'));
  const missing = join(dir, 'missing.yaml');

  it('a missing file is a problem, not a throw', () => {
    const result = readTeamFile(missing);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems).toEqual([
      {
        file: expect.stringMatching(/missing\.yaml$/),
        line: 0,
        message: 'cannot read the team file: no such file',
      },
    ]);
  });

  it('an optional file that is missing is no team; a required one stops with HEADSUP_ONCALL', () => {
    expect(loadTeam(missing, { required: false })).toBeUndefined();
    expect(() => loadTeam(missing, { required: true })).toThrow(
      /^Configuration error: HEADSUP_ONCALL \S*missing\.yaml:0: cannot read the team file: no such file$/,
    );
  });

  it('a broken file stops the function even when optional, with its first problem and how many more', () => {
    expect(() => loadTeam(broken, { required: false })).toThrow(
      /^Configuration error: HEADSUP_ONCALL \S*broken\.yaml:14: oncall\.rotation\.1: no person has the id "bob" .*\(and 1 more: run headsup oncall check\)$/,
    );
  });

  it('a good file is the team', () => {
    expect(loadTeam(good, { required: true })?.people.map((p) => p.id)).toEqual(['tim', 'ana']);
  });

  it('the path: HEADSUP_ONCALL (required), else oncall.yaml beside the templates folder (optional)', () => {
    expect(teamFilePath({ HEADSUP_ONCALL: '/etc/team.yaml' })).toEqual({
      path: '/etc/team.yaml',
      required: true,
    });
    expect(teamFilePath({})).toEqual({ path: 'oncall.yaml', required: false });
    expect(teamFilePath({ HEADSUP_TEMPLATES: '/var/task/templates' })).toEqual({
      path: '/var/task/oncall.yaml',
      required: false,
    });
    expect(() => teamFilePath({ HEADSUP_ONCALL: '' })).toThrow(
      'Configuration error: HEADSUP_ONCALL empty — expected the path of the on-call team file, e.g. oncall.yaml',
    );
  });

  it('precompiles the team as JSON that reads back the same, or nothing when there is none', () => {
    const json = precompileTeam(good, { required: true });
    expect(teamFromJson(JSON.parse(json!))).toEqual({ ok: true, team: loadTeam(good, { required: true }) });
    expect(precompileTeam(missing, { required: false })).toBeUndefined();
    expect(() => precompileTeam(broken, { required: false })).toThrow(/HEADSUP_ONCALL/);
  });
});

describe('hostile team files', () => {
  it('refuses an alias bomb with a problem instead of throwing', () => {
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    ].join('\n');
    const found = problems(`${BASE.join('\n')}\n${bomb}\n`);
    expect(found[0]!.message).toMatch(/^YAML: .*alias/i);
  });

  it('takes ordinary anchors and aliases', () => {
    const text = BASE.join('\n')
      .replace('    timezone: Australia/Sydney', '    timezone: &syd Australia/Sydney')
      .replace('    hours: Mon-Fri 08:00-18:00', '    hours: &office Mon-Fri 08:00-18:00');
    const people = Array.from(
      { length: 150 },
      (_, i) => `  - { id: p${i}, name: P${i}, slack: U0P${i}X, timezone: *syd, hours: *office }`,
    ).join('\n');
    const withPeople = text.replace('oncall:', `${people}\noncall:`);
    expect(team(withPeople).people).toHaveLength(152);
  });

  it('refuses a file over 256 KiB before parsing it', () => {
    const found = problems(`${BASE.join('\n')}\n# ${'x'.repeat(300 * 1024)}\n`);
    expect(found).toEqual([
      { file: 'oncall.yaml', line: 1, message: '301 KiB: a team file is at most 256 KiB' },
    ]);
  });

  it('reports the first 50 problems and how many more', () => {
    const rotation = Array.from({ length: 120 }, (_, i) => `nobody${i}`).join(', ');
    const found = problems(withLine(14, `  rotation: [${rotation}]`));
    expect(found).toHaveLength(51);
    expect(found.at(-1)!.message).toBe('and 70 more problems');
  });

  it('refuses waits and promises longer than 30 days (they would not survive the bundle)', () => {
    expect(problems(withLine(17, '  respond: 99999999999999999999h'))[0]!.message).toMatch(/at most 30d/);
    expect(problems(withLine(24, '    wait: 31d'))[0]!.message).toMatch(/at most 30d/);
    const month = team(withLine(24, '    wait: 30d'));
    expect(teamFromJson(JSON.parse(JSON.stringify(teamToJson(month))))).toMatchObject({ ok: true });
  });
});
