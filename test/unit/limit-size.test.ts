import type { ErrorEvent } from '../../functions/core/event-schema';
import { clip, limitEventSize, limitStack, STORE_LIMITS } from '../../functions/core/limit-size';

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
    expect(Object.keys(event.request?.headers ?? {})).toHaveLength(STORE_LIMITS.headerCount);
    expect(event.tags?.t).toHaveLength(STORE_LIMITS.tagValueChars);
    expect(Buffer.byteLength(JSON.stringify(event.context))).toBeLessThanOrEqual(STORE_LIMITS.contextBytes);
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThan(100_000);
  });
});
