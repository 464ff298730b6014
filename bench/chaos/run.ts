/**
 * One chaos run: the long-lived half of the pipeline here, the handlers in a process that is killed
 * at random, faults in the Slack and Intercom stand-ins and in the handlers' DynamoDB client, the
 * workload at its rate; then wait until everything settled and audit what came out.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { loadTemplates } from '../../functions/adapters/template-files';
import type { InspectedMessage, QueueInspector } from '../../local/emulators';
import { seededRandom } from '../../local/samples';
import { auditEvents, type EventAudit } from './audit-events';
import { auditIntercom, type IntercomAudit } from './audit-intercom';
import { auditSlack, type SlackAudit } from './audit-slack';
import { ChildSupervisor, type SupervisorFigures } from './child-supervisor';
import { type SendFigures, sendWorkload } from './driver';
import type { ChaosOptions } from './options';
import { waitUntilSettled } from './settle';
import { QUEUE_NAMES, startChaosStack } from './stack';
import { scanTable } from './table-scan';
import { buildWorkload } from './workload';

export type ChaosResult = {
  options: ChaosOptions;
  startedAt: string;
  startupMs: number;
  sendMs: number;
  /** From the last event sent until the queues were empty and no handler busy; null: not settled. */
  settleMs: number | null;
  sent: SendFigures['sent'];
  refused: SendFigures['refused'];
  handlers: SupervisorFigures;
  events: EventAudit;
  slack: SlackAudit;
  intercom: IntercomAudit;
  notifyDlq: number;
  /** Up to 20 fix jobs from the notify DLQ, with what their detail item says about the fix. */
  notifyDlqExamples: Array<{ job: string; linkOutcome?: string }>;
  /** What was still queued at the end (only when the run did not settle): for the post-mortem. */
  leftover: Record<string, Array<{ receives: number; attributes: string; body: string }>>;
  logFile: string;
};

/** Where the alerts' "Open in Intercom" links point. */
const INTERCOM_APP_URL = 'https://app.intercom.com/';

export async function runChaos(
  options: ChaosOptions,
  files: { log: string },
  say: (line: string) => void,
  /** Hears how to tear everything down, for an interrupted run (Ctrl-C). */
  onTeardown: (teardown: () => Promise<void>) => void = () => undefined,
): Promise<ChaosResult> {
  const began = Date.now();
  const workload = buildWorkload({
    rate: options.rate,
    seconds: options.seconds,
    seed: options.seed,
    shares: options.workload,
  });
  const stack = await startChaosStack({ visibilitySeconds: options.visibilitySeconds });
  const log = createWriteStream(files.log);
  const supervisor = new ChildSupervisor({
    env: stack.handlersEnv,
    dynamoFaults: options.dynamo,
    seed: options.seed,
    killEveryMs: options.killEveryMs,
    random: seededRandom(options.seed + 2),
    log,
  });
  const teardown = async () => {
    await supervisor.stop();
    await new Promise((r) => log.end(r));
    await stack.stop();
  };
  onTeardown(teardown);
  try {
    for (const user of workload.intercomUsers) {
      stack.intercom.addContact({ external_id: String(user.id), email: user.email, name: user.name });
    }
    stack.slack.failRandomly(options.slack, seededRandom(options.seed + 3));
    stack.intercom.failRandomly(options.intercom, seededRandom(options.seed + 4));
    await supervisor.start();
    const startupMs = Date.now() - began;
    say(`chaos: stack up in ${(startupMs / 1000).toFixed(1)} s; sending ${workload.events.length} events`);

    const sent = await sendWorkload(workload, {
      url: stack.url,
      ingestKey: stack.ingestKey,
      sqs: stack.sqs,
      errorsQueueUrl: stack.errors.queueUrl,
    });
    // From here on the faults go on but no process is killed: the settle time is the recovery.
    supervisor.stopKilling();
    say(`chaos: sent in ${((sent.lastSentAt - sent.startedAt) / 1000).toFixed(1)} s; settling`);
    const settledAt = await waitUntilSettled(
      stack.sqs,
      [stack.errors.queueUrl, stack.notify.queueUrl],
      () => supervisor.idle() && !supervisor.failure,
      options.settleTimeoutMs,
      (depths) => say(`chaos: still in the queues (errors, notify): ${depths.join(', ')}`),
    );
    if (supervisor.failure) throw supervisor.failure;
    await supervisor.stop();

    const templates = loadTemplates(String(stack.handlersEnv.HEADSUP_TEMPLATES));
    const table = await scanTable(stack.dynamo, stack.tableName);
    const notifyDlq = allMessages(stack.inspectQueue, `${QUEUE_NAMES.notify}-dlq`);
    return {
      options,
      startedAt: new Date(began).toISOString(),
      startupMs,
      sendMs: sent.lastSentAt - sent.startedAt,
      settleMs: settledAt === undefined ? null : Math.max(0, settledAt - sent.lastSentAt),
      sent: sent.sent,
      refused: sent.refused,
      handlers: supervisor.figures,
      events: auditEvents(
        workload,
        sent.accepted,
        table.links,
        allMessages(stack.inspectQueue, `${QUEUE_NAMES.errors}-dlq`),
      ),
      slack: auditSlack(stack.slack, stack.channel, table.groups, [stack.url, INTERCOM_APP_URL]),
      intercom: auditIntercom(stack.intercom, templates, workload.events, table.links, table.sent),
      notifyDlq: notifyDlq.length,
      notifyDlqExamples: notifyDlq.slice(0, 20).map((m) => ({
        job: m.body.slice(0, 200),
        linkOutcome: table.links.find((l) => m.body.includes(`"${l.pk.slice('LINK#'.length)}"`))?.notify
          ?.status,
      })),
      leftover:
        settledAt === undefined
          ? Object.fromEntries(
              Object.values(QUEUE_NAMES).map((name) => [name, leftover(stack.inspectQueue, name)]),
            )
          : {},
      logFile: files.log,
    };
  } finally {
    await teardown();
  }
}

function allMessages(inspect: QueueInspector, name: string): InspectedMessage[] {
  const queue = inspect(name);
  if (!queue) return [];
  const { ready, delayed, inflight } = queue.messages;
  return [...ready, ...delayed, ...inflight.map((i) => i.message)];
}

function leftover(inspect: QueueInspector, name: string): ChaosResult['leftover'][string] {
  return allMessages(inspect, name)
    .slice(0, 20)
    .map((m) => ({
      receives: m.approximateReceiveCount,
      attributes: Object.entries(m.messageAttributes)
        .map(([k, v]) => `${k}=${v.StringValue}`)
        .join(' '),
      body: m.body.slice(0, 300),
    }));
}

export const RESULTS_DIR = join(__dirname, '..', 'results');
