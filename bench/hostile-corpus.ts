/**
 * Strings built to make backtracking regexes and naive scanners go quadratic (or worse), objects built
 * to do the same to what walks JSON values (key naming, the node budget), and events carrying them in
 * every free-text field and in `context`. Shared by test/unit/linear-time.test.ts and bench/run.ts.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EVENT_LIMITS } from '../common/event';
import { redactEvent, redactRawBody } from '../common/redact';
import { parseErrorEvent } from '../functions/core/event-schema';
import { fingerprintEvent } from '../functions/core/fingerprint';
import { limitEventSize } from '../functions/core/limit-size';

/** Unit strings repeated to length; each targets one rule family. */
const SHAPES: Record<string, string> = {
  'password repeated': 'password',
  'password= repeated': 'password=',
  'a: repeated': 'a:',
  'a@ repeated': 'a@',
  ':// repeated': '://',
  'scheme and userinfo': 'x://a:b@',
  base64: 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0MjQyKys/Ly8vYWJjZGVmZ2hpamtsbW5vcA',
  hex: '0123456789abcdef',
  digits: '4',
  'digit groups': '4242 4242 ',
  'at repeated': 'at ',
  'at and spaces': 'at      (',
  'eyJ and dots': 'eyJ.',
  'eyJ run': 'eyJhbGciOiJIUzI1',
  'sk_live_ repeated': 'sk_live_',
  'xoxb- repeated': 'xoxb-',
  'Bearer repeated': 'Bearer ',
  'double quotes': '"a',
  'single quotes': "'a",
  'quote unbalanced': 'password="',
  whitespace: ' \t ',
  'emails-ish': 'a.a.a.a@',
  unicode: '😀é\ud800\udfff\udc00\u0000',
  'nested brackets': '[[[[',
  'File quote': 'File "',
  'key colon space': 'token:  ',
  'frame lines': '    at f (/app/x.js:1:2)\n',
  newlines: '\n',
};

/** `unit` repeated to exactly `length` characters. */
function fill(unit: string, length: number): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

type HostileString = { name: string; text: string };

/** Every shape at `length` characters, plus a single-line stack frame and a PEM key without END. */
function hostileStrings(length: number): HostileString[] {
  const strings = Object.entries(SHAPES).map(([name, unit]) => ({ name, text: fill(unit, length) }));
  strings.push({ name: 'single long stack line', text: `    at f (/${fill('ab/', length - 20)}x.js:1:2)` });
  strings.push({
    name: 'PEM without END',
    text: `-----BEGIN PRIVATE KEY-----\n${fill('QUJD', length - 28)}`,
  });
  strings.push({ name: 'PEM header repeated', text: fill('-----BEGIN PRIVATE KEY-----', length) });
  return strings;
}

type JsonObject = Record<string, unknown>;

/**
 * Object shapes, each built to about `bytes` of JSON. Keys that scrub to the same text each need a
 * name of their own (`[REDACTED] #2`, …), which went quadratic; the others make the walk's budget
 * count keys, depth and many small objects rather than one big one.
 */
const OBJECT_SHAPES: Record<string, (bytes: number) => JsonObject> = {
  'keys scrubbing alike (password=…)': (bytes) => keyed(bytes, (i) => [`password=${i}`, 1]),
  'keys scrubbing alike (sk- tokens)': (bytes) =>
    keyed(bytes, (i) => [`sk-${String(i).padStart(32, '0')}`, 1]),
  'keys scrubbing alike (connection strings)': (bytes) =>
    keyed(bytes, (i) => [`redis://cache:pw${i}@cache.internal:6379/0`, 'down']),
  'sensitive keys': (bytes) => keyed(bytes, (i) => [`api_key_${i}`, `secret${i}`]),
  'distinct keys': (bytes) => keyed(bytes, (i) => [`k${i}`, `v${i}`]),
  // 48 levels each: under the JSON depth check of an event even when nested in its context.
  'deeply nested objects': (bytes) => keyed(bytes, (i) => [`chain${i}`, chain(48)]),
  'arrays of many small objects': (bytes) => ({
    rows: listed((bytes * 3) / 4, (i) => ({ id: i, name: `n${i}`, token: `t${i}` })),
    headers: listed(bytes / 4, (i) => ({ name: 'authorization', value: `Bearer ${i}` })),
  }),
};

