import { isIP } from 'node:net';
import { type ParseArgsConfig, parseArgs } from 'node:util';

const USAGE = `usage: headsup <command>

  start [--persist]        run the whole pipeline on this machine (DynamoDB Local, SQS emulator, web
                           app); --persist keeps the data in .headsup/ between runs. PORT sets the port,
                           HOST the address to listen on (default 127.0.0.1: this machine only).
  send-sample [--count N]  post N realistic sample errors (default 5) to POST /v1/errors of the local
                           stack (--url, default http://localhost:$PORT; --key, default the dev key)
  templates check [dir]    validate the fix templates (default: HEADSUP_TEMPLATES or templates/)`;

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
    options: { persist: { type: 'boolean', default: false } },
  });
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
else fail(command ? `unknown command "${[command, ...rest].join(' ')}"\n${USAGE}` : USAGE);
