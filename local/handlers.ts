/**
 * The triage and notify handlers behind local event sources: Lambda's SQS event source mappings on
 * this machine, with the same handlers and wiring as on AWS.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../functions/aws-clients';
import { type Env, loadNotifyConfig, loadTriageConfig } from '../functions/config/functions';
import { createNotifyHandler } from '../functions/handlers/notify';
import { createTriageHandler } from '../functions/handlers/triage';
import type { IncidentClock } from '../functions/services/incident-writes';
import type { NotifyDeps } from '../functions/services/notify';
import type { TriageDeps } from '../functions/services/triage';
import { createNotifyDeps, createTriageDeps } from '../functions/wiring';
import { FUNCTIONS, QUEUES } from '../lib/definitions';
import { SqsEventSource, type SqsHandler } from './sqs-event-source';

/** Where each handler gets its collaborators for a batch. */
export type HandlerDeps = { triage: () => Promise<TriageDeps>; notify: () => Promise<NotifyDeps> };

/**
 * Collaborators built from the environment, as Lambda builds them from its secrets: once, and again
 * only when a value in `env` changed (templates, SDK clients and config cost 5-13 ms a build). A
 * configuration problem fails the batch (and is logged), not the start, and the next batch tries again.
 */
export function depsFromEnv(env: Env, aws: AwsClients, clock?: IncidentClock): HandlerDeps {
  return {
    triage: builtPerEnv(env, () => createTriageDeps(loadTriageConfig(env), aws, { clock, env })),
    notify: builtPerEnv(env, () => createNotifyDeps(loadNotifyConfig(env), aws, { env })),
  };
}

/** `build`'s result, kept until a value in `env` changes (a key of a few microseconds per batch). */
function builtPerEnv<D>(env: Env, build: () => D): () => Promise<D> {
  let built: { key: string; deps: D } | undefined;
  return async () => {
    const key = JSON.stringify(Object.entries(env));
    if (built?.key !== key) built = { key, deps: build() };
    return built.deps;
  };
}

/** The functions whose invocations a timing hook hears (http: each request the web app answers). */
export type FunctionName = 'triage' | 'notify' | 'http';

/**
 * Hears each invocation as it starts (with its number of records); what it returns is called as it
 * ends. For measurements (the benchmark): nothing in the handlers depends on it.
 */
export type InvocationHook = (fn: FunctionName, records: number) => () => void;

export type LocalHandlers = {
  /** The handlers themselves, to call with a hand-made SQS event. */
  triage: ReturnType<typeof createTriageHandler>;
  notify: ReturnType<typeof createNotifyHandler>;
  triageSource: SqsEventSource;
  notifySource: SqsEventSource;
  stop: () => Promise<void>;
};

export type HandlerOptions = {
  queueUrls: { errors: string; notify: string };
  /** Parallel pollers per queue, like concurrent Lambda invocations. */
  concurrency: { triage: number; notify: number };
  /** Poll from now on; otherwise only when told (`drain`, `pollOnce`: tests). */
  poll: boolean;
  /** Hears the number of batches in progress whenever it changes. */
  onBusy?: (busy: number) => void;
  /** Hears each batch handled, as it starts and ends (the benchmark's durations). */
  onInvocation?: InvocationHook;
  log?: (line: string) => void;
};

export function startHandlers(sqs: SQSClient, deps: HandlerDeps, options: HandlerOptions): LocalHandlers {
  const log = options.log ?? (() => undefined);
  let busy = 0;
  const tracked =
    (name: FunctionName, handler: SqsHandler): SqsHandler =>
    async (event, context) => {
      options.onBusy?.(++busy);
      const ended = options.onInvocation?.(name, event.Records.length);
      try {
        return await handler(event, context);
      } finally {
        ended?.();
        options.onBusy?.(--busy);
      }
    };
  const triage = createTriageHandler(deps.triage);
  const notify = createNotifyHandler(deps.notify);
  const triageSource = new SqsEventSource(sqs, options.queueUrls.errors, tracked('triage', triage), {
    batchSize: QUEUES.errors.batchSize,
    concurrency: options.concurrency.triage,
    fn: { name: 'triage', ...FUNCTIONS.triage },
    onError: (err) => log(`triage: ${(err as Error).message}`),
  });
  const notifySource = new SqsEventSource(sqs, options.queueUrls.notify, tracked('notify', notify), {
    batchSize: QUEUES.notify.batchSize,
    concurrency: options.concurrency.notify,
    fn: { name: 'notify', ...FUNCTIONS.notify },
    onError: (err) => log(`notify: ${(err as Error).message}`),
  });
  if (options.poll) for (const source of [triageSource, notifySource]) source.start();
  return {
    triage,
    notify,
    triageSource,
    notifySource,
    stop: async () => void (await Promise.all([triageSource.stop(), notifySource.stop()])),
  };
}
