/**
 * `npm run bench -- --rate 200 --seconds 30`: a steady stream through the real ingest route instead
 * of a burst. Each second holds one new error (a fingerprint never seen in the run), a few events from
 * users who get an automatic fix (an error an `auto: true` template matches, from a user who has not
 * had it yet) and repeats of known errors (no automatic fix) for the rest; it is sent in small chunks
 * at an even pace (every 50 ms). After a warm-up that creates every known group and then runs the same
 * mix unmeasured (the JVM under DynamoDB Local and V8 compile their hot paths in the first seconds of
 * load: measured from cold, those seconds are a start-up transient, not the steady state), it measures
 * ingest → Slack parent for each new error and ingest → Intercom for each fix message, the rate
 * achieved and the backlog on the errors queue.
 */
import { join } from 'node:path';
import { readTemplates } from '../functions/adapters/template-files';
import type { EventInput } from '../functions/core/event-schema';
import { queueDepth } from '../local/queue-depth';
import { sampleEvents, seededRandom } from '../local/samples';
import { postEvents } from '../local/send-events';
import type { LocalStack } from '../local/stack';
import { intercomLatencies, lastSeq, type Stats, slackParentLatencies, stats } from './measure-latency';
import { sendSteadily } from './steady-sender';

export const STEADY_TARGETS = { rate: 200, slackP99Ms: 300, intercomP99Ms: 500 } as const;

const TICK_MS = 50;

export type SteadyOptions = {
  rate: number;
  seconds: number;
  /** Events per second from users who get an automatic fix. */
  fixesPerSecond: number;
  distinct: number;
  users: number;
  /** Seconds of the same mix sent before the measured run, not measured. */
  warmUpSeconds: number;
};

export type SteadyHooks = {
  /** Called when the warm-up has settled, just before the first measured send. */
  measuring: () => Promise<void> | void;
  /** Called when everything the run caused is done, before the read-back. */
  settled: () => Promise<void> | void;
};

export type SteadyResult = {
  rate: number;
  seconds: number;
  warmUpSeconds: number;
  events: number;
  newErrors: number;
  fixEvents: number;
  accepted: number;
  refused: number;
  achievedPerSecond: number;
  /** The sends that went out more than one tick late (the sender could not keep up). */
  lateTicks: number;
  backlog: {
    /** The errors queue (visible and in flight), sampled every second while sending. */
    maxErrors: number;
    atEndOfSending: number;
    maxNotify: number;
    /** Last send → both queues empty (delayed flushes left out). */
    drainedMs: number;
  };
  settledMs: number;
  slackLatencyMs: Stats;
  intercomLatencyMs: Stats & { unmatched: number };
  fixMessagesSent: number;
  /** Slack `chat.*` calls in the measured run, per 1 000 events. */
  slackCallsPer1000Events: number;
  targets: typeof STEADY_TARGETS;
};

/** The error types an `auto: true` template matches by type. */
function autoFixTypes(templatesDir: string): Set<string> {
  const types = new Set<string>();
  for (const t of readTemplates(templatesDir).templates)
    if (t.auto) for (const type of [t.match.type ?? []].flat()) types.add(type);
  return types;
}

const prefixOf = (e: EventInput) => `[${e.app}/${e.environment}] ${e.error.type}`;

