import { nanoid } from 'nanoid';
import { createDocumentClient, DynamoStore } from '../adapters/dynamo-store';
import { DynamoIncidentStore } from '../adapters/incident-store';
import { logger } from '../adapters/observability';
import { EventQueue, IncidentMessages, NotifyQueue } from '../adapters/sqs-queue';
import { type AwsClients, createAwsClients } from '../aws-clients';
import type { WebConfig } from '../config/functions';
import { applyAlertAction } from '../services/alert-actions';
import { type IncidentClock, timersOn } from '../services/incident-writes';
import type { WebDeps } from './app';

// Its own module, apart from functions/wiring.ts: the http bundle then carries no templates, Slack
// or Intercom code it never runs (services/incidents.ts imports Slack's message builders, pure code).
/** Builds the web app's collaborators (the http function and the local stack). */
export function createWebDeps(
  config: WebConfig,
  aws: AwsClients = createAwsClients(),
  clock?: IncidentClock,
): WebDeps {
  const documents = createDocumentClient(aws.dynamo);
  const store = new DynamoStore(documents, config.tableName);
  const incidentDeps = {
    store,
    incidents: new DynamoIncidentStore(documents, config.tableName),
    timers: timersOn(clock, new IncidentMessages(aws.sqs, config.errorsQueueUrl)),
    now: Date.now,
    clock: clock?.clock ?? Date.now,
    log: logger,
  };
  return {
    store,
    log: logger,
    now: Date.now,
    ingest: {
      keys: config.ingestKeys,
      queue: new EventQueue(aws.sqs, config.errorsQueueUrl),
      newId: () => nanoid(),
      log: logger,
    },
    slackActions: {
      signingSecret: config.slackSigningSecret,
      notifyQueue: new NotifyQueue(aws.sqs, config.notifyQueueUrl),
      alertActions: { apply: (action, by) => applyAlertAction(action, by, incidentDeps) },
      log: logger,
    },
    helpScout: {
      secret: config.helpScoutSecret,
      publicUrl: config.publicUrl,
      linkTtlSeconds: config.linkTtlSeconds,
      store,
      log: logger,
    },
  };
}
