import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import express from 'express';
import { freePort } from '../../local/free-port';
import { scanItems } from '../../local/table-scan';
import { captureUnhandled, createReporter, expressErrorHandler, type Reporter } from '../../reporter';
import { INGEST_KEY, type Pipeline, startPipeline } from '../support/pipeline';
import { reporterAgainstRecordingServer } from '../support/recording-reporter';
import { eventually } from '../support/recording-server';

// A real garbage collection before measuring the heap, so only what the reporter retains counts.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

describe('reporter against a recording server', () => {
  const { server, errors, make } = reporterAgainstRecordingServer({ batchSize: 10, flushIntervalMs: 50 });
  let reporter: Reporter;

  it('sends full batches at once and the rest on the interval, with the key', async () => {
    reporter = make();
    for (let i = 0; i < 25; i++) reporter.report(new Error(`boom ${i}`));
    await eventually(() => server.events().length === 25);
    expect(server.received.map((r) => (r.body as unknown[]).length)).toEqual([10, 10, 5]);
    expect(server.received[0]!.path).toBe('/v1/errors');
    expect(server.received[0]!.headers.authorization).toBe(`Bearer ${'k'.repeat(20)}`);
    expect(new Set(server.events().map((e) => e.id)).size).toBe(25);
    // The server has the requests; the reporter handles each answer a moment later.
    await eventually(() => reporter.stats().sent === 25);
    expect(reporter.stats()).toMatchObject({ sent: 25, dropped: 0, buffered: 0, inFlight: 0 });
  });

  it('retries after a 503, honouring Retry-After, and then only the events the server did not take', async () => {
    reporter = make({ batchSize: 3 });
    server.answer({ status: 503, headers: { 'retry-after': '0' }, body: { error: 'busy' } });
    const ids = [1, 2, 3].map((i) => reporter.report(new Error(`e${i}`))!);
    await eventually(() => server.received.length === 2);
    expect(server.received[1]!.body).toEqual(server.received[0]!.body); // same ids: de-duplicated downstream

    expect((server.received[0]!.body as { id: string }[]).map((e) => e.id)).toEqual(ids);
    // Next the server takes two of three and names the one it could not queue.
    server.answer((body) => ({
      status: 503,
      headers: { 'retry-after': '0' },
      body: { failed: [(body as { id: string }[])[1]!.id] },
    }));
    const more = [4, 5, 6].map((i) => reporter.report(new Error(`e${i}`))!);
    await eventually(() => server.received.length === 4);
    expect((server.received[3]!.body as { id: string }[]).map((e) => e.id)).toEqual([more[1]]);
    // The fourth request has arrived, but its answer is handled a moment later: wait for that state.
    await eventually(() => reporter.stats().sent === 6);
    expect(reporter.stats()).toMatchObject({ sent: 6, inFlight: 0, buffered: 0 });
    expect(errors.map((e) => e.message)).toContain(
      'Heads-up: sending failed, will retry: Heads-up answered 503: busy',
    );
  });

  it('drops only the events a 400 names and sends the rest', async () => {
    reporter = make({ batchSize: 3 });
    server.answer({
      status: 400,
      body: { error: 'invalid event', issues: [{ path: '[1].app', message: 'x' }] },
    });
    const ids = [1, 2, 3].map((i) => reporter.report(new Error(`e${i}`))!);
    await eventually(() => server.received.length === 2);
    expect((server.received[1]!.body as { id: string }[]).map((e) => e.id)).toEqual([ids[0], ids[2]]);
    await eventually(() => reporter.stats().sent === 2); // the answer is handled after it arrives
    expect(reporter.stats()).toMatchObject({ sent: 2, rejected: 1, inFlight: 0 });
  });

  it('keeps memory bounded while the endpoint is dead: oldest dropped and counted, never a throw', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    reporter = make({ endpoint: dead, maxBuffer: 100 });
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < 20_000; i++) expect(reporter.report(new Error(`down ${i}`))).toBeDefined();
    const stats = reporter.stats();
    expect(stats.buffered).toBeLessThanOrEqual(100);
    expect(stats.inFlight).toBeLessThanOrEqual(10);
    expect(stats.buffered + stats.inFlight + stats.dropped).toBe(20_000);
    expect(stats.sent).toBe(0);
    // 20 000 events with stacks would hold tens of MB; the bounded buffer holds about 110 of them.
    collectGarbage();
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(5 * 1024 * 1024);
    const flushed = await reporter.flush(200); // a flush during an outage returns at its timeout
    expect(flushed.sent).toBe(0);
    await eventually(() => errors.some((e) => /unreachable/.test(e.message)));
  });

  it('serialises a nested cause chain, codes, AggregateError and odd thrown values', async () => {
    reporter = make({ batchSize: 1 });
    const root = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    class PaymentError extends Error {}
    reporter.report(new PaymentError('charge failed', { cause: new TypeError('bad card', { cause: root }) }));
    reporter.report(new AggregateError([new Error('a'), new RangeError('b')], 'two failed'));
    reporter.report('a plain string');
    const cyclic: Error & { cause?: unknown } = new Error('loop');
    cyclic.cause = cyclic;
    reporter.report(cyclic);
    await eventually(() => server.events().length === 4);
    const [chain, aggregate, text, loop] = server.events() as unknown as Array<
      { error: Record<string, unknown> } & { context?: Record<string, unknown> }
    >;
    expect(chain!.error).toMatchObject({
      type: 'PaymentError',
      message: 'charge failed',
      cause: {
        type: 'TypeError',
        message: 'bad card',
        cause: { type: 'Error', message: 'socket hang up', code: 'ECONNRESET' },
      },
    });
    expect(String(chain!.error.stack)).toContain('reporter.test.ts');
    expect(aggregate!.error).toMatchObject({ type: 'AggregateError', message: 'two failed' });
    expect(aggregate!.context?.aggregatedErrors).toMatchObject([
      { message: 'a' },
      { type: 'RangeError', message: 'b' },
    ]);
    expect(text!.error).toEqual({ type: 'NonErrorThrown', message: 'a plain string' });
    expect(loop!.error.cause).toBeUndefined();
  });

  it('reports an uncaught exception, flushes, then exits with 1', async () => {
    reporter = make();
    const exits: number[] = [];
    // The exit waits for the flush; a generous flush timeout keeps a loaded machine from exiting first.
    const remove = captureUnhandled(reporter, { exit: (code) => exits.push(code), flushTimeoutMs: 60_000 });
    try {
      process.emit('uncaughtException' as 'exit', new Error('fatal one') as never);
      await eventually(() => exits.length === 1);
    } finally {
      remove();
    }
    expect(exits).toEqual([1]);
    expect(server.events()).toMatchObject([{ level: 'fatal', error: { message: 'fatal one' } }]);
  });
});

