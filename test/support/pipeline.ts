import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { sentKey } from '../../functions/adapters/table-items';
import { loadNotifyConfig, loadTriageConfig } from '../../functions/config/functions';
import { createNotifyDeps, createTriageDeps } from '../../functions/wiring';
import { startHandlers } from '../../local/handlers';
import { localDynamoClient } from '../../local/local-aws';
import { startLocalPipeline } from '../../local/pipeline';
import { createTable } from '../../local/resources';
import { receiveMessages } from './queues';

export const PUBLIC_URL = 'https://headsup.test';
export const INGEST_KEY = 'test-ingest-key-0123456789';
export const SIGNING_SECRET = 'test-signing-secret';
export const HELPSCOUT_SECRET = 'test-helpscout-secret';
export const INTERCOM_APP_ID = 'fakeapp1';
export const TEMPLATES_DIR = join(__dirname, '..', '..', 'templates');

/** The run's DynamoDB Local (started by the global setup). */
const dynamoEndpoint = () => process.env.AWS_ENDPOINT_URL_DYNAMODB!;
const newTableName = () => `headsup-${randomUUID().slice(0, 8)}`;

/** A fresh table in the run's DynamoDB Local. */
export async function freshTable() {
  const dynamo = localDynamoClient(dynamoEndpoint());
  const tableName = newTableName();
  await createTable(dynamo, tableName);
  return { dynamo, tableName };
}

export type Pipeline = Awaited<ReturnType<typeof startPipeline>>;

/**
 * The local pipeline (`local/pipeline.ts`) with a fresh table in the run's DynamoDB Local and its own
 * SQS emulator: the loopback Slack and Intercom fakes behind the real SDKs, and Lambda's SQS semantics
 * from local event sources, which the tests drive (`drain`, `pollOnce`). The handlers share one set
 * of collaborators that a test may change (e.g. `now`). Only visibility timeouts are shortened, so
 * retries come back in 1 s.
 */
export async function startPipeline(
  options: {
    concurrency?: number;
    linkTtlSeconds?: number;
    templatesDir?: string;
    /** The incident flow this many times faster than real time (local/clock.ts). */
    clockSpeed?: number;
    /** More of the functions' settings (e.g. HEADSUP_ONCALL). */
    env?: Record<string, string>;
    /** Mentions the Slack fake accepts: the team file's people. */
    allowedMentions?: string[];
  } = {},
) {
  const local = await startLocalPipeline({
    dynamoEndpoint: dynamoEndpoint(),
    names: { table: newTableName(), errors: 'errors', notify: 'notify' },
    visibilityTimeoutSeconds: { errors: 1, notify: 1 },
    slackFake: {
      allowedLinkPrefixes: [`${PUBLIC_URL}/e/`, 'https://app.intercom.com/'],
      allowedMentions: options.allowedMentions,
    },
    clockSpeed: options.clockSpeed,
    intercomFake: { appId: INTERCOM_APP_ID },
    env: {
      SLACK_CHANNEL: 'C0HEADSUP1',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      HELPSCOUT_SECRET,
      HEADSUP_PUBLIC_URL: PUBLIC_URL,
      HEADSUP_INGEST_KEYS: `older-ingest-key-98765,${INGEST_KEY}`,
      HEADSUP_LINK_TTL: `${options.linkTtlSeconds ?? 86400}s`,
      HEADSUP_TEMPLATES: options.templatesDir ?? TEMPLATES_DIR,
      ...options.env,
    },
  });
  const { aws, sqsEndpoint } = local.emulators;
  const { dynamo, sqs } = aws;
  const config = loadTriageConfig(local.env);
  const notifyConfig = loadNotifyConfig(local.env);
  const deps = createTriageDeps(config, aws, { clock: local.clock, env: local.env });
  const notifyDeps = createNotifyDeps(notifyConfig, aws, { env: local.env });
  const handlers = startHandlers(
    sqs,
    { triage: async () => deps, notify: async () => notifyDeps },
    {
      queueUrls: { errors: local.errors.queueUrl, notify: local.notify.queueUrl },
      concurrency: { triage: options.concurrency ?? 1, notify: 1 },
      poll: false,
    },
  );
  const queues = local.errors;
  const source = handlers.triageSource;

  return {
    config,
    notifyConfig,
    notifyDeps,
    notifyHandler: handlers.notify,
    notifySource: handlers.notifySource,
    notifyQueues: local.notify,
    intercom: local.intercomFake!,
    pagerDuty: local.pagerDutyFake!,
    dynamo,
    deps,
    handler: handlers.triage,
    store: deps.store,
    sqs,
    sqsEndpoint,
    queues,
    slack: local.slackFake!,
    source,
    web: local.webDeps,
    app: local.webApp,
    /** Serves the web app over real HTTP on a free loopback port; returns its base URL. */
    async serveWeb(): Promise<string> {
      const { address } = await local.listen(local.webApp.fetch, 0, '127.0.0.1');
      return `http://127.0.0.1:${address.port}`;
    },
    /** Sends bodies to the errors queue as producers would (SendMessageBatch, 10 at a time). */
    async send(bodies: string[]): Promise<void> {
      const chunks: string[][] = [];
      for (let i = 0; i < bodies.length; i += 10) chunks.push(bodies.slice(i, i + 10));
      await Promise.all(
        chunks.map((chunk) =>
          sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: queues.queueUrl,
              Entries: chunk.map((body, i) => ({ Id: String(i), MessageBody: body })),
            }),
          ),
        ),
      );
    },
    /** Runs triage on one event and hands back the notify job it queued (to call notify directly). */
    async queuedNotifyJob(event: string): Promise<string> {
      await this.send([event]);
      await source.drain();
      const [job] = await receiveMessages(sqs, local.notify.queueUrl);
      return job!.Body!;
    },
    /** Deletes a user's cooldown guard, as DynamoDB's TTL does once the cooldown is over. */
    async forgetCooldown(recipient: string, templateId: string): Promise<void> {
      const key = Object.entries(sentKey(recipient, templateId)).map(([k, v]) => [k, { S: v }]);
      await dynamo.send(new DeleteItemCommand({ TableName: config.tableName, Key: Object.fromEntries(key) }));
    },
    async close(): Promise<void> {
      await handlers.stop();
      await local.stop();
    },
  };
}