/** An object of `entry(i)` entries, until its JSON is about `bytes` long. */
function keyed(bytes: number, entry: (i: number) => [string, unknown]): JsonObject {
  const out: JsonObject = {};
  for (let i = 0, size = 2; size < bytes; i++) {
    const [key, value] = entry(i);
    out[key] = value;
    size += JSON.stringify(key).length + JSON.stringify(value).length + 2;
  }
  return out;
}

/** An array of `item(i)`, until its JSON is about `bytes` long. */
function listed(bytes: number, item: (i: number) => unknown): unknown[] {
  const out: unknown[] = [];
  for (let i = 0, size = 2; size < bytes; i++) {
    const v = item(i);
    out.push(v);
    size += JSON.stringify(v).length + 1;
  }
  return out;
}

/** `{a: {a: … {note: 'password=hunter2'}}}`, `depth` objects deep. */
function chain(depth: number): JsonObject {
  let node: JsonObject = { note: 'password=hunter2' };
  for (let d = 1; d < depth; d++) node = { a: node };
  return node;
}

/** Where in an event a hostile string is put. */
const PLACEMENTS = ['message', 'stack', 'header value', 'context string', 'url'] as const;
export type Placement = (typeof PLACEMENTS)[number];

function eventWith(placement: Placement, text: string): Record<string, unknown> {
  const error: Record<string, unknown> = { type: 'HostileError', message: 'hostile input' };
  const event: Record<string, unknown> = { app: 'bench', error };
  if (placement === 'message') error.message = text;
  if (placement === 'stack') error.stack = `HostileError: x\n${text}`;
  if (placement === 'header value') event.request = { headers: { 'x-hostile': text } };
  if (placement === 'context string') event.context = { hostile: text };
  if (placement === 'url') event.request = { url: `https://example.test/?q=${text}` };
  return event;
}

/**
 * Where in an event a hostile object is put: as the context itself (the schema keeps its first 200
 * keys), nested inside it (kept whole), and nested in an event the schema refuses (the dead-letter
 * path scrubs the whole parsed body).
 */
const OBJECT_PLACEMENTS = ['context', 'nested in context', 'nested in a refused event'] as const;
type ObjectPlacement = (typeof OBJECT_PLACEMENTS)[number];

function eventWithObject(placement: ObjectPlacement, value: JsonObject): Record<string, unknown> {
  return {
    // Without an app the event is invalid, so triage scrubs the raw body for the dead-letter queue.
    app: placement === 'nested in a refused event' ? undefined : 'bench',
    error: { type: 'HostileError', message: 'hostile input' },
    context: placement === 'context' ? value : { request: { cache: value } },
  };
}

export type HostileBody = {
  shape: string;
  placement: Placement | ObjectPlacement | 'context value';
  body: string;
};

/** Each shape in each placement, as the JSON body triage receives, as close under `bytes` as it gets. */
export function hostileEventBodies(bytes: number = EVENT_LIMITS.eventBytes): HostileBody[] {
  const bodies: HostileBody[] = [];
  for (const placement of PLACEMENTS) {
    for (const { name, text } of hostileStrings(bytes)) {
      let length = text.length;
      let body = JSON.stringify(eventWith(placement, text));
      // JSON escapes and multi-byte characters make bytes ≠ characters: shrink until it fits.
      for (let size = Buffer.byteLength(body); size > bytes; size = Buffer.byteLength(body)) {
        length = Math.floor((length * bytes) / size) - 16;
        body = JSON.stringify(eventWith(placement, sliceWhole(text, length)));
      }
      bodies.push({ shape: name, placement, body });
    }
  }
  for (const placement of OBJECT_PLACEMENTS) {
    for (const [shape, build] of Object.entries(OBJECT_SHAPES)) {
      let target = bytes - 200;
      let body = JSON.stringify(eventWithObject(placement, build(target)));
      // The shapes' sizes are estimates: shrink until the body fits.
      for (let size = Buffer.byteLength(body); size > bytes; size = Buffer.byteLength(body)) {
        target = Math.floor((target * bytes) / size) - 64;
        body = JSON.stringify(eventWithObject(placement, build(target)));
      }
      bodies.push({ shape, placement, body });
    }
  }
  // Nesting as JSON structure, not text: refused by the depth check, then scrubbed as text for the DLQ.
  const nested = '['.repeat(bytes / 2 - 100);
  bodies.push({
    shape: 'nested arrays',
    placement: 'context value',
    body: `{"app":"a","context":{"x":${nested}}}`,
  });
  return bodies;
}

