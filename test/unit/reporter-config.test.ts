import { createReporter, type ReporterOptions } from '../../reporter';
import { FAKE_QUEUE_URL, fakeSqs } from '../support/fake-sqs';

/** What createReporter throws for these options (or 'no error'). */
function thrownBy(options: unknown): string {
  try {
    void createReporter(options as ReporterOptions).close(1);
    return 'no error';
  } catch (err) {
    return (err as Error).message;
  }
}

const KEY = 'hu_0123456789abcdef';

describe('createReporter checks its options once, at start-up', () => {
  it('names what is missing instead of failing on it', () => {
    for (const options of [{}, { app: 'billing' }, undefined, null]) {
      expect(thrownBy(options)).toBe('Heads-up reporter: give `endpoint` and `key`, or `queueUrl`');
    }
  });

  it('refuses an endpoint that is not an http(s) URL, or carries a user or password, without quoting it', () => {
    const endpoints = [
      'http://user:SECRETPASS@127.0.0.1:9',
      'https://SECRETUSER@headsup.example.com',
      'headsup.example.com',
      'ftp://headsup.example.com',
      '',
      42,
    ];
    for (const endpoint of endpoints) {
      const message = thrownBy({ endpoint, key: KEY });
      expect(message).toBe('Heads-up reporter: `endpoint` must be an http(s) URL without a user or password');
    }
  });

  it('refuses a key that is not one run of printable ASCII, without quoting it', () => {
    for (const key of ['SECRET-KEY\n', 'SECRET-ключ', 'SECRET KEY', '', undefined, 42]) {
      expect(thrownBy({ endpoint: 'https://headsup.example.com', key })).toBe(
        'Heads-up reporter: `key` must be printable ASCII without spaces',
      );
    }
  });

  it('refuses a queue URL that is not an http(s) URL', () => {
    expect(thrownBy({ queueUrl: 'errors', sqs: fakeSqs().sqs })).toBe(
      'Heads-up reporter: `queueUrl` must be an http(s) URL',
    );
  });

  it('refuses numbers no timer or buffer can use', () => {
    for (const [name, value] of [
      ['maxBuffer', Number.NaN],
      ['batchSize', 0],
      ['batchSize', 1.5],
      ['flushIntervalMs', 2 ** 31],
      ['timeoutMs', '5000'],
    ] as const) {
      expect(thrownBy({ queueUrl: FAKE_QUEUE_URL, sqs: fakeSqs().sqs, [name]: value })).toBe(
        `Heads-up reporter: \`${name}\` must be a whole number from 1 to 2147483647`,
      );
    }
  });

  it('takes what works: either transport, with any of those numbers in range', () => {
    expect(thrownBy({ endpoint: 'http://127.0.0.1:9/v1/errors', key: 'k' })).toBe('no error');
    expect(thrownBy({ endpoint: 'https://abc.lambda-url.eu-west-1.on.aws/', key: `${KEY}~!` })).toBe(
      'no error',
    );
    expect(
      thrownBy({
        queueUrl: FAKE_QUEUE_URL,
        sqs: fakeSqs().sqs,
        maxBuffer: 2,
        batchSize: 100,
        timeoutMs: 1,
      }),
    ).toBe('no error');
  });
});
