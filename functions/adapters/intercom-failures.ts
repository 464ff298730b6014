import { IntercomError, IntercomTimeoutError } from 'intercom-client';
import {
  type CallFailure,
  DeliveryUncertainError,
  PermanentError,
  RetryableError,
} from '../services/failures';
import { type CallKind, NotConnectedError, reasonText } from './errors';

/**
 * A send that failed without Intercom saying it did nothing (a timeout, any 5xx, a dropped connection)
 * may have been delivered: a 503 too, since a gateway can answer it after Intercom took the message.
 * Only 429 is a refusal before any work for a send, and a request that never left (no connection made,
 * a header that cannot be sent) carried nothing. A lookup changes nothing: its 5xx are all retryable.
 */
export function intercomFailure(err: unknown, call: CallKind): CallFailure {
  const options = { cause: err };
  const write = call === 'write';
  // First: a connect timeout's code says "timeout" too, but no connection carried anything.
  const notConnected = notConnectedCode(err);
  if (notConnected !== undefined) {
    return new RetryableError(`Intercom not reached (${notConnected}): nothing was sent`, options);
  }
  if (isIntercomTimeout(err)) {
    const reason = 'Intercom did not answer within the timeout';
    return write ? new DeliveryUncertainError(reason, options) : new RetryableError(reason, options);
  }
  if (isUnsendableHeader(err)) {
    // Only the token varies between our requests' headers; its text is never quoted.
    return new PermanentError(
      'Intercom request not sent: INTERCOM_TOKEN cannot go in an HTTP header (a line break or a character outside Latin-1) — check INTERCOM_TOKEN',
      options,
    );
  }
  if (err instanceof IntercomError && err.statusCode !== undefined) {
    const status = err.statusCode;
    const detail = intercomErrorMessage(err.body) ?? `HTTP ${status}`;
    // Intercom documents no 5xx that means "not processed": for a send, none is a refusal.
    const refusedBeforeWork = status === 429 || (!write && status === 503);
    const answerLost = status >= 500 || status === 408;
    if (write && answerLost && !refusedBeforeWork)
      return new DeliveryUncertainError(`Intercom ${status} while sending: ${detail}`, options);
    if (refusedBeforeWork || answerLost) return new RetryableError(`Intercom ${status}: ${detail}`, options);
    const hint =
      status === 401 ? ' — check INTERCOM_TOKEN' : status === 403 ? ' — the token lacks a permission' : '';
    return new PermanentError(`Intercom refused (${status}): ${detail}${hint}`, options);
  }
  // No answer at all (a reset or dropped connection): for a send, Intercom may have taken it.
  const reason = `Intercom unreachable: ${reasonText((err as Error)?.message ?? String(err))}`;
  return write ? new DeliveryUncertainError(reason, options) : new RetryableError(reason, options);
}

/**
 * intercom-client 7 reports its own timeout as a plain IntercomError without a status (it aborts
 * fetch with the string "timeout"), not as IntercomTimeoutError: both mean "may have been delivered".
 */
function isIntercomTimeout(err: unknown): boolean {
  if (err instanceof IntercomTimeoutError) return true;
  return err instanceof IntercomError && err.statusCode === undefined && /timeout/i.test(err.message);
}

/**
 * The code of a connection never made: intercom-client 7 keeps only the message of what fetch throws
 * (an IntercomError without a status), which for our fetch is the NotConnectedError's.
 */
function notConnectedCode(err: unknown): string | undefined {
  if (!(err instanceof IntercomError) || err.statusCode !== undefined) return undefined;
  return NotConnectedError.codeIn(err.message);
}

/**
 * The SDK sets its headers before any request exists; a token a header cannot carry makes that throw a
 * TypeError of its own (not an IntercomError): nothing was sent, and a retry would fail the same way.
 */
function isUnsendableHeader(err: unknown): boolean {
  if (err instanceof IntercomError || typeof err !== 'object' || err === null) return false;
  // By name: the TypeError comes from Node's Headers, in Node's realm (instanceof fails under a test runner).
  const { name, message } = err as { name?: unknown; message?: unknown };
  return (
    name === 'TypeError' && typeof message === 'string' && /ByteString|invalid header value/i.test(message)
  );
}

/** Intercom's own words for a refusal (`error.list`), when its answer has them; never a raw body. */
function intercomErrorMessage(body: unknown): string | undefined {
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  const first: unknown = Array.isArray(errors) ? errors[0] : undefined;
  if (typeof first !== 'object' || first === null) return undefined;
  const { code, message } = first as { code?: unknown; message?: unknown };
  const parts = [code, message].filter((part): part is string => typeof part === 'string' && part !== '');
  return parts.length > 0 ? reasonText(parts.join(': ')) : undefined;
}
