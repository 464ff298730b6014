import type { ErrorEvent } from '../../functions/core/event-schema';
import { fingerprintEvent, groupingFrames, normaliseMessage } from '../../functions/core/fingerprint';

const event = (over: Partial<ErrorEvent> & { message?: string; stack?: string }): ErrorEvent => ({
  app: 'billing',
  environment: 'production',
  level: 'error',
  error: { type: 'CardError', message: over.message ?? 'card declined', stack: over.stack },
  ...over,
});

describe('normaliseMessage', () => {
  it('replaces numbers, ids, emails and quoted values', () => {
    expect(
      normaliseMessage(
        'User 42 (fred@x.io) card "4242" id 9f1c2d3e4b5a6978 req 123e4567-e89b-12d3-a456-426614174000',
      ),
    ).toBe('User <n> (<email>) card <str> id <hex> req <uuid>');
  });
});

describe('normaliseMessage on odd input', () => {
  it('finds emails only from the start of their local part, and groups on the start of a message', () => {
    expect(normaliseMessage('x=a.b@c.io and a@b')).toBe('x=<email> and a@b');
    expect(normaliseMessage(`boom ${'x'.repeat(10_000)} 1`)).toBe(
      normaliseMessage(`boom ${'x'.repeat(10_000)} 2`),
    );
    expect(normaliseMessage('hex deadbeefcafe stays, 0xdeadbeef12 goes')).toBe(
      'hex deadbeefcafe stays, <hex> goes',
    );
  });
});

describe('groupingFrames', () => {
  it('keeps the top three in-app frames without line numbers or directories', () => {
    const stack = [
      'Error: x',
      '    at charge (/srv/app/dist/billing.js:10:5)',
      '    at Stripe.request (/srv/app/node_modules/stripe/lib.js:1:1)',
      '    at process (/srv/app/dist/queue.js:99:1)',
      '    at node:internal/process/task_queues:95:5',
      '    at /srv/app/dist/main.js:3:3',
      '    at last (/srv/app/dist/other.js:1:1)',
    ].join('\n');
    expect(groupingFrames(stack)).toEqual(['charge@billing.js', 'process@queue.js', '@main.js']);
  });

  it('reads frames with spaced names, several spaces, bare locations and query strings', () => {
    const stack = [
      'Error: x',
      '    at async Promise.all   (/srv/app/dist/a.js:1:2)',
      '    at new Charge (file:///srv/app/dist/b.mjs?v=3:10:20)',
      '    at /srv/app/dist/c.js',
    ].join('\n');
    expect(groupingFrames(stack)).toEqual(['async Promise.all@a.js', 'new Charge@b.mjs', '@c.js']);
  });

  it('gives a long frame line a bounded signature', () => {
    const line = `    at f (/${'ab/'.repeat(100_000)}x.js:1:2)`;
    const [frame] = groupingFrames(`Error\n${line}`);
    expect(frame?.startsWith('f@')).toBe(true);
    expect(frame!.length).toBeLessThan(1100);
  });

  it('reads Python frames', () => {
    expect(groupingFrames('  File "/app/pay.py", line 10, in charge\n')).toEqual(['charge@pay.py']);
  });
});

describe('fingerprintEvent', () => {
  it('groups occurrences that differ only in variable parts and line numbers', () => {
    const a = event({ message: 'card 4242 for user 1 declined', stack: 'E\n    at charge (/a/b.js:1:2)' });
    const b = event({ message: 'card 1111 for user 2 declined', stack: 'E\n    at charge (/c/b.js:9:9)' });
    expect(fingerprintEvent(a)).toBe(fingerprintEvent(b));
  });

  it('separates apps, environments, types and call sites', () => {
    const a = event({});
    expect(fingerprintEvent({ ...a, app: 'other' })).not.toBe(fingerprintEvent(a));
    expect(fingerprintEvent({ ...a, environment: 'staging' })).not.toBe(fingerprintEvent(a));
    expect(fingerprintEvent({ ...a, error: { ...a.error, type: 'Other' } })).not.toBe(fingerprintEvent(a));
    expect(fingerprintEvent(event({ stack: 'E\n    at other (/a/z.js:1:1)' }))).not.toBe(fingerprintEvent(a));
  });

  it('lets an explicit fingerprint win over the message', () => {
    const a = event({ message: 'one', fingerprint: ['stripe-outage'] });
    const b = event({ message: 'two entirely different', fingerprint: ['stripe-outage'] });
    expect(fingerprintEvent(a)).toBe(fingerprintEvent(b));
    expect(fingerprintEvent(a)).toMatch(/^[0-9a-f]{32}$/);
  });
});
