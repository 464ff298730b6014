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
import type { AwsClients } from '../functions/aws-clients';
import { errorsQueueUrl, notifyQueueUrl } from '../functions/config/settings';
import { QUEUES } from '../lib/definitions';
import { depsFromEnv, type LocalHandlers, startHandlers } from './handlers';
import { localDynamoClient, localSqsClient } from './local-aws';

export const HANDLERS_ENV = {
  dynamoEndpoint: 'HEADSUP_LOCAL_DYNAMODB_ENDPOINT',
  sqsEndpoint: 'HEADSUP_LOCAL_SQS_ENDPOINT',
} as const;

export type HandlersMessage = { type: 'ready' } | { type: 'busy'; busy: number };

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
  const handlers = startHandlers(aws.sqs, depsFromEnv(process.env, aws), {
    queueUrls: {
      errors: required(process.env, errorsQueueUrl.env),
      notify: required(process.env, notifyQueueUrl.env),
    },
    // As many pollers as the functions may run at once on AWS.
    concurrency: { triage: QUEUES.errors.maxConcurrency, notify: QUEUES.notify.maxConcurrency },
    poll: true,
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
