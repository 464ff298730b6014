import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { detailUrl } from '../core/links';
import {
  afterAction,
  afterOccurrences,
  type CountedOccurrence,
  dueWork,
  type IncidentChange,
  statusOf,
  stepTold,
  TELL_STALE_MS,
  withStep,
  woken,
} from '../core/oncall/incident';
import { delayFor } from '../core/oncall/incident-message';
import { stepPeople } from '../core/oncall/roster';
import type { Team } from '../core/oncall/team-schema';
import { windowText } from '../core/oncall/urgency';
import type { ErrorGroup, Paged, SlackActor } from '../core/records';
import type { AlertAction } from '../core/slack/alert-actions';
import { directMessage, escalationReply, stateReply } from '../core/slack/escalation';
import { groupTitle } from '../core/slack/format';
import type { MessageOptions } from '../core/slack/message';
import { PermanentError, reasonOf } from './failures';
import type {
  AlertActionResult,
  AlertChannel,
  AlertStore,
  IncidentQueue,
  IncidentStore,
  Pager,
} from './ports';

/** What the incident flows need: the team file, the group item, Slack, the queue, PagerDuty. */
export type IncidentDeps = {
  /** Undefined: no team file — no urgency rules, no escalation; Acknowledge/Resolve/Snooze still work. */
  team?: Team;
  store: Pick<AlertStore, 'getGroup'>;
  incidents: IncidentStore;
  slack: Pick<AlertChannel, 'reply' | 'directMessage'>;
  timers: IncidentQueue;
  pager?: Pager;
  messages: MessageOptions;
  /** The machine's time: item expiry is judged by it. */
  now: () => number;
  /** The incident flow's time (escalation waits, snoozes, the outage window): `now`, or faster locally. */
  clock: () => number;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics: Pick<Metrics, 'addMetric'>;
};

/**
 * The time the incident flow runs on and how its messages are delayed: the machine's on AWS; the local
 * stack may run it faster (local/clock.ts) so an escalation can be watched without waiting.
 */
export type IncidentClock = { clock: () => number; timers: (queue: IncidentQueue) => IncidentQueue };

/** The queue as the clock delays it. */
export const timersOn = (clock: IncidentClock | undefined, queue: IncidentQueue): IncidentQueue =>
  clock ? clock.timers(queue) : queue;

/** Brings the parent up to date after a change (triage's Slack sync, with its claims and windows). */
export type SyncAlert = (group: ErrorGroup) => Promise<unknown>;

/** Concurrent writers (pollers, a button, a timer) rarely collide more than once on one group. */
const WRITE_ATTEMPTS = 5;

/**
 * Decides on the group as read and writes the decision, conditional on the revision it saw; when
 * another writer came first, reads again and decides anew. Undefined from `decide`: nothing to write.
 */
async function decideAndWrite(
  fingerprint: string,
  group: ErrorGroup,
  decide: (group: ErrorGroup) => IncidentChange | undefined,
  deps: Pick<IncidentDeps, 'store' | 'incidents' | 'now' | 'clock'>,
): Promise<{ group: ErrorGroup; written: boolean }> {
  let current: ErrorGroup | undefined = group;
  for (let attempt = 0; attempt < WRITE_ATTEMPTS && current; attempt++) {
    const change = decide(current);
    if (!change) return { group: current, written: false };
    const written = await deps.incidents.writeIncident(fingerprint, current.revision, change);
    if (written) return { group: written, written: true };
    current = await deps.store.getGroup(fingerprint, deps.now());
  }
  if (!current) throw new Error('the group is gone');
  throw new Error(`the group's incident kept changing under ${WRITE_ATTEMPTS} attempts; retried later`);
}

const waitsOf = (team: Team | undefined) => team?.escalation.map((step) => step.wait) ?? [];

/** Triage: what a batch's newly counted occurrences of one group change (urgency, regression). */
export async function noteOccurrences(
  fingerprint: string,
  group: ErrorGroup,
  occurrences: CountedOccurrence[],
  deps: IncidentDeps,
): Promise<ErrorGroup> {
  const rules = deps.team?.urgency ?? [];
  const token = randomUUID();
  const { group: after, written } = await decideAndWrite(
    fingerprint,
    group,
    (g) => afterOccurrences(g, occurrences, rules, deps.clock(), token),
    deps,
  );
  if (written && after.urgency && !group.urgency) {
    deps.metrics.addMetric('highUrgency', MetricUnit.Count, 1);
    deps.log.info('group became high urgency', { fingerprint, reason: after.urgency.reason });
  }
  return after;
}

