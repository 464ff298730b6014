import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { type DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { loadNotifyConfig, loadTriageConfig, loadWebConfig } from '../functions/adapters/config';
import { createNotifyHandler } from '../functions/handlers/notify';
import { createTriageHandler } from '../functions/handlers/triage';
import { createWebApp } from '../functions/web/app';
import { createWebDeps } from '../functions/web/wiring';
import { createNotifyDeps, createTriageDeps } from '../functions/wiring';
import { QUEUES } from '../lib/definitions';
import { canonicalHostname, createConsoleApp, isLoopbackHostname } from './console/routes';
import { localIngestKey } from './dev-key';
import { startDynamoDbLocal } from './dynamodb-local';
import { type IntercomFake, startIntercomFake } from './fakes/intercom-api';
import { type SlackFake, startSlackFake } from './fakes/slack-api';
import { localDynamoClient, localSqsClient } from './local-aws';
import { createQueuePair, createTable, LOCAL_NOTIFY_VISIBILITY_SECONDS } from './resources';
import { SAMPLE_USERS } from './samples';
import { SqsEventSource } from './sqs-event-source';

export { DEV_INGEST_KEY } from './dev-key';

const TABLE_NAME = 'headsup';
const QUEUE_NAME = 'headsup-errors';
const NOTIFY_QUEUE_NAME = 'headsup-notify';
/** Retries come back after 10 s locally instead of Lambda's 3 minutes; the rest is as on AWS. */
const LOCAL_VISIBILITY_SECONDS = 10;

/** Where the stack listens unless told otherwise: this machine only. */
const DEFAULT_HOST = '127.0.0.1';

export type LocalStackOptions = {
  port: number;
  /** Address or host name to listen on (default 127.0.0.1); anything else is reachable from the network. */
  host?: string;
  /** Keep DynamoDB's data in this folder between runs. */
  dataDir?: string;
  env?: Record<string, string | undefined>;
  log?: (line: string) => void;
};

export type LocalStack = {
  url: string;
  /** The address the web server is bound to. */
  address: AddressInfo;
  ingestKey: string;
  /** The Slack stand-in, when no Slack token was given. */
  slackFake?: SlackFake;
  /** The Intercom stand-in, when no Intercom token was given. */
  intercomFake?: IntercomFake;
  /** For measurements (the benchmark): the stack's own AWS clients and resources. */
  aws: {
    dynamo: DynamoDBClient;
    sqs: SQSClient;
    tableName: string;
    errorsQueueUrl: string;
    notifyQueueUrl: string;
  };
  stop: () => Promise<void>;
};

/**
 * Runs the whole pipeline on this machine: DynamoDB Local, the fauxqs SQS emulator, the triage
 * handler behind a local event source mapping, and the web app — the same handlers and wiring as on
 * AWS. Without Slack credentials a loopback stand-in of the Slack API receives the alerts.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const env = { ...(options.env ?? process.env) };
  const log = options.log ?? (() => undefined);
  const cleanups: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };

  const host = options.host ?? DEFAULT_HOST;
  const listenName = canonicalHostname(host);
  if (!listenName) throw new Error(`cannot listen on "${host}": not an IP address or host name`);
  const wildcard = listenName === '0.0.0.0' || listenName === '[::]';
  const loopback = isLoopbackHostname(listenName);
  // A specific non-loopback HOST: links and the ready line name it, since localhost does not reach it.
  const publicHost = loopback || wildcard ? 'localhost' : listenName;
  if (!loopback)
    log(
      `warning: HOST=${host} is not a loopback address: the dev console and the API are reachable from the network on port ${options.port} (the console posts events with the ingest key and signs Slack clicks)`,
    );

  try {
    // Absolute: DynamoDB Local runs with its own package folder as working directory.
    const dbDir = options.dataDir && resolve(options.dataDir, 'dynamodb');
    if (dbDir) mkdirSync(dbDir, { recursive: true });
    const dynamoLocal = await startDynamoDbLocal({ dataDir: dbDir });
    cleanups.push(dynamoLocal.stop);
    // fauxqs is ESM-only and this file runs as CommonJS under tsx: load it with import().
    const { startFauxqs } = await import('fauxqs');
    const sqsServer = await startFauxqs({ port: 0, logger: false });
    cleanups.push(() => sqsServer.stop());

    const dynamo = localDynamoClient(dynamoLocal.endpoint);
    const sqs = localSqsClient(sqsServer.address);
    await createTable(dynamo, TABLE_NAME).then(
      () =>
        log(dbDir ? `DynamoDB: new table, kept in ${dbDir}` : 'DynamoDB: in memory (--persist keeps data)'),
      (err) => {
        if (!(err instanceof ResourceInUseException)) throw err;
        log(`DynamoDB: using the data kept in ${dbDir}`);
      },
    );
    const queues = await createQueuePair(sqs, QUEUE_NAME, {
      visibilityTimeoutSeconds: LOCAL_VISIBILITY_SECONDS,
    });
    const notifyQueues = await createQueuePair(sqs, NOTIFY_QUEUE_NAME, {
      visibilityTimeoutSeconds: LOCAL_NOTIFY_VISIBILITY_SECONDS,
      settings: QUEUES.notify,
    });

    let slackFake: SlackFake | undefined;
    if (!env.SLACK_BOT_TOKEN) {
      slackFake = await startSlackFake();
      cleanups.push(() => slackFake!.close());
      Object.assign(env, { SLACK_BOT_TOKEN: slackFake.token, SLACK_API_URL: slackFake.url });
      env.SLACK_CHANNEL ??= 'C0LOCALDEV1';
      // The stand-in signs the button clicks it forwards, as Slack does.
      env.SLACK_SIGNING_SECRET ??= slackFake.signingSecret;
      log(`Slack: no SLACK_BOT_TOKEN, alerts go to the local stand-in at ${slackFake.url}`);
    }
    let intercomFake: IntercomFake | undefined;
    if (!env.INTERCOM_TOKEN) {
      intercomFake = await startIntercomFake();
      cleanups.push(() => intercomFake!.close());
      // The sample users are known to the stand-in, so their fix messages arrive in the console.
      for (const u of SAMPLE_USERS)
        intercomFake.addContact({ external_id: u.id, email: u.email, name: u.name });
      Object.assign(env, {
        INTERCOM_TOKEN: intercomFake.token,
        INTERCOM_API_URL: intercomFake.url,
        INTERCOM_ADMIN_ID: intercomFake.adminIds[0],
        INTERCOM_APP_ID: env.INTERCOM_APP_ID ?? intercomFake.appId,
      });
      log(`Intercom: no INTERCOM_TOKEN, fix messages go to the local stand-in at ${intercomFake.url}`);
    }
    Object.assign(env, {
      HEADSUP_TABLE: TABLE_NAME,
      HEADSUP_ERRORS_QUEUE_URL: queues.queueUrl,
      HEADSUP_ERRORS_DLQ_URL: queues.dlqUrl,
      HEADSUP_NOTIFY_QUEUE_URL: notifyQueues.queueUrl,
      HEADSUP_INGEST_KEYS: env.HEADSUP_INGEST_KEYS ?? localIngestKey(env),
      HEADSUP_PUBLIC_URL: env.HEADSUP_PUBLIC_URL ?? `http://${publicHost}:${options.port}`,
      // The package's own templates unless told otherwise: the stack may run from any directory.
      HEADSUP_TEMPLATES: env.HEADSUP_TEMPLATES ?? join(__dirname, '..', 'templates'),
    });

    const aws = { dynamo, sqs };
    const webDeps = createWebDeps(loadWebConfig(env), aws);
    const triage = createTriageHandler(async () => createTriageDeps(loadTriageConfig(env), aws));
    const source = new SqsEventSource(sqs, queues.queueUrl, triage, {
      concurrency: 2,
      onError: (err) => log(`triage: ${(err as Error).message}`),
    });
    source.start();
    cleanups.push(() => source.stop());
    const notify = createNotifyHandler(async () => createNotifyDeps(loadNotifyConfig(env), aws));
    const notifySource = new SqsEventSource(sqs, notifyQueues.queueUrl, notify, {
      concurrency: QUEUES.notify.maxConcurrency,
      onError: (err) => log(`notify: ${(err as Error).message}`),
    });
    notifySource.start();
    cleanups.push(() => notifySource.stop());

    let baseUrl = `http://127.0.0.1:${options.port}`;
    let port = options.port;
    const extraHosts = loopback ? [] : ownHostnames(listenName, wildcard);
    const root = new Hono();
    root.route(
      '/',
      createConsoleApp({
        slack: slackFake,
        intercom: intercomFake,
        inspectQueue: (name) => sqsServer.inspectQueue(name),
        dlqNames: [`${QUEUE_NAME}-dlq`, `${NOTIFY_QUEUE_NAME}-dlq`],
        baseUrl: () => baseUrl,
        ingestKey: webDeps.ingest.keys[0]!,
        // New on every start: a page kept open from an earlier run (or any other) cannot drive it.
        token: randomBytes(32).toString('base64url'),
        port: () => port,
        extraHosts: () => extraHosts,
      }),
    );
    root.route('/', createWebApp(webDeps));
    const server = await listen(root.fetch, options.port, host);
    cleanups.push(() => new Promise((r) => server.close(r)));
    const address = server.address() as AddressInfo;
    port = address.port;
    if (!loopback) extraHosts.push(selfHost(address.address));
    baseUrl = `http://${selfHost(address.address)}:${port}`;
    return {
      url: `http://${publicHost}:${port}`,
      address,
      ingestKey: webDeps.ingest.keys[0]!,
      slackFake,
      intercomFake,
      aws: {
        dynamo,
        sqs,
        tableName: TABLE_NAME,
        errorsQueueUrl: queues.queueUrl,
        notifyQueueUrl: notifyQueues.queueUrl,
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The names this machine answers to when HOST is deliberately not loopback: HOST and its addresses. */
function ownHostnames(listenName: string, wildcard: boolean): string[] {
  const names = [listenName];
  if (wildcard) {
    names.push(hostname().toLowerCase());
    for (const nic of Object.values(networkInterfaces()))
      for (const { address } of nic ?? []) names.push(canonicalHostname(address) ?? address);
  }
  return names;
}

/** How the stack calls its own routes: the bound address, or loopback when bound to all of them. */
function selfHost(address: string): string {
  if (address === '0.0.0.0' || address === '::') return '127.0.0.1';
  return canonicalHostname(address) ?? address;
}

/** Serves the app, turning "port taken" into a sentence instead of a stack trace. */
function listen(
  fetch: Parameters<typeof serve>[0]['fetch'],
  port: number,
  hostname: string,
): Promise<ReturnType<typeof serve>> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname });
    server.once('listening', () => resolve(server));
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} is already in use: stop what runs there or start with PORT=<another port>`
            : `cannot listen on ${hostname} port ${port}: ${err.message}`,
        ),
      ),
    );
  });
}
