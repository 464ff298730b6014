import { ErrorCode } from '@slack/web-api';
import {
  type CallFailure,
  DeliveryUncertainError,
  PermanentError,
  RetryableError,
} from '../services/failures';
import type { CallKind } from './errors';

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

/** What Slack answers with `ok: false`: `needed` names the scopes a missing_scope call lacks. */
type PlatformAnswer = { error?: string; needed?: string };

/** One line for logs and the DLQ: what Slack said, and what to do when it is a setup problem. */
function describeSlackError(err: unknown): string {
  const e = (err ?? {}) as { code?: string; data?: PlatformAnswer; retryAfter?: number; message?: string };
  switch (e.code) {
    case ErrorCode.RateLimitedError:
      return `Slack rate limit: retry after ${e.retryAfter ?? '?'} s`;
    case ErrorCode.PlatformError: {
      const hint = setupHint(e.data ?? {});
      return `Slack refused the call: ${e.data?.error}${hint ? ` — ${hint}` : ''}`;
    }
    default:
      return `Slack unreachable: ${e.message ?? String(err)}`;
  }
}

function setupHint({ error, needed }: PlatformAnswer): string | undefined {
  // Each call needs its own scope (chat:write to post, channels:history to look for a post): say which.
  if (error === 'missing_scope' && needed) return `add the ${needed} scope to the app and reinstall it`;
  return SETUP_HINTS[error ?? ''];
}

const SETUP_HINTS: Record<string, string> = {
  not_in_channel: 'invite the Heads-up app to the channel (/invite @Heads-up)',
  channel_not_found: 'check SLACK_CHANNEL: it must be a channel id (C…) the app can see',
  invalid_auth: 'check SLACK_BOT_TOKEN (xoxb-…) and that the app is installed',
  not_authed: 'SLACK_BOT_TOKEN is empty',
  missing_scope: 'add the chat:write scope to the app and reinstall it',
};
