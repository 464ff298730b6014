import type { SQSRecord } from 'aws-lambda';
import { INTERNAL_MESSAGE_ATTRIBUTE } from '../../lib/definitions';
import { loadTriageConfig } from '../config/functions';
import { type TriageDeps, triageMessage } from '../services/triage';
import { createTriageDeps } from '../wiring';
import { createSqsBatchHandler, depsFollowingSecrets } from './lambda-support';

/** Our marker attribute, in Lambda's spelling of an SQS record's message attributes. */
const internalKindOf = (record: SQSRecord) =>
  record.messageAttributes?.[INTERNAL_MESSAGE_ATTRIBUTE]?.stringValue;

/** The triage Lambda: error events (and its own delayed flushes) from the errors queue. */
export const createTriageHandler = (getDeps: () => Promise<TriageDeps>) =>
  createSqsBatchHandler(getDeps, (record, deps) =>
    triageMessage(
      {
        messageId: record.messageId,
        body: record.body,
        internalKind: internalKindOf(record),
      },
      deps,
    ),
  );

export const handler = createTriageHandler(
  depsFollowingSecrets((env) => createTriageDeps(loadTriageConfig(env))),
);
