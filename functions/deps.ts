import { nanoid } from 'nanoid';
import { FUNCTIONS } from '../lib/definitions';
import { createDocumentClient, DynamoStore } from './adapters/dynamo-store';
import { DynamoIncidentStore } from './adapters/incident-store';
import { createIntercomClient, IntercomMessenger } from './adapters/intercom';
import { NotifyStore } from './adapters/notify-store';
import { logger, metrics } from './adapters/observability';
import { createPager } from './adapters/pagerduty';
import { createSlackClient, SlackChannel, SlackThreads } from './adapters/slack';
import { ErrorsQueue, IncidentMessages, NotifyQueue } from './adapters/sqs-queue';
import { type AwsClients, createAwsClients } from './aws-clients';
import type { NotifyConfig, TriageConfig } from './config/functions';
import { LINK_ID_LENGTH } from './core/links';
import { SettledGroups } from './core/oncall/settled-groups';
import type { Team } from './core/oncall/team-schema';
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

/**
 * Reads the on-call team: the JSON a bundle carries (adapters/compiled-team) or the YAML team file
 * (adapters/team-file). Undefined: no team file, on-call off.
 */
export type TeamLoader = (templatesDir: string) => Team | undefined;

/** Builds the triage function's collaborators. The same wiring runs on Lambda and locally. */
export function triageDeps(
  config: TriageConfig,
  load: { templates: TemplateLoader; team: TeamLoader },
  aws: AwsClients = createAwsClients(),
): TriageDeps {
  const documents = createDocumentClient(aws.dynamo);
  return {
    store: new DynamoStore(documents, config.tableName),
    incidents: new DynamoIncidentStore(documents, config.tableName),
    slack: new SlackChannel(createSlackClient(config.slack), config.slack.channel),
    queue: new ErrorsQueue(aws.sqs, config.errorsQueueUrl, config.errorsDlqUrl),
    timers: new IncidentMessages(aws.sqs, config.errorsQueueUrl),
    notifyQueue: new NotifyQueue(aws.sqs, config.notifyQueueUrl),
    templates: load.templates(config.templatesDir),
    team: load.team(config.templatesDir),
    pager:
      config.pagerDuty.routingKey === undefined
        ? undefined
        : createPager({ routingKey: config.pagerDuty.routingKey, apiUrl: config.pagerDuty.apiUrl }),
    messages: config.messages,
    linkTtlSeconds: config.linkTtlSeconds,
    now: Date.now,
    clock: Date.now,
    newLinkId: () => nanoid(LINK_ID_LENGTH), // the alphabet isLinkId expects
    pendingFlushes: new PendingFlushes(),
    settledGroups: new SettledGroups(),
    log: logger,
    metrics,
  };
}

/** Builds the notify function's collaborators. */
export function notifyDeps(
  config: NotifyConfig,
  load: { templates: TemplateLoader; team: TeamLoader },
  aws: AwsClients = createAwsClients(),
): NotifyDeps {
  return {
    // The links, the guards and the outcomes, read and written a batch at a time.
    store: new NotifyStore(createDocumentClient(aws.dynamo), config.tableName),
    intercom: new IntercomMessenger(createIntercomClient(config.intercom), config.intercom.adminId),
    // Thread replies and parent updates only: each group's stored Slack reference names the channel.
    slack: new SlackThreads(createSlackClient(config.slack)),
    templates: load.templates(config.templatesDir),
    inappSeenWithinSeconds: config.intercom.inappSeenWithinSeconds,
    // What fix messages promise about a reply (`response.*`), from the same team file as triage's.
    team: load.team(config.templatesDir),
    messages: config.messages,
    retryLater: new NotifyQueue(aws.sqs, config.notifyQueueUrl),
    sendingStaleMs: NOTIFY_SENDING_STALE_MS,
    now: Date.now,
    log: logger,
    metrics,
  };
}
