import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { EVENT_LIMITS } from '../../common/event';
import { JSON_DEPTH_LIMIT } from '../../common/json-text';
import { parseErrorEvent } from '../../functions/core/event-schema';
import { freePort } from '../../local/free-port';
import { localSqsClient } from '../../local/local-aws';
import { createReporter, expressErrorHandler, type Reporter, type ReporterStats } from '../../reporter';
import { TOO_DEEP } from '../../reporter/bounded-json';
import { SQS_REFUSALS_BEFORE_DROP } from '../../reporter/transport';
import { takeAll } from '../support/queues';
import { reporterAgainstRecordingServer } from '../support/recording-reporter';
import { eventually } from '../support/recording-server';
import { refuseSqsEntries } from '../support/sqs-refusals';

type Sent = { id: string; error: { message?: string }; request?: Record<string, unknown> };

/** Waits until the reporter's own counters (not merely the server's log) show the expected state. */
const settled = (reporter: Reporter, expected: Partial<ReporterStats>) =>
  eventually(() =>
    Object.entries(expected).every(([k, v]) => reporter.stats()[k as keyof ReporterStats] === v),
  );

describe('reporter limits against a recording server', () => {
  const { server, errors, make } = reporterAgainstRecordingServer({ batchSize: 4, flushIntervalMs: 20 });
  let reporter: Reporter;
  const idsOf = (i: number) => (server.received[i]!.body as Sent[]).map((e) => e.id);

  it('drops only the events a 413 names by index and sends the rest at once', async () => {
    reporter = make({ batchSize: 3 });
    server.answer({
      status: 413,
      body: { error: 'event too large: the limit is 256 KiB', issues: [{ path: '[1]', message: 'big' }] },
    });
    const ids = [1, 2, 3].map((i) => reporter.report(new Error(`e${i}`))!);
    await settled(reporter, { sent: 2, rejected: 1, inFlight: 0 });
    expect(server.received).toHaveLength(2);
    expect(idsOf(1)).toEqual([ids[0], ids[2]]);
    expect(errors.map((e) => e.message)).toContain(
      'Heads-up rejected events: Heads-up answered 413: event too large: the limit is 256 KiB',
    );
  });

  it('splits a batch in halves on a 413 naming no event, and drops a single event that is still refused', async () => {
    reporter = make();
    const tooBig = { status: 413, body: { error: 'request larger than 5242880 bytes' } };
    // 4 → 413; [a, b] → 202; [c, d] → 413; [c] → 413 (dropped); [d] → 202.
    server.answer(tooBig, { status: 202, body: {} }, tooBig, tooBig);
    const ids = [1, 2, 3, 4].map((i) => reporter.report(new Error(`e${i}`))!);
    await settled(reporter, { sent: 3, rejected: 1, inFlight: 0, buffered: 0 });
    expect(server.received.map((_, i) => idsOf(i))).toEqual([
      ids,
      [ids[0], ids[1]],
      [ids[2], ids[3]],
      [ids[2]],
      [ids[3]],
    ]);
    expect(errors.some((e) => /rejected events: Heads-up answered 413/.test(e.message))).toBe(true);
  });

  it('drops an event over 256 KiB before sending it, so the batch it would have joined goes through', async () => {
    reporter = make({ batchSize: 3 });
    const small1 = reporter.report(new Error('small 1'));
    const big = reporter.report(new Error('huge'), {
      context: { blob: 'x'.repeat(EVENT_LIMITS.eventBytes) },
    });
    const small2 = reporter.report(new Error('small 2'));
    const small3 = reporter.report(new Error('small 3'));
    expect(big).toBeUndefined();
    expect(reporter.stats()).toMatchObject({ rejected: 1 });
    expect(errors.map((e) => e.message).join('\n')).toMatch(
      /event dropped: (it is \d+ bytes as JSON|its JSON is) over the/,
    );
    await settled(reporter, { sent: 3, inFlight: 0, buffered: 0 });
    expect(server.received).toHaveLength(1);
    expect(idsOf(0)).toEqual([small1, small2, small3]);
  });

  it('cuts an event nested deeper than the server reads, so it is sent and its batch is not refused', async () => {
    reporter = make({ batchSize: 3 });
    let deep: unknown = 'bottom';
    for (let i = 0; i < 80; i++) deep = [deep];
    const fine = reporter.report(new Error('fine'));
    const cut = reporter.report(new Error('deep'), { context: { deep } });
    const fine2 = reporter.report(new Error('fine 2'));
    await settled(reporter, { sent: 3, rejected: 0, inFlight: 0, buffered: 0 });
    expect(errors).toEqual([]);
    expect(idsOf(0)).toEqual([fine, cut, fine2]);
    // The event, its context and 62 of the arrays: 64 levels, the most the server reads.
    const sent = server.events()[1] as unknown as { context: { deep: unknown } };
    let levels = 2;
    let node = sent.context.deep;
    for (; Array.isArray(node); levels++) node = node[0];
    expect([levels, node]).toEqual([JSON_DEPTH_LIMIT, TOO_DEEP]);
  });

  it('keeps every request under the server’s 5 MiB limit by batching by bytes too', async () => {
    reporter = make({ batchSize: 40 });
    const blob = 'x'.repeat(200 * 1024);
    const ids = Array.from({ length: 40 }, (_, i) => reporter.report(`e${i}`, { context: { blob } })!);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    await settled(reporter, { sent: 40, rejected: 0, inFlight: 0, buffered: 0 });
    const sizes = server.received.map((r) => Number(r.headers['content-length']));
    expect(sizes.length).toBeGreaterThan(1);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(5 * 1024 * 1024);
    expect(server.events().map((e) => e.id)).toEqual(ids);
  });

  it('caps headers and URL from a hostile request before redacting them', async () => {
    reporter = make({ batchSize: 1 });
    const huge = 'v'.repeat(100_000);
    const headers: Record<string, string | string[] | undefined> = {
      host: 'shop.example',
      authorization: 'Bearer user-session-secret',
      'x-note': `password=hunter2 ${huge}`,
      'x-list': Array.from({ length: 100 }, () => huge),
      'x-undefined': undefined,
    };
    for (let i = 0; i < 10_000; i++) headers[`x-h-${i}`] = huge;
    const url = `/checkout?token=abc123&q=${'q'.repeat(100_000)}`;
    const passed: unknown[] = [];
    const failure = new Error('hostile request');
    expressErrorHandler(reporter)(failure, { method: 'GET', originalUrl: url, headers }, {}, (e) =>
      passed.push(e),
    );
    expect(passed).toEqual([failure]);
    await settled(reporter, { sent: 1 });
    const request = (server.events()[0] as unknown as Sent).request as {
      url: string;
      headers: Record<string, string | string[]>;
    };
    const names = Object.keys(request.headers);
    expect(names).toHaveLength(50);
    expect(names).not.toContain('x-undefined');
    for (const value of Object.values(request.headers)) {
      for (const v of [value].flat()) expect(v.length).toBeLessThanOrEqual(1000);
    }
    expect(request.headers['x-list']).toHaveLength(10);
    expect(request.headers.authorization).toBe('[REDACTED]');
    expect(request.headers['x-note']).toMatch(/^password=\[REDACTED\]/);
    expect(request.url.length).toBeLessThanOrEqual(2000);
    expect(request.url).toMatch(/^http:\/\/shop\.example\/checkout\?token=\[REDACTED\]&q=q+…$/);
    expect(Number(server.received[0]!.headers['content-length'])).toBeLessThan(100 * 1024);
  });
});

