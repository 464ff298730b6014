import { nanoid } from 'nanoid';
import { createDocumentClient, DynamoStore } from '../adapters/dynamo-store';
import { logger } from '../adapters/observability';
import { EventQueue, NotifyQueue } from '../adapters/sqs-queue';
import { type AwsClients, createAwsClients } from '../aws-clients';
import type { WebConfig } from '../config/functions';
import type { WebDeps } from './app';

// Its own module, apart from functions/wiring.ts: the http bundle then carries no templates, Slack
// or Intercom code it never runs.
/** Builds the web app's collaborators (the http function and the local stack). */
export function createWebDeps(config: WebConfig, aws: AwsClients = createAwsClients()): WebDeps {
  const store = new DynamoStore(createDocumentClient(aws.dynamo), config.tableName);
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
