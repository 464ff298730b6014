import './measure-env';
/**
 * `npm run bench`: N events (default 5 000; 20 distinct errors; 1 000 users) through the local stack —
 * the same handlers as on AWS, on DynamoDB Local and the SQS emulator — and a table of what it cost.
 * An unmeasured burst of the same size goes first (`--warm-up-events`, 0 for none), so the measured one
 * and the floor after it both meet a warmed JVM and V8. Next to it, the floor: the same number of bare
 * DynamoDB writes to the same DynamoDB Local.
 *
 * `--rate 200 --seconds 30`: a steady stream instead of the burst (bench/steady.ts), with latency
 * targets. Both modes measure the cost inputs (DynamoDB requests and capacity, item sizes, SQS
 * requests, Lambda invocations and durations, log bytes) and price them (bench/cost.ts). `--profile`
 * writes a CPU profile of the measured run to bench/results/ and sums it up by area.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { EventInput } from '../functions/core/event-schema';
import { freePort } from '../local/free-port';
import { queueDepth } from '../local/queue-depth';
import { createTable } from '../local/resources';
import { sampleEvents, seededRandom } from '../local/samples';
import { postEvents } from '../local/send-events';
import { type LocalStack, startLocalStack } from '../local/stack';
import { withoutStackVariables } from '../local/stack-env';
import { compareBundles } from './bundles';
import { PRICES } from './cost';
import { bestOf, hostileEventBodies, runPipeline } from './hostile-corpus';
import { intercomLatencies, lastSeq, type Stats, slackParentLatencies, stats } from './measure-latency';
import {
  type CostFigures,
  costFigures,
  createMeters,
  itemSizes,
  type Measured,
  type Meters,
} from './measure-run';
import { type ProfileSummary, startProfiling } from './profile';
import { runSteady, type SteadyResult } from './steady';
import { thresholdTeamFile } from './threshold-team';

const ROOT = join(__dirname, '..');
const RESULTS = join(ROOT, 'bench', 'results');
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '5000' },
    distinct: { type: 'string', default: '20' },
    users: { type: 'string', default: '1000' },
    senders: { type: 'string', default: '4' },
    /** Steady mode: events per second, for `--seconds`, with `--fixes` automatic fixes per second. */
    rate: { type: 'string' },
    seconds: { type: 'string', default: '30' },
    fixes: { type: 'string', default: '5' },
    'warm-up': { type: 'string', default: '10' },
    /** Burst mode: events of an unmeasured first burst (default: as many as `--events`). */
    'warm-up-events': { type: 'string' },
    profile: { type: 'boolean', default: false },
  },
});
const N = Number(values.events);
const DISTINCT = Number(values.distinct);
const USERS = Number(values.users);
const SENDERS = Number(values.senders);
const RATE = values.rate === undefined ? undefined : Number(values.rate);
const SECONDS = Number(values.seconds);
const FIXES = Number(values.fixes);
const PROFILE = values.profile;
const WARM_UP = Number(values['warm-up']);
const WARM_UP_EVENTS = Number(values['warm-up-events'] ?? N);
if (!Number.isInteger(WARM_UP) || WARM_UP < 0)
  throw new Error('bench: warm-up must be a whole number of seconds ≥ 0');
if (!Number.isInteger(WARM_UP_EVENTS) || WARM_UP_EVENTS < 0)
  throw new Error('bench: warm-up-events must be a whole number ≥ 0');
