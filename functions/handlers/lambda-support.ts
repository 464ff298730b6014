import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { Env } from '../adapters/config';
import { logger, metrics } from '../adapters/observability';
import { withSecrets } from '../adapters/secrets';

/**
 * An SQS batch handler where each record succeeds or fails alone (ReportBatchItemFailures): records
 * run in parallel, a thrown error marks only its record for retry, metrics are flushed per invocation.
 */
export function createSqsBatchHandler<D>(
  getDeps: () => Promise<D>,
  handleRecord: (record: SQSRecord, deps: D) => Promise<unknown>,
) {
  const processor = new BatchProcessor(EventType.SQS);
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const deps = await getDeps();
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
 * Configuration and secrets read once per container (cold start) and cached; a problem is logged as
 * one line and retried at the next invocation.
 */
export function coldStart<D>(build: (env: Env) => D): () => Promise<D> {
  let deps: Promise<D> | undefined;
  return () => {
    deps ??= withSecrets(process.env)
      .then(build)
      .catch((err: Error) => {
        deps = undefined;
        logger.error(err.message);
        throw err;
      });
    return deps;
  };
}
