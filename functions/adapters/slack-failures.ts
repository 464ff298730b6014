import { ErrorCode } from '@slack/web-api';
import {
  type CallFailure,
  DeliveryUncertainError,
  PermanentError,
  RetryableError,
} from '../services/failures';
import { type CallKind, NotConnectedError, reasonText } from './errors';

/**
 * A rate limit, a "try later" answer or a 4xx means Slack did nothing; so does a connection never made.
 * An `ok: false` is otherwise a refusal (permanent) — but for the errors Slack documents as "some aspect
 * of the operation may have succeeded", and for anything else (a timeout, a reset connection, a 5xx),
 * a write may have reached it: uncertain, so triage looks for the post before posting again.
 */
export function slackFailure(err: unknown, call: CallKind): CallFailure {
  const { code, statusCode, data } = (err ?? {}) as {
    code?: string;
    statusCode?: number;
    data?: PlatformAnswer;
  };
  const reason = describeSlackError(err);
  const options = { cause: err };
  const mayHaveTakenEffect = () =>
    call === 'read' ? new RetryableError(reason, options) : new DeliveryUncertainError(reason, options);
  if (code === ErrorCode.RateLimitedError) return new RetryableError(reason, options);
  if (code === ErrorCode.PlatformError) {
    const error = data?.error ?? '';
    if (PARTLY_DONE.has(error)) return mayHaveTakenEffect();
    if (TRY_LATER.has(error)) return new RetryableError(reason, options);
    return new PermanentError(reason, options);
  }
  if (code === ErrorCode.HTTPError && (statusCode ?? 500) < 500) return new PermanentError(reason, options);
  if (notConnected(err) !== undefined) return new RetryableError(reason, options);
  return mayHaveTakenEffect();
}

/**
 * `ok: false` errors Slack documents as "it's possible some aspect of the operation succeeded before
 * the error was raised": a post may exist, so a write is never answered by a second one blind.
 */
const PARTLY_DONE = new Set(['internal_error', 'fatal_error']);

/** `ok: false` errors that mean "not now" (Slack did nothing): the queue tries again later. */
const TRY_LATER = new Set([
  'service_unavailable',
  'ratelimited',
  'rate_limited',
  'request_timeout',
  'team_added_to_org',
]);

/** What Slack answers with `ok: false`: `needed` names the scopes a missing_scope call lacks. */
type PlatformAnswer = { error?: string; needed?: string };

/** The code of a connection never made: @slack/web-api keeps what our fetch threw as `original`. */
function notConnected(err: unknown): string | undefined {
  const { code, original } = (err ?? {}) as { code?: string; original?: unknown };
  return code === ErrorCode.RequestError && original instanceof NotConnectedError ? original.code : undefined;
}

/** One line for logs and the DLQ: what Slack said, and what to do when it is a setup problem. */
function describeSlackError(err: unknown): string {
  const e = (err ?? {}) as { code?: string; data?: PlatformAnswer; retryAfter?: number; message?: string };
  switch (e.code) {
    case ErrorCode.RateLimitedError:
      return `Slack rate limit: retry after ${e.retryAfter ?? '?'} s`;
    case ErrorCode.PlatformError: {
      const error = typeof e.data?.error === 'string' && e.data.error !== '' ? e.data.error : undefined;
      if (error === undefined) return 'Slack refused the call without an error code';
      if (PARTLY_DONE.has(error)) return `Slack failed partway: ${error} (the call may have taken effect)`;
      if (TRY_LATER.has(error)) return `Slack is not taking the call now: ${error}`;
      const hint = setupHint(e.data ?? {});
      return `Slack refused the call: ${reasonText(error)}${hint ? ` — ${hint}` : ''}`;
    }
    default: {
      const code = notConnected(err);
      if (code !== undefined) return `Slack not reached (${code}): nothing was sent`;
      return `Slack unreachable: ${reasonText(e.message ?? String(err))}`;
    }
  }
}

function setupHint({ error, needed }: PlatformAnswer): string | undefined {
  // Each call needs its own scope (chat:write to post, channels:history to look for a post): say which.
  if (error === 'missing_scope' && needed)
    return `add the ${reasonText(needed)} scope to the app and reinstall it`;
  return Object.hasOwn(SETUP_HINTS, error ?? '') ? SETUP_HINTS[error ?? ''] : undefined;
}

const SETUP_HINTS: Record<string, string> = {
  not_in_channel: 'invite the Heads-up app to the channel (/invite @Heads-up)',
  channel_not_found: 'check SLACK_CHANNEL: it must be a channel id (C…) the app can see',
  invalid_auth: 'check SLACK_BOT_TOKEN (xoxb-…) and that the app is installed',
  not_authed: 'SLACK_BOT_TOKEN is empty',
  missing_scope: 'add the chat:write scope to the app and reinstall it',
};
