/**
 * Strings built to make backtracking regexes and naive scanners go quadratic (or worse), and events
 * carrying them in every free-text field. Shared by test/unit/linear-time.test.ts and bench/run.ts.
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

export type HostileBody = { shape: string; placement: Placement | 'context value'; body: string };

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
 * of the input (so no cache keyed on the string can answer a repeat).
 */
export function bestOf<T>(runs: number, input: () => T, work: (input: T) => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const value = input();
    collectGarbage();
    const started = performance.now();
    work(value);
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

/** A copy of `text` that is a different string object with the same contents. */
function freshCopy(text: string): string {
  return ` ${text}`.slice(1);
}

/** Timings of one function on every hostile string, at a small and a large size. */
export type ScalingRow = { name: string; smallMs: number; largeMs: number };

export function measureScaling(work: (text: string) => unknown, small: number, large: number): ScalingRow[] {
  const smalls = hostileStrings(small);
  const larges = hostileStrings(large);
  return smalls.map((s, i) => ({
    name: s.name,
    smallMs: bestOf(3, () => freshCopy(s.text), work),
    largeMs: bestOf(3, () => freshCopy(larges[i]!.text), work),
  }));
}
