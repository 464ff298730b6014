import { isIP } from 'node:net';
import { type ParseArgsConfig, parseArgs } from 'node:util';

const USAGE = `usage: headsup <command>

  start [--persist] [--clock N]
                           run the whole pipeline on this machine (DynamoDB Local, SQS emulator, web
                           app); --persist keeps the data in .headsup/ between runs; --clock N runs
                           escalation waits and snoozes N times faster (1–3600). PORT sets the port,
                           HOST the address to listen on (default 127.0.0.1: this machine only).
  send-sample [--count N]  post N realistic sample errors (default 5) to POST /v1/errors of the local
                           stack (--url, default http://localhost:$PORT; --key, default the dev key)
  templates check [dir]    validate the fix templates (default: HEADSUP_TEMPLATES or templates/)
  oncall check [file]      validate the on-call team file (default: HEADSUP_ONCALL, else oncall.yaml
                           beside templates/, else oncall.example.yaml)
  oncall now [--at <time>] [file]
                           who works, who is on call, whom each escalation step reaches and what an
                           alert and a fix message (response.*) would promise, now or at an ISO
                           time (2026-03-09T09:00 in the team's zone, or with an offset:
                           2026-03-09T09:00Z)`;

/** One line on stderr and exit 1: what went wrong and what to do, never a stack trace. */
function fail(message: string): never {
  process.stderr.write(`headsup: ${message}\n`);
  process.exit(1);
}

/** Text from the command line or a library, safe in a one-line message. */
const oneLine = (text: string) => text.replace(/[\s\p{Cc}]+/gu, ' ').trim();

/**
 * The command's arguments by `config`; one it does not take (an unknown option, a missing value, an
 * extra argument) ends it with parseArgs' own words and where the usage is, not its stack trace.
 */
function parsedArgs<T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_'))
      fail(`${command}: ${oneLine((err as Error).message)} — see headsup --help`);
    throw err;
  }
}

/** The folder the functions would read: the setting's variable and default, by the same rule. */
async function templatesDirFromEnv(): Promise<string> {
  const { templatesDir } = await import('../functions/config/settings');
  return templatesDir.parse(process.env[templatesDir.env], (problem) =>
    fail(`${templatesDir.env} ${problem}`),
  );
}

function portFromEnv(): number {
  const text = process.env.PORT ?? '3000';
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) fail(`PORT "${text}" is not a port number (1–65535)`);
  return port;
}

/** A host name: dot-separated labels of letters, digits and inner hyphens (RFC 1123). */
const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** HOST: an IP address (IPv6 with or without brackets) or a host name; unset or empty → 127.0.0.1. */
function hostFromEnv(): string | undefined {
  const text = process.env.HOST;
  if (text === undefined || text === '') return undefined;
  const bare = text.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) === 0 && !HOST_NAME.test(text))
    fail(`HOST must be an IP address or host name to listen on, e.g. 127.0.0.1; got "${text}"`);
  return bare;
}

/**
 * `start` runs on the development dependencies (DynamoDB Local, the SQS emulator, the Node server),
 * which an installed package does not have: say so, and what to do, instead of a module stack trace.
 */
function failIfMissingModule(err: unknown): void {
  const { code, message } = (err ?? {}) as { code?: string; message?: string };
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') return;
  const missing = /Cannot find (?:module|package) '([^']+)'/.exec(message ?? '')?.[1] ?? 'a module';
  fail(
    `start needs the development dependencies (${missing} is not installed): run it from a clone of Heads-up with npm install && npm start`,
  );
}

async function start(argv: string[]): Promise<void> {
  const { values } = parsedArgs('start', {
    args: argv,
    options: { persist: { type: 'boolean', default: false }, clock: { type: 'string', default: '1' } },
  });
  // Whole speeds only: "a 10 min wait takes 10 s" stays exact, and 3600 turns an hour into a second.
  const clockSpeed = Number(values.clock);
  if (!/^\d+$/.test(values.clock) || clockSpeed < 1 || clockSpeed > 3600)
    fail(`start: --clock "${oneLine(values.clock)}" is not a whole number from 1 to 3600 (e.g. --clock 60)`);
  const port = portFromEnv();
  const host = hostFromEnv();
  // Checked before anything starts: the handlers read it for each batch, where a bad value would only
  // show as every batch failing.
  await templatesDirFromEnv();
  // Locally, CloudWatch metric lines are noise; set before the modules that read it are loaded.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const { DEV_INGEST_KEY, startLocalStack } = await import('../local/stack').catch((err: unknown) => {
    failIfMissingModule(err);
    throw err;
  });
  const started = Date.now();
  let stack: Awaited<ReturnType<typeof startLocalStack>>;
  try {
    stack = await startLocalStack({
      port,
      host,
      dataDir: values.persist ? '.headsup' : undefined,
      clockSpeed,
      log: (line) => process.stderr.write(`headsup: ${line}\n`),
    });
  } catch (err) {
    failIfMissingModule(err);
    fail((err as Error).message);
  }
  const key =
    stack.ingestKey === DEV_INGEST_KEY ? `${DEV_INGEST_KEY} (dev default)` : 'from HEADSUP_INGEST_KEYS';
  process.stdout.write(
    `Heads-up is ready at ${stack.url} in ${((Date.now() - started) / 1000).toFixed(1)} s · ingest key: ${key} · Ctrl-C stops\n`,
  );
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    process.stderr.write('headsup: stopping…\n');
    const force = setTimeout(() => process.exit(1), 10_000);
    void stack.stop().then(() => {
      clearTimeout(force);
      process.exit(0);
    });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

