import type { SQSRecord } from 'aws-lambda';
import { INTERNAL_MESSAGE_ATTRIBUTE } from '../../lib/definitions';
import { loadCompiledTeam } from '../adapters/compiled-team';
import { loadCompiledTemplates } from '../adapters/compiled-templates';
import { loadTriageConfig } from '../config/functions';
import { triageDeps } from '../deps';
import { type TriageDeps, triageBatch } from '../services/triage';
import { createSqsWholeBatchHandler, depsFollowingSecrets } from './lambda-support';

/** Our marker attribute, in Lambda's spelling of an SQS record's message attributes. */
const internalKindOf = (record: SQSRecord) =>
  record.messageAttributes?.[INTERNAL_MESSAGE_ATTRIBUTE]?.stringValue;

/** The triage Lambda: error events (and its own delayed flushes) from the errors queue, a batch at once. */
export const createTriageHandler = (getDeps: () => Promise<TriageDeps>) =>
  createSqsWholeBatchHandler(getDeps, (records, deps) =>
    triageBatch(
      records.map((record) => ({
        messageId: record.messageId,
        body: record.body,
        internalKind: internalKindOf(record),
      })),
      deps,
    ),
  );

export const handler = createTriageHandler(
  // The templates and the team as precompiled into the bundle: it carries no template compiler or YAML.
  depsFollowingSecrets((env) =>
    triageDeps(loadTriageConfig(env), { templates: loadCompiledTemplates, team: loadCompiledTeam }),
  ),
);