for (const [name, n] of Object.entries({ N, DISTINCT, USERS, SENDERS, SECONDS, FIXES, RATE: RATE ?? 1 }))
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`bench: ${name.toLowerCase()} must be a whole number ≥ 1`);

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('benchmark did not finish in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The machine, and its 1-minute load average when the run started and ended (others share it). */
const machine = (loadAtStart: number) => ({
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  loadAverage: { start: Math.round(loadAtStart * 10) / 10, end: Math.round(loadavg()[0]! * 10) / 10 },
});

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

/** The local stack with the meters on it (and on its handlers), stopped afterwards. */
async function withMeasuredStack<T>(run: (stack: LocalStack, meters: Meters) => Promise<T>): Promise<T> {
  const meters = createMeters();
  try {
    const stack = await startLocalStack({
      port: await freePort(),
      env: { ...withoutStackVariables(process.env), HEADSUP_ONCALL: thresholdTeamFile() },
      onInvocation: meters.hook,
    });
    try {
      meters.attach(stack);
      return await run(stack, meters);
    } finally {
      await stack.stop();
    }
  } finally {
    meters.stop();
  }
}

/** The measured window: the meters start afresh, and with --profile so does the CPU profile. */
async function measuredWindow(meters: Meters) {
  meters.reset();
  const profiling = PROFILE ? await startProfiling() : undefined;
  return {
    end: async (): Promise<{ measured: Measured; profile?: ProfileSummary }> => {
      const measured = meters.read();
      const profile = await profiling?.stop(join(RESULTS, `${stamp()}.cpuprofile`));
      return { measured, profile };
    },
  };
}

/** Sends a burst as several producers would, 100 events per request; when each event was accepted. */
async function sendBurst(stack: LocalStack, events: EventInput[]) {
  const ids: string[] = new Array(events.length);
  const ingestAt: number[] = new Array(events.length);
  const chunks = Array.from({ length: Math.ceil(events.length / 100) }, (_, i) =>
    events.slice(i * 100, i * 100 + 100),
  );
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
  return { ids, ingestAt };
}

/** Until triage has taken every message (`processed`), then until the delayed flushes and fixes are done too. */
async function drained(stack: LocalStack, what: 'processed' | 'settled') {
  const { sqs, errorsQueueUrl, notifyQueueUrl } = stack.aws;
  await until(
    async () =>
      what === 'processed'
        ? (await queueDepth(sqs, errorsQueueUrl, { delayed: false })) === 0
        : (await queueDepth(sqs, errorsQueueUrl)) === 0 && (await queueDepth(sqs, notifyQueueUrl)) === 0,
    600_000,
  );
}

/**
 * The unmeasured first burst: the same shape under other apps and users (so the measured burst still
 * creates its groups and sends its fixes), so that DynamoDB Local's JVM and V8 have compiled their hot
 * paths, as the floor after it finds them. Its own rate is reported as the cold figure.
 */
async function warmUpBurst(stack: LocalStack): Promise<{ events: number; processedPerSecond: number }> {
  const events = sampleEvents({
    count: WARM_UP_EVENTS,
    distinctErrors: DISTINCT,
    users: USERS,
    random: seededRandom(8),
  }).map((e) => ({
    ...e,
    app: `warm-up-${e.app}`,
    user: e.user && { ...e.user, id: `warm-up-${e.user.id}`, email: `warm-up-${e.user.email}` },
  }));
  const contacts = new Map(events.flatMap((e) => (e.user?.id ? [[e.user.id, e.user] as const] : [])));
  for (const [id, u] of contacts)
    stack.intercomFake!.addContact({ external_id: id, email: u.email, name: u.name });
  process.stderr.write(`bench: warm-up burst, ${events.length} events (not measured)\n`);
  const started = Date.now();
  await sendBurst(stack, events);
  await drained(stack, 'processed');
  const processedMs = Date.now() - started;
  await drained(stack, 'settled');
  return { events: events.length, processedPerSecond: Math.round(events.length / (processedMs / 1000)) };
}

async function measureBurst() {
  process.stderr.write(`bench: starting the local stack, ${N} events, ${DISTINCT} errors, ${USERS} users\n`);
  const loadAtStart = loadavg()[0]!;
  return withMeasuredStack(async (stack, meters) => {
    const slack = stack.slackFake!;
    const intercom = stack.intercomFake!;
    for (let u = 0; u < USERS; u++) {
      intercom.addContact({
        external_id: `u_bench_${u}`,
        email: `user${u}@bench.example`,
        name: `Bench User ${u}`,
      });
    }
    const events = sampleEvents({
      count: N,
      distinctErrors: DISTINCT,
      users: USERS,
      random: seededRandom(7),
    });
    const warmUp = WARM_UP_EVENTS > 0 ? await warmUpBurst(stack) : undefined;
    const [slackSeq, intercomSeq] = [lastSeq(slack), lastSeq(intercom)];
    const window = await measuredWindow(meters);
    const started = Date.now();
    const { ids, ingestAt } = await sendBurst(stack, events);
    const acceptedMs = Date.now() - started;
    await drained(stack, 'processed');
    const processedMs = Date.now() - started;
    await drained(stack, 'settled');
    const settledMs = Date.now() - started;
    // Ingest to settled; the read-back and the floor are not counted.
    const { measured, profile } = await window.end();

    // Ingest → Slack: each group's parent message against its first event's ingest time.
    const firstIngest = new Map<string, number>();
    events.forEach((e, i) => {
      const key = `[${e.app}/production] ${e.error.type}`;
      firstIngest.set(key, Math.min(firstIngest.get(key) ?? Number.POSITIVE_INFINITY, ingestAt[i]!));
    });
    const slackLatency = slackParentLatencies(slack, firstIngest, slackSeq);
    // Ingest → Intercom: every message the stand-in received, against its own event's ingest time.
    const ingestOf = new Map(ids.map((id, i) => [id, ingestAt[i]!]));
    const fixes = await intercomLatencies(
      intercom,
      stack.aws.dynamo,
      stack.aws.tableName,
      ingestOf,
      intercomSeq,
    );
    const chatCalls = slack.requests.filter((r) => r.seq > slackSeq && r.method.startsWith('chat.')).length;
    const sizes = await itemSizes(stack.aws.dynamo, stack.aws.tableName);
    const processedPerSecond = Math.round(N / (processedMs / 1000));

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
    const cost = costFigures(measured, sizes, N, processedPerSecond);

    return {
      mode: 'burst' as const,
      machine: machine(loadAtStart),
      events: N,
      distinctErrors: DISTINCT,
      users: USERS,
      warmUp,
      acceptedPerSecond: Math.round(N / (acceptedMs / 1000)),
      processedPerSecond,
      settledSeconds: Math.round(settledMs / 100) / 10,
      slackLatencyMs: stats(slackLatency),
      intercomLatencyMs: { ...stats(fixes.latencies), unmatched: fixes.unmatched },
      slackCallsPer1000Events: Math.round((chatCalls / N) * 1000 * 10) / 10,
      fixMessagesSent: intercom.messages.filter((m) => m.createdBy > intercomSeq).length,
      dynamoRequestsPerEvent: cost.perEvent.dynamoRequests,
      floor: {
        bareWritesPerSecond: Math.round(N / (floorMs / 1000)),
        processingVsFloor: Math.round((processedMs / floorMs) * 10) / 10,
      },
      cost,
      profile,
      bundles: await compareBundles({ runs: 5 }),
    };
  });
}

async function measureSteady(rate: number) {
  process.stderr.write(`bench: starting the local stack, steady ${rate} events/s for ${SECONDS} s\n`);
  const loadAtStart = loadavg()[0]!;
  return withMeasuredStack(async (stack, meters) => {
    let window: Awaited<ReturnType<typeof measuredWindow>> | undefined;
    let ended: Awaited<ReturnType<NonNullable<typeof window>['end']>> | undefined;
    const steady = await runSteady(
      stack,
      {
        rate,
        seconds: SECONDS,
        fixesPerSecond: FIXES,
        distinct: DISTINCT,
        users: USERS,
        warmUpSeconds: WARM_UP,
      },
      {
        measuring: async () => {
          window = await measuredWindow(meters);
        },
        settled: async () => {
          ended = await window!.end();
        },
      },
    );
    const sizes = await itemSizes(stack.aws.dynamo, stack.aws.tableName);
    return {
      mode: 'steady' as const,
      machine: machine(loadAtStart),
      steady,
      cost: costFigures(ended!.measured, sizes, steady.events, steady.achievedPerSecond),
      profile: ended!.profile,
    };
  });
}

type BurstResult = Awaited<ReturnType<typeof measureBurst>> & {
  hostileCorpus: ReturnType<typeof hostileCorpus>;
};
type SteadyRun = Awaited<ReturnType<typeof measureSteady>>;

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
  mkdirSync(RESULTS, { recursive: true });
  let result: BurstResult | SteadyRun;
  if (RATE !== undefined) {
    result = await measureSteady(RATE);
  } else {
    const hostile = hostileCorpus();
    process.stdout.write(
      `hostile corpus: worst ${hostile.worstShape} ${hostile.worstMs} ms per 256 KiB event (target < ${hostile.targetMs} ms), median ${hostile.medianMs}\n`,
    );
    result = { ...(await measureBurst()), hostileCorpus: hostile };
  }
  const json = `${JSON.stringify(result, null, 2)}\n`;
  writeFileSync(join(RESULTS, 'latest.json'), json);
  writeFileSync(join(RESULTS, `latest-${result.mode}.json`), json);
  const rows = result.mode === 'steady' ? steadyRows(result) : burstRows(result);
  rows.push(...costRows(result.cost), ...profileRows(result.profile));
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(
    `${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\nwritten to bench/results/latest.json and latest-${result.mode}.json\n`,
  );
}

