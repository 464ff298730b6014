import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { afterAction, statusOf } from '../core/oncall/incident';
import { delayFor } from '../core/oncall/incident-message';
import type { ErrorGroup, SlackActor } from '../core/records';
import type { AlertAction } from '../core/slack/alert-actions';
import { decideAndWrite, type IncidentWriteDeps } from './incident-writes';
import type { AlertActionResult, IncidentQueue } from './ports';

/**
 * What a button needs: the conditional write, the queue that tells, and the log (the http function
 * carries no metrics client: a click is a log line).
 */
export type AlertActionDeps = IncidentWriteDeps & {
  timers: IncidentQueue;
  log: Pick<Logger, 'info'>;
};

/**
 * A button from Slack: the change written (or why not), and a message queued that tells the thread
 * and PagerDuty — and, for a snooze, one that wakes the alert when it ends.
 */
export async function applyAlertAction(
  action: AlertAction,
  by: SlackActor,
  deps: AlertActionDeps,
): Promise<AlertActionResult> {
  const group = await deps.store.getGroup(action.fingerprint, deps.now());
  if (!group) return { applied: false, reason: 'the alert has expired' };
  let refusal: string | undefined;
  const { group: after, written } = await decideAndWrite(
    action.fingerprint,
    group,
    (g) => {
      const decided = afterAction(g, action, by, deps.clock(), randomUUID());
      if ('refused' in decided) {
        refusal = decided.refused;
        return undefined;
      }
      return decided.change;
    },
    deps,
  );
  if (!written) {
    // A click whose change was written but never told (its message was lost): queue it again.
    if (!statusOf(after).toldState) await queueTelling(action.fingerprint, after, deps);
    return { applied: false, reason: refusal ?? 'nothing to change' };
  }
  await queueTelling(action.fingerprint, after, deps);
  deps.log.info('alert button applied', { action: action.kind, fingerprint: action.fingerprint });
  return { applied: true };
}

/**
 * The messages that tell a change (the thread, PagerDuty, the parent) and, for a snooze, wake the
 * alert when it ends. A failure is thrown: Slack shows the click failed, and pressing again re-sends.
 */
async function queueTelling(
  fingerprint: string,
  group: ErrorGroup,
  deps: Pick<AlertActionDeps, 'timers' | 'clock'>,
): Promise<void> {
  const { token, snoozedUntil, state } = statusOf(group);
  await deps.timers.sendIncident({ incident: fingerprint, token, dueAt: deps.clock() }, 0);
  if (state === 'snoozed' && snoozedUntil !== undefined) {
    await deps.timers.sendIncident(
      { incident: fingerprint, token, dueAt: snoozedUntil },
      delayFor(snoozedUntil, deps.clock()),
    );
  }
}
