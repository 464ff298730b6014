import { clip } from '../../common/clip';
import { redactText } from '../../common/redact';
import type { CallFailure } from '../services/failures';

/**
 * What each adapter's SDK errors become: the services' typed failures (the translations live beside
 * their adapters, e.g. slack-failures.ts). A read changes nothing, so whatever failed in passing may be
 * retried; a write whose answer was lost may have been carried out.
 */
export type CallKind = 'read' | 'write';

/** Runs an SDK call and throws what it throws as a typed failure. */
export async function translatingFailures<T>(
  run: () => Promise<T>,
  translate: (err: unknown) => CallFailure,
): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw translate(err);
  }
}

/** A reason is stored on the link and shown in the alert's thread and on the detail page: one short line. */
const REASON_TEXT_CHARS = 200;

/**
 * Text from the other side (or from what answered for it: a proxy may echo the Authorization header)
 * made fit for a failure's reason: secrets redacted over the whole text first — a cut could leave part
 * of one unrecognised — then one line, then clipped.
 */
export function reasonText(text: string): string {
  const oneLine = redactText(text)
    .replace(/[\s\p{Cc}]+/gu, ' ')
    .trim();
  return clip(oneLine, REASON_TEXT_CHARS);
}

const NOT_CONNECTED = 'no connection made';

/**
 * What the clients' fetch (connectionCheckedFetch) throws for a request that never got a connection: it
 * carried nothing, so even a write may be made again.
 */
export class NotConnectedError extends Error {
  override readonly name = 'NotConnectedError';

  constructor(
    readonly code: string,
    options?: ErrorOptions,
  ) {
    super(`${NOT_CONNECTED} (${code})`, options);
  }

  /** The code of a message that is exactly this error's: an SDK that keeps only the message passes that on. */
  static codeIn(message: string): string | undefined {
    const prefix = `${NOT_CONNECTED} (`;
    return message.startsWith(prefix) && message.endsWith(')') ? message.slice(prefix.length, -1) : undefined;
  }
}

/**
 * fetch, but a request that never got a connection (refused, unresolvable host, connect timeout) fails
 * as a NotConnectedError: the SDKs report what fetch throws as "fetch failed" at best, which could as well
 * be a connection dropped after the request went out — a write maybe carried out.
 */
export const connectionCheckedFetch: typeof fetch = async (input, init) => {
  try {
    return await fetch(input, init);
  } catch (err) {
    const code = connectFailureCode(err);
    if (code === undefined) throw err;
    throw new NotConnectedError(code, { cause: err });
  }
};

/**
 * Why fetch failed before it had a connection to send on, or undefined when it may have sent: a refused
 * or unroutable connect, a name that did not resolve, a connect timeout, a port fetch will not call.
 * Anything on a connection already made (a reset, a closed socket) may have carried the request.
 * Read by shape, not `instanceof`: fetch's errors are made in Node's own realm (not a test runner's).
 */
function connectFailureCode(err: unknown): string | undefined {
  if (!isRecord(err) || err.name !== 'TypeError' || !isRecord(err.cause)) return undefined;
  const { cause } = err;
  // Node reports the step that failed: `connect` and `getaddrinfo` come before a byte is written.
  const before = (e: unknown): boolean =>
    isRecord(e) &&
    (e.syscall === 'connect' || e.syscall === 'getaddrinfo' || e.code === 'UND_ERR_CONNECT_TIMEOUT');
  if (before(cause)) return textOf(cause.code) ?? textOf(cause.syscall);
  // Several addresses tried (happy eyeballs, an AggregateError): each attempt must have failed to connect.
  const { errors } = cause;
  if (Array.isArray(errors) && errors.length > 0 && errors.every(before)) {
    const first: unknown = errors[0];
    return textOf(cause.code) ?? (isRecord(first) ? textOf(first.code) : undefined) ?? 'connect';
  }
  // fetch's own refusal of a blocked port (1, 25, 6000, …): it never opens the connection.
  if (cause.message === 'bad port') return 'bad port';
  return undefined;
}

function isRecord(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null;
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
