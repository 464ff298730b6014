/**
 * How a call to Slack or Intercom failed, in the terms the services decide by. The adapters turn their
 * SDK's errors into these, so a service never needs to know an SDK. The message is the reason: one
 * safe line (it never quotes an event or a token) for logs, the alert's thread and the detail page.
 */

/** The other side did nothing, or the call changes nothing (a read): making it again is safe. */
export class RetryableError extends Error {
  override name = 'RetryableError';
}

/**
 * The call may have taken effect — the answer was lost (a timeout, a dropped connection) or came as
 * a 5xx after the request was taken. Its outcome is unknown: never make it again blind.
 */
export class DeliveryUncertainError extends Error {
  override name = 'DeliveryUncertainError';
}

/** Refused for a reason a retry cannot fix (a 4xx: a bad token, a missing scope); nothing was done. */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

export type CallFailure = RetryableError | DeliveryUncertainError | PermanentError;

/** For a write: true when the other side answered that it did nothing, so no trace of it can exist. */
export function refused(err: unknown): err is RetryableError | PermanentError {
  return err instanceof RetryableError || err instanceof PermanentError;
}

/** The reason to log or show for whatever was thrown. */
export function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
