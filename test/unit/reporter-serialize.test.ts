import { clip, clipUtf8 } from '../../common/clip';
import { requestInfo } from '../../reporter/integrations';
import { serializeError } from '../../reporter/serialize';

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
