/**
 * The triage and notify handlers behind their local event sources, as a process of their own: what
 * a Lambda container is to the queues. The process that starts it owns DynamoDB Local, the SQS
 * emulator and the API stand-ins, and passes everything in the environment:
 * `HEADSUP_LOCAL_DYNAMODB_ENDPOINT`, `HEADSUP_LOCAL_SQS_ENDPOINT` and the functions' own variables.
 *
 * A process's entry calls `runHandlersProcess` (optionally changing the AWS clients first, e.g. adding
 * SDK middleware) and serves until killed. Over IPC (when forked) it reports `{ type: 'ready' }` once
 * polling and `{ type: 'busy', busy }` whenever the number of batches being handled changes.
 */
import { loadNotifyConfig, loadTriageConfig } from '../functions/adapters/config';
import type { AwsClients } from '../functions/aws-clients';
import { createNotifyHandler } from '../functions/handlers/notify';
import { createTriageHandler } from '../functions/handlers/triage';
import { createNotifyDeps, createTriageDeps } from '../functions/wiring';
import { QUEUES } from '../lib/definitions';
import { localDynamoClient, localSqsClient } from './local-aws';
import { SqsEventSource, type SqsHandler } from './sqs-event-source';

export const HANDLERS_ENV = {
  dynamoEndpoint: 'HEADSUP_LOCAL_DYNAMODB_ENDPOINT',
  sqsEndpoint: 'HEADSUP_LOCAL_SQS_ENDPOINT',
} as const;

export type HandlersMessage = { type: 'ready' } | { type: 'busy'; busy: number };

export type LocalHandlers = { sources: SqsEventSource[]; stop: () => Promise<void> };

/**
 * Starts both event sources with the same handlers and wiring as on AWS, at the functions' own
 * maximum concurrency. `onBusy` hears the number of batches in progress whenever it changes.
 */
export function startHandlers(
  env: Record<string, string | undefined>,
  aws: AwsClients,
  options: { onBusy?: (busy: number) => void; log?: (line: string) => void } = {},
): LocalHandlers {
  const log = options.log ?? (() => undefined);
  let busy = 0;
  const tracked =
    (handler: SqsHandler): SqsHandler =>
    async (event) => {
      options.onBusy?.(++busy);
      try {
        return await handler(event);
      } finally {
        options.onBusy?.(--busy);
      }
    };
  const triage = createTriageHandler(async () => createTriageDeps(loadTriageConfig(env), aws));
  const notify = createNotifyHandler(async () => createNotifyDeps(loadNotifyConfig(env), aws));
  const sources = [
    new SqsEventSource(aws.sqs, required(env, 'HEADSUP_ERRORS_QUEUE_URL'), tracked(triage), {
      concurrency: QUEUES.errors.maxConcurrency,
      onError: (err) => log(`triage: ${(err as Error).message}`),
    }),
    new SqsEventSource(aws.sqs, required(env, 'HEADSUP_NOTIFY_QUEUE_URL'), tracked(notify), {
      concurrency: QUEUES.notify.maxConcurrency,
      onError: (err) => log(`notify: ${(err as Error).message}`),
    }),
  ];
  for (const source of sources) source.start();
  return { sources, stop: async () => void (await Promise.all(sources.map((s) => s.stop()))) };
}

/** The clients this process talks to the parent's emulators with. */
function localClientsFromEnv(env: Record<string, string | undefined>): AwsClients {
  return {
    dynamo: localDynamoClient(required(env, HANDLERS_ENV.dynamoEndpoint)),
    sqs: localSqsClient(required(env, HANDLERS_ENV.sqsEndpoint)),
  };
}

/** The process's main: clients (changed by `prepare`, if given), handlers, IPC reports. */
export function runHandlersProcess(prepare: (aws: AwsClients) => void = () => undefined): LocalHandlers {
  const aws = localClientsFromEnv(process.env);
  prepare(aws);
  const report = (message: HandlersMessage) => process.send?.(message);
  const handlers = startHandlers(process.env, aws, {
    onBusy: (busy) => report({ type: 'busy', busy }),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  // The parent going away ends this process too: no handlers may outlive their stack.
  process.on('disconnect', () => process.exit(0));
  report({ type: 'ready' });
  return handlers;
}

function required(env: Record<string, string | undefined>, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`handlers process: ${name} is not set`);
  return value;
}
