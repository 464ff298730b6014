import type { QueueEntry } from '../../common/sqs-batch';
import type { ErrorEvent } from '../core/event-schema';
import type { FlushBody } from '../core/flush';
import type { NotifyJob } from '../core/notify-job';
import type {
  DetailLink,
  ErrorGroup,
  GroupFix,
  GroupTemplate,
  NotifyOutcome,
  SlackRef,
} from '../core/records';
import type { SlackMessage } from '../core/slack/message';

/*
 * What the triage and notify services and the web app need from the outside world, one small interface per role.
 * The adapters implement them and the wiring binds them. Calls to Slack and Intercom fail with the
 * typed failures of ./failures.ts, never with an SDK's own error.
 */

// ── The table, as triage uses it ─────────────────────────────────────────────────────────────────

/** A producer's event id, scoped to its producer: two apps may both send id "1001". */
export type EventScope = { app: string; environment: string; id: string };

/** What one occurrence contributes to its group. */
export type Occurrence = {
  fingerprint: string;
  link: DetailLink;
  /** The fix template the occurrence matched: its group's alert offers or reports it. */
  template?: GroupTemplate;
};

/** Stores each occurrence exactly once, however often it is delivered or retried. */
export interface OccurrenceStore {
  /**
   * Remembers an event id: the first caller gets `fresh: true` and its proposed link id, a duplicate
   * or a retry the link id chosen the first time. `linkExpiresAt` (epoch seconds) keeps it that long.
   */
  claimEvent(
    scope: EventScope,
    linkId: string,
    now: number,
    linkExpiresAt?: number,
  ): Promise<{ fresh: boolean; linkId: string }>;
  /**
   * Writes the detail link and counts it in its group, together and once. Returns the group as it now
   * stands (none for a duplicate whose group has expired since) and whether this call stored it.
   */
  recordOccurrence(occurrence: Occurrence, now: number): Promise<{ fresh: boolean; group?: ErrorGroup }>;
}

/**
 * A group's Slack alert: the claims that let one attempt post or update it, what it last showed, and
 * the delayed flush. A claim call answers undefined when someone else holds the claim.
 */
export interface AlertStore {
  /** Read consistently: Slack decisions are taken on it. */
  getGroup(fingerprint: string, now: number): Promise<ErrorGroup | undefined>;
  /** `postAttemptAt` of the result names an earlier attempt whose outcome is unknown. */
  claimParentPost(
    fingerprint: string,
    by: string,
    now: number,
    staleMs: number,
  ): Promise<ErrorGroup | undefined>;
  markParentPosted(fingerprint: string, slack: SlackRef, postedCount: number, now: number): Promise<void>;
  /** `notPosted` when Slack said no: else the next claimer must look for this attempt's post first. */
  releaseParentClaim(fingerprint: string, by: string, notPosted: boolean): Promise<void>;
  claimUpdate(
    fingerprint: string,
    by: string,
    previousPostedAt: number,
    now: number,
    staleMs: number,
  ): Promise<ErrorGroup | undefined>;
  markUpdated(fingerprint: string, by: string, shownCount: number, now: number): Promise<void>;
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
  /** A no-op unless `token` is the pending flush. */
  clearFlush(fingerprint: string, token: string): Promise<void>;
}

// ── The table, as notify uses it ─────────────────────────────────────────────────────────────────

export type LinkLookup =
  | { state: 'missing' }
  | { state: 'expired'; link: DetailLink }
  | { state: 'live'; link: DetailLink };

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

/** The cooldown guard of one user and template as found: who holds it, in which state, until when. */
export type CooldownGuard = {
  linkId: string;
  state: 'sending' | 'sent' | 'uncertain';
  claimedAt: number;
  sentAt?: number;
  cooldownNoticed?: boolean;
  /** Epoch seconds. */
  expiresAt: number;
};

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
 * The two guards taken before a fix message goes out: one per occurrence (ever) and one per user and
 * template (the cooldown). Each is held by one attempt's `token`; a resent request finds its own.
 */
export interface FixGuards {
  /** Lives as long as the occurrence's link (`expiresAt`, epoch seconds); when held, says since when. */
  claimOccurrence(
    linkId: string,
    token: string,
    now: number,
    expiresAt: number,
  ): Promise<{ claimed: true } | { claimed: false; at: number }>;
  releaseOccurrence(linkId: string, token: string): Promise<void>;
  claimSend(claim: SendClaim): Promise<{ claimed: true } | { claimed: false; existing: CooldownGuard }>;
  /** The cooldown runs from the moment of sending. */
  markSent(recipient: string, templateId: string, sentAt: number, cooldownSeconds: number): Promise<void>;
  markUncertain(recipient: string, templateId: string, at: number): Promise<void>;
  /** Only while this attempt is still sending: a sent guard is never given back. */
  releaseSend(recipient: string, templateId: string, token: string): Promise<void>;
  /** True the first time a cooldown is noticed for the guard: the thread says why once. */
  noteCooldown(recipient: string, templateId: string): Promise<boolean>;
}

/** Where a fix outcome is kept: on the occurrence's link and on its group. */
export interface FixOutcomes {
  /** `reported` once Slack has been told. */
  recordOutcome(linkId: string, templateId: string, outcome: NotifyOutcome, reported: boolean): Promise<void>;
  /**
   * Records and counts (unless `count` is false) the group's latest fix; `first` when this link is the
   * group's first automatic outcome of its kind, the one told in the thread.
   */
  recordGroupFix(
    fingerprint: string,
    fix: GroupFix,
    options: { automatic: boolean; count: boolean },
  ): Promise<{ first: boolean; group?: ErrorGroup }>;
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
  /**
   * The group's parent if one was posted since `sinceMs`. A read: fails with RetryableError, or with
   * PermanentError when the channel cannot be read at all (a missing scope).
   */
  findPosted(fingerprint: string, sinceMs: number): Promise<SlackRef | undefined>;
}

// ── Intercom ────────────────────────────────────────────────────────────────────────────────────

export type Contact = { id: string; name?: string; email?: string };

export interface Messenger {
  /** A lookup changes nothing: fails with RetryableError, or PermanentError when refused. */
  findUser(user: ErrorEvent['user']): Promise<Contact | undefined>;
  /**
   * Fails with RetryableError (refused before any work: send again), DeliveryUncertainError (it may
   * have arrived: never send again) or PermanentError.
   */
  sendInApp(contactId: string, body: string): Promise<{ messageId: string }>;
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
