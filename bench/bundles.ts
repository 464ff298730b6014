/**
 * Each Lambda bundled two ways — the AWS SDK inside its bundle, or left out for the Lambda runtime's
 * copy (Node 24 on Lambda ships SDK v3) — and what each costs a cold start: bytes, module init, and
 * the first handler call.
 *
 * `npx tsx bench/bundles.ts [--runs N]` prints the table; `npm run bench` calls `compareBundles()`.
 * BENCH_DEBUG=1 also prints what each first call logged and every request the stand-in answered.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BuildOptions, build } from 'esbuild';
import { COMPILED_TEMPLATES_FILE } from '../functions/adapters/compiled-templates';
import { precompileTemplates } from '../functions/adapters/template-files';
import { SECRETS } from '../lib/definitions';
import { FUNCTION_BUNDLING } from '../lib/headsup';
import { sampleEvents, seededRandom } from '../local/samples';
import { fastestModuleInits } from './module-init';

const ROOT = join(__dirname, '..');

export const BUNDLED_FUNCTIONS = ['triage', 'notify', 'http'] as const;
export type BundledFunction = (typeof BUNDLED_FUNCTIONS)[number];

/**
 * Where a function's AWS SDK comes from: its own bundle, or the Lambda runtime (`@aws-sdk/*` and
 * `@smithy/*` left out, resolved from node_modules as the runtime resolves its own copy — which on
 * Lambda is whatever SDK version the runtime ships, not ours).
 */
export const SDK_PLACEMENTS = ['bundled', 'external'] as const;
export type SdkPlacement = (typeof SDK_PLACEMENTS)[number];

/** What one bundle costs a cold start on this machine. Times are the fastest of `runs` fresh processes. */
export type BundleFigures = {
  /** index.js as deployed (minified), without its source map. */
  bytes: number;
  kib: number;
  /** `require` of the bundle: what Lambda's init phase runs before the first event. */
  initMs: number;
  /** The same with `--enable-source-maps`, which the functions get in NODE_OPTIONS on Lambda. */
  initWithSourceMapsMs: number;
  /**
   * The first handler call after the require, alone: secrets read, collaborators built, one event
   * handled as far as the first DynamoDB or SQS call, which a loopback stand-in refuses (400).
   */
  firstCallMs: number;
};

export type BundleComparison = {
  runs: number;
  functions: Record<BundledFunction, Record<SdkPlacement, BundleFigures>>;
};

/**
 * The esbuild settings of the deployed bundles: lib/headsup.ts's, as the CDK passes them to esbuild
 * (test/infra/bundle.test.ts holds the CDK's own output to its budgets).
 */
export const LAMBDA_ESBUILD: BuildOptions = {
  bundle: true,
  platform: 'node',
  // What the CDK derives from the functions' runtime (Node 24).
  target: 'node24',
  format: FUNCTION_BUNDLING.format,
  minify: FUNCTION_BUNDLING.minify,
  mainFields: FUNCTION_BUNDLING.mainFields,
  sourcemap: FUNCTION_BUNDLING.sourceMap,
  sourcesContent: FUNCTION_BUNDLING.sourcesContent,
  logLevel: 'error',
};

/**
 * What each placement leaves out of the bundle, to be resolved at run time from node_modules. Bundled
 * is the deploy's setting, which leaves out only the SDK's credential fallbacks (never loaded on Lambda).
 */
const EXTERNAL: Record<SdkPlacement, string[]> = {
  bundled: FUNCTION_BUNDLING.externalModules,
  external: ['@aws-sdk/*', '@smithy/*'],
};

export type BuildBundlesOptions = {
  /** Where the bundles are written (default bench/.build/bundles): inside the project, so that the external variant finds node_modules. */
  outDir?: string;
  /** esbuild settings over LAMBDA_ESBUILD's and the placement's, e.g. to measure a setting before adopting it. */
  esbuild?: (sdk: SdkPlacement) => BuildOptions;
  functions?: readonly BundledFunction[];
};

/** One bundle written by `buildBundles`. */
export type BuiltBundle = { fn: BundledFunction; sdk: SdkPlacement; file: string };

/**
 * Bundles every function both ways, as the deploy does (LAMBDA_ESBUILD), and puts the templates beside
 * the bundles as the deploy does (lib/headsup.ts): the `*.md` files and their precompiled form.
 */
export async function buildBundles(options: BuildBundlesOptions = {}): Promise<BuiltBundle[]> {
  const outDir = options.outDir ?? join(ROOT, 'bench', '.build', 'bundles');
  mkdirSync(outDir, { recursive: true });
  writeTemplates(join(outDir, TEMPLATES_DIR));
  const bundles: BuiltBundle[] = [];
  for (const fn of options.functions ?? BUNDLED_FUNCTIONS) {
    for (const sdk of SDK_PLACEMENTS) {
      const file = join(outDir, `${fn}-sdk-${sdk}.js`);
      await build({
        ...LAMBDA_ESBUILD,
        entryPoints: [join(ROOT, 'functions', 'handlers', `${fn}.ts`)],
        outfile: file,
        external: EXTERNAL[sdk],
        ...options.esbuild?.(sdk),
      });
      bundles.push({ fn, sdk, file });
    }
  }
  return bundles;
}

