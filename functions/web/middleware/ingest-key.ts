import type { MiddlewareHandler } from 'hono';

/** Any scheme case and spacing; the key is anything without blanks, as the configuration allows. */
const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Producers' ingest key, checked before any body is read: a caller without a key costs nothing.
 * Shaped like Hono's `bearerAuth({ verifyToken })`, which cannot replace it: that one answers 400 to
 * a key outside RFC 6750's token characters (ours may hold any non-blank ones) before asking
 * `verifyToken`, and to a header without "Bearer ", where producers have always had 401.
 */
export function ingestKeyAuth(options: { verifyToken: (key: string) => boolean }): MiddlewareHandler {
  return async (c, next) => {
    const presented = BEARER.exec(c.req.header('authorization') ?? '')?.[1];
    if (!presented || !options.verifyToken(presented)) {
      c.header('WWW-Authenticate', 'Bearer realm="headsup"');
      return c.json({ error: 'missing or wrong ingest key: send "Authorization: Bearer <ingest key>"' }, 401);
    }
    await next();
  };
}
