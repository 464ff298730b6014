import { clip, clipUtf8 } from '../../common/clip';
import { JSON_DEPTH_LIMIT, jsonNestingExceeds } from '../../common/json-text';
import { parseErrorEvent } from '../../functions/core/event-schema';
import { createReporter, type ReportExtra } from '../../reporter';
import { CIRCULAR, jsonSafe, TOO_DEEP, UNREADABLE } from '../../reporter/bounded-json';
import { requestInfo } from '../../reporter/integrations';
import { serializeError } from '../../reporter/serialize';
import { FAKE_QUEUE_URL, fakeSqs } from '../support/fake-sqs';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('clip (one for the reporter and the server)', () => {
  it('keeps a surrogate pair whole when the cut falls inside it', () => {
    const text = `ab😀cd`; // 😀 is two UTF-16 units, at 2 and 3
    expect(clip(text, 4)).toBe('ab…');
    expect(clip(text, 5)).toBe('ab😀…');
    expect(clip(text, 6)).toBe(text);
  });

  it('never leaves a lone surrogate in a clipped message', () => {
    const message = `${'a'.repeat(7998)}😀${'b'.repeat(100)}`;
    const error = serializeError(new Error(message));
    expect(error.message!.length).toBeLessThanOrEqual(8000);
    expect(error.message).toBe(`${'a'.repeat(7998)}…`);
    expect(LONE_SURROGATE.test(error.message!)).toBe(false);
    for (let max = 1; max < 12; max++) {
      const cut = clip('😀'.repeat(10), max);
      expect(cut.length).toBeLessThanOrEqual(max);
      expect(LONE_SURROGATE.test(cut)).toBe(false);
    }
  });

  it('cuts an emoji whole at a UTF-8 byte limit too', () => {
    // 'ab' is 2 bytes, 😀 4, the ellipsis 3.
    expect(clipUtf8('ab😀cdef', 8)).toBe('ab…');
    expect(clipUtf8('ab😀cdef', 9)).toBe('ab😀…');
    expect(clipUtf8('ab😀cdef', 10)).toBe('ab😀cdef');
  });

  it('keeps an emoji at the cut of a request header and URL whole', () => {
    const long = `${'a'.repeat(998)}😀b`; // the emoji straddles the 1 000-character header cap
    const info = requestInfo({ url: `/${'p'.repeat(1998)}😀`, headers: { host: 'h', 'x-note': long } });
    expect(info.headers?.['x-note']).toBe(`${'a'.repeat(998)}…`);
    expect(LONE_SURROGATE.test(info.url ?? '')).toBe(false);
    expect(info.url?.endsWith('p…')).toBe(true);
  });
});