/** The bundled functions' templates folder, relative to index.js (HEADSUP_TEMPLATES on AWS). */
const TEMPLATES_DIR = 'templates';

function writeTemplates(dir: string): void {
  const source = join(ROOT, TEMPLATES_DIR);
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(source).filter((n) => n.endsWith('.md')))
    copyFileSync(join(source, name), join(dir, name));
  writeFileSync(join(dir, COMPILED_TEMPLATES_FILE), precompileTemplates(source));
}

/**
 * Each bundle's figures, in the order given. Every figure is the fastest of `runs` fresh processes, the
 * bundles taken in turns, so that a burst of load on a shared machine falls on all of them alike.
 */
export async function measureBundles(bundles: readonly BuiltBundle[], runs = 5): Promise<BundleFigures[]> {
  const files = bundles.map((b) => b.file);
  const init = fastestModuleInits(files, runs);
  const initWithSourceMaps = fastestModuleInits(files, runs, ['--enable-source-maps']);
  const firstCall = await fastestFirstCalls(bundles, runs);
  return bundles.map(({ file }, i) => {
    const bytes = statSync(file).size;
    return {
      bytes,
      kib: Math.round(bytes / 102.4) / 10,
      initMs: init[i]!,
      initWithSourceMapsMs: initWithSourceMaps[i]!,
      firstCallMs: firstCall[i]!,
    };
  });
}

/**
 * What `npm run bench` reports: every function bundled both ways and measured, `runs` fresh processes
 * per figure (default 5: about a minute and a half in all on the 2-core machine, builds included).
 */
export async function compareBundles(
  options: BuildBundlesOptions & { runs?: number } = {},
): Promise<BundleComparison> {
  const runs = options.runs ?? 5;
  const bundles = await buildBundles(options);
  const figures = await measureBundles(bundles, runs);
  const functions = {} as BundleComparison['functions'];
  bundles.forEach(({ fn, sdk }, i) => {
    functions[fn] ??= {} as Record<SdkPlacement, BundleFigures>;
    functions[fn][sdk] = figures[i]!;
  });
  return { runs, functions };
}

/** The table `npx tsx bench/bundles.ts` prints: one line per function and SDK placement. */
export function formatComparison(comparison: BundleComparison): string {
  const header = ['function', 'AWS SDK', 'KiB', 'init ms', 'init, source maps', 'first call ms'];
  const rows = Object.entries(comparison.functions).flatMap(([fn, bySdk]) =>
    Object.entries(bySdk).map(([sdk, f]) => [
      fn,
      sdk,
      f.kib.toFixed(1),
      String(f.initMs),
      String(f.initWithSourceMapsMs),
      String(f.firstCallMs),
    ]),
  );
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [
    line(header),
    ...rows.map(line),
    `fastest of ${comparison.runs} fresh processes each, Node ${process.version}`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------
// The first call: a fresh process requires the bundle and calls its handler once, with every AWS, Slack
// and Intercom endpoint pointed at a loopback stand-in. The stand-in hands out the secrets (the first
// invocation on Lambda reads them from Secrets Manager) and refuses every other call at once with a 400
// the SDK does not retry, so the figure is the work the code does, not a network's or a retry's wait.

const SECRET_VALUES = {
  SLACK_BOT_TOKEN: 'xoxb-bench-0000000000',
  INTERCOM_TOKEN: 'bench-intercom-token-0000',
  SLACK_SIGNING_SECRET: 'bench-signing-secret-0000',
  HELPSCOUT_SECRET: 'bench-helpscout-0000',
  HEADSUP_INGEST_KEYS: 'bench-ingest-key-0000000000',
};

function standInAnswer(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.on('end', () => {
    if (process.env.BENCH_DEBUG)
      process.stderr.write(`stand-in: ${req.method} ${req.url} ${req.headers['x-amz-target']}\n`);
    if (req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue') {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({
          ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bench',
          Name: 'bench',
          VersionId: 'bench',
          SecretString: JSON.stringify(SECRET_VALUES),
        }),
      );
      return;
    }
    res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
    res.end(
      JSON.stringify({
        __type: 'com.amazon.coral.validate#ValidationException',
        message: 'the bench stand-in refuses every call',
        ok: false,
        error: 'invalid_auth',
      }),
    );
  });
}

/** The secrets each function is given on AWS (lib/headsup.ts): the first call reads each one. */
const SECRETS_OF: Record<BundledFunction, (keyof typeof SECRETS)[]> = {
  triage: ['tokens'],
  notify: ['tokens'],
  http: ['webhooks', 'ingest'],
};

