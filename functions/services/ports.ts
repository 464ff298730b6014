import type { QueueEntry } from '../../common/sqs-batch';
import type { Reachability } from '../core/channel';
import type { ErrorEvent } from '../core/event-schema';
import type { CooldownGuard, GroupTold, LinkLookup, OccurrenceHold } from '../core/fix-decision';
import type { FlushBody } from '../core/flush';
import type { NotifyJob } from '../core/notify-job';
import type { IncidentChange } from '../core/oncall/incident';
import type { IncidentBody } from '../core/oncall/incident-message';
import type { GroupStanding } from '../core/oncall/response-text';
import type {
  DetailLink,
  ErrorGroup,
  GroupFix,
  GroupTemplate,
  NotifyOutcome,
  SlackActor,
  SlackRef,
} from '../core/records';
import type { AlertAction } from '../core/slack/alert-actions';
import type { SlackMessage } from '../core/slack/message';

/*
 * What the triage and notify services and the web app need from the outside world, one small interface per role.
 * The adapters implement them and the wiring binds them. Calls to Slack and Intercom fail with the
 * typed failures of ./failures.ts, never with an SDK's own error.
 */

// ── The table, as triage uses it ─────────────────────────────────────────────────────────────────

/** A producer's event id, scoped to its producer: two apps may both send id "1001". */
export type EventScope = { app: string; environment: string; id: string };

/**
 * What one occurrence contributes to its group. Its event id (`link.eventId`) is scoped to its
 * producer (`link.event.app`, `link.event.environment`); `link.id` is the id proposed for a new one.
 */
export type Occurrence = {
  fingerprint: string;
  link: DetailLink;
  /** The fix template the occurrence matched: its group's alert offers or reports it. */
  template?: GroupTemplate;
  /**
   * When set (epoch seconds, by the incident clock), its user joins the group's recent users in the
   * same write that counts it: an urgency rule's outage threshold could still raise the group.
   */
  seenAt?: number;
};

/**
 * What became of one occurrence: `stored` (counted now, under `linkId`), `duplicate` (stored by an
 * earlier delivery or attempt, or by an earlier record of the same batch, under `linkId` when known),
 * or `failed` (nothing written for it: retry it).
 */
export type OccurrenceResult =
  | { status: 'stored'; linkId: string }
  | { status: 'duplicate'; linkId?: string }
  | { status: 'failed'; error: unknown };

/** Stores each occurrence exactly once, however often it is delivered or retried. */
export interface OccurrenceStore {
  /**
   * Writes each occurrence's detail link and counts it in its group, together and once — even after
   * the link itself has expired. The results are in the order given; an occurrence either is counted
   * with its link or has neither.
   */
  recordOccurrences(occurrences: Occurrence[], now: number): Promise<OccurrenceResult[]>;
}

/** Fix jobs queued several at once (triage's batch): the indexes of those the queue did not take. */
export interface FixJobBatchQueue {
  sendBatch(jobs: NotifyJob[]): Promise<{ failed: number[] }>;
}

/** What a parent showed: the count and the state version (core/records.ts) it was rendered from. */
export type Shown = { count: number; version: number };

/**
 * A group's Slack alert: the claims that let one attempt post or update it, what it last showed, and
 * the delayed flush. A claim call answers undefined when someone else holds the claim.
 */