describe('jsonSafe: any value as data JSON.stringify can always write', () => {
  const roomy = () => ({ chars: 1_000_000 });

  it('gives the text JSON.stringify gives for ordinary data', () => {
    const shared = { id: 7 };
    const holes = [1];
    holes[2] = 3; // index 1 is a hole
    const ordinary: Record<string | symbol, unknown> = {
      text: 'quote " newline \n line separator \u2028 emoji 😀',
      numbers: [0, -0, 1.5e300, -42, Number.NaN, Number.POSITIVE_INFINITY],
      flags: [true, false, null],
      left: [undefined, () => 1, Symbol('s')], // null in arrays
      gone: undefined,
      fn: () => 1,
      sym: Symbol('v'),
      [Symbol('key')]: 'symbol keys are skipped',
      date: new Date(0),
      custom: { toJSON: (key: string) => `toJSON saw ${key}` },
      holes,
      shared: [shared, shared], // seen twice, but no cycle
      nested: { a: [[], {}, [{ b: 'c' }]] },
      proto: JSON.parse('{"__proto__": {"x": 1}}'),
    };
    Object.defineProperty(ordinary, 'hidden', { value: 1, enumerable: false });
    expect(JSON.stringify(jsonSafe(ordinary, roomy()))).toBe(JSON.stringify(ordinary));
  });

  it('replaces what JSON.stringify throws on, and reads nothing past the depth limit', () => {
    const boom = () => {
      throw new Error('boom');
    };
    const request: Record<string, unknown> = { method: 'GET' };
    request.socket = { parser: { incoming: request } };
    const trap = new Proxy({}, { get: boom, ownKeys: boom, getPrototypeOf: boom, has: boom });
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    // 10 000 levels; the 8th is where a copy limited to 8 levels must stop reading.
    const root: Record<string, unknown> = {};
    let deep = root;
    let readsPastCut = 0;
    for (let level = 2; level <= 10_000; level++) {
      const next: Record<string, unknown> = {};
      if (level === 8) Object.defineProperty(next, 'probe', { enumerable: true, get: () => ++readsPastCut });
      deep.n = next;
      deep = next;
    }

    const copy = jsonSafe(
      {
        request,
        id: 12345678901234567890n,
        getter: {
          ok: 1,
          get bad() {
            return boom();
          },
        },
        toJSON: { toJSON: boom },
        trap,
        revoked,
        deep: root,
      },
      roomy(),
      8,
    ) as Record<string, unknown>;

    expect(copy).toMatchObject({
      request: { method: 'GET', socket: { parser: { incoming: CIRCULAR } } },
      id: '12345678901234567890',
      getter: { ok: 1, bad: UNREADABLE },
      toJSON: UNREADABLE,
      trap: UNREADABLE,
      revoked: UNREADABLE,
      deep: { n: { n: { n: { n: { n: { n: { n: TOO_DEEP } } } } } } },
    });
    expect(readsPastCut).toBe(0);
    expect(jsonNestingExceeds(JSON.stringify(copy), 8)).toBe(false);
  });

  it('cuts 10 000 levels of nesting instead of overflowing the stack', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const text = JSON.stringify(jsonSafe(deep, roomy()));
    expect(jsonNestingExceeds(text, JSON_DEPTH_LIMIT)).toBe(false);
    expect(text).toBe(`${'['.repeat(JSON_DEPTH_LIMIT)}"${TOO_DEEP}"${']'.repeat(JSON_DEPTH_LIMIT)}`);
  });

  it('stops at its budget, even on a value with 2^40 paths through 40 objects', () => {
    let dag: object = { leaf: 1 };
    for (let i = 0; i < 40; i++) dag = { left: dag, right: dag };
    const budget = { chars: 10_000 };
    expect(jsonSafe(dag, budget)).toBeUndefined();
    expect(budget.chars).toBeLessThan(0);
    const within = { chars: 10_000 };
    const small = { a: 'x'.repeat(100) };
    expect(jsonSafe(small, within)).toEqual(small);
    // What it drew is a lower bound of the text: never more than the text itself.
    expect(10_000 - within.chars).toBeLessThanOrEqual(JSON.stringify(small).length);
  });
});

