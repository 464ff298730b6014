import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { serve } from '@hono/node-server';
import { startFauxqs } from 'fauxqs';
import { nanoid } from 'nanoid';
import type { NotifyConfig, TriageConfig } from '../../functions/adapters/config';
import { sentKey } from '../../functions/adapters/table-items';
import { createNotifyHandler } from '../../functions/handlers/notify';
import { createTriageHandler } from '../../functions/handlers/triage';
import type { TriageDeps } from '../../functions/services/triage';
import { createWebApp } from '../../functions/web/app';
import { createWebDeps } from '../../functions/web/wiring';
import { createNotifyDeps, createTriageDeps } from '../../functions/wiring';
import { QUEUES } from '../../lib/definitions';
import { type IntercomFake, startIntercomFake } from '../../local/fakes/intercom-api';
import { type SlackFake, startSlackFake } from '../../local/fakes/slack-api';
import { localDynamoClient, localSqsClient } from '../../local/local-aws';
import { createQueuePair, createTable } from '../../local/resources';
import { SqsEventSource } from '../../local/sqs-event-source';

export const PUBLIC_URL = 'https://headsup.test';
export const INGEST_KEY = 'test-ingest-key-0123456789';
export const SIGNING_SECRET = 'test-signing-secret';
export const HELPSCOUT_SECRET = 'test-helpscout-secret';
export const INTERCOM_APP_ID = 'fakeapp1';
export const TEMPLATES_DIR = join(__dirname, '..', '..', 'templates');

/** A fresh table in the run's DynamoDB Local (started by the global setup). */
export async function freshTable() {
  const dynamo = localDynamoClient(process.env.AWS_ENDPOINT_URL_DYNAMODB!);
  const tableName = `headsup-${randomUUID().slice(0, 8)}`;
  await createTable(dynamo, tableName);
  return { dynamo, tableName };
}

export type Pipeline = Awaited<ReturnType<typeof startPipeline>>;

/**
 * The pipeline wired as on AWS, with real parts: DynamoDB Local, the fauxqs SQS emulator, the loopback
 * Slack and Intercom fakes behind the real SDKs, and Lambda's SQS semantics from local event sources
 * for the errors and notify queues. Only visibility timeouts are shortened, so retries come back in 1 s.
 */
export async function startPipeline(
  options: { concurrency?: number; linkTtlSeconds?: number; templatesDir?: string } = {},
) {
  const { dynamo, tableName } = await freshTable();
  const sqsServer = await startFauxqs({ port: 0, logger: false });
  const sqs = localSqsClient(sqsServer.address);
  const queues = await createQueuePair(sqs, 'errors', { visibilityTimeoutSeconds: 1 });
  const notifyQueues = await createQueuePair(sqs, 'notify', {
    visibilityTimeoutSeconds: 1,
    settings: QUEUES.notify,
  });
  const slack = await startSlackFake({
    allowedLinkPrefixes: [`${PUBLIC_URL}/e/`, 'https://app.intercom.com/'],
  });
  const intercom: IntercomFake = await startIntercomFake({ appId: INTERCOM_APP_ID });
  const templatesDir = options.templatesDir ?? TEMPLATES_DIR;
  const messages = { publicUrl: PUBLIC_URL, intercomAppId: INTERCOM_APP_ID };
  const config: TriageConfig = {
    tableName,
    errorsQueueUrl: queues.queueUrl,
    errorsDlqUrl: queues.dlqUrl,
    notifyQueueUrl: notifyQueues.queueUrl,
    templatesDir,
    slack: { token: slack.token, channel: 'C0HEADSUP1', apiUrl: slack.url },
    messages,
    linkTtlSeconds: options.linkTtlSeconds ?? 86400,
  };
  const notifyConfig: NotifyConfig = {
    tableName,
    templatesDir,
    intercom: { token: intercom.token, adminId: intercom.adminIds[0]!, apiUrl: intercom.url },
    slack: { token: slack.token, apiUrl: slack.url },
    messages,
  };
  const deps: TriageDeps = { ...createTriageDeps(config, { dynamo, sqs }), newLinkId: () => nanoid() };
  const handler = createTriageHandler(async () => deps);
  const notifyDeps = createNotifyDeps(notifyConfig, { dynamo, sqs });
  const notifyHandler = createNotifyHandler(async () => notifyDeps);
  const web = createWebDeps(
    {
      tableName,
      errorsQueueUrl: queues.queueUrl,
      notifyQueueUrl: notifyQueues.queueUrl,
      ingestKeys: ['older-ingest-key-98765', INGEST_KEY],
      slackSigningSecret: SIGNING_SECRET,
      helpScoutSecret: HELPSCOUT_SECRET,
      publicUrl: PUBLIC_URL,
      linkTtlSeconds: config.linkTtlSeconds,
    },
    { dynamo, sqs },
  );
  const app = createWebApp(web);
  const servers: ReturnType<typeof serve>[] = [];
  const source = new SqsEventSource(sqs, queues.queueUrl, handler, { concurrency: options.concurrency ?? 1 });
  const notifySource = new SqsEventSource(sqs, notifyQueues.queueUrl, notifyHandler);

  return {
    config,
    notifyConfig,
    notifyDeps,
    notifyHandler,
    notifySource,
    notifyQueues,
    intercom,
    dynamo,
    deps,
    handler,
    store: deps.store,
    sqs,
    sqsServer,
    queues,
    slack: slack as SlackFake,
    source,
    web,
    app,
    /** Serves the web app over real HTTP on a free loopback port; returns its base URL. */
    async serveWeb(): Promise<string> {
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
      servers.push(server);
      await new Promise((r) => server.once('listening', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
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
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: notifyQueues.queueUrl }),
      );
      return Messages[0]!.Body!;
    },
    /** Deletes a user's cooldown guard, as DynamoDB's TTL does once the cooldown is over. */
    async forgetCooldown(recipient: string, templateId: string): Promise<void> {
      const key = Object.entries(sentKey(recipient, templateId)).map(([k, v]) => [k, { S: v }]);
      await dynamo.send(new DeleteItemCommand({ TableName: tableName, Key: Object.fromEntries(key) }));
    },
    async close(): Promise<void> {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
      await slack.close();
      await intercom.close();
      await sqsServer.stop();
      sqs.destroy();
      dynamo.destroy();
    },
  };
}
