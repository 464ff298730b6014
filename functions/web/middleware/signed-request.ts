import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { every } from 'hono/combine';
import { createMiddleware } from 'hono/factory';
import type { SignatureCheck } from '../../core/signature-check';

/** What a signed route's handler gets: the exact bytes whose signature was checked. */
export type SignedRequestEnv = { Variables: { rawBody: Buffer } };

/** One request header by name, case-insensitively; undefined when absent. */
export type HeaderReader = (name: string) => string | undefined;

/** How one sender signs the requests it sends us, and how we answer one that is not signed. */
export type SigningScheme = {
  /** Named in the refusal: "request not signed by Slack: …". */
  signer: string;
  /** The setting that holds the secret: without it every request is refused, and the refusal says so. */
  secretSetting: string;
  /** The answer to a refusal, as the sender's documentation expects it. */
  refusalStatus: 401 | 403;
  /** The warning logged for each refusal, with its reason only: never the body, never a secret. */
  refusalLog: string;
  /** Larger requests are refused before a byte is verified or kept. */
  maxBytes: number;
  verify: (secret: string, rawBody: Buffer, header: HeaderReader, nowMs: number) => SignatureCheck;
};

export type SignedRequestDeps = {
  /**
   * Read at each request from the route's deps, which may change after the app is built (tests swap
   * the secret on them). On Lambda a changed secret rebuilds the app instead (lambda-support.ts).
   */
  secret: () => string | undefined;
  now: () => number;
  log: Pick<Logger, 'warn'>;
};

/**
 * Lets a request through only when `scheme` verifies its signature over the raw bytes, read once and
 * handed to the handler as `c.get('rawBody')`: a re-read or re-encoded body would not be what was signed.
 */
export function signedRequest(
  scheme: SigningScheme,
  deps: SignedRequestDeps,
): MiddlewareHandler<SignedRequestEnv> {
  const limit = bodyLimit({
    maxSize: scheme.maxBytes,
    onError: (c) => {
      deps.log.warn(scheme.refusalLog, { reason: `body larger than ${scheme.maxBytes} bytes` });
      return c.json({ error: `request larger than ${scheme.maxBytes} bytes` }, 413);
    },
  });
  const verify = createMiddleware<SignedRequestEnv>(async (c, next) => {
    const rawBody = Buffer.from(await c.req.arrayBuffer());
    const secret = deps.secret();
    const check: SignatureCheck = secret
      ? scheme.verify(secret, rawBody, (name) => c.req.header(name), deps.now())
      : { ok: false, reason: `${scheme.secretSetting} is not configured` };
    if (!check.ok) {
      deps.log.warn(scheme.refusalLog, { reason: check.reason });
      return c.json(
        { error: `request not signed by ${scheme.signer}: ${check.reason}` },
        scheme.refusalStatus,
      );
    }
    c.set('rawBody', rawBody);
    await next();
  });
  return every(limit, verify);
}
