import { ErrorCode } from '@slack/web-api';
import { IntercomError, IntercomTimeoutError } from 'intercom-client';
import {
  type CallFailure,
  DeliveryUncertainError,
  PermanentError,
  RetryableError,
} from '../services/failures';

/**
 * The SDKs' errors as the services' typed failures. A read changes nothing, so whatever failed in
 * passing may be retried; a write whose answer was lost may have been carried out.
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

/**
 * A rate limit or an `ok: false` (or 4xx) answer means Slack did nothing; anything else (a timeout, a
 * reset connection, a 5xx) may have reached it.
 */
export function slackFailure(err: unknown, call: CallKind): CallFailure {
  const { code, statusCode } = (err ?? {}) as { code?: string; statusCode?: number };
  const reason = describeSlackError(err);
  const options = { cause: err };
  if (code === ErrorCode.RateLimitedError) return new RetryableError(reason, options);
  if (code === ErrorCode.PlatformError || (code === ErrorCode.HTTPError && (statusCode ?? 500) < 500))
    return new PermanentError(reason, options);
  return call === 'read' ? new RetryableError(reason, options) : new DeliveryUncertainError(reason, options);
}

/** One line for logs and the DLQ: what Slack said, and what to do when it is a setup problem. */
function describeSlackError(err: unknown): string {
  const e = (err ?? {}) as {
    code?: string;
    data?: { error?: string };
    retryAfter?: number;
    message?: string;
  };
  switch (e.code) {
    case ErrorCode.RateLimitedError:
      return `Slack rate limit: retry after ${e.retryAfter ?? '?'} s`;
    case ErrorCode.PlatformError: {
      const hint = SETUP_HINTS[e.data?.error ?? ''];
      return `Slack refused the call: ${e.data?.error}${hint ? ` — ${hint}` : ''}`;
    }
    default:
      return `Slack unreachable: ${e.message ?? String(err)}`;
  }
}

const SETUP_HINTS: Record<string, string> = {
  not_in_channel: 'invite the Heads-up app to the channel (/invite @Heads-up)',
  channel_not_found: 'check SLACK_CHANNEL: it must be a channel id (C…) the app can see',
  invalid_auth: 'check SLACK_BOT_TOKEN (xoxb-…) and that the app is installed',
  not_authed: 'SLACK_BOT_TOKEN is empty',
  missing_scope: 'add the chat:write scope to the app and reinstall it',
};

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
