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
} as const;

export const QUEUES = {
  errors: {
    /** Lambda's guidance: at least 6 × the consuming function's timeout. */
    visibilityTimeoutSeconds: 6 * FUNCTIONS.triage.timeoutSeconds,
    maxReceiveCount: 5,
    batchSize: 10,
    maxBatchingWindowSeconds: 1,
    /**
     * Concurrent triage invocations at most: a burst of distinct errors stays near Slack's ~1 message/s
     * per channel (429s are retried through the queue) and hot group items are not stampeded.
     */
    maxConcurrency: 5,
    retentionDays: 14,
  },
} as const;

/** Environment variables the functions read besides the public ones of design §8. */
export const WIRING_ENV = {
  table: 'HEADSUP_TABLE',
  errorsQueueUrl: 'HEADSUP_ERRORS_QUEUE_URL',
  errorsDlqUrl: 'HEADSUP_ERRORS_DLQ_URL',
  /** ARN of the Secrets Manager secret holding the tokens (a JSON object keyed by variable name). */
  secretArn: 'HEADSUP_SECRET_ARN',
  /** ARN of the secret holding the ingest keys (generated at deploy, so never a placeholder). */
  ingestSecretArn: 'HEADSUP_INGEST_SECRET_ARN',
} as const;

/** Keys of the JSON secret on AWS; locally the same names are read from the environment. */
export const SECRET_KEYS = ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET'] as const;
/** Key of the ingest secret: comma-separated keys, so a new one can be added before the old goes. */
export const INGEST_SECRET_KEY = 'HEADSUP_INGEST_KEYS';

/** Message attribute that marks Heads-up's own messages on the errors queue (never set by producers). */
export const INTERNAL_MESSAGE_ATTRIBUTE = 'headsup-internal';
/** Message attribute carrying the reason a message was sent to the DLQ. */
export const DLQ_REASON_ATTRIBUTE = 'headsup-reason';
/**
 * Value the CDK stack writes for every SECRET_KEYS entry: the template never holds a real token, so
 * the runtime treats this value as "not configured yet" and fails with a clear line.
 */
export const SECRET_PLACEHOLDER = 'REPLACE_ME';
