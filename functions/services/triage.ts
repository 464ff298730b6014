import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { INTERNAL_MESSAGE_ATTRIBUTE } from '../../lib/definitions';
import type { DynamoStore } from '../adapters/dynamo-store';
import { describeSlackError, type SlackChannel } from '../adapters/slack';
import type { ErrorsQueue, NotifyQueue } from '../adapters/sqs-queue';
import { parseErrorEvent } from '../core/event-schema';
import { fingerprintEvent } from '../core/fingerprint';
import { limitEventSize } from '../core/limit-size';
import { recipientKey } from '../core/notify';
import type { DetailLink, ErrorGroup } from '../core/records';
import { redactEvent } from '../core/redact';
import { type MessageOptions, parentMessage, threadUpdateMessage } from '../core/slack-messages';
import { FLUSH_STALE_MS, nextSlackStep, POST_CLAIM_STALE_MS, SLACK_COALESCE_MS } from '../core/slack-sync';
import { matchTemplate } from '../core/templates/match';
import type { FixTemplate } from '../core/templates/parse';

export type TriageDeps = {
  store: DynamoStore;
  slack: SlackChannel;
  queue: ErrorsQueue;
  notifyQueue: NotifyQueue;
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

/** Reads our marker attribute from an SQS record's message attributes (Lambda's spelling). */
export function internalKindOf(attributes: Record<string, { stringValue?: string }> | undefined) {
  return attributes?.[INTERNAL_MESSAGE_ATTRIBUTE]?.stringValue;
}

/**
 * Handles one queue message. Throws only for failures worth retrying (DynamoDB, Slack, SQS); every
 * step before the throw is idempotent, so the retry neither duplicates the detail item nor the alert.
 */
export async function triageMessage(message: QueueMessage, deps: TriageDeps): Promise<TriageOutcome> {
  if (message.internalKind === 'flush') {
    const { fingerprint } = JSON.parse(message.body) as { fingerprint: string };
    // The clear returns the group as it stands (no second read); a late flush for a gone group is a no-op.
    const group = await deps.store.clearFlush(fingerprint, deps.now());
    if (group) await syncSlack(fingerprint, `flush:${message.messageId}`, deps, group);
    return 'flushed';
  }

  const parsed = parseErrorEvent(message.body);
  if (!parsed.ok) {
    // Retrying cannot fix a bad event: park it with its reason now instead of after N receives.
    await deps.queue.deadLetter(message.body, parsed.reason, message.messageId);
    deps.log.warn('invalid event sent to the DLQ', { messageId: message.messageId, reason: parsed.reason });
    deps.metrics.addMetric('invalidEvents', MetricUnit.Count, 1);
    return 'invalid';
  }

  // Redact before limiting sizes: a cut could split a secret so its pattern no longer matches.
  const event = limitEventSize(redactEvent(parsed.event));
  const eventId = event.id ?? `sqs:${message.messageId}`;
  const fingerprint = fingerprintEvent(event);
  const template = matchTemplate(deps.templates, event);
  const now = deps.now();

  const claim = await deps.store.claimEvent(eventId, deps.newLinkId(), now);
  const link: DetailLink = {
    id: claim.linkId,
    eventId,
    fingerprint,
    event: { ...event, id: eventId },
    receivedAt: now,
    expiresAt: Math.floor(now / 1000) + deps.linkTtlSeconds,
    templateId: template?.id,
  };
  await deps.store.putLinkOnce(link);
  const group = await deps.store.recordOccurrence({ fingerprint, link, countIt: claim.fresh, template }, now);
  if (template?.auto && recipientKey(event.user)) {
    // Queued before Slack is touched: the user's message does not wait for, or depend on, Slack.
    // A retry queues it again; the notify guard makes sure it is sent once.
    await deps.notifyQueue.send({ linkId: link.id, templateId: template.id, trigger: 'auto' });
    deps.metrics.addMetric('autoFixesQueued', MetricUnit.Count, 1);
  }
  if (group.count === 1 && claim.fresh) deps.metrics.addMetric('newGroups', MetricUnit.Count, 1);
  deps.metrics.addMetric(claim.fresh ? 'events' : 'duplicateEvents', MetricUnit.Count, 1);

  await syncSlack(fingerprint, eventId, deps, group);
  return claim.fresh ? 'stored' : 'duplicate';
}

/**
 * Brings a group's Slack alert up to date: posts the parent once, then at most one update per
 * window; anything not shown yet is left to a delayed flush message, so the last burst is never lost.
 */
async function syncSlack(
  fingerprint: string,
  me: string,
  deps: TriageDeps,
  known?: ErrorGroup,
): Promise<void> {
  const { store, slack, messages } = deps;
  const now = deps.now();
  const group = known ?? (await store.getGroup(fingerprint, now));
  if (!group) return;
  const step = nextSlackStep(group, now);

  switch (step.kind) {
    case 'post-parent': {
      const claimed = await store.claimParentPost(fingerprint, me, now, POST_CLAIM_STALE_MS);
      if (!claimed) return deferFlush(fingerprint, now + SLACK_COALESCE_MS, deps);
      const ref = await slackCall(
        deps,
        fingerprint,
        () => slack.post(parentMessage(claimed, messages)),
        () => store.releaseParentClaim(fingerprint, me),
      );
      await store.markParentPosted(fingerprint, ref, claimed.count, now);
      deps.metrics.addMetric('slackParentPosts', MetricUnit.Count, 1);
      return;
    }
    case 'update': {
      const claimed = await store.claimUpdate(fingerprint, step.previousPostedAt, now);
      // Someone else is updating; their count may predate ours, so make sure a flush follows.
      if (!claimed?.slack) return deferFlush(fingerprint, now + SLACK_COALESCE_MS, deps);
      const ref = claimed.slack;
      await slackCall(
        deps,
        fingerprint,
        async () => {
          await slack.update(ref, parentMessage(claimed, messages));
          await slack.reply(ref, threadUpdateMessage(claimed, step.previousCount, messages));
        },
        () => store.releaseUpdate(fingerprint, now, step.previousPostedAt, step.previousCount),
      );
      deps.metrics.addMetric('slackUpdates', MetricUnit.Count, 1);
      return;
    }
    case 'defer':
      return deferFlush(fingerprint, step.dueAt, deps);
    case 'none':
      return;
  }
}

/** Runs a Slack call; on failure gives the claim back (so a retry can take it) and rethrows. */
async function slackCall<T>(
  deps: TriageDeps,
  fingerprint: string,
  call: () => Promise<T>,
  release: () => Promise<void>,
): Promise<T> {
  try {
    return await call();
  } catch (err) {
    deps.log.error('Slack call failed; the record will be retried', {
      fingerprint,
      reason: describeSlackError(err),
    });
    deps.metrics.addMetric('slackErrors', MetricUnit.Count, 1);
    await release();
    throw err;
  }
}

async function deferFlush(fingerprint: string, dueAt: number, deps: TriageDeps): Promise<void> {
  const now = deps.now();
  if (!(await deps.store.scheduleFlush(fingerprint, dueAt, now, FLUSH_STALE_MS))) return;
  try {
    await deps.queue.sendFlush({ fingerprint }, (dueAt - now) / 1000);
  } catch (err) {
    await deps.store.clearFlush(fingerprint, now);
    throw err;
  }
}
