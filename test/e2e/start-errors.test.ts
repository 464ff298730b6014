import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSOLE_TOKEN_HEADER, consoleTokenFrom } from '../../local/console/page';
import { freePort } from '../../local/free-port';
import { DEV_INGEST_KEY } from '../../local/stack';
import { runHeadsup } from '../support/cli';
import { type StackProcess, startStackProcess } from '../support/local-stack-process';
import { eventually } from '../support/recording-server';

/** `headsup start` that is expected to fail: its exit code and what it printed. */
function startFailing(env: Record<string, string>) {
  const run = runHeadsup(['start'], {
    env: { ...process.env, SLACK_BOT_TOKEN: '', INTERCOM_TOKEN: '', ...env },
    timeout: 60_000,
  });
  return { status: run.status, stderr: run.stderr.trim() };
}

describe('npm start refuses bad configuration with one clear line', () => {
  it('a port that is not a number', () => {
    expect(startFailing({ PORT: 'eighty' })).toEqual({
      status: 1,
      stderr: 'headsup: PORT "eighty" is not a port number (1–65535)',
    });
  });

  it.each(['not a host!', 'evil.example/path', 'http://localhost', '-bad-.example'])(
    'a HOST that is not an address or host name: %j',
    (host) => {
      expect(startFailing({ HOST: host })).toEqual({
        status: 1,
        stderr: `headsup: HOST must be an IP address or host name to listen on, e.g. 127.0.0.1; got "${host}"`,
      });
    },
  );

  it('a port that is taken', async () => {
    const blocker = createServer().listen(0, '0.0.0.0');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = startFailing({ PORT: String(port) });
      expect(run.status).toBe(1);
      expect(run.stderr.split('\n').at(-1)).toBe(
        `headsup: port ${port} is already in use: stop what runs there or start with PORT=<another port>`,
      );
    } finally {
      blocker.close();
    }
  });

  it('no Java runtime', async () => {
    const run = startFailing({ PORT: String(await freePort()), PATH: '/nonexistent' });
    expect(run.status).toBe(1);
    expect(run.stderr.split('\n').at(-1)).toBe(
      'headsup: Java is missing: DynamoDB Local needs a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)',
    );
  });
});

describe('the CLI refuses arguments it does not take with one line, not a stack trace', () => {
  /** Its exit status and stderr; nothing may start, so no port or Java is needed. */
  const refused = (args: string[], env: Record<string, string> = {}) => {
    const run = runHeadsup(args, { env: { ...process.env, ...env }, timeout: 60_000 });
    return { status: run.status, stderr: run.stderr, stdout: run.stdout };
  };
  /** parseArgs' own words (Node's wording) between the command and the pointer to the usage. */
  const oneLine = (command: string, words: string) =>
    new RegExp(`^headsup: ${command}: ${words}.* — see headsup --help\n$`);

  it.each([
    [['start', '--bogus'], oneLine('start', "Unknown option '--bogus'")],
    [['start', 'extra'], oneLine('start', "Unexpected argument 'extra'")],
    [['send-sample', '--count'], oneLine('send-sample', "Option '--count <value>' argument missing")],
    [['send-sample', '--count', '3', 'more'], oneLine('send-sample', "Unexpected argument 'more'")],
  ])('%j', (args, line) => {
    const run = refused(args);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(line);
    expect(run.stdout).toBe('');
  });

  it('an empty HEADSUP_TEMPLATES, before anything starts (the handlers would fail every batch)', () => {
    // Without Java on the PATH: a check made after the emulators started would say Java is missing.
    expect(refused(['start'], { HEADSUP_TEMPLATES: '', PATH: '/nonexistent' })).toEqual({
      status: 1,
      stderr: 'headsup: HEADSUP_TEMPLATES empty — expected the folder of the fix templates\n',
      stdout: '',
    });
  });
});

describe('a broken team file stops npm start before anything starts', () => {
  it('names HEADSUP_ONCALL, the file and the line', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'oncall-')), 'oncall.yaml');
    writeFileSync(file, 'timezone: Mars/Olympus\npeople: []\n');
    const run = runHeadsup(['start'], {
      env: { ...process.env, HEADSUP_ONCALL: file, PATH: '/nonexistent' },
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^headsup: Configuration error: HEADSUP_ONCALL .*oncall\.yaml:1: /);
  });
});

describe('npm start -- --persist', () => {
  let stack: StackProcess | undefined;
  afterEach(async () => {
    if (stack?.child.exitCode === null) await stack.interrupt();
  });
  // A temporary working directory: a developer's own .headsup/ data is never touched.
  const dir = mkdtempSync(join(tmpdir(), 'headsup-persist-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps detail links between runs', async () => {
    stack = await startStackProcess({}, ['--persist'], dir);
    const res = await fetch(`${stack.url}/v1/errors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${DEV_INGEST_KEY}` },
      body: JSON.stringify({
        app: 'billing',
        error: { message: 'kept across restarts' },
        user: { id: 'u_1' },
      }),
    });
    expect(res.status).toBe(202);
    const running = stack;
    // As the console page does: its token comes with the page.
    const token = consoleTokenFrom(await (await fetch(`${running.url}/`)).text())!;
    const link = await eventually(async () => {
      const res = await fetch(`${running.url}/console/state`, { headers: { [CONSOLE_TOKEN_HEADER]: token } });
      const state = JSON.stringify(await res.json());
      return /\/e\/([\w-]{21})/.exec(state)?.[1];
    }, 30_000);
    expect((await fetch(`${stack.url}/e/${link}`)).status).toBe(200);
    await stack.interrupt();

    stack = await startStackProcess({}, ['--persist'], dir);
    expect(stack.output()).toContain('DynamoDB: using the data kept in');
    const page = await fetch(`${stack.url}/e/${link}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('kept across restarts');
  });
});
