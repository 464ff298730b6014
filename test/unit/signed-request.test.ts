import { createHmac } from 'node:crypto';
import { Hono } from 'hono';
import type { SignatureCheck } from '../../functions/core/signature-check';
import {
  type SignedRequestEnv,
  type SigningScheme,
  signedRequest,
} from '../../functions/web/middleware/signed-request';
import { HELP_SCOUT_SIGNING, SLACK_SIGNING } from '../../functions/web/middleware/signing-schemes';

const NOW = Date.UTC(2026, 11, 1, 12);
const SECRET = 'middleware-test-secret';

/** A throwaway app: one signed route whose handler echoes, as base64, the bytes it was handed. */
function signedApp(scheme: SigningScheme, secret: () => string | undefined = () => SECRET) {
  const warnings: unknown[][] = [];
  const handled: Buffer[] = [];
  const app = new Hono<SignedRequestEnv>();
  const log = { warn: (...args: unknown[]) => void warnings.push(args) };
  app.post('/hook', signedRequest(scheme, { secret, now: () => NOW, log }), (c) => {
    handled.push(c.get('rawBody'));
    return c.json({ received: c.get('rawBody').toString('base64') });
  });
  const post = (body: RequestInit['body'], headers: Record<string, string> = {}) =>
    app.request('/hook', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
  return { post, warnings, handled };
}

/** A scheme whose verifier records what it saw and answers `verdict`. */
function recordingScheme(verdict: SignatureCheck, maxBytes = 1024) {
  const seen: { secret: string; rawBody: Buffer; signature: string | undefined; nowMs: number }[] = [];
  const scheme: SigningScheme = {
    signer: 'Tester',
    secretSetting: 'TEST_SECRET',
    refusalStatus: 403,
    refusalLog: 'test request refused',
    maxBytes,
    verify: (secret, rawBody, header, nowMs) => {
      seen.push({ secret, rawBody, signature: header('X-Test-Signature'), nowMs });
      return verdict;
    },
  };
  return { scheme, seen };
}

/** A body sent in chunks with no Content-Length, as a chunked upload arrives. */
const streamed = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });

describe('signedRequest middleware', () => {
  it('hands the verified bytes to the handler exactly as sent, read once', async () => {
    const { scheme, seen } = recordingScheme({ ok: true });
    const { post, handled, warnings } = signedApp(scheme);
    // Not UTF-8: a body decoded to text and encoded again would come out different.
    const bytes = Buffer.from([0x70, 0x3d, 0xff, 0x00, 0xc3, 0x28, 0x0a]);
    const res = await post(bytes, { 'x-test-signature': 'sig' });

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: bytes.toString('base64') });
    expect(seen).toEqual([{ secret: SECRET, rawBody: bytes, signature: 'sig', nowMs: NOW }]);
    expect(handled[0]).toBe(seen[0]!.rawBody); // the very buffer verified, not a second read
    expect(warnings).toEqual([]);
  });

  it('refuses a request its verifier refuses, logging the reason only, and never runs the handler', async () => {
    const { scheme, seen } = recordingScheme({ ok: false, reason: 'signature does not match' });
    const { post, handled, warnings } = signedApp(scheme);
    const res = await post('card=4242424242424242', { 'x-test-signature': 'forged' });

    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: 'request not signed by Tester: signature does not match' });
    expect(seen).toHaveLength(1);
    expect(handled).toEqual([]);
    expect(warnings).toEqual([['test request refused', { reason: 'signature does not match' }]]);
    expect(JSON.stringify(warnings)).not.toContain('4242');
  });

  it('refuses everything without a secret, naming the setting, and reads the secret at each request', async () => {
    const { scheme, seen } = recordingScheme({ ok: true });
    let secret: string | undefined;
    const { post, warnings } = signedApp(scheme, () => secret);
    const res = await post('{}');

    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error: 'request not signed by Tester: TEST_SECRET is not configured',
    });
    expect(seen).toEqual([]);
    expect(warnings).toEqual([['test request refused', { reason: 'TEST_SECRET is not configured' }]]);
    secret = 'configured-later';
    expect((await post('{}')).status).toBe(200);
    expect(seen.map((s) => s.secret)).toEqual(['configured-later']);
  });

  it('refuses a body over the limit with 413 before verifying it, whether declared or streamed', async () => {
    const { scheme, seen } = recordingScheme({ ok: true }, 16);
    const { post, handled, warnings } = signedApp(scheme);
    const over = 'x'.repeat(17);
    for (const res of [
      await post(over, { 'content-length': '17' }),
      await post(streamed(over.slice(0, 9), over.slice(9))),
    ]) {
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ error: 'request larger than 16 bytes' });
    }
    expect(seen).toEqual([]);
    expect(handled).toEqual([]);
    expect(warnings).toEqual([
      ['test request refused', { reason: 'body larger than 16 bytes' }],
      ['test request refused', { reason: 'body larger than 16 bytes' }],
    ]);
    // At the limit it passes, streamed chunks joined in order.
    const res = await post(streamed('0123456', '789abcdef'));
    expect(await res.json()).toEqual({ received: Buffer.from('0123456789abcdef').toString('base64') });
  });
});

