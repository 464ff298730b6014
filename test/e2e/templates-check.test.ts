import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHeadsup } from '../support/cli';

/** `headsup templates check` as CI and a template author run it. */
const check = (dir?: string) => runHeadsup(dir ? ['templates', 'check', dir] : ['templates', 'check']);

describe('headsup templates check', () => {
  it('passes on the shipped templates', () => {
    const run = check();
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      '5 templates OK: card-expired, sso-sign-in, plan-limit, rate-limited, upload-too-large\n',
    );
  });

  it('fails on a broken regex and an unknown variable, naming file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    writeFileSync(
      join(dir, 'regex.md'),
      '---\nid: regex\nname: Regex\nmatch:\n  message: "quota (exceeded"\n---\nHi\n',
    );
    writeFileSync(
      join(dir, 'variable.md'),
      '---\nid: variable\nname: Variable\nmatch:\n  code: x\n---\nHi\n{{user.nmae}}\n',
    );
    const run = check(dir);
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/regex\.md:5: match\.message: not a valid regular expression/);
    expect(lines[1]).toMatch(/variable\.md:8: unknown variable "user\.nmae"/);
    expect(lines[2]).toBe(`headsup: 2 problem(s) in ${dir}`);
  });

  it('names file and line of an email template without a subject and of an in-app one with a subject', () => {
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    const head = (id: string) => `---\nid: ${id}\nname: ${id}\nmatch:\n  code: x\n`;
    writeFileSync(join(dir, 'email.md'), `${head('email')}channel: email\n---\nHi\n`);
    writeFileSync(join(dir, 'inapp.md'), `${head('inapp')}subject: Fixed\n---\nHi\n`);
    const run = check(dir);
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        /email\.md:6: channel: email and auto may send an email, which needs a subject line: add `subject: …`$/,
      ),
      expect.stringMatching(
        /inapp\.md:6: subject: only an email has one: remove it, or set `channel: email` or `channel: auto`$/,
      ),
      `headsup: 2 problem(s) in ${dir}`,
    ]);
  });

  it('names file and line of a subject with a line break or a tab in it, and of one with a trailing space', () => {
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    const head = (id: string) => `---\nid: ${id}\nname: ${id}\nmatch:\n  code: x\nchannel: email\n`;
    writeFileSync(join(dir, 'break.md'), `${head('break')}subject: "Fixed\\nBcc: x@example.com"\n---\nHi\n`);
    writeFileSync(join(dir, 'tab.md'), `${head('tab')}subject: "Fixed\\tnow"\n---\nHi\n`);
    writeFileSync(join(dir, 'space.md'), `${head('space')}subject: "Fixed "\n---\nHi\n`);
    const run = check(dir);
    expect(run.status).toBe(1);
    const oneLine =
      'subject: must be one line of plain text: no line breaks, tabs or other control characters';
    expect(run.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`break\\.md:7: ${oneLine}$`)),
      expect.stringMatching(/space\.md:7: subject: starts or ends with whitespace: remove it$/),
      expect.stringMatching(new RegExp(`tab\\.md:7: ${oneLine}$`)),
      `headsup: 3 problem(s) in ${dir}`,
    ]);
  });

  it('accepts the response.* variables and names an unknown one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    const promise = '---\nid: promise\nname: Promise\nmatch:\n  code: x\n---\n';
    writeFileSync(
      join(dir, 'promise.md'),
      `${promise}{{response.who}} will reply {{response.within}} ({{response.at}}).\n`,
    );
    const good = check(dir);
    expect([good.status, good.stdout, good.stderr]).toEqual([0, '1 templates OK: promise\n', '']);
    writeFileSync(join(dir, 'promise.md'), `${promise}We reply {{response.foo}}.\n`);
    const bad = check(dir);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(
      /promise\.md:7: unknown variable "response\.foo"; known: .*response\.within, response\.at, response\.who\n/,
    );
  });

  it('refuses more than one folder instead of ignoring the rest', () => {
    const run = runHeadsup(['templates', 'check', 'templates', 'elsewhere']);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'headsup: templates check takes one folder, got 2 arguments — see headsup --help\n',
    );
    expect(run.stdout).toBe('');
  });

  it('an empty HEADSUP_TEMPLATES is one line saying so, not the default folder checked', () => {
    const run = runHeadsup(['templates', 'check'], { env: { ...process.env, HEADSUP_TEMPLATES: '' } });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('headsup: HEADSUP_TEMPLATES empty — expected the folder of the fix templates\n');
    expect(run.stdout).toBe('');
  });
});
