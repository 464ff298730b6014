import { createReporter, type Reporter } from '../../reporter';
import { ring } from '../../reporter/ring';
import { FAKE_QUEUE_URL, fakeSqs } from '../support/fake-sqs';
import { eventually } from '../support/recording-server';

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

describe('ring: the buffer of events waiting to be sent', () => {
  it('keeps the newest `capacity` items in order, whatever the mix of pushes and takes', () => {
    const capacity = 7;
    const buffer = ring<number>(capacity);
    const model: number[] = [];
    let seed = 1;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647; // deterministic, so a failure repeats
      return seed / 2_147_483_647;
    };
    for (let i = 0; i < 10_000; i++) {
      if (random() < 0.6) {
        const evicted = buffer.push(i);
        model.push(i);
        expect(evicted).toBe(model.length > capacity ? model.shift() : undefined);
      } else {
        const n = Math.floor(random() * 4);
        expect(buffer.take(n)).toEqual(model.splice(0, n));
      }
      expect(buffer.size()).toBe(model.length);
      for (let k = 0; k < model.length; k++) expect(buffer.at(k)).toBe(model[k]);
    }
  });

  it('costs a report the same whether a full buffer holds 1 000 events or 100 000', async () => {
    // A send that never answers keeps every event buffered; the timeout is far beyond the test.
    const { sqs } = fakeSqs(() => new Promise(() => {}));
    const timePerReport = (maxBuffer: number) => {
      const reporter = createReporter({
        queueUrl: FAKE_QUEUE_URL,
        sqs,
        app: 'a',
        maxBuffer,
        timeoutMs: 600_000,
      });
      for (let i = 0; i < maxBuffer + 100; i++) reporter.report('filling');
      expect(reporter.stats()).toMatchObject({ buffered: maxBuffer, inFlight: 20, dropped: 80 });
      let best = Number.POSITIVE_INFINITY; // the fastest of three rounds: a loaded machine stalls any one
      for (let round = 0; round < 3; round++) {
        const start = performance.now();
        for (let i = 0; i < 2000; i++) reporter.report('full');
        best = Math.min(best, performance.now() - start);
      }
      void reporter.close(1);
      return best;
    };
    const small = timePerReport(1000);
    const large = timePerReport(100_000);
    // Shifting the array moved all 100 000 entries per report: ~10× the small buffer's time, 200 ms.
    expect(large).toBeLessThan(3 * small + 50);
  });
});

describe('reporter straight to SQS with a client the host brings', () => {
  it('gives up on a call that never answers after timeoutMs, tells onError, and sends once SQS answers', async () => {
    let hang = true;
    const { sqs, calls } = fakeSqs(() => (hang ? new Promise(() => {}) : Promise.resolve({ Failed: [] })));
    const errors: string[] = [];
    const reporter = createReporter({
      queueUrl: FAKE_QUEUE_URL,
      sqs,
      app: 'a',
      batchSize: 5,
      timeoutMs: 50,
      onError: (e) => errors.push(e.message),
    });
    for (let i = 0; i < 5; i++) reporter.report(new Error(`e${i}`));
    await eventually(() => errors.length > 0);
    expect(errors[0]).toBe(
      'Heads-up: sending failed, will retry: SQS did not take 5 events (TimeoutError: The operation was aborted due to timeout)',
    );
    // The SDK's send(command, { abortSignal }) was given the timeout, so a real client aborts its request.
    expect(calls[0]!.abortSignal?.aborted).toBe(true);
    hang = false;
    expect(await reporter.close(10_000)).toMatchObject({ sent: 5, buffered: 0, inFlight: 0 });
  });

  it('says why a call failed as a whole (AccessDenied), without credentials', async () => {
    const { sqs } = fakeSqs(async () => {
      throw Object.assign(
        new Error('User: arn:aws:iam::123456789012:user/ci (key AKIAIOSFODNN7EXAMPLE) is not authorized'),
        { name: 'AccessDenied' },
      );
    });
    const errors: string[] = [];
    const reporter = createReporter({
      queueUrl: FAKE_QUEUE_URL,
      sqs,
      app: 'a',
      batchSize: 1,
      onError: (e) => errors.push(e.message),
    });
    reporter.report(new Error('denied'));
    await eventually(() => errors.length > 0);
    await reporter.close(1);
    expect(errors[0]).toMatch(
      /^Heads-up: sending failed, will retry: SQS did not take 1 events \(AccessDenied: User: arn:aws:iam::123456789012:user\/ci .*is not authorized\)$/,
    );
    expect(errors.join('\n')).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });
});