type Row = [string, string];

const lat = (s: Stats) => `p50 ${s.p50} · p95 ${s.p95} · p99 ${s.p99} ms (n=${s.n})`;
const machineRow = (m: ReturnType<typeof machine>): Row => [
  'machine',
  `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}; load average ${m.loadAverage.start} at the start, ${m.loadAverage.end} at the end`,
];

function burstRows(r: BurstResult): Row[] {
  return [
    machineRow(r.machine),
    ['events', `${r.events} (${r.distinctErrors} distinct errors, ${r.users} users)`],
    ['accepted (POST /v1/errors)', `${r.acceptedPerSecond} events/s`],
    [
      'processed (triage)',
      `${r.processedPerSecond} events/s; everything settled in ${r.settledSeconds} s${r.warmUp ? `; the first burst after start (cold, ${r.warmUp.events} events, not measured): ${r.warmUp.processedPerSecond} events/s` : ''}`,
    ],
    ['ingest → Slack parent', lat(r.slackLatencyMs)],
    [
      'ingest → Intercom auto fix',
      `${lat(r.intercomLatencyMs)}; ${r.fixMessagesSent} messages${unmatched(r.intercomLatencyMs.unmatched)}`,
    ],
    ['Slack calls per 1 000 events', String(r.slackCallsPer1000Events)],
    [
      'floor: bare DynamoDB writes',
      `${r.floor.bareWritesPerSecond} writes/s; the pipeline takes ${r.floor.processingVsFloor}× as long`,
    ],
    [
      'hostile corpus (256 KiB events)',
      `worst ${r.hostileCorpus.worstMs} ms (${r.hostileCorpus.worstShape}), median ${r.hostileCorpus.medianMs} ms; target < ${r.hostileCorpus.targetMs} ms`,
    ],
    ...Object.entries(r.bundles.functions).map(
      ([name, { bundled, external }]): Row => [
        `bundle ${name}`,
        `${Math.round(bundled.kib)} KiB, module init ${bundled.initMs} ms (${bundled.initWithSourceMapsMs} with source maps), first call ${bundled.firstCallMs} ms; AWS SDK external: ${Math.round(external.kib)} KiB, ${external.initMs} ms`,
      ],
    ),
  ];
}