describe('reporter through the real ingest route, queue and triage', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
  });
  afterAll(() => p.close());

  it('sends straight to SQS, even text SQS itself would refuse', async () => {
    const reporter = createReporter({
      queueUrl: p.queues.queueUrl,
      sqs: p.sqs,
      app: 'direct',
      flushIntervalMs: 20,
    });
    reporter.report(new Error('bad \uFFFF char'), { environment: undefined });
    // A generous timeout: on a loaded machine a close at the default 5 s could return before the send.
    expect(await reporter.close(60_000)).toMatchObject({ sent: 1, buffered: 0, inFlight: 0 });
    await p.source.drain();
    const links = await scanItems(p.dynamo, p.config.tableName, 'LINK#');
    const stored = links.map((l) => JSON.stringify(l)).find((l) => l.includes('"direct"'))!;
    expect(stored).toContain('bad \uFFFD char');
  });

  it('reports a failing Express route with its request (secrets redacted); the route still answers 500', async () => {
    const base = await p.serveWeb();
    const reporter = createReporter({ endpoint: base, key: INGEST_KEY, app: 'shop', flushIntervalMs: 20 });
    const app = express();
    app.get('/checkout', () => {
      throw new Error('Stripe refused the charge');
    });
    app.use(expressErrorHandler(reporter, { user: () => ({ id: 'u9', email: 'ann@example.com' }) }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const res = await fetch(
        `http://127.0.0.1:${(server.address() as AddressInfo).port}/checkout?token=abc123`,
        {
          headers: { authorization: 'Bearer user-session-secret', 'x-request-id': 'r-1' },
        },
      );
      expect(res.status).toBe(500);
      expect(await reporter.close(60_000)).toMatchObject({ sent: 1, rejected: 0, inFlight: 0 });
    } finally {
      server.close();
    }
    await p.source.drain();
    const links = await scanItems(p.dynamo, p.config.tableName, 'LINK#');
    const stored = links.map((l) => JSON.stringify(l)).find((l) => l.includes('"shop"')) ?? '';
    expect(stored).toContain('Stripe refused the charge');
    expect(stored).toContain('/checkout?token=[REDACTED]');
    expect(stored).toContain('r-1');
    expect(stored).toContain('ann@example.com');
    expect(stored).not.toContain('user-session-secret');
    expect(stored).not.toContain('abc123');
    expect(p.slack.parents().some((m) => m.text.includes('[shop/production] Error'))).toBe(true);
  });
});