describe('the signing schemes of the routes', () => {
  const slackHeaders = (body: string, timestamp: number, secret = SECRET) => ({
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`,
  });

  it('Slack: passes a signed request, refuses a stale, foreign or unsigned one with 401', async () => {
    const { post, warnings } = signedApp(SLACK_SIGNING);
    const body = 'payload=%7B%7D';
    const nowSeconds = NOW / 1000;

    expect((await post(body, slackHeaders(body, nowSeconds))).status).toBe(200);
    const stale = await post(body, slackHeaders(body, nowSeconds - 6 * 60));
    expect(stale.status).toBe(401);
    expect(await stale.json()).toEqual({
      error: 'request not signed by Slack: timestamp missing or more than 5 minutes off',
    });
    expect((await post(body, slackHeaders(body, nowSeconds, 'another-secret'))).status).toBe(401);
    expect((await post(body)).status).toBe(401);
    expect(warnings.map(([message]) => message)).toEqual(Array(3).fill('Slack action refused'));
  });

  it('Slack without a signing secret: 401 naming SLACK_SIGNING_SECRET', async () => {
    const { post } = signedApp(SLACK_SIGNING, () => undefined);
    const res = await post('payload=%7B%7D', slackHeaders('payload=%7B%7D', NOW / 1000));
    expect([res.status, await res.json()]).toEqual([
      401,
      { error: 'request not signed by Slack: SLACK_SIGNING_SECRET is not configured' },
    ]);
  });

  it('Help Scout: passes a signed request, refuses a wrong one or one without a secret with 403', async () => {
    const body = '{"customer":{"email":"fred@example.com"}}';
    const signature = createHmac('sha1', SECRET).update(body).digest('base64');
    const { post, warnings } = signedApp(HELP_SCOUT_SIGNING);

    expect((await post(body, { 'x-helpscout-signature': signature })).status).toBe(200);
    const wrong = await post(`${body} `, { 'x-helpscout-signature': signature });
    expect([wrong.status, await wrong.json()]).toEqual([
      403,
      { error: 'request not signed by Help Scout: signature does not match' },
    ]);
    expect(warnings).toEqual([['Help Scout request refused', { reason: 'signature does not match' }]]);

    const unconfigured = await signedApp(HELP_SCOUT_SIGNING, () => undefined).post(body, {
      'x-helpscout-signature': signature,
    });
    expect([unconfigured.status, await unconfigured.json()]).toEqual([
      403,
      { error: 'request not signed by Help Scout: HELPSCOUT_SECRET is not configured' },
    ]);
  });
});
