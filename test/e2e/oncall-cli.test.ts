import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, runHeadsup } from '../support/cli';

/** `headsup oncall …` as someone writing their team file runs it; HEADSUP_ONCALL unset unless given. */
const run = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const { HEADSUP_ONCALL: _, HEADSUP_TEMPLATES: __, ...rest } = process.env;
  return runHeadsup(['oncall', ...args], { env: { ...rest, ...env } });
};

/** A folder with a templates/ folder and, when given, files beside it. */
function folder(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'oncall-cli-'));
  mkdirSync(join(dir, 'templates'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const EXAMPLE_OK =
  'oncall.example.yaml OK: 3 people, rotation of 3 (weekly), 3 urgency rules, 3 escalation steps\n';

describe('headsup oncall check', () => {
  it('passes on the shipped example', () => {
    const result = run(['check', 'oncall.example.yaml']);
    expect([result.status, result.stdout, result.stderr]).toEqual([0, EXAMPLE_OK, '']);
  });

  it('without a file or oncall.yaml, checks the example beside the templates folder, saying so', () => {
    const dir = folder();
    copyFileSync(join(ROOT, 'oncall.example.yaml'), join(dir, 'oncall.example.yaml'));
    const result = run(['check'], { HEADSUP_TEMPLATES: join(dir, 'templates') });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(
      `headsup: no ${join(dir, 'oncall.yaml')} (and HEADSUP_ONCALL unset): reading ${join(dir, 'oncall.example.yaml')}\n`,
    );
    expect(result.stdout).toMatch(/oncall\.example\.yaml OK: 3 people/);
  });

  it('reads oncall.yaml beside the templates folder, and HEADSUP_ONCALL before it', () => {
    const one = [
      'timezone: Europe/London',
      'people: [{ id: sam, name: Sam, slack: U0SAM00001, timezone: Europe/London, hours: Mon 09:00-17:00 }]',
      'oncall: { rotation: [sam], handoff: Mon 09:00, every: 1d, respond: 1h }',
    ].join('\n');
    const dir = folder({ 'oncall.yaml': one, 'other.yaml': one.replace('every: 1d', 'every: 2w') });
    const beside = run(['check'], { HEADSUP_TEMPLATES: join(dir, 'templates') });
    expect([beside.status, beside.stderr]).toEqual([0, '']);
    expect(beside.stdout).toBe(
      `${join(dir, 'oncall.yaml')} OK: 1 person, rotation of 1 (daily), 0 urgency rules, 1 escalation step\n`,
    );
    const set = run(['check'], {
      HEADSUP_TEMPLATES: join(dir, 'templates'),
      HEADSUP_ONCALL: join(dir, 'other.yaml'),
    });
    expect(set.stdout).toMatch(/other\.yaml OK: 1 person, rotation of 1 \(every 2 weeks\)/);
  });

  it('a HEADSUP_ONCALL that names no file is a problem, not the example', () => {
    const missing = join(folder(), 'nope.yaml');
    const result = run(['check'], { HEADSUP_ONCALL: missing });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `${missing}:0: cannot read the team file: no such file\nheadsup: 1 problem(s) in ${missing}\n`,
    );
  });

  it('an empty HEADSUP_ONCALL is one line saying so', () => {
    const result = run(['check'], { HEADSUP_ONCALL: '' });
    expect([result.status, result.stdout]).toEqual([1, '']);
    expect(result.stderr).toBe(
      'headsup: HEADSUP_ONCALL empty — expected the path of the on-call team file, e.g. oncall.yaml\n',
    );
  });

  it('prints each problem as file:line: message, then how many', () => {
    const dir = folder({
      'oncall.yaml': [
        'timezone: Australia/Sydny',
        'people:',
        '  - { id: tim, name: Tim, slack: U0TIM00001, timezone: Australia/Sydney, hours: Mon-Fri 08:00-18:00 }',
        'oncall: { rotation: [tim, ana], handoff: Mon 09:00, respond: 30m }',
        'escalation:',
        '  - notify: oncall',
        '  - notify: everyone',
      ].join('\n'),
    });
    const file = join(dir, 'oncall.yaml');
    const result = run(['check', file]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      `${file}:1: timezone: "Australia/Sydny" is not an IANA time zone such as Europe/London`,
      `${file}:4: oncall.rotation.1: no person has the id "ana" (people: tim)`,
      `${file}:7: escalation.1: never reached: escalation.0 has no wait, so escalation stops there`,
      `headsup: 3 problem(s) in ${file}`,
    ]);
  });

  it('refuses two files instead of ignoring one', () => {
    const result = run(['check', 'a.yaml', 'b.yaml']);
    expect([result.status, result.stderr]).toEqual([
      1,
      'headsup: oncall check takes one file, got 2 arguments — see headsup --help\n',
    ]);
  });
});

describe('headsup oncall now', () => {
  it('shows people, on call, the steps and the promises at a given instant', () => {
    const result = run(['now', '--at', '2026-03-07T12:00:00Z', 'oncall.example.yaml']);
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('oncall.example.yaml at Sat 23:00 Sydney (2026-03-07 12:00 UTC)');
    expect(lines.filter((l) => /^ {2}\w+ \(\w+\)/.test(l)).map((l) => l.trim().split(/\s+/).at(-1))).toEqual([
      'off',
      'off',
      'off',
    ]);
    expect(lines).toContain('on call: Sam until Mon 09:00 Sydney (in 34 h), then Tim');
    expect(lines).toContain('  2. working → Sam (on call: nobody works now), then 15 min for an Acknowledge');
    expect(lines).toContain('  3. everyone → Tim, Ana and Sam');
    expect(lines).toContain('low: next in working hours: Sam, Sat 22:00 London — in 10 h');
    expect(lines).toContain('high: acknowledged within 30 min (by Sat 23:30 Sydney), Sam on call');
    // What a fix message's response.* say now: Sam's Saturday night in London is Sunday morning in Sydney.
    expect(lines.slice(-3)).toEqual([
      'fix messages (response.within / response.at / response.who), an open group, no user zone:',
      '  low: within 11 hours / by Sun 09:30 Sydney time / our developer team',
      '  high: within 30 minutes / by 23:30 Sydney time / our on-call engineer',
    ]);
  });

  it('reads a time without an offset in the team zone', () => {
    const result = run(['now', '--at', '2026-03-09T09:00', 'oncall.example.yaml']);
    expect(result.stdout.split('\n')[0]).toBe(
      'oncall.example.yaml at Mon 09:00 Sydney (2026-03-08 22:00 UTC)',
    );
    expect(result.stdout).toMatch(/^ {2}Tim \(tim\) +Mon 09:00 Sydney +working$/m);
    expect(result.stdout).toContain('low: Tim is working now (09:00 Sydney)');
  });

  it('a bad --at is one line', () => {
    const result = run(['now', '--at', 'tomorrow', 'oncall.example.yaml']);
    expect([result.status, result.stdout]).toEqual([1, '']);
    expect(result.stderr).toBe(
      'headsup: --at "tomorrow" is not an ISO time such as 2026-03-09T09:00 (in Australia/Sydney) or 2026-03-09T09:00Z\n',
    );
  });
});
