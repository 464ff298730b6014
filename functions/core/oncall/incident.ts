import type { ErrorEvent } from '../event-schema';
import type { AlertStatus, ErrorGroup, EscalationRecord, Paged, PagerAction, SlackActor } from '../records';
import { OPEN_STATUS } from '../records';
import type { AlertAction } from '../slack/alert-actions';
import { type RecentUsers, type UrgencyRule, urgencyOf, usersSeenSince } from './urgency';

/*
 * The life of an alert as pure decisions (README → On-call and escalation): what new occurrences, a
 * button and the clock change, and what is due. The store applies a change with a write conditional
 * on the revision it was computed from, so concurrent writers never lose each other's change.
 */

/** What one write of a group's incident sets. */
export type IncidentChange = Pick<ErrorGroup, 'urgency' | 'status'> & {
  /** The change shows on the parent: its state version grows. */
  shown: boolean;
};

/** A step being told for longer than this belongs to an attempt that died: another tells it. */
export const TELL_STALE_MS = 60_000;

export const statusOf = (group: ErrorGroup): AlertStatus => group.status ?? OPEN_STATUS;

/** A new round: open, nobody notified yet; `toldState` false when the thread should hear why. */
function newRound(status: AlertStatus, now: number, token: string, told: boolean, regressed?: boolean) {
  const round: AlertStatus = {
    state: 'open',
    round: status.round + 1,
    token,
    toldState: told,
    changedAt: now,
    steps: [],
  };
  return regressed ? { ...round, regressed } : round;
}

/**
 * An occurrence as the urgency rules see it: its event, its user's hash when the user counts towards
 * an outage threshold (its counting appended them: `seenAt`), and whether this batch counted it (a
 * duplicate — a retry after a failed write — is judged again but reopens nothing: it may predate a
 * Resolve).
 */
export type CountedOccurrence = { event: ErrorEvent; user?: string; counted: boolean };

/**
 * What a batch's occurrences change (none: what the group's count alone shows, for a flush): high
 * urgency once a rule holds (never back to low), judged on the group's recent users as read after the
 * batch's counting added its own, and a new round when the group becomes high or regresses after
 * Resolve. Undefined: nothing changes.
 */
export function afterOccurrences(
  group: ErrorGroup,
  occurrences: CountedOccurrence[],
  rules: UrgencyRule[],
  now: number,
  token: string,
): IncidentChange | undefined {
  const status = statusOf(group);
  let urgency = group.urgency;
  if (!urgency) {
    const nowSeconds = Math.floor(now / 1000);
    // The batch's own users count as seen now: the time its counting stamped them may lie a retry's
    // pause behind, which a fast local clock turns into minutes.
    const counted: RecentUsers = occurrences.flatMap((o) =>
      o.counted && o.user ? [[o.user, nowSeconds]] : [],
    );
    const usersSince = usersSeenSince([...(group.recentUsers ?? []), ...counted]);
    for (const o of occurrences) {
      const judged = urgencyOf(rules, o.event, usersSince, nowSeconds);
      if (judged.urgency === 'high') {
        urgency = { level: 'high', reason: judged.reason ?? '', at: now };
        break;
      }
    }
  }
  let next = status;
  // Counted since the Resolve: the group's count passed the one the Resolve saw (occurrences this
  // container skipped reading count too); without that count, any occurrence counted now.
  const regressed =
    status.countAt !== undefined ? group.count > status.countAt : occurrences.some((o) => o.counted);
  if (status.state === 'resolved' && regressed) next = newRound(status, now, token, false, true);
  else if (urgency && !group.urgency && status.state === 'open') next = newRound(status, now, token, true);
  if (urgency === group.urgency && next === status) return undefined;
  return { urgency, status: next === OPEN_STATUS ? group.status : next, shown: true };
}

/**
 * What a button asks of the status, or why it cannot be done (the alert moved on). `token` becomes the
 * round's token when the alert never had one (round 0), so the message telling the change can carry it.
 */
