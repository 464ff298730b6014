import { clip } from '../../functions/core/limit-size';
import { serializeError } from '../../reporter/serialize';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('clip (shared with the reporter)', () => {
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
});