export interface AlertStore {
  /** Read consistently: Slack decisions are taken on it. */
  getGroup(fingerprint: string, now: number): Promise<ErrorGroup | undefined>;
  /** Live groups among `fingerprints`, read consistently and together (a batch's Slack decisions). */
  getGroups(fingerprints: string[], now: number): Promise<Map<string, ErrorGroup>>;
  /** `postAttemptAt` of the result names an earlier attempt whose outcome is unknown. */
  claimParentPost(
    fingerprint: string,
    by: string,
    now: number,
    staleMs: number,
  ): Promise<ErrorGroup | undefined>;
  markParentPosted(fingerprint: string, slack: SlackRef, shown: Shown, now: number): Promise<void>;
  /** `notPosted` when Slack said no: else the next claimer must look for this attempt's post first. */
  releaseParentClaim(fingerprint: string, by: string, notPosted: boolean): Promise<void>;
  claimUpdate(
    fingerprint: string,
    by: string,
    previousPostedAt: number,
    now: number,
    staleMs: number,
  ): Promise<ErrorGroup | undefined>;
  markUpdated(fingerprint: string, by: string, shown: Shown, now: number): Promise<void>;
  releaseUpdate(fingerprint: string, by: string): Promise<void>;
  /** False when a flush is already on its way. `replacing`: the token of the flush being run. */
  scheduleFlush(
    fingerprint: string,
    token: string,
    dueAt: number,
    now: number,
    staleMs: number,
    replacing?: string,
  ): Promise<boolean>;
  /** A no-op unless `token` is the pending flush; answers the group as it left it (else undefined). */
  clearFlush(fingerprint: string, token: string): Promise<ErrorGroup | undefined>;
  /** Ends a flush: clears its token only when the group shows all it counted (else `behind`). */
  clearShownFlush(fingerprint: string, token: string): Promise<'cleared' | 'behind' | 'gone'>;
}

// ── The table, as notify uses it ─────────────────────────────────────────────────────────────────

export type { CooldownGuard, GroupTold, LinkLookup, OccurrenceHold };

export interface LinkReader {
  getLink(id: string, now: number): Promise<LinkLookup>;
}

// ── The table, as the web app reads it ───────────────────────────────────────────────────────────

/** What the detail page and the Help Scout sidebar read: a link, a customer's recent links, a group. */
export interface OccurrenceReader extends LinkReader {
  /** The customer's live links, newest first, at most `limit`. */
  linksForEmail(email: string, now: number, limit: number): Promise<DetailLink[]>;
  getGroup(fingerprint: string, now: number): Promise<ErrorGroup | undefined>;
}

/** One attempt (`token`) asking to send `templateId` to `recipient` for the occurrence `linkId`. */
export type SendClaim = {
  recipient: string;
  templateId: string;
  linkId: string;
  token: string;
  now: number;
  cooldownSeconds: number;
};

/**
 * One write of notify's: the two guards taken before a fix message goes out — one per occurrence
 * (ever, `FIX#`) and one per user and template (the cooldown, `SENT#`), each held by one attempt's
 * `token` so a resent request finds its own — and the outcomes, on the occurrence's link and its group.
 */
export type FixWrite =
  /** The link exists and its outcome is still the one read (none, or the one recorded at `notifyAt`). */
  | { kind: 'check-link'; linkId: string; notifyAt?: number }
  /** Lives as long as the occurrence's link (`expiresAt`, epoch seconds). */
  | { kind: 'claim-occurrence'; linkId: string; token: string; at: number; expiresAt: number }
  /** Free, expired, or this attempt's own. */
  | { kind: 'claim-send'; claim: SendClaim }
  /** Only this attempt's: given back when it sent nothing, so a retry may try again. */
  | { kind: 'release-occurrence'; linkId: string; token: string }
  /** Only while this attempt is still sending: a sent guard is never given back. */
  | { kind: 'release-send'; recipient: string; templateId: string; token: string }
  /** The cooldown runs from the moment of sending. */
  | { kind: 'mark-sent'; recipient: string; templateId: string; sentAt: number; cooldownSeconds: number }
  | { kind: 'mark-uncertain'; recipient: string; templateId: string; at: number }
  /** The guard held by `token` has had its cooldown explained in the thread (once per guard). */
  | { kind: 'note-cooldown'; recipient: string; templateId: string; token: string }
  /**
   * On the detail item (shown on the page and in the sidebar); `reported` once Slack has it. Written
   * only while the link's outcome is still the one read (`notifyAt`; undefined: none); `uncounted`
   * while its group's counts are not added yet.
   */
  | {
      kind: 'outcome';
      linkId: string;
      templateId: string;
      outcome: NotifyOutcome;
      reported: boolean;
      notifyAt?: number;
      uncounted?: boolean;
    }
  /**
   * Counts a group's fixes and records its latest; `claim` takes the group's "first automatic outcome"
   * flags of those kinds, which must be unset or already name the same link.
   */
  | {
      kind: 'group-fix';
      fingerprint: string;
      fix: GroupFix;
      sent: number;
      notSent: number;
      claim: GroupTold;
    };

