import { clip } from '../../common/clip';
import type { ErrorEvent } from '../../functions/core/event-schema';
import {
  eventBytes,
  isFrameLine,
  limitEventSize,
  limitStack,
  STORE_LIMITS,
} from '../../functions/core/limit-size';

const base: ErrorEvent = { app: 'a', environment: 'production', level: 'error', error: { message: 'm' } };

describe('limits', () => {
  it('clips with an ellipsis and never splits a surrogate pair', () => {
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('ab😀cd', 4)).toBe('ab…');
    expect(clip('abc', 3)).toBe('abc');
  });

  it('keeps the first 50 frames of a stack and says how many it dropped', () => {
    const stack = [
      'Error: boom',
      ...Array.from({ length: 80 }, (_, i) => `    at f${i} (/app/x.js:${i}:1)`),
    ].join('\n');
    const out = limitStack(stack).split('\n');
    expect(out[0]).toBe('Error: boom');
    expect(out.filter((l) => l.trim().startsWith('at '))).toHaveLength(50);
    expect(out.at(-1)).toContain('30 more frames');
  });

  it('caps message, causes, headers, tags and context', () => {
    const big = 'x'.repeat(100_000);
    const event = limitEventSize({
      ...base,
      error: { message: big, cause: { message: big } },
      request: { headers: Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`h${i}`, big])) },
      tags: { t: big },
      context: { blob: Array.from({ length: 500 }, () => big) },
    });
    expect(event.error.message).toHaveLength(2000);
    expect(event.error.cause?.message).toHaveLength(2000);
    // 80 headers of 100 000 characters: 1 000 each, until the 16 KiB header budget is spent.
    const headers = event.request?.headers ?? {};
    expect(Object.keys(headers).length).toBeGreaterThan(10);
    expect(Buffer.byteLength(JSON.stringify(headers))).toBeLessThanOrEqual(STORE_LIMITS.headerBytes);
    expect(event.tags?.t).toHaveLength(STORE_LIMITS.tagValueChars);
    expect(Buffer.byteLength(JSON.stringify(event.context))).toBeLessThanOrEqual(STORE_LIMITS.contextBytes);
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThan(100_000);
  });

  it('keeps at most 50 headers of 10 values each', () => {
    const headers = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`h${i}`, ['a', 'b', 'c']]));
    headers.many = Array.from({ length: 30 }, () => 'v');
    const out = limitEventSize({ ...base, request: { headers: { many: headers.many, ...headers } } });
    expect(Object.keys(out.request?.headers ?? {})).toHaveLength(STORE_LIMITS.headerCount);
    expect(out.request?.headers?.many).toHaveLength(STORE_LIMITS.headerArrayValues);
  });

  it('recognises frame lines by their start, even on a very long line', () => {
    expect(isFrameLine('    at f (/app/x.js:1:2)')).toBe(true);
    expect(isFrameLine('  File "/app/x.py", line 3, in f')).toBe(true);
    expect(isFrameLine('app/models/user.rb:12:in `save`')).toBe(true);
    expect(isFrameLine(`Error: ${'x'.repeat(200_000)}`)).toBe(false);
  });
});

/** Everything at its maximum, in 3-byte characters (and control characters, 6 bytes JSON-escaped). */
function worstCaseEvent(char: string): ErrorEvent {
  const text = (n: number) => char.repeat(Math.floor(n / char.length)); // n UTF-16 units, as zod counts
  let error: ErrorEvent['error'] = {
    type: text(200),
    code: text(100),
    message: text(2000),
    stack: text(16 * 1024),
  };
  for (let i = 0; i < 5; i++) error = { ...error, cause: error };
  return {
    id: text(128),
    app: text(100),
    environment: text(50),
    level: 'error',
    error,
    user: { id: text(200), email: text(320), name: text(200) },
    company: { id: text(200), name: text(200), slug: text(200), plan: text(100) },
    request: {
      method: text(16),
      url: text(2000),
      headers: Object.fromEntries(
        Array.from({ length: 50 }, (_, i) => [
          `${i}${text(199)}`,
          Array.from({ length: 10 }, () => text(1000)),
        ]),
      ),
    },
    context: { blob: Array.from({ length: 100 }, () => text(2000)), more: { deep: text(2000) } },
    tags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${i}${text(199)}`, text(200)])),
    fingerprint: Array.from({ length: 20 }, () => text(200)),
  };
}

describe('the stored size', () => {
  it.each([
    ['3-byte characters', '€'],
    ['4-byte characters', '😀'],
    ['control characters', '\u0001'],
  ])('stays under STORE_LIMITS.eventBytes with %s everywhere', (_name, char) => {
    const event = worstCaseEvent(char);
    expect(eventBytes(event)).toBeGreaterThan(STORE_LIMITS.eventBytes); // the case is real
    const limited = limitEventSize(event);
    expect(eventBytes(limited)).toBeLessThanOrEqual(STORE_LIMITS.eventBytes);
    expect(limited.error.message?.length).toBeGreaterThan(0);
    expect(limited.fingerprint).toEqual(event.fingerprint); // grouping input survives
  });

  it('leaves an ordinary event untouched', () => {
    const event: ErrorEvent = {
      ...base,
      error: { type: 'E', message: 'boom', stack: 'E: boom\n    at f (/a.js:1:1)' },
      request: { url: 'https://x.test/', headers: { accept: 'json' } },
      context: { a: 1 },
      tags: { t: 'v' },
    };
    expect(limitEventSize(event)).toEqual(event);
  });
});