function lambdaEnv(fn: BundledFunction, file: string, standIn: string): NodeJS.ProcessEnv {
  const arn = (name: string) => `arn:aws:secretsmanager:us-east-1:000000000000:secret:${name}`;
  const queue = (name: string) => `${standIn}/000000000000/${name}`;
  return {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SESSION_TOKEN: 'bench',
    AWS_ENDPOINT_URL: standIn,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_SERVICE_NAME: 'bench',
    ...Object.fromEntries(SECRETS_OF[fn].map((secret) => [SECRETS[secret].arnEnv, arn(secret)])),
    HEADSUP_TABLE: 'bench',
    HEADSUP_ERRORS_QUEUE_URL: queue('errors'),
    HEADSUP_ERRORS_DLQ_URL: queue('errors-dlq'),
    HEADSUP_NOTIFY_QUEUE_URL: queue('notify'),
    HEADSUP_TEMPLATES: join(dirname(file), TEMPLATES_DIR),
    HEADSUP_PUBLIC_URL: 'https://headsup.example',
    SLACK_CHANNEL: 'C0123456789',
    SLACK_API_URL: `${standIn}/api`,
    INTERCOM_ADMIN_ID: '1',
    INTERCOM_API_URL: standIn,
  };
}

/** One event of each function's kind, as Lambda hands it over. */
function lambdaEvent(fn: BundledFunction): unknown {
  const [event] = sampleEvents({ count: 1, random: seededRandom(1) });
  const sqs = (body: string) => ({
    Records: [
      {
        messageId: 'bench-1',
        receiptHandle: 'bench',
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '0',
          SenderId: 'bench',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${fn}`,
        awsRegion: 'us-east-1',
      },
    ],
  });
  if (fn === 'triage') return sqs(JSON.stringify({ ...event, id: 'evt_bench_1' }));
  if (fn === 'notify')
    return sqs(JSON.stringify({ linkId: 'bench-link', templateId: 'bench', trigger: 'auto' }));
  const host = 'bench.lambda-url.us-east-1.on.aws';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/v1/errors',
    rawQueryString: '',
    headers: {
      host,
      'content-type': 'application/json',
      authorization: `Bearer ${SECRET_VALUES.HEADSUP_INGEST_KEYS}`,
    },
    requestContext: {
      accountId: 'anonymous',
      apiId: 'bench',
      domainName: host,
      domainPrefix: 'bench',
      http: {
        method: 'POST',
        path: '/v1/errors',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'bench',
      },
      requestId: 'bench',
      routeKey: '$default',
      stage: '$default',
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: 0,
    },
    body: JSON.stringify(event),
    isBase64Encoded: false,
  };
}

const RESULT_MARK = 'bench-first-call ';

/** Runs in the fresh process: require, one call, the call's milliseconds on a marked line. */
const FIRST_CALL_SCRIPT = `
const [file, eventJson] = process.argv.slice(1);
const { handler } = require(file);
const context = { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 10000 };
const t = process.hrtime.bigint();
Promise.resolve()
  .then(() => handler(JSON.parse(eventJson), context))
  .catch(() => undefined)
  .then(() => {
    process.stdout.write('\\n${RESULT_MARK}' + Number(process.hrtime.bigint() - t) / 1e6 + '\\n');
    process.exit(0);
  });
`;

function firstCallSample(file: string, fn: BundledFunction, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', FIRST_CALL_SCRIPT, file, JSON.stringify(lambdaEvent(fn))],
      { env, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: 30_000 },
      (err, stdout, stderr) => {
        if (process.env.BENCH_DEBUG) process.stderr.write(`--- ${fn}\n${stdout}\n${stderr}\n`);
        const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
        if (!line) reject(err ?? new Error(`${file}: the first call printed no result`));
        else resolve(Number(line.slice(RESULT_MARK.length)));
      },
    );
  });
}

async function fastestFirstCalls(
  bundles: readonly { fn: BundledFunction; file: string }[],
  runs: number,
): Promise<number[]> {
  const server = createServer(standInAnswer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const standIn = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const fastest = bundles.map(() => Number.POSITIVE_INFINITY);
    for (let run = 0; run < runs; run++) {
      for (const [i, { fn, file }] of bundles.entries()) {
        fastest[i] = Math.min(fastest[i]!, await firstCallSample(file, fn, lambdaEnv(fn, file, standIn)));
      }
    }
    return fastest.map((ms) => Math.round(ms * 10) / 10);
  } finally {
    server.close();
  }
}

if (require.main === module) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
  compareBundles({ runs: Number(values.runs) }).then(
    (comparison) => process.stdout.write(`${formatComparison(comparison)}\n`),
    (err: Error) => {
      process.stderr.write(`bench/bundles: ${err.message}\n`);
      process.exit(1);
    },
  );
}