/** A write whose condition failed (`index` in the writes given), with what the table holds instead. */
export type FixWriteRefusal =
  /** The link is gone, or (`changed`) still there with an outcome other than the one read. */
  | { index: number; kind: 'link'; changed?: boolean }
  | { index: number; kind: 'occurrence'; held?: OccurrenceHold }
  | { index: number; kind: 'cooldown'; guard?: CooldownGuard }
  /** `told` undefined: the group is gone. */
  | { index: number; kind: 'group'; told?: GroupTold };

/** What notify reads of a group with the guards: its flags, and what its fix messages may promise. */
export type GuardedGroup = { told: GroupTold; standing: GroupStanding };

/** What notify reads and writes, a batch at a time. Reads are consistent: guards are decided on them. */
export interface FixStore {
  /** The links (in the order given) with their occurrence guards. */
  readLinks(
    linkIds: string[],
    now: number,
  ): Promise<Array<{ link: LinkLookup; occurrence?: OccurrenceHold }>>;
  /**
   * The cooldown guards and the groups' "first outcome" flags and standing (undefined: no such group),
   * in order.
   */
  readGuards(
    cooldowns: Array<{ recipient: string; templateId: string }>,
    fingerprints: string[],
  ): Promise<{ cooldowns: Array<CooldownGuard | undefined>; groups: Array<GuardedGroup | undefined> }>;
  /**
   * Commits the writes together or not at all. When conditions fail nothing is written and the
   * refusals say what was found; any other failure throws (the writes may then have been made).
   */
  write(writes: FixWrite[]): Promise<{ refused: FixWriteRefusal[] }>;
  /** The groups as they stand, for their Slack alerts. */
  readGroups(fingerprints: string[]): Promise<Map<string, ErrorGroup>>;
}

// ── Slack ───────────────────────────────────────────────────────────────────────────────────────

/**
 * Updates alerts that already exist and replies in their threads, wherever each was posted. Fails
 * with RetryableError (rate-limited), PermanentError (refused) or DeliveryUncertainError.
 */
export interface AlertThreads {
  update(ref: SlackRef, message: SlackMessage): Promise<void>;
  reply(parent: SlackRef, message: SlackMessage): Promise<void>;
}

/** The alerts channel: also posts a group's parent, and finds one an attempt whose answer was lost made. */
export interface AlertChannel extends AlertThreads {
  post(message: SlackMessage, fingerprint: string): Promise<SlackRef>;
  /** A direct message to a Slack user (an escalation's page). */
  directMessage(userId: string, message: SlackMessage): Promise<void>;
  /**
   * The group's parent if one was posted since `sinceMs`. A read: fails with RetryableError, or with
   * PermanentError when the channel cannot be read at all (a missing scope).
   */
  findPosted(fingerprint: string, sinceMs: number): Promise<SlackRef | undefined>;
}

// ── Intercom ────────────────────────────────────────────────────────────────────────────────────

/**
 * An Intercom contact: who, and what the channel choice reads (`lastSeenAt`, epoch seconds, when Intercom
 * last saw them in the product; their address and whether Intercom will email it).
 */
export type Contact = { id: string; name?: string } & Reachability;

/** One fix message as it goes out: in the product, or by email with a subject line. */
export type OutgoingMessage =
  | { channel: 'inapp'; body: string }
  | { channel: 'email'; subject: string; body: string };

