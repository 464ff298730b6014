import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  afterOccurrences,
  type CountedOccurrence,
  dueWork,
  pagerWanted,
  statusOf,
  stepTold,
  TELL_STALE_MS,
  withStep,
  woken,
} from '../core/oncall/incident';
import { delayFor, type IncidentBody } from '../core/oncall/incident-message';
import { stepPeople } from '../core/oncall/roster';
import type { Team } from '../core/oncall/team-schema';
import { recentUsersToDrop, windowText } from '../core/oncall/urgency';
import type { ErrorGroup, Paged } from '../core/records';
import { directMessage, escalationReply, stateReply } from '../core/slack/escalation';
import type { MessageOptions } from '../core/slack/message';
import { reasonOf } from './failures';
import { type StatusWrite, syncPager } from './incident-pager';
import { decideAndWrite, type IncidentWriteDeps, kept } from './incident-writes';
import type { AlertChannel, IncidentQueue, Pager } from './ports';

/** What the incident flows need: the team file, the group item, Slack, the queue, PagerDuty. */
export type IncidentDeps = IncidentWriteDeps & {
  /** Undefined: no team file — no urgency rules, no escalation; Acknowledge/Resolve/Snooze still work. */
  team?: Team;
  slack: Pick<AlertChannel, 'reply' | 'directMessage'>;
  timers: IncidentQueue;
  pager?: Pager;
  messages: MessageOptions;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics: Pick<Metrics, 'addMetric'>;
};

/** Brings the parent up to date after a change (triage's Slack sync, with its claims and windows). */
export type SyncAlert = (group: ErrorGroup) => Promise<unknown>;

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
 * Drops the recent users no threshold needs any more, when enough could go (after the Slack sync: it
 * only saves space). A pruning that loses to another is tried again on the next batch's read.
 */
export async function pruneRecentUsers(fingerprint: string, group: ErrorGroup, deps: IncidentDeps) {
  const rules = deps.team?.urgency ?? [];
  const nowSeconds = Math.floor(deps.clock() / 1000);
  const positions = recentUsersToDrop(
    group.recentUsers ?? [],
    rules,
    group.urgency !== undefined,
    nowSeconds,
  );
  if (positions.length === 0) return;
  try {
    await deps.incidents.dropRecentUsers(fingerprint, group, positions);
  } catch (err) {
    deps.log.warn('pruning the recent users failed; tried again later', {
      fingerprint,
      reason: reasonOf(err),
    });
  }
}

/**
 * An incident message: sent on when it came early (SQS delays at most 15 minutes), a no-op when its
 * token is not the round's (stale, duplicate of a finished round, or forged), else whatever is due.
 */
export async function runIncidentMessage(
  body: IncidentBody,
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
  await advanceIncident(body.incident, group, deps, sync, body);
}

/**
 * Does what is due for a group, each piece claimed by a conditional write so a duplicate delivery or a
 * concurrent container does it once: wakes a snooze that ran out, tells a change of state, records and
 * tells the next escalation step, brings the parent up to date and queues a message for when the next
 * step falls due. PagerDuty follows from an incident message (`message`) only, after Slack: a slow or
 * failing PagerDuty never holds a page back or stalls a triage batch.
 */
export async function advanceIncident(
  fingerprint: string,
  group: ErrorGroup,
  deps: IncidentDeps,
  sync: SyncAlert,
  message?: IncidentBody,
): Promise<ErrorGroup> {
  const waits = waitsOf(deps.team);
  let current = group;
  let told = false;

  if (dueWork(current, waits, deps.clock(), deps.now()).wake) {
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
  if (!statusOf(current).toldState) {
    const result = await tellState(fingerprint, current, deps);
    current = result.group;
    told ||= result.told;
  }

  const work = dueWork(current, waits, deps.clock(), deps.now());
  const step = work.step ?? work.retell;
  if (step !== undefined && deps.team) {
    const result = await tellStep(fingerprint, current, step, deps);
    current = result.group;
    told ||= result.told;
  }

  if ((current.stateVersion ?? 0) > (current.shownVersion ?? 0)) await sync(current);
  if (message) {
    await checkAgainWhileClaimed(current, message, deps);
    return syncPager(current, message, deps, statusWrite(deps));
  }
  // What was told here PagerDuty hears from a message of its own.
  if (told && deps.pager && pagerWanted(current) !== undefined) {
    await deps.timers.sendIncident(
      { incident: fingerprint, token: statusOf(current).token, dueAt: deps.clock() },
      0,
    );
  }
  return current;
}

/** A change of the status alone, written like any other (undefined: lost to another writer, or none). */
function statusWrite(deps: IncidentDeps): StatusWrite {
  return async (group, change) => {
    const { group: after, written } = await decideAndWrite(
      group.fingerprint,
      group,
      (g) => {
        const status = change(statusOf(g));
        return status && { ...kept(g), status, shown: false };
      },
      deps,
    );
    return written ? after : undefined;
  };
}

/**
 * A step still claimed by a live teller when its check came (the local stack's faster clock sends
 * the check sooner than a claim goes stale, which is judged in real time): look again later.
 */
async function checkAgainWhileClaimed(group: ErrorGroup, message: IncidentBody, deps: IncidentDeps) {
  const last = statusOf(group).steps.at(-1);
  if (!last || last.told || deps.now() - last.claimedAt >= TELL_STALE_MS) return;
  await deps.timers.sendIncident({ ...message, dueAt: deps.clock() }, TELL_CHECK_MS / 1000);
}

/** Tells the thread that the state changed (acknowledged, resolved, snoozed, reopened): once. */
async function tellState(
  fingerprint: string,
  group: ErrorGroup,
  deps: IncidentDeps,
): Promise<{ group: ErrorGroup; told: boolean }> {
  const status = statusOf(group);
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
  if (!claimed.written) return { group: claimed.group, told: false };
  if (group.slack) {
    try {
      await deps.slack.reply(group.slack, stateReply(claimed.group, deps.messages));
    } catch (err) {
      // The parent shows the state in place; a lost reply is logged, not worth a retry that could repeat it.
      deps.log.warn('could not tell the thread of a change of state', { fingerprint, reason: reasonOf(err) });
    }
  }
  return { group: claimed.group, told: true };
}

/** Who a step reaches now and why, from the team file. */
function stepTarget(team: Team, group: ErrorGroup, step: number, now: number): { to: Paged[]; why: string } {
  const to = stepPeople(team, step, now).map((p) => ({ id: p.id, name: p.name, slack: p.slack }));
  if (step === 0) return { to, why: group.urgency?.reason ?? 'high urgency' };
  const wait = team.escalation[step - 1]?.wait;
  return { to, why: `not acknowledged in ${wait === undefined ? 'time' : windowText(wait)}` };
}

/**
 * Records step `step` as being told (the claim: one teller), tells the thread with the mentions and
 * each person by direct message, marks it told, and queues the message for the next step. A claim whose teller died is taken over after TELL_STALE_MS (core/oncall/incident).
 */
async function tellStep(
  fingerprint: string,
  group: ErrorGroup,
  step: number,
  deps: IncidentDeps,
): Promise<{ group: ErrorGroup; told: boolean }> {
  const team = deps.team!;
  const waits = waitsOf(team);
  const now = deps.clock();
  const machineNow = deps.now();
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
  if (!claimed.written || !claimed.group.slack) return { group: claimed.group, told: false };
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
  return { group: told.group, told: true };
}

/** Past the stale time of a claim, with a second of margin. */
const TELL_CHECK_MS = TELL_STALE_MS + 1000;
