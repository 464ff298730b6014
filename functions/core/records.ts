import type { Channel } from './channel';
import type { ErrorEvent } from './event-schema';
import type { RecentUsers } from './oncall/urgency';

/**
 * The shapes Heads-up stores. They are built from the event schema's type so a field added to the
 * event flows through; the DynamoDB adapter maps them to items.
 */

/**
 * What became of one fix message: stored on its link, shown in Slack and the Help Scout sidebar.
 * `channel` is how it went (or may have): absent on records written before email existed, all in-app.
 */
export type NotifyOutcome =
  | {
      status: 'sent';
      at: number;
      contactId: string;
      messageId: string;
      channel?: Channel;
      /** The reply its template promised (`response.*`), when it promised one (ms). */
      promisedBy?: number;
    }
  | { status: 'not-in-intercom'; at: number }
  | { status: 'cooldown'; at: number; lastSentAt: number; until: number }
  | { status: 'expired'; at: number }
  /** Intercom did not confirm the send (a timeout, a 5xx): it may have delivered it, so it is never retried. */
  | { status: 'uncertain'; at: number; reason: string; channel?: Channel; promisedBy?: number }
  /** `channel`: the one Intercom refused the send on; absent when nothing was sent (or on older records). */
  | { status: 'failed'; at: number; reason: string; channel?: Channel };

/**
 * The channel a sent (or maybe sent) outcome went by. A sent record without one predates email: in-app.
 * An uncertain one without one is unknown (an attempt that died mid-send left no channel behind).
 */
export function channelOf(outcome: NotifyOutcome): Channel | undefined {
  if (outcome.status === 'sent') return outcome.channel ?? 'inapp';
  return outcome.status === 'uncertain' ? outcome.channel : undefined;
}

/** One occurrence, reachable through its expiring link. */
export type DetailLink = {
  id: string;
  eventId: string;
  fingerprint: string;
  /** The event after redaction and size limits: safe to show, never the raw input. */
  event: ErrorEvent;
  receivedAt: number;
  /** Epoch seconds, as DynamoDB TTL wants it. */
  expiresAt: number;
  /** The fix template that matched, if any. */
  templateId?: string;
  /** What became of the fix message for this occurrence. */
  notify?: NotifyOutcome & { templateId: string; reported: boolean };
};

/** The fix template a group matched, as its Slack alert shows it. */
export type GroupTemplate = { id: string; name: string; auto: boolean };

/** The latest fix message of a group: shown on its Slack parent. */
export type GroupFix = {
  status: NotifyOutcome['status'];
  linkId: string;
  userName: string;
  at: number;
  requestedBy?: string;
  contactId?: string;
  reason?: string;
};

export type SlackRef = { channel: string; ts: string };

/** Who pressed a button in Slack. */
export type SlackActor = { id: string; name?: string };

/** Someone an escalation step reached, as the team file names them. */
export type Paged = { id: string; name: string; slack: string };

/**
 * One escalation step as it happened: which step, when (the incident clock), whom it reached and why.
 * `told` once its thread reply and direct messages went out; until then `claimedAt` (the machine's
 * time: a claim goes stale by how long its teller may live) dates the claim of whoever is telling.
 */
export type EscalationRecord = {
  step: number;
  at: number;
  claimedAt: number;
  to: Paged[];
  why: string;
  told: boolean;
};

/** High urgency, why ("≥ 5 users in 10 min", "plan: enterprise") and since when (ms). Absent: low. */
export type GroupUrgency = { level: 'high'; reason: string; at: number };

/**
 * Where an alert stands. `round` grows by one each time it (re)opens — a regression after Resolve, a
 * snooze that ran out — and timers carry it, so a timer of an earlier round does nothing.
 */
export type AlertStatus = {
  state: 'open' | 'acknowledged' | 'snoozed' | 'resolved';
  round: number;
  /**
   * Unguessable, new each round: the incident messages on the events queue carry it, so nobody who can
   * write to that queue (a reporter can) forges a timer or an action.
   */
  token: string;
  /** Whether the thread (and PagerDuty) heard of the latest change of state. */
  toldState: boolean;
  /** When the state last changed (ms), and who changed it (absent: Heads-up itself). */
  changedAt: number;
  by?: SlackActor;
  snoozedUntil?: number;
  /** Reopened by a new occurrence after Resolve. */
  regressed?: boolean;
  /** The last event PagerDuty took this round (its incident follows the alert: core/oncall/incident.ts). */
  paged?: PagerAction;
  /** Who is sending PagerDuty an event right now: the action and since when (the machine's ms). */
  paging?: { action: PagerAction; at: number };
  /** The group's count when the state last changed: more after a Resolve is a regression. */
  countAt?: number;
  /** The escalation steps notified this round, oldest first. */
  steps: EscalationRecord[];
};

/** What PagerDuty is told of an alert, as its Events API names it. */
export type PagerAction = 'trigger' | 'acknowledge' | 'resolve';

/** An alert that nobody has touched: open, round 0, nobody notified, nothing to tell. */
export const OPEN_STATUS: AlertStatus = {
  state: 'open',
  round: 0,
  token: '',
  toldState: true,
  changedAt: 0,
  steps: [],
};

/** The running state of one error group (one fingerprint) and of its Slack alert. */
export type ErrorGroup = {
  fingerprint: string;
  app: string;
  environment: string;
  level: ErrorEvent['level'];
  errorType?: string;
  errorCode?: string;
  message?: string;
  count: number;
  /** Distinct affected users, counted up to USER_COUNT_CAP. */
  userCount: number;
  firstSeenAt: number;
  lastSeenAt: number;
  latest: {
    linkId: string;
    linkExpiresAt: number;
    user?: ErrorEvent['user'];
    company?: ErrorEvent['company'];
  };
  template?: GroupTemplate;
  fix?: GroupFix;
  /** Fix messages sent, and fix outcomes that sent nothing, for this group. */
  fixesSent?: number;
  fixesNotSent?: number;
  slack?: SlackRef;
  urgency?: GroupUrgency;
  /** Absent: open, never escalated (OPEN_STATUS). */
  status?: AlertStatus;
  /** Who was seen lately, for the urgency rules' outage threshold (core/oncall/urgency.ts). */
  recentUsers?: RecentUsers;
  /** How many times `recentUsers` was pruned: a pruning write is conditional on it. */
  recentPrunes?: number;
  /** Grows with every write of urgency or status: their writes are conditional on it. */
  revision?: number;
  /** Grows with every change of urgency or status; `shownVersion` is what the parent last showed. */
  stateVersion?: number;
  shownVersion?: number;
  /** Who is posting the parent message right now, and since when (ms). */
  postClaim?: { by: string; at: number };
  /** The first post attempt whose outcome is unknown (ms): look in the channel before posting again. */
  postAttemptAt?: number;
  /** Who is updating the parent right now, and since when (ms). */
  updateClaim?: { by: string; at: number };
  /** When the parent was last posted or updated (ms), and the count it showed. */
  lastPostedAt?: number;
  postedCount?: number;
  /** A delayed flush is queued for this time (ms), carrying this token back. */
  flushDueAt?: number;
  flushToken?: string;
  expiresAt: number;
};

/** Distinct users are tracked exactly up to this many per group (as 12-character hashes, ~12 KB). */
export const USER_COUNT_CAP = 1000;

/** A group's distinct users as Slack, the detail page and the sidebar show them: "1000+" at the cap. */
export function userCountText({ userCount }: Pick<ErrorGroup, 'userCount'>): string {
  return userCount >= USER_COUNT_CAP ? `${USER_COUNT_CAP}+` : String(userCount);
}
