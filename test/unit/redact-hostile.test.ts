/**
 * Secrets in the places a first pass missed: object keys (caches keyed by a token), URL passwords
 * holding `/`, `?` or `#`, and less common token shapes.
 */

import { redactEvent, redactText } from '../../common/redact';
import { parseErrorEvent } from '../../functions/core/event-schema';
import { limitEventSize } from '../../functions/core/limit-size';

const STRIPE = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';

function stored(input: unknown): string {
  const parsed = parseErrorEvent(JSON.stringify(input));
  if (!parsed.ok) throw new Error(parsed.reason);
  return JSON.stringify(limitEventSize(redactEvent(parsed.event)));
}

describe('secrets in object keys', () => {
  it('a token used as a context key (cache keyed by token) is not stored', () => {
    const out = stored({
      app: 'a',
      error: { type: 'E', message: 'm' },
      context: { sessions: { [STRIPE]: { user: 1 } }, dbs: { 'postgres://app:hunter2@db/x': 'down' } },
    });
    expect(out).not.toContain(STRIPE);
    expect(out).not.toContain('hunter2');
  });

  it('a token in a header name or a tag key is not stored', () => {
    const out = stored({
      app: 'a',
      error: { type: 'E', message: 'm' },
      request: { headers: { [`x-${STRIPE}`]: 'v' } },
      tags: { [`token=${STRIPE}`]: 'x' },
    });
    expect(out).not.toContain(STRIPE);
  });
});

describe('URL passwords holding / ? # (base64 or generated passwords, written unencoded)', () => {
  it.each([
    ['redis://:abc/def+ghi=@cache:6379/0', 'abc/def'],
    ['postgres://app:Pa/ss9word@db.internal:5432/x', 'Pa/ss9word'],
    ['mysql://root:pa?ss9word@host/db', 'pa?ss9word'],
    ['mongodb://u:p#ss9word@h/db', 'p#ss9word'],
  ])('%s', (url, secret) => {
    expect(redactText(`connect failed: ${url}`)).not.toContain(secret);
  });
});

describe('less common token shapes', () => {
  it.each([
    [
      'Slack rotating refresh token',
      'xoxe-1-My0xLTEyMzQ1Njc4OTAxMi1hYmNkZWZnaGlqa2xtbm9w',
      'My0xLTEyMzQ1Njc4',
    ],
    ['session cookie in a query string (PHP)', '/?PHPSESSID=9f8e7d6c5b4a39281706', '9f8e7d6c5b4a3928'],
    ['Express session cookie in text', 'connect.sid=s%3A9f8e7d6c5b4a39281706.sig', '9f8e7d6c5b4a3928'],
  ])('%s', (_name, text, secret) => {
    expect(redactText(`request ${text} failed`)).not.toContain(secret);
  });
});
