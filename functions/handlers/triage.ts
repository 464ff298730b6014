import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { loadTriageConfig } from '../adapters/config';
import { logger, metrics } from '../adapters/observability';
import { withSecrets } from '../adapters/secrets';
import { internalKindOf, type TriageDeps, triageMessage } from '../services/triage';
import { createTriageDeps } from '../wiring';

/** SQS batch handler: each record succeeds or fails alone (ReportBatchItemFailures). */
export function createTriageHandler(getDeps: () => Promise<TriageDeps>) {
  const processor = new BatchProcessor(EventType.SQS);
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const deps = await getDeps();
    const handleRecord = (record: SQSRecord) =>
      triageMessage(
        {
          messageId: record.messageId,
          body: record.body,
          internalKind: internalKindOf(record.messageAttributes),
        },
        deps,
      );
    try {
      return await processPartialResponse(event, handleRecord, processor, {
        context,
        throwOnFullBatchFailure: false,
      });
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

let deps: Promise<TriageDeps> | undefined;

/** Configuration and secrets are read once per container (cold start) and cached. */
function coldStartDeps(): Promise<TriageDeps> {
  deps ??= withSecrets(process.env)
    .then((env) => createTriageDeps(loadTriageConfig(env)))
    .catch((err: Error) => {
      deps = undefined;
      logger.error(err.message);
      throw err;
    });
  return deps;
}

export const handler = createTriageHandler(coldStartDeps);
