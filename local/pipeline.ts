/**
 * The whole pipeline on this machine, as the local stack, the tests and the chaos run use it: the
 * emulators, Heads-up's table and queues in them, the Slack and Intercom stand-ins wherever no token
 * names the real service, the functions' environment pointing at all of it, the web app and, when
 * asked, the triage and notify handlers polling their queues.
 */
import { join } from 'node:path';
import { type DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { type Env, loadWebConfig } from '../functions/config/functions';
import { ingestKeys } from '../functions/config/settings';
import type { IncidentClock } from '../functions/services/incident-writes';
import { createWebApp, type WebDeps } from '../functions/web/app';
import { createWebDeps } from '../functions/web/wiring';
import { QUEUES, WIRING_ENV } from '../lib/definitions';
import { acceleratedClock } from './clock';
import { DEV_INGEST_KEY } from './dev-key';
import { type LocalEmulators, startEmulators } from './emulators';
import type { IntercomFake, IntercomFakeOptions } from './fakes/intercom-api';
import type { PagerDutyFake } from './fakes/pagerduty-api';
import type { SlackFake, SlackFakeOptions } from './fakes/slack-api';
import { depsFromEnv, type InvocationHook, type LocalHandlers, startHandlers } from './handlers';
import { createQueuePair, createTable, type QueueUrls } from './resources';
import { listen, type WebServer } from './serve';
import { startStandIns } from './stand-ins';

/** The names the local stack and the chaos run give their table and queues (each DLQ: `<queue>-dlq`). */
export const LOCAL_NAMES = { table: 'headsup', errors: 'headsup-errors', notify: 'headsup-notify' };

/** The package's own templates: the pipeline may run from any directory. */
const TEMPLATES_DIR = join(__dirname, '..', 'templates');

export type LocalPipelineOptions = {
  /** A DynamoDB Local already running (the test run's); without it one is started. */
  dynamoEndpoint?: string;
  /** Keep DynamoDB's data in this folder between runs; the table found there is used as it is. */
  dataDir?: string;
  names?: typeof LOCAL_NAMES;
  /** Shorter than on AWS, so that a failed record comes back soon; the rest is as on AWS. */
  visibilityTimeoutSeconds: { errors: number; notify: number };
  /** The functions' own settings; the pipeline adds its table, queues, stand-ins and defaults. */
  env: Env;
  slackFake?: SlackFakeOptions;
  intercomFake?: IntercomFakeOptions;
  /**
   * Pollers per queue, with the handlers' collaborators built from the environment for each batch.
   * Without them nothing polls: tests drive their own handlers, the chaos run forks a process.
   */
  pollers?: { triage: number; notify: number };
  /** Runs the incident flow this many times faster than real time (local/clock.ts); default 1. */
  clockSpeed?: number;
  /** Hears each batch the pollers hand to triage or notify, as it starts and ends (the benchmark). */
  onInvocation?: InvocationHook;
  log?: (line: string) => void;
};

export type LocalPipeline = {
  emulators: LocalEmulators;
  tableName: string;
  errors: QueueUrls;
  notify: QueueUrls;
  /** The Slack stand-in, when no Slack token was given. */
  slackFake?: SlackFake;
  /** The Intercom stand-in, when no Intercom token was given. */
  intercomFake?: IntercomFake;
  /** The PagerDuty stand-in, when no routing key was given. */
  pagerDutyFake?: PagerDutyFake;
  /** The functions' environment: the given one, completed. */
  env: Env;
  webDeps: WebDeps;
  /** The incident flow's clock, when it runs faster than real time. */
  clock?: IncidentClock;
  webApp: ReturnType<typeof createWebApp>;
  handlers?: LocalHandlers;
  /** Serves an app (the web app, or one around it) until `stop`; "port taken" is a sentence. */
  listen: (fetch: Parameters<typeof listen>[0], port: number, hostname: string) => Promise<WebServer>;
  /** Stops everything started here, the last started first. */
  stop: () => Promise<void>;
};

export async function startLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  const log = options.log ?? (() => undefined);
  const names = options.names ?? LOCAL_NAMES;
  const env: Env = { ...options.env };
  const cleanups: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const emulators = await startEmulators({
      dynamoEndpoint: options.dynamoEndpoint,
      dataDir: options.dataDir,
    });
    cleanups.push(emulators.stop);
    const { aws } = emulators;
    await createOrKeepTable(aws.dynamo, names.table, options.dataDir, log);
    const errors = await createQueuePair(aws.sqs, names.errors, {
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds.errors,
    });
    const notify = await createQueuePair(aws.sqs, names.notify, {
      visibilityTimeoutSeconds: options.visibilityTimeoutSeconds.notify,
      settings: QUEUES.notify,
    });

    const { slackFake, intercomFake, pagerDutyFake, close } = await startStandIns(
      env,
      { slack: options.slackFake, intercom: options.intercomFake },
      log,
    );
    cleanups.push(close);
    Object.assign(env, {
      [WIRING_ENV.table]: names.table,
      [WIRING_ENV.errorsQueueUrl]: errors.queueUrl,
      [WIRING_ENV.errorsDlqUrl]: errors.dlqUrl,
      [WIRING_ENV.notifyQueueUrl]: notify.queueUrl,
    });
    env[ingestKeys.env] ??= DEV_INGEST_KEY;
    env[WIRING_ENV.templates] ??= TEMPLATES_DIR;

    const clock =
      options.clockSpeed && options.clockSpeed !== 1 ? acceleratedClock(options.clockSpeed) : undefined;
    const webDeps = createWebDeps(loadWebConfig(env), aws, clock);
    const handlers =
      options.pollers &&
      startHandlers(aws.sqs, depsFromEnv(env, aws, clock), {
        queueUrls: { errors: errors.queueUrl, notify: notify.queueUrl },
        concurrency: options.pollers,
        poll: true,
        onInvocation: options.onInvocation,
        log,
      });
    if (handlers) cleanups.push(handlers.stop);
    return {
      emulators,
      tableName: names.table,
      errors,
      notify,
      slackFake,
      intercomFake,
      pagerDutyFake,
      env,
      webDeps,
      clock,
      webApp: createWebApp(webDeps),
      handlers,
      listen: async (fetch, port, hostname) => {
        const server = await listen(fetch, port, hostname);
        cleanups.push(server.close);
        return server;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Creates the table; with `dataDir`, one found there (kept from an earlier run) is used as it is. */
async function createOrKeepTable(
  dynamo: DynamoDBClient,
  tableName: string,
  dataDir: string | undefined,
  log: (line: string) => void,
): Promise<void> {
  try {
    await createTable(dynamo, tableName);
    log(dataDir ? `DynamoDB: new table, kept in ${dataDir}` : 'DynamoDB: in memory (--persist keeps data)');
  } catch (err) {
    if (!(dataDir && err instanceof ResourceInUseException)) throw err;
    log(`DynamoDB: using the data kept in ${dataDir}`);
  }
}
