import './env';
/**
 * `npm run bench`: N events (default 5 000; 20 distinct errors; 1 000 users) through the local stack —
 * the same handlers as on AWS, on DynamoDB Local and the SQS emulator — and a table of what it cost.
 * Next to it, the floor: the same number of bare DynamoDB writes to the same DynamoDB Local.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { build } from 'esbuild';
import { freePort } from '../local/free-port';
import { queueDepth } from '../local/queue-depth';
import { createTable } from '../local/resources';
import { sampleEvents, seededRandom } from '../local/samples';
import { postEvents } from '../local/send-events';
import { startLocalStack } from '../local/stack';
import { withoutStackVariables } from '../local/stack-env';
import { scanDocuments } from '../local/table-scan';
import { bestOf, hostileEventBodies, runPipeline } from './hostile-corpus';
import { moduleInitMs } from './module-init';

const ROOT = join(__dirname, '..');
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '5000' },
    distinct: { type: 'string', default: '20' },
    users: { type: 'string', default: '1000' },
    senders: { type: 'string', default: '4' },
  },
});
const N = Number(values.events);
const DISTINCT = Number(values.distinct);
const USERS = Number(values.users);
const SENDERS = Number(values.senders);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const stats = (samples: number[]) => {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99) };
};

/** Counts the requests a DynamoDB client sends (an SDK middleware, nothing replaced). */
function countRequests(client: DynamoDBClient): () => number {
  let count = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      count++;
      return next(args);
    },
    { step: 'initialize', name: 'benchCounter' },
  );
  return () => count;
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('benchmark did not finish in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Each Lambda bundled as CDK bundles it (esbuild, CJS, minified): its size and module init time. */
async function bundles() {
  const out = join(ROOT, 'bench', '.build');
  const results: Record<string, { bytes: number; initMs: number }> = {};
  for (const name of ['triage', 'notify', 'http']) {
    const file = join(out, `${name}.js`);
    await build({
      entryPoints: [join(ROOT, 'functions', 'handlers', `${name}.ts`)],
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: file,
      logLevel: 'error',
    });
    results[name] = { bytes: statSync(file).size, initMs: moduleInitMs(file) };
  }
  return results;
}

async function measure() {
  process.stderr.write(`bench: starting the local stack, ${N} events, ${DISTINCT} errors, ${USERS} users\n`);
  const stack = await startLocalStack({ port: await freePort(), env: withoutStackVariables(process.env) });
  const slack = stack.slackFake!;
  const intercom = stack.intercomFake!;
  for (let u = 0; u < USERS; u++) {
    intercom.addContact({
      external_id: `u_bench_${u}`,
      email: `user${u}@bench.example`,
      name: `Bench User ${u}`,
    });
  }
  const dynamoRequests = countRequests(stack.aws.dynamo);
  try {
    const events = sampleEvents({
      count: N,
      distinctErrors: DISTINCT,
      users: USERS,
      random: seededRandom(7),
    });
    const ids: string[] = new Array(N);
    const ingestAt: number[] = new Array(N);
    const started = Date.now();
    // Several producers at once, 100 events per request, as backends would send.
    const chunks = Array.from({ length: Math.ceil(N / 100) }, (_, i) => events.slice(i * 100, i * 100 + 100));
    await Promise.all(
      Array.from({ length: SENDERS }, async (_, s) => {
        for (let c = s; c < chunks.length; c += SENDERS) {
          const t = Date.now();
          const [result] = await postEvents(stack.url, stack.ingestKey, chunks[c]!);
          if (result?.status !== 202) throw new Error(`ingest answered ${result?.status}`);
          result.accepted.forEach((id, j) => {
            ids[c * 100 + j] = id;
            ingestAt[c * 100 + j] = t;
          });
        }
      }),
    );
    const acceptedMs = Date.now() - started;

    await until(
      async () => (await queueDepth(stack.aws.sqs, stack.aws.errorsQueueUrl, { delayed: false })) === 0,
      600_000,
    );
    const processedMs = Date.now() - started;
    // Then the delayed flushes and the fix messages: everything a burst causes.
    await until(
      async () =>
        (await queueDepth(stack.aws.sqs, stack.aws.errorsQueueUrl)) === 0 &&
        (await queueDepth(stack.aws.sqs, stack.aws.notifyQueueUrl)) === 0,
      600_000,
    );
    const settledMs = Date.now() - started;
    const dynamoRequestsSettled = dynamoRequests();

    // Ingest → Slack: each group's parent message against its first event's ingest time.
    const firstIngest = new Map<string, number>();
    events.forEach((e, i) => {
      const key = `[${e.app}/production] ${e.error.type}`;
      firstIngest.set(key, Math.min(firstIngest.get(key) ?? Number.POSITIVE_INFINITY, ingestAt[i]!));
    });
    const slackLatency = slack
      .calls('chat.postMessage')
      .filter((r) => !r.params.thread_ts)
      .map((r) => {
        const key = [...firstIngest.keys()].find((k) => String(r.params.text).startsWith(k));
        return key ? r.receivedAt - firstIngest.get(key)! : Number.NaN;
      })
      .filter(Number.isFinite);

    // Ingest → Intercom: every auto fix actually sent, against its own event's ingest time.
    const ingestOf = new Map(ids.map((id, i) => [id, ingestAt[i]!]));
    const intercomLatency: number[] = [];
    for (const link of await scanLinks(stack.aws.dynamo, stack.aws.tableName)) {
      const at = ingestOf.get(link.eventId);
      if (link.notify?.status === 'sent' && at !== undefined) intercomLatency.push(link.notify.at - at);
    }

    const chatCalls = slack.requests.filter((r) => r.method.startsWith('chat.')).length;
    const pipelineRequests = dynamoRequestsSettled; // ingest to settled; the read-back is not counted
    // The floor: the same number of bare PutItems to the same DynamoDB Local, as concurrent.
    const floorTable = 'bench-floor';
    await createTable(stack.aws.dynamo, floorTable);
    const floorStarted = Date.now();
    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        for (let i = w; i < N; i += 8) {
          await stack.aws.dynamo.send(
            new PutItemCommand({
              TableName: floorTable,
              Item: { pk: { S: `E#${i}` }, sk: { S: 'E' }, v: { S: 'x'.repeat(512) } },
            }),
          );
        }
      }),
    );
    const floorMs = Date.now() - floorStarted;

    const result = {
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        memoryGiB: Math.round(totalmem() / 2 ** 30),
        node: process.version,
      },
      events: N,
      distinctErrors: DISTINCT,
      users: USERS,
      acceptedPerSecond: Math.round(N / (acceptedMs / 1000)),
      processedPerSecond: Math.round(N / (processedMs / 1000)),
      settledSeconds: Math.round(settledMs / 100) / 10,
      slackLatencyMs: stats(slackLatency),
      intercomLatencyMs: stats(intercomLatency),
      slackCallsPer1000Events: Math.round((chatCalls / N) * 1000 * 10) / 10,
      fixMessagesSent: intercom.messages.length,
      dynamoRequestsPerEvent: Math.round((pipelineRequests / N) * 100) / 100,
      floor: {
        bareWritesPerSecond: Math.round(N / (floorMs / 1000)),
        processingVsFloor: Math.round((processedMs / floorMs) * 10) / 10,
      },
      bundles: await bundles(),
    };
    return result;
  } finally {
    await stack.stop();
  }
}

