import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../constant-time';
import type { SignatureCheck } from '../signature-check';

/** Help Scout refuses longer app secrets; shorter than this would be guessable. */
export const HELPSCOUT_SECRET_LENGTH = { min: 8, max: 40 } as const;

/**
 * Help Scout's dynamic-app signing: `X-HelpScout-Signature` = base64 HMAC-SHA1(app secret, raw body),
 * over the exact bytes received (a re-encoded body would not match), compared in constant time. There
 * is no timestamp: the request only reads, so a replay shows nothing its sender could not see already.
 */
export function verifyHelpScoutSignature(input: {
  secret: string;
  signature: string | undefined;
  rawBody: Buffer;
}): SignatureCheck {
  const signature = input.signature?.trim();
  if (!signature) return { ok: false, reason: 'missing X-HelpScout-Signature' };
  const expected = createHmac('sha1', input.secret).update(input.rawBody).digest('base64');
  return constantTimeEqual(expected, signature)
    ? { ok: true }
    : { ok: false, reason: 'signature does not match' };
}