/**
 * A button from Slack: the change written (or why not), and a message queued that tells the thread
 * and PagerDuty — and, for a snooze, one that wakes the alert when it ends.
 */
export async function applyAlertAction(
  action: AlertAction,
  by: SlackActor,
  deps: Pick<IncidentDeps, 'store' | 'incidents' | 'timers' | 'now' | 'clock' | 'metrics'>,
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
  if (!written) return { applied: false, reason: refusal ?? 'nothing to change' };
  const { token, snoozedUntil } = statusOf(after);
  await deps.timers.sendIncident({ incident: action.fingerprint, token, dueAt: deps.clock() }, 0);
  if (snoozedUntil !== undefined) {
    await deps.timers.sendIncident(
      { incident: action.fingerprint, token, dueAt: snoozedUntil },
      delayFor(snoozedUntil, deps.clock()),
    );
  }
  deps.metrics.addMetric(`alert_${action.kind}`, MetricUnit.Count, 1);
  return { applied: true };
}

/**
 * An incident message: sent on when it came early (SQS delays at most 15 minutes), a no-op when its
 * token is not the round's (stale, duplicate of a finished round, or forged), else whatever is due.
 */
export async function runIncidentMessage(
  body: { incident: string; token: string; dueAt: number },
  deps: IncidentDeps,
  sync: SyncAlert,
): Promise<void> {
  const now = deps.clock();
  if (body.dueAt > now + 1000) {
    await deps.timers.sendIncident(body, delayFor(body.dueAt, now));
    return;
  }
  const group = await deps.store.getGroup(body.incident, deps.now());
  if (!group || statusOf(group).token !== body.token) return;
  await advanceIncident(body.incident, group, deps, sync);
}

/**
 * Does what is due for a group, each piece claimed by a conditional write so a duplicate delivery or a
 * concurrent container does it once: wakes a snooze that ran out, tells a change of state (PagerDuty
 * first: it folds repeats), records and tells the next escalation step, brings the parent up to date,
 * and queues a message for when the next step falls due.
 */
export async function advanceIncident(
  fingerprint: string,
  group: ErrorGroup,
  deps: IncidentDeps,
  sync: SyncAlert,
): Promise<ErrorGroup> {
  const waits = waitsOf(deps.team);
  let current = group;
  const due = dueWork(current, waits, deps.clock(), deps.now());

  if (due.wake) {
    const token = randomUUID();
    current = (
      await decideAndWrite(
        fingerprint,
        current,
        (g) =>
          dueWork(g, waits, deps.clock(), deps.now()).wake
            ? { ...kept(g), status: woken(statusOf(g), deps.clock(), token), shown: true }
            : undefined,
        deps,
      )
    ).group;
  }
  if (!statusOf(current).toldState) current = await tellState(fingerprint, current, deps);

  const work = dueWork(current, waits, deps.clock(), deps.now());
  const step = work.step ?? work.retell;
  if (step !== undefined && deps.team) current = await tellStep(fingerprint, current, step, deps);

  if ((current.stateVersion ?? 0) > (current.shownVersion ?? 0)) await sync(current);
  return current;
}

/** The change that keeps urgency and recent users as they are. */
const kept = (g: ErrorGroup) => ({ urgency: g.urgency, recentUsers: g.recentUsers });

/** Tells PagerDuty and the thread that the state changed (acknowledged, resolved, snoozed, reopened). */
async function tellState(fingerprint: string, group: ErrorGroup, deps: IncidentDeps): Promise<ErrorGroup> {
  const status = statusOf(group);
  if (deps.pager && group.urgency) {
    if (status.state === 'acknowledged')
      await page(deps, fingerprint, () => deps.pager!.acknowledge(fingerprint));
    if (status.state === 'resolved') await page(deps, fingerprint, () => deps.pager!.resolve(fingerprint));
  }
  const claimed = await decideAndWrite(
    fingerprint,
    group,
    (g) =>
      statusOf(g).toldState || statusOf(g).changedAt !== status.changedAt
        ? undefined
        : { ...kept(g), status: { ...statusOf(g), toldState: true }, shown: false },
    deps,
  );
  // Someone else claimed the telling: it is theirs.
  if (!claimed.written || !group.slack) return claimed.group;
  try {
    await deps.slack.reply(group.slack, stateReply(claimed.group, deps.messages));
  } catch (err) {
    // The parent shows the state in place; a lost reply is logged, not worth a retry that could repeat it.
    deps.log.warn('could not tell the thread of a change of state', { fingerprint, reason: reasonOf(err) });
  }
  return claimed.group;
}

