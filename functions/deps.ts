import { nanoid } from 'nanoid';
import { FUNCTIONS } from '../lib/definitions';
import { createDocumentClient, DynamoStore } from './adapters/dynamo-store';
import { createIntercomClient, IntercomMessenger } from './adapters/intercom';
import { NotifyStore } from './adapters/notify-store';
import { logger, metrics } from './adapters/observability';
import { createSlackClient, SlackChannel, SlackThreads } from './adapters/slack';
import { ErrorsQueue, NotifyQueue } from './adapters/sqs-queue';
import { type AwsClients, createAwsClients } from './aws-clients';
import type { NotifyConfig, TriageConfig } from './config/functions';
import { LINK_ID_LENGTH } from './core/links';
import { PendingFlushes } from './core/pending-flushes';
import type { FixTemplate } from './core/templates/parse';
import type { NotifyDeps } from './services/notify';
import type { TriageDeps } from './services/triage';

// The composition root of the triage and notify functions, for Lambda and the local stack alike: the
// Lambda handlers call it with the templates precompiled into their bundle, functions/wiring.ts (the
// local stack, the tests) with the templates read from their `*.md` files.

/**
 * Reads the fix templates of a folder: precompiled (adapters/compiled-templates) or from the `*.md`
 * files (adapters/template-files). Chosen by the caller, so that a bundle carries only the one it runs.
 */
export type TemplateLoader = (dir: string) => FixTemplate[];

/**
 * How long a fix guard may stay "sending" before its attempt is judged dead: a little past the notify
 * function's timeout, which no attempt outlives. The local notify queue's retries are timed from it.
 */
export const NOTIFY_SENDING_STALE_MS = (FUNCTIONS.notify.timeoutSeconds + 15) * 1000;

/** Builds the triage function's collaborators. The same wiring runs on Lambda and locally. */
export function triageDeps(
  config: TriageConfig,
  loadTemplates: TemplateLoader,
  aws: AwsClients = createAwsClients(),
): TriageDeps {
  return {
    store: new DynamoStore(createDocumentClient(aws.dynamo), config.tableName),
    slack: new SlackChannel(createSlackClient(config.slack), config.slack.channel),
    queue: new ErrorsQueue(aws.sqs, config.errorsQueueUrl, config.errorsDlqUrl),
    notifyQueue: new NotifyQueue(aws.sqs, config.notifyQueueUrl),
    templates: loadTemplates(config.templatesDir),
    messages: config.messages,
    linkTtlSeconds: config.linkTtlSeconds,
    now: Date.now,
    newLinkId: () => nanoid(LINK_ID_LENGTH), // the alphabet isLinkId expects
    pendingFlushes: new PendingFlushes(),
    log: logger,
    metrics,
  };
}

/** Builds the notify function's collaborators. */
export function notifyDeps(
  config: NotifyConfig,
  loadTemplates: TemplateLoader,
  aws: AwsClients = createAwsClients(),
): NotifyDeps {
  return {
    // The links, the guards and the outcomes, read and written a batch at a time.
    store: new NotifyStore(createDocumentClient(aws.dynamo), config.tableName),
    intercom: new IntercomMessenger(createIntercomClient(config.intercom), config.intercom.adminId),
    // Thread replies and parent updates only: each group's stored Slack reference names the channel.
    slack: new SlackThreads(createSlackClient(config.slack)),
    templates: loadTemplates(config.templatesDir),
    messages: config.messages,
    retryLater: new NotifyQueue(aws.sqs, config.notifyQueueUrl),
    sendingStaleMs: NOTIFY_SENDING_STALE_MS,
    now: Date.now,
    log: logger,
    metrics,
  };
}
