import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { redactEvent, redactRawBody, redactText } from '../../common/redact';
import { type ErrorEvent, parseErrorEvent } from '../core/event-schema';
import { fingerprintEvent } from '../core/fingerprint';
import { type FlushBody, parseFlushBody } from '../core/flush';
import { limitEventSize } from '../core/limit-size';
import { recipientKey } from '../core/recipient';
import type { DetailLink, ErrorGroup, SlackRef } from '../core/records';
import type { MessageOptions } from '../core/slack/message';
import { parentMessage } from '../core/slack/parent';
import { FLUSH_STALE_MS, nextSlackStep, POST_CLAIM_STALE_MS, SLACK_COALESCE_MS } from '../core/slack/sync';
import { threadUpdateMessage } from '../core/slack/thread-update';
import { matchTemplate } from '../core/templates/match';
import type { FixTemplate } from '../core/templates/parse';
import { PermanentError, RetryableError, reasonOf, refused } from './failures';
import type {
  AlertChannel,
  AlertStore,
  DeadLetterQueue,
  FixJobQueue,
  FlushQueue,
  OccurrenceStore,
} from './ports';

export type TriageDeps = {
  store: OccurrenceStore & AlertStore;
  slack: AlertChannel;
  queue: FlushQueue & DeadLetterQueue;
  notifyQueue: FixJobQueue;
  /** Fix templates in matching order. */
  templates: FixTemplate[];
  messages: MessageOptions;
  linkTtlSeconds: number;
  now: () => number;
  newLinkId: () => string;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics: Pick<Metrics, 'addMetric'>;
};

/** A queue message as the triage function sees it, whatever delivered it (Lambda or the local stack). */
export type QueueMessage = { messageId: string; body: string; internalKind?: string };

export type TriageOutcome = 'stored' | 'duplicate' | 'invalid' | 'flushed';

/**
 * Handles one queue message. Throws only for failures worth retrying (DynamoDB, Slack, SQS); every
 * step is idempotent, so a retry after a failure at any point neither loses, double-counts nor
 * re-alerts the occurrence.
 */
export async function triageMessage(message: QueueMessage, deps: TriageDeps): Promise<TriageOutcome> {
  if (message.internalKind === 'flush') {
    const flush = parseFlushBody(message.body);
    if (flush) {
      await runFlush(flush, deps);
      return 'flushed';
    }
    // Producers can set message attributes too: a marked message that is no flush is what it says.
    deps.log.warn('a message marked internal is no flush: handled as an event', {
      messageId: message.messageId,
    });
  }

  const parsed = parseErrorEvent(message.body);
  if (!parsed.ok) {
    // Retrying cannot fix a bad event: park it with its reason now instead of after N receives,
    // scrubbed like a valid one (the DLQ is read by people).
    // The reason names fields by path, and a path can hold a producer's key: scrubbed too.
    const reason = redactText(parsed.reason);
    const delivered = Buffer.byteLength(message.body, 'utf8');
    await deps.queue.deadLetter(redactRawBody(message.body), reason, message.messageId, delivered);
    deps.log.warn('invalid event sent to the DLQ', { messageId: message.messageId, reason });
    deps.metrics.addMetric('invalidEvents', MetricUnit.Count, 1);
    return 'invalid';
  }

  const event = limitEventSize(redactEvent(parsed.event));
  const fingerprint = fingerprintEvent(event);
  return storeOccurrence(event, fingerprint, message, deps);
}

async function storeOccurrence(
  event: ErrorEvent,
  fingerprint: string,
  message: QueueMessage,
  deps: TriageDeps,
): Promise<TriageOutcome> {
  const eventId = event.id ?? `sqs:${message.messageId}`;
  const template = matchTemplate(deps.templates, event);
  const now = deps.now();
  const scope = { app: event.app, environment: event.environment, id: eventId };
  const expiresAt = Math.floor(now / 1000) + deps.linkTtlSeconds;
  const claim = await deps.store.claimEvent(scope, deps.newLinkId(), now, expiresAt);
  const link: DetailLink = {
    id: claim.linkId,
    eventId,
    fingerprint,
    event: { ...event, id: eventId },
    receivedAt: now,
    expiresAt,
    templateId: template?.id,
  };
  const { fresh, group } = await deps.store.recordOccurrence({ fingerprint, link, template }, now);
  if (template?.auto && recipientKey(event.user)) {
    // Queued before Slack is touched: the user's message does not wait for, or depend on, Slack.
    // A retry queues it again; the notify guards make sure it is sent once.
    await deps.notifyQueue.send({ linkId: link.id, templateId: template.id, trigger: 'auto' });
    deps.metrics.addMetric('autoFixesQueued', MetricUnit.Count, 1);
  }
  if (fresh && group?.count === 1) deps.metrics.addMetric('newGroups', MetricUnit.Count, 1);
  deps.metrics.addMetric(fresh ? 'events' : 'duplicateEvents', MetricUnit.Count, 1);

  if (group) await syncSlack(fingerprint, deps, group);
  return fresh ? 'stored' : 'duplicate';
}

/**
 * Brings a group's Slack alert up to date: posts the parent once, then at most one update per
 * window; anything not shown yet is left to a delayed flush message, so the last burst is never lost.
 */
