import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { nanoid } from 'nanoid';
import type { TriageConfig, WebConfig } from './adapters/config';
import { createDocumentClient, DynamoStore } from './adapters/dynamo-store';
import { logger, metrics } from './adapters/observability';
import { createSlackClient, SlackChannel } from './adapters/slack';
import { ErrorsQueue, EventQueue } from './adapters/sqs-queue';
import type { TriageDeps } from './services/triage';
import type { WebDeps } from './web/app';

/** AWS SDK clients; endpoints come from the SDK's own AWS_ENDPOINT_URL_* variables locally. */
export type AwsClients = { dynamo: DynamoDBClient; sqs: SQSClient };

export function createAwsClients(): AwsClients {
  return { dynamo: new DynamoDBClient({}), sqs: new SQSClient({}) };
}

/** Builds the triage function's collaborators. The same wiring runs on Lambda and locally. */
export function createTriageDeps(config: TriageConfig, aws: AwsClients = createAwsClients()): TriageDeps {
  return {
    store: new DynamoStore(createDocumentClient(aws.dynamo), config.tableName),
    slack: new SlackChannel(createSlackClient(config.slack), config.slack.channel),
    queue: new ErrorsQueue(aws.sqs, config.errorsQueueUrl, config.errorsDlqUrl),
    publicUrl: config.publicUrl,
    linkTtlSeconds: config.linkTtlSeconds,
    now: Date.now,
    newLinkId: () => nanoid(), // 21 characters, 126 random bits: an unguessable capability URL
    log: logger,
    metrics,
  };
}

/** Builds the web app's collaborators (the http function and the local stack). */
export function createWebDeps(config: WebConfig, aws: AwsClients = createAwsClients()): WebDeps {
  return {
    store: new DynamoStore(createDocumentClient(aws.dynamo), config.tableName),
    now: Date.now,
    ingest: {
      keys: config.ingestKeys,
      queue: new EventQueue(aws.sqs, config.errorsQueueUrl),
      newId: () => nanoid(),
      log: logger,
    },
  };
}
