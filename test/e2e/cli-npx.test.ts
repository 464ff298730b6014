import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { ROOT } from '../support/cli';

const work = mkdtempSync(join(tmpdir(), 'headsup-npx-'));
const project = join(work, 'project');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * npm and npx as a user runs them: the Node.js running this test first on PATH, and none of the npm_*
 * variables `npm test` sets, which would make the inner npm act for this repository.
 */
function run(command: string, args: string[], cwd: string) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  env.PATH = [dirname(process.execPath), env.PATH].join(delimiter);
  const options: SpawnSyncOptions = { cwd, env, encoding: 'utf8', timeout: 150_000 };
  const result = spawnSync(command, args, options);
  return { status: result.status, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/**
 * `npx headsup …` in the project: `--no`, so a missing bin fails instead of fetching a package of that
 * name, and `--`, so `--help` goes to headsup rather than to npx.
 */
const headsup = (...args: string[]) => run('npx', ['--no', '--', 'headsup', ...args], project);

/**
 * The `headsup` command as a fresh install gets it: the repository packed as npm publishes it (the
 * `files` of package.json; `prepare` is skipped, the CLI runs from source and dist/ is the reporter
 * `npm install` built here) and installed into an empty project from the
 * npm cache (about 40 s, most of it unpacking the AWS CDK and SDK).
 */
beforeAll(() => {
  const packed = run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], ROOT);
  expect(packed.stderr).not.toMatch(/npm error/);
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
  expect(tarball).toBeDefined();
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), '{ "name": "npx-check", "private": true }\n');
  const install = run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', join(work, tarball!)],
    project,
  );
  expect(install.stderr).not.toMatch(/npm error/);
  expect(install.status).toBe(0);
}, 300_000);

describe('npx headsup (installed package, Node.js without a TypeScript loader)', () => {
  it('checks the templates of the folder it runs in, and a folder given', () => {
    mkdirSync(join(project, 'templates'));
    copyFileSync(join(ROOT, 'templates/card-expired.md'), join(project, 'templates/card-expired.md'));
    const here = headsup('templates', 'check');
    expect(here).toMatchObject({ status: 0, stdout: '1 templates OK: card-expired\n' });

    const shipped = headsup('templates', 'check', 'node_modules/headsup/templates');
    expect(shipped).toMatchObject({
      status: 0,
      stdout: '5 templates OK: card-expired, sso-sign-in, plan-limit, rate-limited, upload-too-large\n',
    });
  });

  it('installs the reporter too: headsup/reporter loads from the installed package', () => {
    const loaded = run(
      process.execPath,
      ['-e', "console.log(typeof require('headsup/reporter').createReporter)"],
      project,
    );
    expect(loaded).toMatchObject({ status: 0, stdout: 'function\n' });
  });

  it('start, which needs the development dependencies, says so in one line', () => {
    const started = headsup('start');
    expect(started.status).toBe(1);
    expect(started.stderr).toMatch(
      /^headsup: start needs the development dependencies \(\S+ is not installed\): run it from a clone of Heads-up with npm install && npm start\n$/,
    );
  });

  it('prints its usage on --help, and with no command fails with it', () => {
    const help = headsup('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: headsup <command>\n[\s\S]*templates check \[dir\]/);

    const none = headsup();
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/^headsup: usage: headsup <command>/);
  });
});