async function syncSlack(
  fingerprint: string,
  deps: TriageDeps,
  group: ErrorGroup,
  /** The token of the flush running this sync: a flush it schedules replaces it. */
  replacing?: string,
): Promise<void> {
  const { store, slack, messages } = deps;
  const now = deps.now();
  const step = nextSlackStep(group, now);

  switch (step.kind) {
    case 'post-parent': {
      // Unique per attempt: two deliveries of one event at once must not both hold the claim.
      const me = randomUUID();
      const claimed = await store.claimParentPost(fingerprint, me, now, POST_CLAIM_STALE_MS);
      if (!claimed) return deferFlush(fingerprint, now + SLACK_COALESCE_MS, deps, replacing);
      const earlier = await findEarlierPost(fingerprint, claimed, now, deps, me);
      if (earlier) {
        // Posted by an attempt whose answer was lost, showing what it knew then: recorded as showing
        // nothing yet, so the flush scheduled here brings it up to date.
        await store.markParentPosted(fingerprint, earlier, 0, now);
        return deferFlush(fingerprint, now + SLACK_COALESCE_MS, deps, replacing);
      }
      const ref = await slackCall(
        deps,
        fingerprint,
        () => slack.post(parentMessage(claimed, messages), fingerprint),
        // Forgotten as an attempt only when Slack said no: else the next claimer looks for this post.
        (err) => store.releaseParentClaim(fingerprint, me, refused(err)),
      );
      await store.markParentPosted(fingerprint, ref, claimed.count, now);
      deps.metrics.addMetric('slackParentPosts', MetricUnit.Count, 1);
      return;
    }
    case 'update': {
      const me = randomUUID();
      const claimed = await store.claimUpdate(
        fingerprint,
        me,
        step.previousPostedAt,
        now,
        POST_CLAIM_STALE_MS,
      );
      // Someone else is updating; their count may predate ours, so make sure a flush follows.
      if (!claimed?.slack) return deferFlush(fingerprint, now + SLACK_COALESCE_MS, deps, replacing);
      const ref = claimed.slack;
      await slackCall(
        deps,
        fingerprint,
        async () => {
          await slack.update(ref, parentMessage(claimed, messages));
          await slack.reply(ref, threadUpdateMessage(claimed, step.previousCount, messages));
        },
        () => store.releaseUpdate(fingerprint, me),
      );
      await store.markUpdated(fingerprint, me, claimed.count, now);
      deps.metrics.addMetric('slackUpdates', MetricUnit.Count, 1);
      return;
    }
    case 'defer':
      return deferFlush(fingerprint, step.dueAt, deps, replacing);
    case 'none':
      return;
  }
}

/**
 * A delayed flush: brings the alert up to date, and only then clears its token, so a flush that
 * fails (or dies) at any point is redelivered and does its work. A stale, forged or duplicate flush
 * (its token is not the pending one, or the group is gone) is a no-op.
 */
async function runFlush(flush: FlushBody, deps: TriageDeps): Promise<void> {
  const group = await deps.store.getGroup(flush.fingerprint, deps.now());
  if (group?.flushToken !== flush.token) return;
  // This flush is no longer pending for the decision: it is the one running.
  await syncSlack(flush.fingerprint, deps, { ...group, flushDueAt: undefined }, flush.token);
  await deps.store.clearFlush(flush.fingerprint, flush.token);
}

/**
 * When an earlier attempt's post may have gone through (its answer was lost, or it died), looks for
 * it in the channel. When Slack cannot be asked for a passing reason, the claim goes back and the
 * record is retried: posting blind could make a second alert. Only a setup problem (the scope is
 * missing) lets the post go ahead, logged: an alert must not be withheld for good.
 */
async function findEarlierPost(
  fingerprint: string,
  claimed: ErrorGroup,
  now: number,
  deps: TriageDeps,
  me: string,
): Promise<SlackRef | undefined> {
  if (claimed.postAttemptAt === undefined || claimed.postAttemptAt >= now) return undefined;
  try {
    // A minute of slack for clocks: Slack's ts is its own time, postAttemptAt ours.
    return await deps.slack.findPosted(fingerprint, claimed.postAttemptAt - 60_000);
  } catch (err) {
    if (err instanceof PermanentError) {
      deps.log.warn('could not check the channel for an earlier post (needs channels:history)', {
        fingerprint,
        reason: err.message,
      });
      return undefined;
    }
    await deps.store.releaseParentClaim(fingerprint, me, false);
    throw new RetryableError(
      `could not check the channel for an earlier post; retried later (${reasonOf(err)})`,
    );
  }
}

/** Runs a Slack call; on failure gives the claim back (so a retry can take it) and rethrows. */
async function slackCall<T>(
  deps: TriageDeps,
  fingerprint: string,
  call: () => Promise<T>,
  release: (err: unknown) => Promise<void>,
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    deps.log.error('Slack call failed; the record will be retried', {
      fingerprint,
      reason: reasonOf(err),
    });
    deps.metrics.addMetric('slackErrors', MetricUnit.Count, 1);
    await release(err);
    throw err;
  }
}

async function deferFlush(
  fingerprint: string,
  dueAt: number,
  deps: TriageDeps,
  replacing?: string,
): Promise<void> {
  const now = deps.now();
  const token = randomUUID();
  if (!(await deps.store.scheduleFlush(fingerprint, token, dueAt, now, FLUSH_STALE_MS, replacing))) return;
  try {
    await deps.queue.sendFlush({ fingerprint, token }, (dueAt - now) / 1000);
  } catch (err) {
    await deps.store.clearFlush(fingerprint, token);
    throw err;
  }
}
