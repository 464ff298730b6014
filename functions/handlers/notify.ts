import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { loadNotifyConfig } from '../adapters/config';
import { logger, metrics } from '../adapters/observability';
import { withSecrets } from '../adapters/secrets';
import { type NotifyDeps, notifyMessage } from '../services/notify';
import { createNotifyDeps } from '../wiring';

/** SQS batch handler for fix messages: a job that must be retried fails alone (ReportBatchItemFailures). */
export function createNotifyHandler(getDeps: () => Promise<NotifyDeps>) {
  const processor = new BatchProcessor(EventType.SQS);
  return async (event: SQSEvent, context?: Context): Promise<SQSBatchResponse> => {
    const deps = await getDeps();
    const handleRecord = (record: SQSRecord) => notifyMessage(record.body, deps);
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

let deps: Promise<NotifyDeps> | undefined;

/** Configuration, secrets and templates are read once per container; a problem is one log line. */
function coldStartDeps(): Promise<NotifyDeps> {
  deps ??= withSecrets(process.env)
    .then((env) => createNotifyDeps(loadNotifyConfig(env)))
    .catch((err: Error) => {
      deps = undefined;
      logger.error(err.message);
      throw err;
    });
  return deps;
}

export const handler = createNotifyHandler(coldStartDeps);