type BenchResult = Awaited<ReturnType<typeof measure>> & { hostileCorpus: ReturnType<typeof hostileCorpus> };

/** Every detail item, for the outcome of its fix message. */
async function scanLinks(dynamo: DynamoDBClient, tableName: string) {
  return (await scanDocuments(dynamo, tableName, 'LINK#')) as Array<{
    eventId: string;
    notify?: { status: string; at: number };
  }>;
}

/**
 * Every hostile shape in every free-text field of a 256 KiB event, through what triage runs on it
 * (validate → redact → limit → fingerprint): the worst and the median of each body's best of 3.
 */
function hostileCorpus() {
  const timed = hostileEventBodies()
    .map((b) => ({ shape: `${b.shape} (${b.placement})`, ms: bestOf(3, () => b.body, runPipeline) }))
    .sort((a, b) => a.ms - b.ms);
  const worst = timed.at(-1)!;
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    events: timed.length,
    worstShape: worst.shape,
    worstMs: round(worst.ms),
    medianMs: round(timed[Math.floor(timed.length / 2)]!.ms),
    targetMs: 50,
  };
}

async function main(): Promise<void> {
  const hostile = hostileCorpus();
  process.stdout.write(
    `hostile corpus: worst ${hostile.worstShape} ${hostile.worstMs} ms per 256 KiB event (target < ${hostile.targetMs} ms), median ${hostile.medianMs}\n`,
  );
  const result = { ...(await measure()), hostileCorpus: hostile };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  printTable(result);
}

function printTable(r: BenchResult): void {
  const lat = (s: { n: number; p50: number; p95: number; p99: number }) =>
    `p50 ${s.p50} · p95 ${s.p95} · p99 ${s.p99} ms (n=${s.n})`;
  const rows: [string, string][] = [
    [
      'machine',
      `${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}`,
    ],
    ['events', `${r.events} (${r.distinctErrors} distinct errors, ${r.users} users)`],
    ['accepted (POST /v1/errors)', `${r.acceptedPerSecond} events/s`],
    ['processed (triage)', `${r.processedPerSecond} events/s; everything settled in ${r.settledSeconds} s`],
    ['ingest → Slack parent', lat(r.slackLatencyMs)],
    ['ingest → Intercom auto fix', `${lat(r.intercomLatencyMs)}; ${r.fixMessagesSent} messages`],
    ['Slack calls per 1 000 events', String(r.slackCallsPer1000Events)],
    ['DynamoDB requests per event', String(r.dynamoRequestsPerEvent)],
    [
      'floor: bare DynamoDB writes',
      `${r.floor.bareWritesPerSecond} writes/s; the pipeline takes ${r.floor.processingVsFloor}× as long`,
    ],
    [
      'hostile corpus (256 KiB events)',
      `worst ${r.hostileCorpus.worstMs} ms (${r.hostileCorpus.worstShape}), median ${r.hostileCorpus.medianMs} ms; target < ${r.hostileCorpus.targetMs} ms`,
    ],
    ...Object.entries(r.bundles).map(([name, b]): [string, string] => [
      `bundle ${name}`,
      `${Math.round(b.bytes / 1024)} KiB minified, module init ${b.initMs} ms`,
    ]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(
    `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\nwritten to bench/results/latest.json\n`,
  );
}

void main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exit(1);
});
