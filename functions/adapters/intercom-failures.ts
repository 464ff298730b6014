import { IntercomError, IntercomTimeoutError } from 'intercom-client';
import {
  type CallFailure,
  DeliveryUncertainError,
  PermanentError,
  RetryableError,
} from '../services/failures';
import type { CallKind } from './errors';

/**
 * A send that failed without Intercom saying it did nothing (a timeout, a 500/502/504, a dropped
 * connection) may have been delivered; only 429 and 503 are refusals before any work.
 */
export function intercomFailure(err: unknown, call: CallKind): CallFailure {
  const options = { cause: err };
  const write = call === 'write';
  if (isIntercomTimeout(err)) {
    const reason = 'Intercom did not answer within the timeout';
    return write ? new DeliveryUncertainError(reason, options) : new RetryableError(reason, options);
  }
  if (err instanceof IntercomError) {
    const status = err.statusCode ?? 0;
    const detail = intercomErrorMessage(err.body) ?? err.message;
    const refusedBeforeWork = status === 429 || status === 503;
    const answerLost = status >= 500 || status === 408 || status === 0;
    if (write && answerLost && !refusedBeforeWork)
      return new DeliveryUncertainError(`Intercom ${status || 'error'} while sending: ${detail}`, options);
    if (refusedBeforeWork || answerLost)
      return new RetryableError(`Intercom ${status || 'error'}: ${detail}`, options);
    const hint =
      status === 401 ? ' — check INTERCOM_TOKEN' : status === 403 ? ' — the token lacks a permission' : '';
    return new PermanentError(`Intercom refused (${status}): ${detail}${hint}`, options);
  }
  const reason = `Intercom unreachable: ${(err as Error)?.message ?? String(err)}`;
  return write && !neverConnected(err)
    ? new DeliveryUncertainError(reason, options)
    : new RetryableError(reason, options);
}

/**
 * intercom-client 7 reports its own timeout as a plain IntercomError without a status (it aborts
 * fetch with the string "timeout"), not as IntercomTimeoutError: both mean "may have been delivered".
 */
function isIntercomTimeout(err: unknown): boolean {
  return (
    err instanceof IntercomTimeoutError ||
    (err instanceof IntercomError && err.statusCode === undefined && /timeout/i.test(err.message))
  );
}

/** A connection that was never made carried nothing: safe to try again. */
function neverConnected(err: unknown): boolean {
  const code =
    (err as { cause?: { code?: string }; code?: string })?.cause?.code ?? (err as { code?: string })?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

function intercomErrorMessage(body: unknown): string | undefined {
  const errors = (body as { errors?: { code?: string; message?: string }[] } | undefined)?.errors;
  const first = errors?.[0];
  return first ? [first.code, first.message].filter(Boolean).join(': ') : undefined;
}
