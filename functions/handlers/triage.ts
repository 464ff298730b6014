import { loadTriageConfig } from '../adapters/config';
import { internalKindOf, type TriageDeps, triageMessage } from '../services/triage';
import { createTriageDeps } from '../wiring';
import { coldStart, createSqsBatchHandler } from './lambda-support';

/** The triage Lambda: error events (and its own delayed flushes) from the errors queue. */
export const createTriageHandler = (getDeps: () => Promise<TriageDeps>) =>
  createSqsBatchHandler(getDeps, (record, deps) =>
    triageMessage(
      {
        messageId: record.messageId,
        body: record.body,
        internalKind: internalKindOf(record.messageAttributes),
      },
      deps,
    ),
  );

export const handler = createTriageHandler(coldStart((env) => createTriageDeps(loadTriageConfig(env))));