const unmatched = (n: number) => (n > 0 ? ` (${n} not matched to an event)` : '');
const verdict = (value: number, target: number) =>
  Number.isFinite(value)
    ? value <= target
      ? `met (≤ ${target} ms)`
      : `MISSED (target ≤ ${target} ms)`
    : 'no samples';

function steadyRows(r: SteadyRun): Row[] {
  const s: SteadyResult = r.steady;
  return [
    machineRow(r.machine),
    [
      'steady workload',
      `${s.rate} events/s for ${s.seconds} s = ${s.events} events: each second 1 new error, ${s.fixEvents / s.seconds} automatic fixes, the rest repeats; after ${s.warmUpSeconds} s of the same, not measured`,
    ],
    [
      'achieved (POST /v1/errors)',
      `${s.achievedPerSecond} events/s accepted (${s.accepted} accepted, ${s.refused} refused; ${s.lateTicks} sends more than 50 ms late)`,
    ],
    [
      'backlog (errors queue)',
      `at most ${s.backlog.maxErrors} messages while sending, ${s.backlog.atEndOfSending} at the last send; drained ${Math.round(s.backlog.drainedMs / 100) / 10} s after it (notify queue at most ${s.backlog.maxNotify})`,
    ],
    [
      'ingest → Slack parent (new errors)',
      `${lat(s.slackLatencyMs)}; p99 ${verdict(s.slackLatencyMs.p99, s.targets.slackP99Ms)}`,
    ],
    [
      'ingest → Intercom message',
      `${lat(s.intercomLatencyMs)}; p99 ${verdict(s.intercomLatencyMs.p99, s.targets.intercomP99Ms)}; ${s.fixMessagesSent} messages${unmatched(s.intercomLatencyMs.unmatched)}`,
    ],
    ['Slack calls per 1 000 events', String(s.slackCallsPer1000Events)],
    ['everything settled', `${Math.round(s.settledMs / 100) / 10} s after the first send`],
  ];
}