export function afterAction(
  group: ErrorGroup,
  action: AlertAction,
  by: SlackActor,
  now: number,
  token: string,
): { change: IncidentChange } | { refused: string } {
  const current = statusOf(group);
  const status = current.token ? current : { ...current, token };
  if (action.round !== status.round) return { refused: 'the alert has moved on since this button was shown' };
  const changed = (state: AlertStatus['state'], extra: Partial<AlertStatus> = {}) => {
    const { snoozedUntil: _, ...rest } = status;
    return {
      change: {
        urgency: group.urgency,
        status: { ...rest, ...extra, state, by, changedAt: now, toldState: false, countAt: group.count },
        shown: true,
      },
    };
  };
  switch (action.kind) {
    case 'ack':
      if (status.state === 'acknowledged') return { refused: 'already acknowledged' };
      if (status.state === 'resolved') return { refused: 'already resolved' };
      return changed('acknowledged');
    case 'resolve':
      if (status.state === 'resolved') return { refused: 'already resolved' };
      return changed('resolved');
    case 'snooze':
      if (status.state === 'resolved') return { refused: 'already resolved' };
      return changed('snoozed', { snoozedUntil: now + action.seconds * 1000 });
  }
}

/** Whom a step reaches and why, as the roster decides it now. */
export type StepTarget = { to: Paged[]; why: string };

/**
 * What is due for a group now: telling its change of state, a snooze that ran out, the next
 * escalation step (or re-telling one whose teller died), and when to look again.
 */
export type DueWork = {
  tell: boolean;
  wake: boolean;
  /** The step to record and tell now. */
  step?: number;
  /** A recorded step whose telling went stale: claim it again and tell it. */
  retell?: number;
  /** When something falls due next (ms), if anything will. */
  nextDueAt?: number;
};

/**
 * `waits[i]`: the seconds step i waits for an Acknowledge before the next (undefined on the last).
 * Escalation runs while the group is high and open, once its parent exists (replies need a thread).
 * `now` is the incident clock; `machineNow` the machine's, by which a claim goes stale (they differ
 * only when the local stack runs the incident clock faster).
 */
export function dueWork(
  group: ErrorGroup,
  waits: (number | undefined)[],
  now: number,
  machineNow = now,
): DueWork {
  const status = statusOf(group);
  const work: DueWork = { tell: !status.toldState, wake: false };
  const later = (at: number) => {
    work.nextDueAt = work.nextDueAt === undefined ? at : Math.min(work.nextDueAt, at);
  };
  if (status.state === 'snoozed' && status.snoozedUntil !== undefined) {
    if (status.snoozedUntil <= now) work.wake = true;
    else later(status.snoozedUntil);
  }
  if (!group.urgency || status.state !== 'open' || !group.slack || waits.length === 0) return work;
  const last: EscalationRecord | undefined = status.steps.at(-1);
  if (last && !last.told) {
    if (machineNow - last.claimedAt >= TELL_STALE_MS) work.retell = last.step;
    else later(last.at + TELL_STALE_MS);
    return work;
  }
  if (!last) {
    work.step = 0;
    return work;
  }
  const wait = waits[last.step];
  if (wait === undefined || last.step + 1 >= waits.length) return work;
  const due = last.at + wait * 1000;
  if (due <= now) work.step = last.step + 1;
  else later(due);
  return work;
}

/** The status with step `target` recorded as being told (the claim), or re-claimed at `now`. */
export function withStep(
  status: AlertStatus,
  step: number,
  target: StepTarget,
  now: number,
  machineNow = now,
): AlertStatus {
  const record: EscalationRecord = {
    step,
    at: now,
    claimedAt: machineNow,
    to: target.to,
    why: target.why,
    told: false,
  };
  const steps = status.steps.filter((s) => s.step !== step);
  return { ...status, steps: [...steps, record] };
}

/** The status once step `step` was told. */
export function stepTold(status: AlertStatus, step: number): AlertStatus {
  return { ...status, steps: status.steps.map((s) => (s.step === step ? { ...s, told: true } : s)) };
}

/**
 * What PagerDuty should have heard of the alert this round (its incident mirrors the alert), or
 * undefined: nothing (low urgency, no step told yet, or never triggered). A snooze leaves it as it is.
 */
export function pagerWanted(group: ErrorGroup): PagerAction | undefined {
  if (!group.urgency) return undefined;
  const status = statusOf(group);
  if (status.state === 'open') return status.steps.some((s) => s.told) ? 'trigger' : undefined;
  if (status.paged === undefined) return undefined;
  if (status.state === 'acknowledged') return 'acknowledge';
  if (status.state === 'resolved') return 'resolve';
  return undefined;
}

/** A snooze that ran out: a new round, open again, and the thread hears it. */
export function woken(status: AlertStatus, now: number, token: string): AlertStatus {
  return newRound(status, now, token, false);
}