export interface Messenger {
  /**
   * Undefined: not in Intercom (notify reuses that answer for the rest of its batch). A lookup changes
   * nothing: fails with RetryableError, or PermanentError when refused.
   */
  findUser(user: ErrorEvent['user']): Promise<Contact | undefined>;
  /**
   * Fails with RetryableError (refused before any work: send again), DeliveryUncertainError (it may
   * have arrived: never send again) or PermanentError.
   */
  send(contactId: string, message: OutgoingMessage): Promise<{ messageId: string }>;
}

// ── Incidents (on-call) ─────────────────────────────────────────────────────────────────────────

/** Writes a group's urgency and status and prunes its recent users, each write conditional on what it was read from. */
export interface IncidentStore {
  /**
   * Sets the change when the group's revision is still `revision` (undefined: never written); answers
   * the group as written, or undefined when another writer came first (read again and decide anew).
   */
  writeIncident(
    fingerprint: string,
    revision: number | undefined,
    change: IncidentChange,
  ): Promise<ErrorGroup | undefined>;
  /**
   * Drops the entries at `positions` of the group's recent users as read in `group`, unless another
   * pruning came first (appends since are kept: they only add at the end). False: nothing dropped.
   */
  dropRecentUsers(fingerprint: string, group: ErrorGroup, positions: number[]): Promise<boolean>;
}

/** What a button from Slack did: applied, or why not (the alert moved on, it expired). */
export type AlertActionResult = { applied: true } | { applied: false; reason: string };

/** Applies Acknowledge, Resolve and Snooze (the web app's side of the incident flow). */
export interface AlertActions {
  apply(action: AlertAction, by: SlackActor): Promise<AlertActionResult>;
}

/** Incident messages on the events queue, to triage: sent by triage itself and after a button. */
export interface IncidentQueue {
  sendIncident(body: IncidentBody, delaySeconds: number): Promise<void>;
}

// ── PagerDuty ───────────────────────────────────────────────────────────────────────────────────

/** A high-urgency group as a PagerDuty incident (Events API v2): one per group, by its dedup key. */
export type PageIncident = {
  /** The group's fingerprint: the same key updates the same incident. */
  dedupKey: string;
  summary: string;
  /** Where it happened: the app and environment. */
  source: string;
  severity: 'critical' | 'error' | 'warning' | 'info';
  /** Why it is urgent, the counts: shown on the incident. */
  details: Record<string, string | number>;
  /** The detail page. */
  links: { href: string; text: string }[];
};

/**
 * Hands high urgency to PagerDuty. Fails with RetryableError (429, 5xx, a timeout: send again through
 * the queue; PagerDuty folds repeats by dedup key) or PermanentError (400: the event is refused).
 */
export interface Pager {
  trigger(incident: PageIncident): Promise<void>;
  acknowledge(dedupKey: string): Promise<void>;
  resolve(dedupKey: string): Promise<void>;
}

// ── Queues ──────────────────────────────────────────────────────────────────────────────────────

/** Triage's delayed messages to itself. */
export interface FlushQueue {
  sendFlush(flush: FlushBody, delaySeconds: number): Promise<void>;
}

/** Parks a message that can never succeed, with its reason, instead of retrying it. */
export interface DeadLetterQueue {
  deadLetter(body: string, reason: string, sourceMessageId: string, deliveredBytes: number): Promise<void>;
}

/**
 * Accepts ingested events: the ids of those the queue did not take come back, so nothing is
 * acknowledged that was not queued.
 */
export interface EventIntake {
  enqueue(entries: QueueEntry[]): Promise<{ failedIds: string[] }>;
}

/** One job per fix message to send. */
export interface FixJobQueue {
  /** `delaySeconds` (at most SQS's 900) holds the job back, e.g. until a busy guard goes stale. */
  send(job: NotifyJob, delaySeconds?: number): Promise<void>;
}