const list = (m: Record<string, number>, mark: (k: string) => string = () => '') =>
  Object.entries(m)
    .map(([k, v]) => `${k}${mark(k)} ${v}`)
    .join(' · ') || 'none';
const money = (d: number) => (d >= 0.1 ? `$${d.toFixed(2)}` : `$${d.toPrecision(2)}`);

function costRows(c: CostFigures): Row[] {
  const e = c.perEvent;
  const esm = new Set(['ReceiveMessage', 'DeleteMessageBatch', 'DeleteMessage']);
  const p = c.cost.perMillionEvents;
  return [
    ['DynamoDB requests per event', `${e.dynamoRequests}: ${list(e.dynamoRequestsByOperation)}`],
    ['DynamoDB refused requests per event', list(e.dynamoRefusedByOperation)],
    [
      'DynamoDB capacity per event',
      `${e.writeUnits.total} WRU (table ${e.writeUnits.table} + index ${e.writeUnits.indexes} + refused writes ≈ ${e.writeUnits.refusedEstimate}) · ${e.readUnits.total} RRU (table ${e.readUnits.table} + index ${e.readUnits.indexes})${e.capacityReportedByDynamo ? ', as DynamoDB Local reports them' : ', NOT REPORTED by DynamoDB'}`,
    ],
    [
      '  of which transactions',
      `${e.transactionWriteUnits.computed} WRU from the items' sizes (${e.transactionWriteUnits.itemsPerTransaction} items per transaction, ${e.transactionWriteUnits.itemsOfUnknownSize} of unknown size); DynamoDB Local reported ${e.transactionWriteUnits.reportedByDynamoDbLocal}, which cannot be trusted: it reports 20 items of one transaction as one`,
    ],
    ...Object.entries(c.itemSizes).map(
      ([prefix, s]): Row => [
        `item size ${prefix}`,
        s.items === 0
          ? 'none'
          : `avg ${s.avgBytes} B, max ${s.maxBytes} B (${s.items} items, ${s.inCustomerIndex} also in the customer index)`,
      ],
    ),
    [
      'SQS requests per event',
      `${list(e.sqsRequestsByAction, (k) => (esm.has(k) ? '*' : ''))}; billed (64 KiB chunks) ${e.sqsBilledRequests}, of which ${e.sqsEventSourceMappingRequests} (*) Lambda's event source mapping makes on AWS`,
    ],
    ...Object.entries(c.lambda).map(
      ([name, f]): Row => [
        `Lambda ${name}`,
        `${f.invocations} invocations (${f.records} records), ${Math.round(f.billedMs / 100) / 10} s billed × ${f.memoryMb} MB = ${Math.round(f.gbSeconds * 10) / 10} GB-s; at most ${f.peakConcurrency} at once`,
      ],
    ),
    ['Lambda GB-s per event', String(e.lambdaGbSeconds)],
    [
      'log bytes per event',
      `${e.logBytes} (EMF metrics ${e.emfBytes} in ${c.logs.emfLines} documents; ${c.logs.logLines} log lines${c.logs.logLines ? `: ${list(c.logs.messages)}` : ''})`,
    ],
    [
      'cost per million events',
      `${money(p.total)}: DynamoDB ${money(p.dynamodb)} · SQS ${money(p.sqs)} · Lambda ${money(p.lambda)} · Secrets Manager ${money(p.secretsManager)} · CloudWatch Logs ${money(p.cloudwatchLogs)} (${PRICES.region} on-demand, prices seen ${PRICES.seen})`,
    ],
  ];
}

function profileRows(p: ProfileSummary | undefined): Row[] {
  if (!p) return [];
  const rel = p.file.slice(ROOT.length + 1);
  return [
    ['CPU profile', `${rel} (${p.wallSeconds} s)`],
    [
      'CPU time',
      `bench process ${p.cpuSeconds.bench} s (web app, SQS emulator, handlers, stand-ins) · DynamoDB Local ${p.cpuSeconds.dynamodbLocal ?? '?'} s, over ${p.wallSeconds} s`,
    ],
    [
      'self time by area (bench process)',
      `${Math.round(p.busyMs / 100) / 10} s busy: ${p.areas.map((a) => `${a.area} ${a.share} %`).join(' · ')}`,
    ],
    ['  of which "other"', p.otherPackages.map((o) => `${o.name} ${o.ms} ms`).join(' · ') || 'none'],
  ];
}

void main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exit(1);
});
