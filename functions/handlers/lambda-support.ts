import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { SECRETS } from '../../lib/definitions';
import { logger, metrics } from '../adapters/observability';
import { withSecrets } from '../adapters/secrets';
import type { Env } from '../config/functions';

const SECRET_NAMES = Object.values(SECRETS).flatMap((secret) => secret.keys);

/**
 * An SQS batch handler where each record succeeds or fails alone (ReportBatchItemFailures): records
 * run in parallel, a thrown error marks only its record for retry, metrics are flushed per invocation.
 */
export function createSqsBatchHandler<D>(
  getDeps: () => Promise<D>,
  handleRecord: (record: SQSRecord, deps: D) => Promise<unknown>,
) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const deps = await getDeps();
    // One processor per invocation: it keeps the batch's failures on itself, and invocations that
    // overlap (the local stack, tests) would otherwise reset each other's and lose failed records.
    const processor = new BatchProcessor(EventType.SQS);
    try {
      return await processPartialResponse(
        event,
        (record: SQSRecord) => handleRecord(record, deps),
        processor,
        {
          context,
          throwOnFullBatchFailure: false,
        },
      );
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

/**
 * An SQS batch handler that takes the whole batch at once (ReportBatchItemFailures): `handleBatch`
 * answers the message ids to retry, and when it throws every record is retried. Metrics are flushed
 * per invocation. The context (its remaining time) is Lambda's, or the local event source's; a test
 * calling the handler directly may leave it out.
 */
export function createSqsWholeBatchHandler<D>(
  getDeps: () => Promise<D>,
  handleBatch: (records: SQSRecord[], deps: D, context?: Context) => Promise<string[]>,
) {
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const deps = await getDeps();
    const failures = (ids: Set<string>) =>
      event.Records.filter((r) => ids.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId }));
    try {
      return { batchItemFailures: failures(new Set(await handleBatch(event.Records, deps, context))) };
    } catch (err) {
      logger.error('the batch failed as a whole; every record will be retried', {
        reason: (err as Error)?.message,
      });
      return { batchItemFailures: failures(new Set(event.Records.map((r) => r.messageId))) };
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

/**
 * Configuration and secrets, read at cold start and then per invocation from the secrets cache
 * (Powertools, 5 minutes): collaborators are rebuilt only when a secret value changed, so a rotated
 * ingest key or a signing secret put after the deploy takes effect in warm containers too. A problem
 * is logged as one line and retried at the next invocation.
 */
export function depsFollowingSecrets<D>(build: (env: Env) => D): () => Promise<D> {
  let built: { key: string; deps: D } | undefined;
  return async () => {
    try {
      const env = await withSecrets(process.env);
      const key = SECRET_NAMES.map((name) => env[name] ?? '').join('\u0000');
      if (built?.key !== key) built = { key, deps: build(env) };
      return built.deps;
    } catch (err) {
      logger.error((err as Error).message);
      throw err;
    }
  };
}
