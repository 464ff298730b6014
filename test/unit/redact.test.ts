import type { ErrorEvent } from '../../functions/core/event-schema';
import { REDACTED, redactEvent, redactText, redactValue } from '../../functions/core/redact';

describe('redactText', () => {
  it.each([
    ['login failed & password=hunter2', 'hunter2'],
    ['GET /api?token=abc123&page=2', 'abc123'],
    ['header Authorization: Bearer abc.def', 'abc.def'],
    ['connect postgres://app:s3cr3t@db.internal/prod', 's3cr3t'],
    ['charged 4242 4242 4242 4242 twice', '4242 4242 4242 4242'],
    ['{"api_key": "AKIA123"}', 'AKIA123'],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig_nature here', 'eyJhbGciOiJIUzI1NiJ9'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', 'MIIEow'],
  ])('removes the secret from %j', (text, secret) => {
    const out = redactText(text);
    expect(out).not.toContain(secret);
    expect(out).toMatch(/REDACTED/);
  });

  it('leaves ordinary numbers and words alone', () => {
    const text = 'order 1234567890123 failed for passenger Ann (ref 4242)';
    expect(redactText(text)).toBe(text); // 13 digits, but not a Luhn-valid card number
  });
});

describe('redactValue', () => {
  it('drops whole values under sensitive keys, at any depth', () => {
    const out = redactValue({ user: { password: 'x', profile: { apiKey: { nested: 1 } } }, Cookie: 'sid=1' });
    expect(out).toEqual({ user: { password: REDACTED, profile: { apiKey: REDACTED } }, Cookie: REDACTED });
  });
});

describe('redactEvent', () => {
  it('scrubs message, stack, causes, request, context and tags but keeps the user', () => {
    const event: ErrorEvent = {
      app: 'a',
      environment: 'production',
      level: 'error',
      error: {
        type: 'E',
        message: 'password=one',
        stack: 'at f (token=two)',
        cause: { message: 'Bearer three' },
      },
      user: { email: 'fred@example.com' },
      request: {
        url: 'https://x.test/?secret=four',
        headers: { authorization: 'Bearer five', accept: 'json' },
      },
      context: { session: 'six', note: 'csrf=seven' },
      tags: { api_key: 'eight' },
    };
    const json = JSON.stringify(redactEvent(event));
    for (const secret of ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight']) {
      expect(json).not.toContain(`${secret}"`);
      expect(json).not.toMatch(new RegExp(`[=: ]${secret}\\b`));
    }
    expect(json).toContain('fred@example.com');
    expect(json).toContain('"accept":"json"');
  });
});