/** Exit 1 on any problem, each as `file:line: message`, so CI fails on a broken template. */
async function checkTemplates(argv: string[]): Promise<void> {
  const { positionals } = parsedArgs('templates check', { args: argv, options: {}, allowPositionals: true });
  if (positionals.length > 1)
    fail(`templates check takes one folder, got ${positionals.length} arguments — see headsup --help`);
  const { readTemplates, formatProblem } = await import('../functions/adapters/template-files');
  const dir = positionals[0] ?? (await templatesDirFromEnv());
  const { templates, problems } = readTemplates(dir);
  for (const problem of problems) process.stderr.write(`${formatProblem(problem)}\n`);
  if (problems.length > 0) fail(`${problems.length} problem(s) in ${dir}`);
  if (templates.length === 0) fail(`no templates (*.md) in ${dir}`);
  process.stdout.write(`${templates.length} templates OK: ${templates.map((t) => t.id).join(', ')}\n`);
}

/**
 * The team file a command reads: its argument, else HEADSUP_ONCALL, else oncall.yaml beside the
 * templates folder, else (with a note) the example beside it, so a fresh clone has something to show.
 */
async function teamFileArg(command: string, positionals: string[]): Promise<string> {
  if (positionals.length > 1)
    fail(`${command} takes one file, got ${positionals.length} arguments — see headsup --help`);
  if (positionals[0] !== undefined) return positionals[0];
  const { teamFilePath } = await import('../functions/adapters/team-file');
  let found: { path: string; required: boolean };
  try {
    found = teamFilePath(process.env);
  } catch (err) {
    fail((err as Error).message.replace(/^Configuration error: /, ''));
  }
  const { existsSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  if (found.required || existsSync(found.path)) return found.path;
  const example = join(dirname(found.path), 'oncall.example.yaml');
  process.stderr.write(`headsup: no ${found.path} (and HEADSUP_ONCALL unset): reading ${example}\n`);
  return example;
}

/** The checked team, or each problem as `file:line: message` and exit 1. */
async function checkedTeam(file: string) {
  const { readTeamFile } = await import('../functions/adapters/team-file');
  const { formatProblem } = await import('../functions/adapters/template-files');
  const result = readTeamFile(file);
  if (result.ok) return result.team;
  for (const problem of result.problems) process.stderr.write(`${formatProblem(problem)}\n`);
  fail(`${result.problems.length} problem(s) in ${file}`);
}

const counted = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

async function checkTeam(argv: string[]): Promise<void> {
  const { positionals } = parsedArgs('oncall check', { args: argv, options: {}, allowPositionals: true });
  const file = await teamFileArg('oncall check', positionals);
  const team = await checkedTeam(file);
  const { everyText } = await import('../functions/core/oncall/roster');
  const people = team.people.length === 1 ? '1 person' : `${team.people.length} people`;
  process.stdout.write(
    `${file} OK: ${people}, rotation of ${team.oncall.rotation.length} (${everyText(team.oncall.every)}), ` +
      `${counted(team.urgency.length, 'urgency rule')}, ${counted(team.escalation.length, 'escalation step')}\n`,
  );
}

/** Everything the roster decides at one instant, for a person who wants to see it before it pages anyone. */
async function oncallNow(argv: string[]): Promise<void> {
  const { values, positionals } = parsedArgs('oncall now', {
    args: argv,
    options: { at: { type: 'string' } },
    allowPositionals: true,
  });
  const file = await teamFileArg('oncall now', positionals);
  const team = await checkedTeam(file);
  const { DateTime } = await import('luxon');
  const roster = await import('../functions/core/oncall/roster');
  const { formatUtc } = await import('../functions/core/duration');
  let at = Date.now();
  if (values.at !== undefined) {
    const parsed = DateTime.fromISO(values.at, { zone: team.timezone });
    if (!parsed.isValid)
      fail(
        `--at ${JSON.stringify(oneLine(values.at).slice(0, 40))} is not an ISO time such as 2026-03-09T09:00 (in ${team.timezone}) or 2026-03-09T09:00Z`,
      );
    at = parsed.toMillis();
  }
  const zone = team.timezone;
  const lines = [`${file} at ${roster.localTimeIn(zone, at)} (${formatUtc(at)})`, 'people:'];
  const width = Math.max(...team.people.map((p) => p.name.length + p.id.length + 3));
  for (const person of team.people) {
    const who = `${person.name} (${person.id})`.padEnd(width);
    const state = roster.isWorking(person, at) ? 'working' : 'off';
    lines.push(`  ${who}  ${roster.localTimeIn(person.timezone, at).padEnd(24)}  ${state}`);
  }
  const shift = roster.onCallShift(team, at);
  lines.push(
    `on call: ${shift.person?.name ?? '(nobody)'} until ${roster.localTimeIn(zone, shift.until)} (in ${roster.spanText((shift.until - at) / 1000)}), then ${roster.onCallAt(team, shift.until)?.name ?? '(nobody)'}`,
    'escalation (high urgency):',
  );
  for (const [index, step] of team.escalation.entries()) {
    const reached = roster.namesText(roster.stepPeople(team, index, at));
    const wait = step.wait === undefined ? '' : `, then ${roster.spanText(step.wait)} for an Acknowledge`;
    const fallback =
      step.notify === 'working' && roster.workingAt(team, at).length === 0
        ? ' (on call: nobody works now)'
        : '';
    lines.push(`  ${index + 1}. ${step.notify} → ${reached}${fallback}${wait}`);
  }
  const high = roster.responsePromise(team, 'high', at);
  lines.push(
    `low: ${roster.lowUrgencyNote(team, at)}`,
    `high: acknowledged within ${roster.spanText(high.withinSeconds)} (by ${roster.localTimeIn(zone, high.by)}), ${shift.person?.name ?? 'nobody'} on call`,
    'fix messages (response.within / response.at / response.who), an open group, no user zone:',
  );
  const { responseText } = await import('../functions/core/oncall/response-text');
  for (const urgent of [false, true]) {
    const text = responseText(team, { high: urgent, state: 'open' }, at);
    lines.push(`  ${urgent ? 'high' : 'low'}: ${text.within} / ${text.at} / ${text.who}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function sendSample(argv: string[]): Promise<void> {
  const { values } = parsedArgs('send-sample', {
    args: argv,
    options: { count: { type: 'string', default: '5' }, url: { type: 'string' }, key: { type: 'string' } },
  });
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > 100_000)
    fail(`--count "${values.count}" is not a number from 1 to 100000`);
  const { sampleEvents } = await import('../local/samples');
  const { postEvents } = await import('../local/send-events');
  const { localIngestKey } = await import('../local/dev-key');
  const url = (values.url ?? `http://localhost:${portFromEnv()}`).replace(/\/+$/, '');
  let key: string;
  try {
    key = values.key ?? localIngestKey(process.env);
  } catch (err) {
    fail((err as Error).message);
  }
  let results: Awaited<ReturnType<typeof postEvents>>;
  try {
    results = await postEvents(url, key, sampleEvents({ count, random: Math.random }));
  } catch (err) {
    fail(`cannot reach ${url}: ${(err as Error).message} — is npm start running?`);
  }
  const refused = results.find((r) => r.status !== 202);
  if (refused) fail(`${url}/v1/errors answered ${refused.status}: ${JSON.stringify(refused.body)}`);
  const accepted = results.reduce((n, r) => n + r.accepted.length, 0);
  process.stdout.write(`${accepted} sample errors accepted · watch them arrive at ${url}/\n`);
}

const [command, ...rest] = process.argv.slice(2);
if (command === '--help' || command === '-h' || command === 'help') process.stdout.write(`${USAGE}\n`);
else if (command === 'start') void start(rest);
else if (command === 'send-sample') void sendSample(rest);
else if (command === 'templates' && rest[0] === 'check') void checkTemplates(rest.slice(1));
else if (command === 'oncall' && rest[0] === 'check') void checkTeam(rest.slice(1));
else if (command === 'oncall' && rest[0] === 'now') void oncallNow(rest.slice(1));
else fail(command ? `unknown command "${[command, ...rest].join(' ')}"\n${USAGE}` : USAGE);