describe('report() keeps an event whose context JSON cannot take', () => {
  const boom = () => {
    throw new Error('boom');
  };
  const trap = () => new Proxy({}, { get: boom, ownKeys: boom, getPrototypeOf: boom, has: boom });
  const revoked = () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };
  const request = () => {
    const req: Record<string, unknown> = { method: 'POST' };
    req.socket = { _httpMessage: { req } };
    return req;
  };
  const nested = (levels: number) => {
    const root: Record<string, unknown> = {};
    let node = root;
    for (let i = 0; i < levels; i++) {
      const next = {};
      node.n = next;
      node = next;
    }
    return root;
  };
  const stackThrows = () => {
    const error = new Error('stack getter throws');
    Object.defineProperty(error, 'stack', { get: boom });
    return error;
  };
  type Sent = { error: Record<string, unknown>; context?: Record<string, unknown> } & Record<string, unknown>;

  it.each<[string, () => [unknown, unknown?], (event: Sent) => void]>([
    [
      'a cyclic request in the context',
      () => [new Error('cyclic'), { context: { req: request() } }],
      (e) =>
        expect(e.context).toEqual({ req: { method: 'POST', socket: { _httpMessage: { req: CIRCULAR } } } }),
    ],
    [
      'BigInt ids in context, tags and user',
      () => [new Error('bigint'), { context: { rowId: 2n ** 64n }, tags: { shard: 7n }, user: { id: 42n } }],
      (e) =>
        expect(e).toMatchObject({
          context: { rowId: '18446744073709551616' },
          tags: { shard: '7' },
          user: { id: '42' },
        }),
    ],
    [
      'a getter and a toJSON that throw',
      () => [
        new Error('getter'),
        {
          context: {
            ok: 1,
            get bad() {
              return boom();
            },
            at: { toJSON: boom },
          },
        },
      ],
      (e) => expect(e.context).toEqual({ ok: 1, bad: UNREADABLE, at: UNREADABLE }),
    ],
    [
      'a Proxy whose every trap throws, as the context',
      () => [new Error('proxy context'), { context: trap() }],
      (e) => expect(e.context).toEqual({ context: UNREADABLE }),
    ],
    [
      'a revoked Proxy as the context',
      () => [new Error('revoked context'), { context: revoked() }],
      (e) => expect(e.context).toEqual({ context: UNREADABLE }),
    ],
    [
      'a Proxy as the whole of extra',
      () => [new Error('proxy extra'), trap()],
      (e) => expect(e.error.message).toBe('proxy extra'),
    ],
    ['a Proxy thrown as the error', () => [trap()], (e) => expect(e.error.type).toBe('UnserializableError')],
    [
      'a revoked Proxy thrown as the error',
      () => [revoked()],
      (e) => expect(e.error.type).toBe('UnserializableError'),
    ],
    [
      'an error whose stack getter throws',
      () => [stackThrows()],
      (e) => expect(e.error).toEqual({ type: 'Error', message: 'stack getter throws' }),
    ],
    [
      'an AggregateError holding a Proxy',
      () => [new AggregateError([new Error('first'), trap()], 'two failed')],
      (e) =>
        expect(e.context?.aggregatedErrors).toMatchObject([
          { message: 'first' },
          { type: 'UnserializableError' },
        ]),
    ],
    [
      '10 000 levels of nesting',
      () => [new Error('deep'), { context: nested(10_000) }],
      (e) => expect(JSON.stringify(e.context)).toContain(TOO_DEEP),
    ],
  ])('%s: sent, with the error and a marker for what could not be read', async (_name, args, check) => {
    const errors: Error[] = [];
    const { sqs, events, calls } = fakeSqs();
    const reporter = createReporter({
      queueUrl: FAKE_QUEUE_URL,
      sqs,
      app: 'a',
      onError: (e) => errors.push(e),
    });
    const [error, extra] = args();
    expect(reporter.report(error, extra as ReportExtra)).toEqual(expect.any(String));
    expect(await reporter.close(5000)).toMatchObject({ sent: 1, rejected: 0, dropped: 0, inFlight: 0 });
    expect(errors).toEqual([]);
    const body = calls[0]!.bodies[0]!;
    // The server takes it as it is: within its depth limit, valid against its schema.
    expect(jsonNestingExceeds(body, JSON_DEPTH_LIMIT)).toBe(false);
    expect(parseErrorEvent(body)).toMatchObject({ ok: true });
    check(events()[0] as Sent);
  });

  it('counts an event it still cannot build, and tells onError', () => {
    const errors: Error[] = [];
    const reporter = createReporter({
      queueUrl: FAKE_QUEUE_URL,
      sqs: fakeSqs().sqs,
      app: 'a',
      onError: (e) => errors.push(e),
    });
    // A host's own code broke every object's JSON: nothing the reporter builds can be written.
    Object.defineProperty(Object.prototype, 'toJSON', { value: boom, configurable: true });
    let id: string | undefined;
    try {
      id = reporter.report(new Error('unbuildable'));
    } finally {
      delete (Object.prototype as { toJSON?: unknown }).toJSON;
    }
    expect(id).toBeUndefined();
    expect(reporter.stats()).toMatchObject({ rejected: 1, buffered: 0 });
    expect(errors.map((e) => e.message)).toEqual(['boom']);
    void reporter.close(10);
  });
});