/** Who a step reaches now and why, from the team file. */
function stepTarget(team: Team, group: ErrorGroup, step: number, now: number): { to: Paged[]; why: string } {
  const to = stepPeople(team, step, now).map((p) => ({ id: p.id, name: p.name, slack: p.slack }));
  if (step === 0) return { to, why: group.urgency?.reason ?? 'high urgency' };
  const wait = team.escalation[step - 1]?.wait;
  return { to, why: `not acknowledged in ${wait === undefined ? 'time' : windowText(wait)}` };
}

/**
 * Records step `step` as being told (the claim: one teller), pages PagerDuty on the first, tells the
 * thread with the mentions and each person by direct message, marks it told, and queues the message
 * for the next step. A claim whose teller died is taken over after TELL_STALE_MS (core/oncall/incident).
 */
async function tellStep(
  fingerprint: string,
  group: ErrorGroup,
  step: number,
  deps: IncidentDeps,
): Promise<ErrorGroup> {
  const team = deps.team!;
  const waits = waitsOf(team);
  const now = deps.clock();
  const machineNow = deps.now();
  if (step === 0 && deps.pager) {
    await page(deps, fingerprint, () =>
      deps.pager!.trigger({
        dedupKey: fingerprint,
        summary: `[${group.app}/${group.environment}] ${groupTitle(group)}: ${group.message ?? ''}`,
        source: `${group.app}/${group.environment}`,
        severity: group.level === 'warning' ? 'warning' : group.level === 'fatal' ? 'critical' : 'error',
        details: { urgency: group.urgency?.reason ?? '', occurrences: group.count, users: group.userCount },
        links: [{ href: detailUrl(deps.messages.publicUrl, group.latest.linkId), text: 'Heads-up details' }],
      }),
    );
  }
  const target = stepTarget(team, group, step, now);
  const claimed = await decideAndWrite(
    fingerprint,
    group,
    (g) => {
      const work = dueWork(g, waits, deps.clock(), deps.now());
      if ((work.step ?? work.retell) !== step) return undefined;
      return { ...kept(g), status: withStep(statusOf(g), step, target, now, machineNow), shown: true };
    },
    deps,
  );
  if (!claimed.written || !claimed.group.slack) return claimed.group;
  const record = statusOf(claimed.group).steps.at(-1)!;
  // A check after the stale time: if this teller dies, that message finds the claim and tells it.
  // (On a faster local clock it comes sooner than the claim goes stale, and finds nothing to do.)
  await deps.timers.sendIncident(
    { incident: fingerprint, token: statusOf(claimed.group).token, dueAt: now },
    TELL_CHECK_MS / 1000,
  );
  await deps.slack.reply(
    claimed.group.slack,
    escalationReply(claimed.group, record, waits.length, deps.messages),
  );
  for (const person of record.to) {
    try {
      await deps.slack.directMessage(person.slack, directMessage(claimed.group, record, deps.messages));
    } catch (err) {
      // The mention in the thread pinged them already; a DM that failed is logged, never repeated.
      deps.log.warn('could not send an escalation DM', {
        fingerprint,
        person: person.id,
        reason: reasonOf(err),
      });
    }
  }
  deps.metrics.addMetric('escalations', MetricUnit.Count, 1);
  const told = await decideAndWrite(
    fingerprint,
    claimed.group,
    (g) => {
      const mine = statusOf(g).steps.find((s) => s.step === step);
      return mine && !mine.told && mine.claimedAt === machineNow
        ? { ...kept(g), status: stepTold(statusOf(g), step), shown: false }
        : undefined;
    },
    deps,
  );
  const next = dueWork(told.group, waits, deps.clock(), deps.now()).nextDueAt;
  if (next !== undefined && told.written) {
    await deps.timers.sendIncident(
      { incident: fingerprint, token: statusOf(told.group).token, dueAt: next },
      delayFor(next, deps.clock()),
    );
  }
  return told.group;
}

/** Past the stale time of a claim, with a second of margin. */
const TELL_CHECK_MS = TELL_STALE_MS + 1000;

/** A PagerDuty call: a refusal (400) is logged and dropped; anything passing is thrown, to be retried. */
async function page(deps: IncidentDeps, fingerprint: string, call: () => Promise<void>): Promise<void> {
  try {
    await call();
    deps.metrics.addMetric('pagerDutyEvents', MetricUnit.Count, 1);
  } catch (err) {
    if (err instanceof PermanentError) {
      deps.log.error('PagerDuty refused the event; not retried', { fingerprint, reason: err.message });
      return;
    }
    throw err;
  }
}
