/**
 * The PagerDuty adapter against the loopback Events API v2 fake: the events it sends, how they fold
 * into incidents, what each failure comes out as (the typed failures the incident flow decides by),
 * hostile input, and that the routing key — the credential, in the body — never reaches a reason.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REDACTED } from '../../common/redact';
import { createPager, DEDUP_KEY_MAX_CHARS, SUMMARY_MAX_CHARS } from '../../functions/adapters/pagerduty';
import { PermanentError, RetryableError } from '../../functions/services/failures';
import type { PageIncident } from '../../functions/services/ports';
import { type PagerDutyFake, startPagerDutyFake } from '../../local/fakes/pagerduty-api';
import { freePort } from '../../local/free-port';
import { rejectionOf as failureOf } from '../support/rejection';

let fake: PagerDutyFake;

beforeAll(async () => {
  fake = await startPagerDutyFake();
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

function pager(options: { routingKey?: string; apiUrl?: string; timeoutMs?: number } = {}) {
  return createPager({
    routingKey: options.routingKey ?? fake.routingKey,
    apiUrl: options.apiUrl ?? fake.url,
    timeoutMs: options.timeoutMs ?? 2000,
  });
}

const incident = (overrides: Partial<PageIncident> = {}): PageIncident => ({
  dedupKey: 'fp-checkout-1',
  summary: '[shop/production] TypeError: cart is undefined',
  source: 'shop/production',
  severity: 'critical',
  details: { urgency: 'many users', occurrences: 42, users: 7 },
  links: [{ href: 'https://headsup.example.com/e/abc123', text: 'Heads-up details' }],
  ...overrides,
});

describe('the v2 contract', () => {
  it('a trigger is one POST /v2/enqueue with the event as PagerDuty reads it', async () => {
    await pager().trigger(incident());
    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v2/enqueue');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.authorization).toBeUndefined(); // the key goes in the body only
    expect(request?.body).toEqual({
      routing_key: fake.routingKey,
      event_action: 'trigger',
      dedup_key: 'fp-checkout-1',
      payload: {
        summary: '[shop/production] TypeError: cart is undefined',
        source: 'shop/production',
        severity: 'critical',
        custom_details: { urgency: 'many users', occurrences: 42, users: 7 },
      },
      links: [{ href: 'https://headsup.example.com/e/abc123', text: 'Heads-up details' }],
    });
    expect(request?.response?.status).toBe(202);
    expect(fake.violations).toEqual([]);
  });

  it('acknowledge and resolve carry the key and the action only', async () => {
    await pager().trigger(incident());
    await pager().acknowledge('fp-checkout-1');
    await pager().resolve('fp-checkout-1');
    const bodies = fake.requests.slice(1).map((r) => r.body);
    expect(bodies).toEqual([
      { routing_key: fake.routingKey, event_action: 'acknowledge', dedup_key: 'fp-checkout-1' },
      { routing_key: fake.routingKey, event_action: 'resolve', dedup_key: 'fp-checkout-1' },
    ]);
    expect(fake.violations).toEqual([]);
  });

  it('trigger → acknowledge → resolve moves one incident; a trigger after the resolve opens a new one', async () => {
    const p = pager();
    await p.trigger(incident());
    expect(fake.incidents().map((i) => i.status)).toEqual(['triggered']);
    await p.acknowledge('fp-checkout-1');
    expect(fake.incidents().map((i) => i.status)).toEqual(['acknowledged']);
    await p.resolve('fp-checkout-1');
    expect(fake.incidents().map((i) => i.status)).toEqual(['resolved']);
    await p.trigger(incident());
    expect(fake.incidents('fp-checkout-1').map((i) => i.status)).toEqual(['resolved', 'triggered']);
  });

  it('one incident per dedup key, however often it is triggered', async () => {
    const p = pager();
    for (let i = 0; i < 3; i += 1) await p.trigger(incident({ details: { occurrences: i } }));
    await p.trigger(incident({ dedupKey: 'fp-other' }));
    expect(fake.incidents('fp-checkout-1')).toHaveLength(1);
    expect(fake.incidents('fp-checkout-1')[0]).toMatchObject({
      triggers: 3,
      payload: { custom_details: { occurrences: 2 } }, // the latest trigger's
    });
    expect(fake.incidents()).toHaveLength(2);
  });

  it('acknowledging a key with no open incident is accepted and changes nothing', async () => {
    await pager().acknowledge('never-triggered');
    expect(fake.events).toEqual([
      { seq: expect.any(Number), action: 'acknowledge', dedupKey: 'never-triggered' },
    ]);
    expect(fake.incidents()).toEqual([]);
  });
});

describe('the fake holds the contract (so a test passing on it means something)', () => {
  const payload = { summary: 's', source: 'src', severity: 'error' };
  const valid = () => ({ routing_key: fake.routingKey, event_action: 'trigger', dedup_key: 'k', payload });
  const post = (body: unknown, init: { contentType?: string; method?: string; path?: string } = {}) =>
    fetch(`${fake.url}${init.path ?? '/v2/enqueue'}`, {
      method: init.method ?? 'POST',
      headers: { 'content-type': init.contentType ?? 'application/json' },
      ...(init.method === 'GET' ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  it('accepts a valid event (202 with its dedup key)', async () => {
    const response = await post(valid());
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'k' });
  });

  it.each([
    ['a short routing key', { routing_key: 'x'.repeat(31) }, 'routing_key'],
    ['another routing key', { routing_key: 'y'.repeat(32) }, 'routing_key'],
    ['an unknown action', { event_action: 'escalate' }, 'event_action'],
    ['a dedup key over 255', { dedup_key: 'k'.repeat(256) }, 'dedup_key'],
    ['a resolve without a dedup key', { event_action: 'resolve', dedup_key: undefined }, 'dedup_key'],
    ['a trigger without a payload', { payload: undefined }, 'payload'],
    [
      'a summary over 1024',
      { payload: { summary: 's'.repeat(1025), source: 'a', severity: 'info' } },
      'payload',
    ],
    ['a bad severity', { payload: { summary: 's', source: 'a', severity: 'fatal' } }, 'payload'],
    ['no source', { payload: { summary: 's', severity: 'info' } }, 'payload'],
    ['a bad timestamp', { payload: { ...payload, timestamp: 'yesterday' } }, 'payload'],
    ['links not an array', { links: { href: 'https://x.example' } }, 'links'],
    ['a link without href', { links: [{ text: 'no href' }] }, 'links'],
    ['a cut surrogate pair', { payload: { ...payload, summary: 'ok \uD83D' } }, 'broken_text'],
  ] as const)('refuses %s with a 400 in PagerDuty’s shape', async (_, change, kind) => {
    const response = await post({ ...valid(), ...change });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { status: string; errors: string[] };
    expect(body.status).toBe('invalid event');
    expect(body.errors.length).toBeGreaterThan(0);
    expect(fake.violations.map((v) => v.kind)).toContain(kind);
    expect(fake.events).toEqual([]);
  });

  it('refuses a body that is not JSON, a wrong content type, another method or path', async () => {
    expect((await post('{not json')).status).toBe(400);
    expect((await post(valid(), { contentType: 'text/plain' })).status).toBe(400);
    expect((await post(undefined, { method: 'GET' })).status).toBe(405);
    expect((await post(valid(), { path: '/v1/enqueue' })).status).toBe(404);
    expect(fake.violations.map((v) => v.kind)).toEqual([
      'invalid_json',
      'content_type',
      'method_not_allowed',
      'unknown_route',
    ]);
    expect(fake.events).toEqual([]);
  });
});

describe('failures', () => {
  it('a 400 is permanent, with PagerDuty’s words, and made once (never retried)', async () => {
    const error = await failureOf(pager({ routingKey: 'not-32-characters' }).trigger(incident()));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe(
      "PagerDuty refused the event (400): Event object is invalid: Length of 'routing_key' is incorrect (should be 32 characters)",
    );
    expect(fake.requests).toHaveLength(1);
    expect(fake.incidents()).toEqual([]);
  });

  it('a 429 is retryable; the caller’s second call lands, as one incident', async () => {
    fake.failNext({ status: 429 });
    const p = pager();
    const error = await failureOf(p.trigger(incident()));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toBe('PagerDuty 429: too many events, send again later');
    expect(fake.requests).toHaveLength(1); // no retry inside the adapter
    expect(fake.incidents()).toEqual([]);
    await p.trigger(incident());
    expect(fake.requests).toHaveLength(2);
    expect(fake.incidents()).toEqual([expect.objectContaining({ status: 'triggered', triggers: 1 })]);
  });

  it.each([500, 502, 503, 504] as const)('a %i is retryable, and made once', async (status) => {
    fake.failNext({ status });
    const error = await failureOf(pager().resolve('fp-checkout-1'));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toBe(`PagerDuty ${status}: Internal Server Error`);
    expect(fake.requests).toHaveLength(1);
  });

  it('a 500 after the work was done: the resend folds into the same incident', async () => {
    fake.failNext({ status: 500, apply: true });
    const p = pager();
    expect(await failureOf(p.trigger(incident()))).toBeInstanceOf(RetryableError);
    await p.trigger(incident());
    expect(fake.incidents()).toEqual([expect.objectContaining({ triggers: 2 })]);
  });

  it('a timeout is retryable, and comes at the timeout', async () => {
    fake.failNext({ delayMs: 5000 });
    const started = Date.now();
    const error = await failureOf(pager({ timeoutMs: 200 }).trigger(incident()));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toBe('PagerDuty did not answer within 200 ms');
    await fake.waitFor((f) => f.requests[0]?.clientGone);
    expect(fake.incidents()).toEqual([]); // held, then abandoned: never took effect
  });

  it('a timeout after PagerDuty took the event: the resend is safe, still one incident', async () => {
    fake.failNext({ delayMs: 5000, apply: true });
    const p = pager({ timeoutMs: 200 });
    expect(await failureOf(p.trigger(incident()))).toBeInstanceOf(RetryableError);
    await p.trigger(incident());
    expect(fake.incidents()).toEqual([expect.objectContaining({ triggers: 2, status: 'triggered' })]);
  });

  it('a dropped connection is retryable', async () => {
    fake.failNext({ drop: true });
    const error = await failureOf(pager().acknowledge('fp-checkout-1'));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toMatch(/^PagerDuty unreachable: fetch failed/);
  });

  it('nothing listening is retryable', async () => {
    const error = await failureOf(
      pager({ apiUrl: `http://127.0.0.1:${await freePort()}` }).trigger(incident()),
    );
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toBe('PagerDuty unreachable: fetch failed (ECONNREFUSED)');
  });

  it('a redirect is not followed (it would carry the key elsewhere): permanent', async () => {
    const hits: string[] = [];
    const redirector = await listen(
      createServer((req, res) => {
        hits.push(req.url ?? '');
        res.writeHead(307, { location: `${fake.url}/v2/enqueue` }).end();
      }),
    );
    try {
      const error = await failureOf(pager({ apiUrl: redirector.url }).trigger(incident()));
      expect(error).toBeInstanceOf(PermanentError);
      expect(error.message).toBe('PagerDuty refused the event (307): HTTP 307 — check PAGERDUTY_API_URL');
      expect(hits).toEqual(['/v2/enqueue']);
      expect(fake.requests).toEqual([]);
    } finally {
      await redirector.close();
    }
  });
});

describe('hostile input', () => {
  it('a 1 MB summary is clipped to 1024 characters and accepted', async () => {
    await pager().trigger(incident({ summary: 'x'.repeat(1024 * 1024) }));
    const summary = fake.events[0]?.payload?.summary ?? '';
    expect(summary).toHaveLength(SUMMARY_MAX_CHARS);
    expect(summary.endsWith('…')).toBe(true);
    expect(fake.requests[0]?.rawBody.length).toBeLessThan(2000);
    expect(fake.violations).toEqual([]);
  });

  it('a cut never splits a surrogate pair', async () => {
    // The emoji straddles the 1023rd unit: a plain slice would leave half of it.
    await pager().trigger(incident({ summary: `${'a'.repeat(1022)}😀${'b'.repeat(50)}` }));
    expect(fake.events[0]?.payload?.summary).toBe(`${'a'.repeat(1022)}…`);
    expect(fake.violations).toEqual([]);
  });

  it('unicode passes through as it is', async () => {
    const text = 'Ошибка 💥 in 結帳 — ‮evil‬ \u0000';
    await pager().trigger(
      incident({
        summary: text,
        source: 'shop/生产',
        details: { reason: text },
        links: [{ href: 'https://x.example/é', text }],
      }),
    );
    const [event] = fake.events;
    expect(event?.payload).toMatchObject({
      summary: text,
      source: 'shop/生产',
      custom_details: { reason: text },
    });
    expect(event?.links).toEqual([{ href: 'https://x.example/é', text }]);
    expect(fake.violations).toEqual([]);
  });

  it('a dedup key over 255 is bounded, the same for every call, distinct for distinct keys', async () => {
    const long = `fp-${'z'.repeat(297)}`;
    const p = pager();
    await p.trigger(incident({ dedupKey: long }));
    await p.acknowledge(long);
    await p.trigger(incident({ dedupKey: `${long}-2` })); // same head, another key
    await p.resolve(long);
    expect(fake.violations).toEqual([]);
    const keys = fake.events.map((e) => e.dedupKey);
    expect(keys.every((k) => k.length <= DEDUP_KEY_MAX_CHARS)).toBe(true);
    expect(keys[0]).toMatch(/^fp-z+…#[0-9a-f]{64}$/);
    expect(new Set(keys).size).toBe(2);
    expect(fake.incidents().map((i) => i.status)).toEqual(['resolved', 'triggered']);
  });

  it('a long dedup key with emoji at the cut stays well-formed', async () => {
    await pager().resolve('😀'.repeat(200));
    expect(fake.violations).toEqual([]);
    expect(fake.events[0]?.dedupKey.length).toBeLessThanOrEqual(DEDUP_KEY_MAX_CHARS);
  });

  it('empty details and links are left out; an empty summary or source gets a plain one', async () => {
    await pager().trigger(incident({ summary: '  ', source: '', details: { urgency: '' }, links: [] }));
    const body = fake.requests[0]?.body as { payload: object; links?: unknown };
    expect(body.payload).toEqual({ summary: '(no summary)', source: 'heads-up', severity: 'critical' });
    expect(body.links).toBeUndefined();
    expect(fake.violations).toEqual([]);
  });
});

describe('the routing key stays secret', () => {
  it.each([
    { status: 400, echoRoutingKey: true },
    { status: 502, echoRoutingKey: true },
  ] as const)('an answer that quotes it ($status) leaves it out of the reason', async (spec) => {
    fake.failNext(spec);
    const error = await failureOf(pager().trigger(incident()));
    // The answer did carry it, so the check below is not vacuous.
    expect(JSON.stringify(fake.requests[0]?.response?.body)).toContain(fake.routingKey);
    expect(error.message).not.toContain(fake.routingKey);
    expect(error.message).toContain(REDACTED);
  });

  it('no failure’s reason, and nothing on the console, carries it', async () => {
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) =>
      jest.spyOn(console, m).mockImplementation(() => undefined),
    );
    try {
      const reasons: string[] = [];
      for (const spec of [{ status: 429 }, { status: 500 }, { drop: true }, { delayMs: 2000 }] as const) {
        fake.failNext(spec);
        reasons.push((await failureOf(pager({ timeoutMs: 200 }).trigger(incident()))).message);
      }
      reasons.push(
        (await failureOf(pager({ routingKey: `${fake.routingKey}x` }).trigger(incident()))).message,
      );
      expect(reasons).toHaveLength(5);
      for (const reason of reasons) expect(reason).not.toContain(fake.routingKey);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

async function listen(server: Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
