import { EVENT_LIMITS } from '../../common/event';
import { parseErrorEvent } from '../../functions/core/event-schema';
import { scanItems } from '../../local/table-scan';
import { INGEST_KEY, type Pipeline, startPipeline } from '../support/pipeline';
import { takeAll } from '../support/queues';
import { sampleEvent } from '../support/samples';
import { refuseSqsEntries } from '../support/sqs-refusals';

const json = { 'content-type': 'application/json' };
const auth = (key = INGEST_KEY) => ({ ...json, authorization: `Bearer ${key}` });

describe('POST /v1/errors over HTTP, with the queue in the SQS emulator', () => {
  let p: Pipeline;
  let base: string;
  beforeEach(async () => {
    p = await startPipeline();
    base = await p.serveWeb();
  });
  afterEach(() => p.close());

  const post = (body: unknown, headers: Record<string, string> = auth()) =>
    fetch(`${base}/v1/errors`, {
      method: 'POST',
      headers,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  /** The bodies on the errors queue, as queued (and hidden from triage for 30 s). */
  async function queuedText(): Promise<string[]> {
    return (await takeAll(p.sqs, p.queues.queueUrl)).map((m) => m.Body!);
  }

  async function queuedBodies(): Promise<Record<string, unknown>[]> {
    return (await queuedText()).map((b) => JSON.parse(b) as Record<string, unknown>);
  }

  it('accepts one event, keeps the producer’s id, and triage stores it', async () => {
    const res = await post(sampleEvent({ id: 'evt-single' }));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: ['evt-single'] });
    await p.source.drain();
    const links = await scanItems(p.dynamo, p.config.tableName, 'LINK#');
    expect(links.map((l) => (l.eventId as { S: string }).S)).toEqual(['evt-single']);
    expect(p.slack.parents()).toHaveLength(1);
  });

  it('accepts an array of 100, assigning ids to events without one', async () => {
    const events = Array.from({ length: 100 }, (_, i) => sampleEvent(i % 2 ? { id: `given-${i}` } : {}));
    const res = await post(events);
    expect(res.status).toBe(202);
    const { accepted } = (await res.json()) as { accepted: string[] };
    expect(accepted).toHaveLength(100);
    expect(new Set(accepted).size).toBe(100);
    expect(accepted[1]).toBe('given-1');
    expect(accepted[0]).toMatch(/^[\w-]{21}$/);
    await p.source.drain();
    expect(await scanItems(p.dynamo, p.config.tableName, 'LINK#')).toHaveLength(100);
  });

  it('refuses a request without a key or with a wrong one, and accepts the older rotation key', async () => {
    const none = await post(sampleEvent(), json);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect((await post(sampleEvent(), auth('wrong-key-0123456789'))).status).toBe(401);
    expect((await post(sampleEvent(), { ...json, authorization: INGEST_KEY })).status).toBe(401);
    expect((await post(sampleEvent(), auth('older-ingest-key-98765'))).status).toBe(202);
    expect(await queuedBodies()).toHaveLength(1);
  });

  it('answers 400 naming each bad field, and queues nothing from the request', async () => {
    const res = await post([sampleEvent(), { error: { message: 'x' } }, { app: 'a', error: {} }]);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; issues: { path: string; message: string }[] };
    expect(body.error).toBe('invalid event: nothing was accepted');
    expect(body.issues.map((i) => i.path)).toEqual(['[1].app', '[2].error']);
    expect(await queuedBodies()).toEqual([]);
  });

  it('answers 413 over 256 KiB, 415 for non-JSON, 400 for broken JSON', async () => {
    const big = await post(sampleEvent({ context: { blob: 'x'.repeat(300 * 1024) } }));
    expect(big.status).toBe(413);
    const text = await post('app=billing', { ...auth(), 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    const broken = await post('{"app": ', auth());
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: string }).error).toMatch(/^body is not valid JSON/);
    expect(await queuedBodies()).toEqual([]);
  });

  it('applies the 256 KiB limit to the body as queued, id included: what it accepts, triage accepts', async () => {
    // An event without an id gets one (21 characters) before it is queued: size it to land exactly on the limit.
    const base = sampleEvent({ context: { blob: '' } });
    const padding =
      EVENT_LIMITS.eventBytes - Buffer.byteLength(JSON.stringify({ ...base, id: 'i'.repeat(21) }));
    const atLimit = sampleEvent({ context: { blob: 'x'.repeat(padding) } });
    const overLimit = sampleEvent({ context: { blob: 'x'.repeat(padding + 1) } });

    const over = await post([sampleEvent({ id: 'small' }), overLimit]);
    expect(over.status).toBe(413);
    const refused = (await over.json()) as { issues: { path: string; message: string }[] };
    expect(refused.issues).toEqual([
      {
        path: '[1]',
        message: `event is ${EVENT_LIMITS.eventBytes + 1} bytes with its id; the limit is 262144 (256 KiB)`,
      },
    ]);
    expect(await queuedText()).toEqual([]);

    const ok = await post(atLimit);
    expect(ok.status).toBe(202);
    const [id] = ((await ok.json()) as { accepted: string[] }).accepted;
    const [queued] = await queuedText();
    expect(Buffer.byteLength(queued!, 'utf8')).toBe(EVENT_LIMITS.eventBytes);
    const parsed = parseErrorEvent(queued!);
    expect(parsed.ok && parsed.event.id).toBe(id);
  });

  it('answers 400 for JSON nested too deep, without failing', async () => {
    const deep = `{"app":"a","error":{"message":"x"},"context":{"d":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const res = await post(deep);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'JSON nested deeper than 64 levels', issues: [] });
    expect(await queuedText()).toEqual([]);
  });

  it('never quotes the body in a JSON parse error', async () => {
    for (const body of ['secret=hunter2', '{"app": "sk_live_hunter2", oops}', '{"app": "hunter2']) {
      const res = await post(body);
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: string };
      expect(error).toMatch(/^body is not valid JSON/);
      expect(error).not.toMatch(/hunter2|secret|sk_live|oops/);
    }
  });

  it('queues text SQS would refuse by replacing the characters', async () => {
    expect((await post(sampleEvent({ id: 'odd', error: { message: 'bad \uFFFF char' } }))).status).toBe(202);
    const [queued] = await queuedBodies();
    expect((queued!.error as { message: string }).message).toBe('bad \uFFFD char');
  });

  describe('when SQS rejects entries of a SendMessageBatch', () => {
    // The web app's queue adapter uses the pipeline's SQS client.
    const rejectEntries = (refuse: (body: string, call: number) => boolean) =>
      refuseSqsEntries(p.sqs, { refuse, name: 'rejectEntries' });

    it('retries the rejected entries once, and all are queued when the retry succeeds', async () => {
      const calls = rejectEntries((body, call) => call === 1 && body.includes('"retry-me-'));
      const events = Array.from({ length: 12 }, (_, i) =>
        sampleEvent({ id: i % 4 ? `ok-${i}` : `retry-me-${i}` }),
      );
      const res = await post(events);
      expect(res.status).toBe(202);
      expect(((await res.json()) as { accepted: string[] }).accepted).toHaveLength(12);
      expect(calls()).toBe(3); // two chunks, then one retry of the three rejected entries
      expect((await queuedBodies()).map((b) => b.id).sort()).toEqual(events.map((e) => e.id).sort());
    });

    it('reports what still fails with 503 and the ids, and does not claim them accepted', async () => {
      rejectEntries((body) => body.includes('"doomed"'));
      const res = await post([
        sampleEvent({ id: 'fine-1' }),
        sampleEvent({ id: 'doomed' }),
        sampleEvent({ id: 'fine-2' }),
      ]);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toEqual({
        error: 'the queue did not take some events: send them again',
        accepted: ['fine-1', 'fine-2'],
        failed: ['doomed'],
      });
      expect((await queuedBodies()).map((b) => b.id).sort()).toEqual(['fine-1', 'fine-2']);
    });
  });
});
