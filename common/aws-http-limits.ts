/**
 * Every AWS SDK client's HTTP limits, in one place: a hung connection fails that call in seconds (and
 * the SDK retries it) instead of running into the Lambda timeout and failing the whole batch.
 * The request timeout counts from the start of an attempt, connecting included, so one call takes at
 * most attempts × request timeout + the retry back-off (≤ 0.1 s + 0.2 s with the standard strategy):
 * 3 × 2.5 s + 0.3 s = 7.8 s, below the shortest function timeout (http, 10 s; triage and notify 30 s)
 * and leaving the function time to answer. DynamoDB, SQS and Secrets Manager answer in milliseconds;
 * `throwOnRequestTimeout` makes the request timeout an error instead of a logged warning.
 */
export const AWS_HTTP_LIMITS = {
  maxAttempts: 3,
  /** Worst-case back-off between the attempts of the SDK's standard retry strategy, in total. */
  maxRetryDelayMs: 300,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_500, throwOnRequestTimeout: true },
  /**
   * The local stack's and tests' clients of DynamoDB Local and fauxqs: those are far slower than AWS
   * under a burst, and a request waiting for one of the client's 50 sockets counts against both
   * timeouts. Wider, still finite: a hung emulator fails the call instead of stalling the stack.
   */
  emulatorRequestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000, throwOnRequestTimeout: true },
} as const;

/** The client options that apply `AWS_HTTP_LIMITS`; every client we build spreads them in. */
export function awsClientLimits(target: 'aws' | 'emulator' = 'aws') {
  const handler = target === 'aws' ? AWS_HTTP_LIMITS.requestHandler : AWS_HTTP_LIMITS.emulatorRequestHandler;
  return { maxAttempts: AWS_HTTP_LIMITS.maxAttempts, requestHandler: { ...handler } };
}
