import { createReporter, type Reporter } from '../../reporter';
import { stringifyWithin } from '../../reporter/bounded-json';

/** An array of `n` values that count how many of them JSON.stringify has read. */
function countingRows(n: number) {
  const read = { count: 0 };
  const row = {
    toJSON: () => {
      read.count++;
      return 'xxxxxxxxxxxxxxxxxxxx';
    },
  };
  return { rows: new Array(n).fill(row), read };
}

describe('bounded work inside the host app', () => {
  let reporter: Reporter;
  const errors: string[] = [];
  beforeEach(() => {
    // Nothing listens on port 9; nothing is sent before close, and sending is not what is checked.
    reporter = createReporter({
      endpoint: 'http://127.0.0.1:9/v1/errors',
      key: 'k',
      app: 'a',
      onError: (e) => errors.push(e.message),
    });
  });
  afterEach(() => reporter.close(10));

  it('reads a 2-million-row context only up to the 256 KiB limit, then drops the event', () => {
    const { rows, read } = countingRows(2_000_000);
    expect(reporter.report(new Error('query failed'), { context: { rows } })).toBeUndefined();
    expect(read.count).toBeLessThan(20_000); // 256 KiB of 20-character rows, not 2 000 000
    expect(reporter.stats().rejected).toBe(1);
    expect(errors.join('\n')).toMatch(/event dropped: its JSON is over the 262144-byte/);
  });

  it('describes a thrown plain object from its first few kilobytes only', () => {
    const { rows, read } = countingRows(2_000_000);
    expect(reporter.report({ rows })).toEqual(expect.any(String));
    expect(read.count).toBeLessThan(1_000);
  });
});

describe('stringifyWithin', () => {
  it('is JSON.stringify within the budget and undefined past it', () => {
    const value = { a: [1, 'two', { three: null }], b: 'x'.repeat(50) };
    expect(stringifyWithin(value, 1000)).toBe(JSON.stringify(value));
    expect(stringifyWithin(value, 40)).toBeUndefined();
    expect(() =>
      stringifyWithin(
        {
          toJSON: () => {
            throw new Error('boom');
          },
        },
        1000,
      ),
    ).toThrow('boom');
  });
});
