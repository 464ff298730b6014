/**
 * The long-lived half of the local pipeline for a chaos run — what on AWS does not die with a Lambda
 * container: DynamoDB Local, the SQS emulator, the Slack and Intercom stand-ins and the web app
 * (ingest). The handlers run elsewhere (`child-supervisor.ts`); `handlersEnv` is what they need.
 * Built from the same parts as `local/stack.ts`, with the handlers left out.
 */
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { serve } from '@hono/node-server';
import { loadWebConfig } from '../../functions/adapters/config';
import { createWebApp } from '../../functions/web/app';
import { createWebDeps } from '../../functions/web/wiring';
import { QUEUES } from '../../lib/definitions';
import { DEV_INGEST_KEY } from '../../local/dev-key';
import { startDynamoDbLocal } from '../../local/dynamodb-local';
import { type IntercomFake, startIntercomFake } from '../../local/fakes/intercom-api';
import { type SlackFake, startSlackFake } from '../../local/fakes/slack-api';
import { HANDLERS_ENV } from '../../local/handlers-process';
import { localDynamoClient, localSqsClient } from '../../local/local-aws';
import {
  createQueuePair,
  createTable,
  LOCAL_NOTIFY_VISIBILITY_SECONDS,
  type QueueUrls,
} from '../../local/resources';

const TABLE_NAME = 'headsup';
export const QUEUE_NAMES = { errors: 'headsup-errors', notify: 'headsup-notify' } as const;
const SLACK_CHANNEL = 'C0CHAOS0001';

export type QueueInspector = (name: string) =>
  | {
      messages: {
        ready: InspectedMessage[];
        delayed: InspectedMessage[];
        inflight: Array<{ message: InspectedMessage }>;
      };
    }
  | undefined;

export type InspectedMessage = {
  messageId: string;
  body: string;
  approximateReceiveCount: number;
  messageAttributes: Record<string, { StringValue?: string }>;
};

export type ChaosStack = {
  url: string;
  ingestKey: string;
  slack: SlackFake;
  intercom: IntercomFake;
  dynamo: DynamoDBClient;
  sqs: SQSClient;
  tableName: string;
  channel: string;
  errors: QueueUrls;
  notify: QueueUrls;
  /** Non-destructive look at every message of a queue (the emulator's own view). */
  inspectQueue: QueueInspector;
  /** The environment of the handlers process: the functions' variables and the emulators' endpoints. */
  handlersEnv: Record<string, string | undefined>;
  stop: () => Promise<void>;
};

export async function startChaosStack(options: { visibilitySeconds: number }): Promise<ChaosStack> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const dynamoLocal = await startDynamoDbLocal();
    cleanups.push(dynamoLocal.stop);
    // fauxqs is ESM-only and this file runs as CommonJS under tsx: load it with import().
    const { startFauxqs } = await import('fauxqs');
    const sqsServer = await startFauxqs({ port: 0, logger: false });
    cleanups.push(() => sqsServer.stop());
    const dynamo = localDynamoClient(dynamoLocal.endpoint);
    const sqs = localSqsClient(sqsServer.address);
    await createTable(dynamo, TABLE_NAME);
    const visibilityTimeoutSeconds = options.visibilitySeconds;
    const errors = await createQueuePair(sqs, QUEUE_NAMES.errors, { visibilityTimeoutSeconds });
    const notify = await createQueuePair(sqs, QUEUE_NAMES.notify, {
      visibilityTimeoutSeconds: Math.max(visibilityTimeoutSeconds, LOCAL_NOTIFY_VISIBILITY_SECONDS),
      settings: QUEUES.notify,
    });
    const slack = await startSlackFake();
    cleanups.push(() => slack.close());
    const intercom = await startIntercomFake();
    cleanups.push(() => intercom.close());

    const env: Record<string, string | undefined> = {
      ...withoutStackVariables(process.env),
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.url,
      SLACK_CHANNEL,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      INTERCOM_TOKEN: intercom.token,
      INTERCOM_API_URL: intercom.url,
      INTERCOM_ADMIN_ID: intercom.adminIds[0],
      INTERCOM_APP_ID: intercom.appId,
      HEADSUP_TABLE: TABLE_NAME,
      HEADSUP_ERRORS_QUEUE_URL: errors.queueUrl,
      HEADSUP_ERRORS_DLQ_URL: errors.dlqUrl,
      HEADSUP_NOTIFY_QUEUE_URL: notify.queueUrl,
      HEADSUP_INGEST_KEYS: DEV_INGEST_KEY,
      HEADSUP_TEMPLATES: join(__dirname, '..', '..', 'templates'),
      [HANDLERS_ENV.dynamoEndpoint]: dynamoLocal.endpoint,
      [HANDLERS_ENV.sqsEndpoint]: sqsServer.address,
    };
    const webDeps = createWebDeps(loadWebConfig(env), { dynamo, sqs });
    const server = serve({ fetch: createWebApp(webDeps).fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    cleanups.push(() => new Promise((r) => server.close(r)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    env.HEADSUP_PUBLIC_URL = url;
    return {
      url,
      ingestKey: DEV_INGEST_KEY,
      slack,
      intercom,
      dynamo,
      sqs,
      tableName: TABLE_NAME,
      channel: SLACK_CHANNEL,
      errors,
      notify,
      inspectQueue: (name) => sqsServer.inspectQueue(name),
      handlersEnv: env,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A developer's own Slack, Intercom or AWS settings must not leak into the run. */
function withoutStackVariables(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(env).filter(([key]) => !/^(SLACK_|INTERCOM_|HEADSUP_|AWS_ENDPOINT_URL)/.test(key)),
  );
}
