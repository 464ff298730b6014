/**
 * The one definition of Heads-up's table, queues and function settings. The CDK stack and the local
 * stack both read this file, so key names, the index, the TTL attribute and the redrive counts cannot
 * drift apart. Plain data only: runtime code imports it too.
 */

export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Epoch seconds; DynamoDB TTL deletes lazily, so every read also checks it. */
  ttlAttribute: 'expiresAt',
  customerIndex: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
} as const;

export const FUNCTIONS = {
  triage: { timeoutSeconds: 30, memoryMb: 1024 },
  http: { timeoutSeconds: 10, memoryMb: 512 },
  notify: { timeoutSeconds: 30, memoryMb: 512 },
} as const;

export const QUEUES = {
  errors: {
    /** Lambda's guidance: at least 6 × the consuming function's timeout. */
    visibilityTimeoutSeconds: 6 * FUNCTIONS.triage.timeoutSeconds,
    maxReceiveCount: 5,
    /**
     * Triage writes a batch's occurrences in one transaction per ~40 events: large batches are what
     * make an event cost a fraction of a request. Over 10, Lambda needs a batching window.
     */
    batchSize: 100,
    maxBatchingWindowSeconds: 1,
    /**
     * Concurrent triage invocations at most: a burst of distinct errors stays near Slack's ~1 message/s
     * per channel (429s are retried through the queue) and hot group items are not stampeded.
     */
    maxConcurrency: 5,
    retentionDays: 14,
  },
  notify: {
    visibilityTimeoutSeconds: 6 * FUNCTIONS.notify.timeoutSeconds,
    maxReceiveCount: 5,
    /** Notify decides 20 jobs per round (two reads, two transactions): two rounds per invocation. */
    batchSize: 40,
    maxBatchingWindowSeconds: 1,
    /**
     * Two invocations × 10 jobs × ~3 Intercom calls each stay far below Intercom's 10 000 calls/min
     * per app (enforced in 10-second windows), however large a burst of auto fixes.
     */
    maxConcurrency: 2,
    retentionDays: 14,
  },
} as const;

/** Environment variables the functions read besides the public ones (README → Configuration). */
export const WIRING_ENV = {
  table: 'HEADSUP_TABLE',
  errorsQueueUrl: 'HEADSUP_ERRORS_QUEUE_URL',
  errorsDlqUrl: 'HEADSUP_ERRORS_DLQ_URL',
  notifyQueueUrl: 'HEADSUP_NOTIFY_QUEUE_URL',
  /** Folder of the fix templates (bundled next to the triage and notify handlers on AWS). */
  templates: 'HEADSUP_TEMPLATES',
} as const;

/**
 * The secrets, split by who reads them (least privilege), each a JSON object keyed by variable name.
 * Only the ARN is in a function's environment (`arnEnv`); locally the same names come from the
 * environment directly. Each key is a setting's variable, spelled out because this file stays plain
 * data (functions/config/settings.ts reads it); test/unit/config.test.ts holds the two lists together.
 */
export const SECRETS = {
  /** Outbound API tokens: triage posts to Slack, notify calls Intercom and Slack. */
  tokens: {
    arnEnv: 'HEADSUP_SECRET_ARN',
    keys: ['SLACK_BOT_TOKEN', 'INTERCOM_TOKEN', 'PAGERDUTY_ROUTING_KEY'],
  },
  /** Inbound request verification: the http function checks Slack and Help Scout signatures. */
  webhooks: { arnEnv: 'HEADSUP_WEBHOOK_SECRET_ARN', keys: ['SLACK_SIGNING_SECRET', 'HELPSCOUT_SECRET'] },
  /** Ingest keys: comma-separated, so a new one can be added before the old goes; generated at deploy. */
  ingest: { arnEnv: 'HEADSUP_INGEST_SECRET_ARN', keys: ['HEADSUP_INGEST_KEYS'] },
} as const;

/** Message attribute that marks Heads-up's own messages on the errors queue (never set by producers). */
export const INTERNAL_MESSAGE_ATTRIBUTE = 'headsup-internal';
/** Message attribute carrying the reason a message was sent to the DLQ. */
export const DLQ_REASON_ATTRIBUTE = 'headsup-reason';
/**
 * Value the CDK stack writes for every key of the tokens and webhooks secrets: the template never holds
 * a real token, so the runtime treats this value as "not configured yet" and fails with a clear line.
 */
export const SECRET_PLACEHOLDER = 'REPLACE_ME';
