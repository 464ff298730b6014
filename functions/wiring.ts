import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { nanoid } from 'nanoid';
import {
  DEFAULT_LINK_TTL_SECONDS,
  type NotifyConfig,
  type TriageConfig,
  type WebConfig,
} from './adapters/config';
import { createDocumentClient, DynamoStore } from './adapters/dynamo-store';
import { createIntercomClient, IntercomMessenger } from './adapters/intercom';
import { NotifyStore } from './adapters/notify-store';
import { logger, metrics } from './adapters/observability';
import { createSlackClient, SlackChannel, SlackThreads } from './adapters/slack';
import { ErrorsQueue, EventQueue, NotifyQueue } from './adapters/sqs-queue';
import { loadTemplates } from './adapters/template-files';
import type { NotifyDeps } from './services/notify';
import type { TriageDeps } from './services/triage';
import type { WebDeps } from './web/app';

/** AWS SDK clients; endpoints come from the SDK's own AWS_ENDPOINT_URL_* variables locally. */
export type AwsClients = { dynamo: DynamoDBClient; sqs: SQSClient };

export function createAwsClients(): AwsClients {
  // The configured endpoint, not each queue URL's host: AWS_ENDPOINT_URL_SQS must win locally (on AWS
  // both are the same).
  return { dynamo: new DynamoDBClient({}), sqs: new SQSClient({ useQueueUrlAsEndpoint: false }) };
}

/** Builds the triage function's collaborators. The same wiring runs on Lambda and locally. */
export function createTriageDeps(config: TriageConfig, aws: AwsClients = createAwsClients()): TriageDeps {
  return {
    store: new DynamoStore(createDocumentClient(aws.dynamo), config.tableName),
    slack: new SlackChannel(createSlackClient(config.slack), config.slack.channel),
    queue: new ErrorsQueue(aws.sqs, config.errorsQueueUrl, config.errorsDlqUrl),
    notifyQueue: new NotifyQueue(aws.sqs, config.notifyQueueUrl),
    templates: loadTemplates(config.templatesDir),
    messages: config.messages,
    linkTtlSeconds: config.linkTtlSeconds,
    now: Date.now,
    newLinkId: () => nanoid(), // 21 characters, 126 random bits: an unguessable capability URL
    log: logger,
    metrics,
  };
}

/** Builds the web app's collaborators (the http function and the local stack). */
export function createWebDeps(config: WebConfig, aws: AwsClients = createAwsClients()): WebDeps {
  const store = new DynamoStore(createDocumentClient(aws.dynamo), config.tableName);
  return {
    store,
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
      linkTtlSeconds: config.linkTtlSeconds ?? DEFAULT_LINK_TTL_SECONDS,
      store,
      log: logger,
    },
  };
}

/** Builds the notify function's collaborators. */
export function createNotifyDeps(config: NotifyConfig, aws: AwsClients = createAwsClients()): NotifyDeps {
  const db = createDocumentClient(aws.dynamo);
  return {
    store: new DynamoStore(db, config.tableName),
    guard: new NotifyStore(db, config.tableName),
    intercom: new IntercomMessenger(createIntercomClient(config.intercom), config.intercom.adminId),
    // Thread replies and parent updates only: each group's stored Slack reference names the channel.
    slack: new SlackThreads(createSlackClient(config.slack)),
    templates: loadTemplates(config.templatesDir),
    messages: config.messages,
    now: Date.now,
    log: logger,
    metrics,
  };
}
