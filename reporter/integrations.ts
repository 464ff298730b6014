import { clip } from '../common/clip';
import { redactText, redactValue } from '../common/redact';
import type { ReportExtra, Reporter } from './reporter';

/** The parts of an Express/Connect request the middleware reads (no dependency on Express itself). */
export type RequestLike = {
  method?: string;
  originalUrl?: string;
  url?: string;
  protocol?: string;
  headers: Record<string, string | string[] | undefined>;
};

type Next = (err?: unknown) => void;

export type MiddlewareOptions = {
  /** Who the request was for, e.g. `(req) => ({ id: req.user.id, email: req.user.email })`. */
  user?: (req: never) => ReportExtra['user'];
  company?: (req: never) => ReportExtra['company'];
};

/**
 * Caps on what is read from a request, applied before any redaction so the work done inside the host
 * app stays bounded whatever the request holds (the server would cut these anyway).
 */
const REQUEST_LIMITS = {
  headerCount: 50,
  headerNameChars: 200,
  headerValueChars: 1000,
  headerArrayValues: 10,
  urlChars: 2000,
  methodChars: 16,
} as const;

/** The request as an event field: full URL, headers with secrets removed before they leave the host. */
export function requestInfo(req: RequestLike): NonNullable<ReportExtra['request']> {
  const L = REQUEST_LIMITS;
  const source = req.headers ?? {};
  const host = typeof source.host === 'string' ? clip(source.host, L.urlChars) : undefined;
  const path = clip(String(req.originalUrl ?? req.url ?? ''), L.urlChars);
  const headers: Record<string, string | string[]> = {};
  let count = 0;
  for (const name in source) {
    if (count === L.headerCount) break;
    if (!Object.hasOwn(source, name)) continue;
    const value = source[name];
    if (value === undefined) continue;
    headers[clip(name, L.headerNameChars)] = Array.isArray(value)
      ? value.slice(0, L.headerArrayValues).map((v) => clip(String(v), L.headerValueChars))
      : clip(String(value), L.headerValueChars);
    count++;
  }
  const url = host ? `${clip(String(req.protocol ?? 'http'), 10)}://${host}${path}` : path;
  // Redaction can lengthen a value a little (`[REDACTED]`): clipped again, so the caps hold as stated.
  const redacted = redactValue(headers) as Record<string, string | string[]>;
  for (const [name, value] of Object.entries(redacted)) {
    redacted[name] = Array.isArray(value)
      ? value.map((v) => clip(v, L.headerValueChars))
      : clip(value, L.headerValueChars);
  }
  return {
    method: typeof req.method === 'string' ? clip(req.method, L.methodChars) : undefined,
    url: clip(redactText(clip(url, L.urlChars)), L.urlChars),
    headers: redacted,
  };
}

/**
 * Express/Connect error middleware: reports the error with its request and passes it on, so the app's
 * own error handling (and its 500 page) is unchanged. Register it after the routes.
 */
export function expressErrorHandler(reporter: Reporter, options: MiddlewareOptions = {}) {
  return (err: unknown, req: RequestLike, _res: unknown, next: Next): void => {
    const pick = <T>(f: ((req: never) => T) | undefined): T | undefined => {
      try {
        return f?.(req as never);
      } catch {
        return undefined;
      }
    };
    reporter.report(err, {
      request: pick(() => requestInfo(req)), // an odd request object must not throw into the app
      user: pick(options.user),
      company: pick(options.company),
    });
    next(err);
  };
}

/**
 * Opt-in: reports uncaught exceptions and unhandled rejections, flushes (up to `flushTimeoutMs`), then
 * exits with code 1 as Node would have — a process in an unknown state should not go on. Returns a
 * function that removes the hooks.
 */
export function captureUnhandled(
  reporter: Reporter,
  options: { flushTimeoutMs?: number; exit?: (code: number) => void } = {},
): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const onFatal = (err: unknown) => {
    reporter.report(err, { level: 'fatal' });
    void reporter.flush(options.flushTimeoutMs ?? 2000).finally(() => exit(1));
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
  return () => {
    process.off('uncaughtException', onFatal);
    process.off('unhandledRejection', onFatal);
  };
}
