import { redactText, redactValue } from '../functions/core/redact';
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

/** The request as an event field: full URL, headers with secrets removed before they leave the host. */
export function requestInfo(req: RequestLike): NonNullable<ReportExtra['request']> {
  const host = typeof req.headers.host === 'string' ? req.headers.host : undefined;
  const path = req.originalUrl ?? req.url ?? '';
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = v;
  return {
    method: req.method,
    url: redactText(host ? `${req.protocol ?? 'http'}://${host}${path}` : path),
    headers: redactValue(headers) as Record<string, string | string[]>,
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
      request: requestInfo(req),
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