function sliceWhole(text: string, end: number): string {
  const code = text.charCodeAt(end - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? end - 1 : end);
}

/** What triage does with one body: validate → redact → limit → fingerprint (or scrub for the DLQ). */
export function runPipeline(body: string): string {
  const parsed = parseErrorEvent(body);
  if (!parsed.ok) return redactRawBody(body);
  return fingerprintEvent(limitEventSize(redactEvent(parsed.event)));
}

/**
 * A full garbage collection, when V8 lets us have one. Timings of work that allocates a lot (100 000
 * replacements) otherwise depend more on the heap state left by the previous run than on the input.
 */
const collectGarbage: () => void = (() => {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    // A minor collection is enough (the young generation is what the previous run filled) and cheap.
    if (typeof gc === 'function') return () => gc({ type: 'minor' });
  } catch {
    // not available: timings are noisier, the bounds are generous
  }
  return () => {};
})();

/**
 * Best of `runs` timings of `work`, in milliseconds, each after a full collection and on a fresh copy
 * of the input (so no cache keyed on the string can answer a repeat). Stops repeating once a run takes
 * `giveUpMs`: a stall costs hundreds of milliseconds, and a run that slow fails the caller's bound anyway.
 */
export function bestOf<T>(
  runs: number,
  input: () => T,
  work: (input: T) => unknown,
  giveUpMs = Number.POSITIVE_INFINITY,
): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const value = input();
    collectGarbage();
    const started = performance.now();
    work(value);
    const ms = performance.now() - started;
    best = Math.min(best, ms);
    if (ms >= giveUpMs) break;
  }
  return best;
}

/** A copy of `text` that is a different string object with the same contents. */
function freshCopy(text: string): string {
  return ` ${text}`.slice(1);
}

/** Timings of one function on every hostile string or object, at a small and a large size. */
export type ScalingRow = { name: string; smallMs: number; largeMs: number };

type Corpus<T> = (size: number) => { name: string; input: () => T }[];

/**
 * Best of 3 at each size. With a `ceilingMs` for the large size, a shape whose small size already takes
 * its share (`ceilingMs × small / large`) would reach it even if linear: it is not measured at the large
 * size (Infinity), where a quadratic one takes minutes. A large run that reaches it is not repeated.
 */
function scaling<T>(
  corpus: Corpus<T>,
  work: (input: T) => unknown,
  small: number,
  large: number,
  ceilingMs: number,
): ScalingRow[] {
  const smalls = corpus(small);
  const larges = corpus(large);
  return smalls.map((s, i) => {
    const smallMs = bestOf(3, s.input, work);
    const largeMs =
      smallMs >= (ceilingMs * small) / large
        ? Number.POSITIVE_INFINITY
        : bestOf(3, larges[i]!.input, work, ceilingMs);
    return { name: s.name, smallMs, largeMs };
  });
}

export function measureScaling(
  work: (text: string) => unknown,
  small: number,
  large: number,
  ceilingMs = Number.POSITIVE_INFINITY,
): ScalingRow[] {
  const corpus = (size: number) =>
    hostileStrings(size).map(({ name, text }) => ({ name, input: () => freshCopy(text) }));
  return scaling(corpus, work, small, large, ceilingMs);
}

/** measureScaling over the object shapes; each run gets a freshly built object. */
export function measureObjectScaling(
  work: (value: JsonObject) => unknown,
  small: number,
  large: number,
  ceilingMs = Number.POSITIVE_INFINITY,
): ScalingRow[] {
  const corpus = (size: number) =>
    Object.entries(OBJECT_SHAPES).map(([name, build]) => ({ name, input: () => build(size) }));
  return scaling(corpus, work, small, large, ceilingMs);
}
