/**
 * The triage and notify handlers behind local event sources: Lambda's SQS event source mappings on
 * this machine, with the same handlers and wiring as on AWS.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../functions/aws-clients';
import { type Env, loadNotifyConfig, loadTriageConfig } from '../functions/config/functions';
import { createNotifyHandler } from '../functions/handlers/notify';
import { createTriageHandler } from '../functions/handlers/triage';
import type { NotifyDeps } from '../functions/services/notify';
import type { TriageDeps } from '../functions/services/triage';
import { createNotifyDeps, createTriageDeps } from '../functions/wiring';
import { SqsEventSource, type SqsHandler } from './sqs-event-source';

/** Where each handler gets its collaborators for a batch. */
export type HandlerDeps = { triage: () => Promise<TriageDeps>; notify: () => Promise<NotifyDeps> };

/**
 * Collaborators built from the environment for every batch: a configuration problem fails the batch
 * (and is logged), not the start.
 */
export function depsFromEnv(env: Env, aws: AwsClients): HandlerDeps {
  return {
    triage: async () => createTriageDeps(loadTriageConfig(env), aws),
    notify: async () => createNotifyDeps(loadNotifyConfig(env), aws),
  };
}

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
  log?: (line: string) => void;
};

export function startHandlers(sqs: SQSClient, deps: HandlerDeps, options: HandlerOptions): LocalHandlers {
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
  const triage = createTriageHandler(deps.triage);
  const notify = createNotifyHandler(deps.notify);
  const triageSource = new SqsEventSource(sqs, options.queueUrls.errors, tracked(triage), {
    concurrency: options.concurrency.triage,
    onError: (err) => log(`triage: ${(err as Error).message}`),
  });
  const notifySource = new SqsEventSource(sqs, options.queueUrls.notify, tracked(notify), {
    concurrency: options.concurrency.notify,
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