/** The events of one second, in sending order; deterministic. */
function secondOfEvents(
  o: SteadyOptions,
  pools: { repeats: EventInput[]; fixes: EventInput[] },
  random: () => number,
  fixUser: () => EventInput['user'],
  newApp: string,
): EventInput[] {
  const pick = (pool: EventInput[]) => structuredClone(pool[Math.floor(random() * pool.length)]!);
  const fixes = Math.min(o.fixesPerSecond, o.rate - 1);
  const events: EventInput[] = [];
  // A new error: its own app, so its own fingerprint, and no template.
  const fresh = pick(pools.repeats);
  fresh.app = newApp;
  events.push(fresh);
  for (let i = 0; i < fixes; i++) {
    const e = pick(pools.fixes);
    e.user = fixUser();
    events.push(e);
  }
  while (events.length < o.rate) events.push(pick(pools.repeats));
  // Shuffled, so the new error and the fixes fall anywhere in the second.
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [events[i], events[j]] = [events[j]!, events[i]!];
  }
  return events;
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('benchmark did not finish in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** The package's templates, which the local stack uses. */
const TEMPLATES_DIR = join(__dirname, '..', 'templates');

export async function runSteady(
  stack: LocalStack,
  o: SteadyOptions,
  hooks: SteadyHooks,
): Promise<SteadyResult> {
  const slack = stack.slackFake!;
  const intercom = stack.intercomFake!;
  const { sqs, errorsQueueUrl, notifyQueueUrl } = stack.aws;
  const autoTypes = autoFixTypes(TEMPLATES_DIR);
  const pool = sampleEvents({
    count: 2000,
    distinctErrors: o.distinct,
    users: o.users,
    random: seededRandom(11),
  });
  const pools = {
    repeats: pool.filter((e) => !autoTypes.has(e.error.type ?? '')),
    fixes: pool.filter((e) => autoTypes.has(e.error.type ?? '')),
  };
  if (pools.repeats.length === 0 || pools.fixes.length === 0)
    throw new Error('steady run: the samples need errors with and without an automatic fix');
  for (let u = 0; u < o.users; u++)
    intercom.addContact({
      external_id: `u_bench_${u}`,
      email: `user${u}@bench.example`,
      name: `Bench User ${u}`,
    });
  let fixUsers = 0;
  const fixUser = (): EventInput['user'] => {
    const n = fixUsers++;
    const user = { id: `u_fix_${n}`, email: `fix${n}@bench.example`, name: `Fix User ${n}` };
    intercom.addContact({ external_id: user.id, email: user.email, name: user.name });
    return user;
  };

  // Warm-up: every known group once (the fix kinds from a user of their own), so that in the run only
  // the new errors post parents; connections, JIT and the handlers' collaborators are warm too.
  const known = new Map<string, EventInput>();
  for (const e of pool) if (!known.has(prefixOf(e))) known.set(prefixOf(e), e);
  const warmUser = fixUser();
  const warmUp = [...known.values()].map((e) =>
    autoTypes.has(e.error.type ?? '') ? { ...structuredClone(e), user: warmUser } : structuredClone(e),
  );
  process.stderr.write(`bench: warm-up, ${warmUp.length} known errors\n`);
  const [warm] = await postEvents(stack.url, stack.ingestKey, warmUp);
  if (warm?.status !== 202) throw new Error(`ingest answered ${warm?.status} to the warm-up`);
  await until(
    async () =>
      slack.parents().length >= known.size &&
      (await queueDepth(sqs, errorsQueueUrl, { delayed: false })) === 0 &&
      (await queueDepth(sqs, notifyQueueUrl)) === 0,
    120_000,
  );
  // The plan, made before the clock starts: 20 chunks per second.
  const random = seededRandom(23);
  const ticksPerSecond = 1000 / TICK_MS;
  const plan = (seconds: number, newApp: (s: number) => string) => {
    const chunks: EventInput[][] = [];
    for (let s = 0; s < seconds; s++) {
      const second = secondOfEvents(o, pools, random, fixUser, newApp(s));
      for (let t = 0; t < ticksPerSecond; t++)
        chunks.push(
          second.slice(
            Math.round((t * second.length) / ticksPerSecond),
            Math.round(((t + 1) * second.length) / ticksPerSecond),
          ),
        );
    }
    return chunks;
  };
  const bodies = (chunks: EventInput[][]) => chunks.map((c) => (c.length ? JSON.stringify(c) : null));
  if (o.warmUpSeconds > 0) {
    process.stderr.write(`bench: warm-up, the same mix for ${o.warmUpSeconds} s (not measured)\n`);
    await sendSteadily(
      stack.url,
      stack.ingestKey,
      bodies(plan(o.warmUpSeconds, (s) => `steady-warm-${s}`)),
      TICK_MS,
      () => {},
    );
    await until(
      async () =>
        (await queueDepth(sqs, errorsQueueUrl)) === 0 && (await queueDepth(sqs, notifyQueueUrl)) === 0,
      120_000,
    );
  }
  const fixUsersBefore = fixUsers;
  const slackMark = lastSeq(slack);
  const intercomMark = lastSeq(intercom);
  const chunks = plan(o.seconds, (s) => `steady-new-${s}`);
  const firstIngest = new Map<string, number>();
  const ingestOf = new Map<string, number>();
  let accepted = 0;
  let refused = 0;
  let lastAnswer = 0;
  const backlog = { maxErrors: 0, atEndOfSending: 0, maxNotify: 0, drainedMs: 0 };

  await hooks.measuring();
  process.stderr.write(`bench: steady ${o.rate} events/s for ${o.seconds} s\n`);
  const started = Date.now();
  let sending = true;
  const sampler = (async () => {
    while (sending) {
      const [errors, notify] = await Promise.all([
        queueDepth(sqs, errorsQueueUrl, { delayed: false }),
        queueDepth(sqs, notifyQueueUrl, { delayed: false }),
      ]);
      backlog.maxErrors = Math.max(backlog.maxErrors, errors);
      backlog.maxNotify = Math.max(backlog.maxNotify, notify);
      await sleep(1000);
    }
  })();
  // Each chunk's body made before the clock starts; the sender thread only posts them.
  const done = await sendSteadily(stack.url, stack.ingestKey, bodies(chunks), TICK_MS, (sent) => {
    const chunk = chunks[sent.i]!;
    for (const e of chunk) {
      const prefix = prefixOf(e);
      const seen = firstIngest.get(prefix);
      if (e.app.startsWith('steady-new-') && (seen === undefined || sent.t < seen))
        firstIngest.set(prefix, sent.t);
    }
    for (const id of sent.accepted) ingestOf.set(id, sent.t);
    accepted += sent.accepted.length;
    refused += chunk.length - sent.accepted.length;
    lastAnswer = Math.max(lastAnswer, sent.answeredAt);
  });
  const lateTicks = done.lateTicks;
  const sentMs = lastAnswer - done.started;
  sending = false;
  await sampler;
  backlog.atEndOfSending = await queueDepth(sqs, errorsQueueUrl, { delayed: false });
  await until(
    async () =>
      (await queueDepth(sqs, errorsQueueUrl, { delayed: false })) === 0 &&
      (await queueDepth(sqs, notifyQueueUrl)) === 0,
    600_000,
  );
  backlog.drainedMs = Date.now() - lastAnswer;
  // Then the delayed flushes: everything the run caused.
  await until(async () => (await queueDepth(sqs, errorsQueueUrl)) === 0, 600_000);
  const settledMs = Date.now() - started;
  await hooks.settled();

  const slackLatency = slackParentLatencies(slack, firstIngest, slackMark);
  const fixes = await intercomLatencies(
    intercom,
    stack.aws.dynamo,
    stack.aws.tableName,
    ingestOf,
    intercomMark,
  );
  const events = chunks.reduce((n, c) => n + c.length, 0);
  return {
    rate: o.rate,
    seconds: o.seconds,
    warmUpSeconds: o.warmUpSeconds,
    events,
    newErrors: firstIngest.size,
    fixEvents: fixUsers - fixUsersBefore,
    accepted,
    refused,
    achievedPerSecond: Math.round(accepted / (sentMs / 1000)),
    lateTicks,
    backlog,
    settledMs,
    slackLatencyMs: stats(slackLatency),
    intercomLatencyMs: { ...stats(fixes.latencies), unmatched: fixes.unmatched },
    fixMessagesSent: intercom.messages.filter((m) => m.createdBy > intercomMark).length,
    slackCallsPer1000Events:
      Math.round(
        (slack.requests.filter((r) => r.seq > slackMark && r.method.startsWith('chat.')).length / events) *
          10_000,
      ) / 10,
    targets: STEADY_TARGETS,
  };
}