describe('reporter straight to SQS (fauxqs) when SQS refuses entries', () => {
  let sqsServer: Awaited<ReturnType<typeof startFauxqs>>;
  let sqs: SQSClient;
  let reporter: Reporter;
  const errors: Error[] = [];
  beforeAll(async () => {
    sqsServer = await startFauxqs({ port: 0, logger: false });
  });
  afterAll(async () => {
    await sqsServer.stop();
  });
  beforeEach(() => {
    sqs = localSqsClient(sqsServer.address);
    errors.length = 0;
  });
  afterEach(async () => {
    await reporter?.close(100);
    sqs.destroy();
  });

  async function newQueue(attributes: Record<string, string> = {}): Promise<string> {
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: `q-${Math.random().toString(36).slice(2)}`,
        Attributes: attributes,
      }),
    );
    return QueueUrl!;
  }

  async function queued(queueUrl: string): Promise<Sent[]> {
    return (await takeAll(sqs, queueUrl)).map((m) => JSON.parse(m.Body!) as Sent);
  }

  const directReporter = (queueUrl: string) =>
    createReporter({
      queueUrl,
      sqs,
      app: 'direct',
      batchSize: 3,
      flushIntervalMs: 20,
      onError: (e) => errors.push(e),
    });

  /** Counts, per SendMessageBatch entry, how often a body containing `marker` was sent. */
  function watchEntries(marker: string, refuse: boolean): () => number {
    let seen = 0;
    refuseSqsEntries(sqs, {
      refuse: (body) => refuse && body.includes(marker),
      onEntry: (body) => {
        if (body.includes(marker)) seen++;
      },
      name: 'watchEntries',
    });
    return () => seen;
  }

  it('drops at once an entry SQS refuses as the sender’s fault (too large for the queue); the rest go on', async () => {
    const queueUrl = await newQueue({ MaximumMessageSize: '1024' });
    const sends = watchEntries('refused-by-size', false);
    reporter = directReporter(queueUrl);
    reporter.report('small one');
    reporter.report(`refused-by-size ${'x'.repeat(2000)}`);
    reporter.report('small two');
    reporter.report('behind it');
    await settled(reporter, { sent: 3, rejected: 1, inFlight: 0, buffered: 0 });
    expect(sends()).toBe(1);
    expect(errors.map((e) => e.message)).toContain(
      'Heads-up rejected events: SQS refused 1 events (InvalidParameterValue)',
    );
    const bodies = await queued(queueUrl);
    expect(bodies.map((b) => b.error.message).sort()).toEqual(['behind it', 'small one', 'small two']);
    for (const body of bodies) expect(parseErrorEvent(JSON.stringify(body)).ok).toBe(true);
  });

  it('retries an entry SQS keeps refusing a bounded number of times, then drops it; the events behind it go on', async () => {
    const queueUrl = await newQueue();
    const sends = watchEntries('doomed-entry', true);
    reporter = directReporter(queueUrl);
    reporter.report('doomed-entry');
    reporter.report('ok 1');
    reporter.report('ok 2');
    for (let i = 3; i <= 7; i++) reporter.report(`ok ${i}`); // queued behind the refused entry
    await settled(reporter, { sent: 7, rejected: 1, inFlight: 0, buffered: 0 });
    // Each reporter attempt is one enqueue, which itself tries a refused (not sender-fault) entry twice.
    expect(sends()).toBe(SQS_REFUSALS_BEFORE_DROP * 2);
    expect(errors.filter((e) => /will retry: SQS did not take 1 events/.test(e.message))).toHaveLength(
      SQS_REFUSALS_BEFORE_DROP - 1,
    );
    expect(errors.map((e) => e.message)).toContain(
      'Heads-up rejected events: SQS refused 1 events (InternalError)',
    );
    const messages = (await queued(queueUrl)).map((b) => b.error.message).sort();
    expect(messages).toEqual(['ok 1', 'ok 2', 'ok 3', 'ok 4', 'ok 5', 'ok 6', 'ok 7']);
  });

  it('keeps retrying (never drops) while the SQS call itself fails', async () => {
    const dead = localSqsClient(`http://127.0.0.1:${await freePort()}`);
    try {
      reporter = createReporter({
        queueUrl: `http://127.0.0.1:1/000000000000/nowhere`,
        sqs: dead,
        app: 'direct',
        batchSize: 1,
        flushIntervalMs: 20,
        onError: (e) => errors.push(e),
      });
      reporter.report('waits for SQS');
      await eventually(() => errors.filter((e) => /will retry/.test(e.message)).length >= 4);
      expect(reporter.stats()).toMatchObject({ sent: 0, rejected: 0, inFlight: 1 });
    } finally {
      await reporter.close(50);
      dead.destroy();
    }
  });
});
