import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../constant-time';
import type { SignatureCheck } from '../signature-check';

/** Slack refuses to replay requests older than this; so do we. */
const SIGNATURE_WINDOW_SECONDS = 5 * 60;

/**
 * Slack's request signing: `v0=` + hex HMAC-SHA256(signing secret, `v0:{timestamp}:{raw body}`), over
 * the exact bytes received (a re-encoded body would not match), compared in constant time.
 */
export function verifySlackSignature(input: {
  signingSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: Buffer;
  nowSeconds: number;
}): SignatureCheck {
  const { timestamp, signature } = input;
  if (!timestamp || !signature)
    return { ok: false, reason: 'missing X-Slack-Request-Timestamp or X-Slack-Signature' };
  const ts = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || Math.abs(input.nowSeconds - ts) > SIGNATURE_WINDOW_SECONDS) {
    return {
      ok: false,
      reason: `timestamp missing or more than ${SIGNATURE_WINDOW_SECONDS / 60} minutes off`,
    };
  }
  const expected = `v0=${createHmac('sha256', input.signingSecret)
    .update(`v0:${timestamp}:`)
    .update(input.rawBody)
    .digest('hex')}`;
  return constantTimeEqual(expected, signature)
    ? { ok: true }
    : { ok: false, reason: 'signature does not match' };
}
