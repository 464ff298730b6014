import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { redactEvent, redactRawBody, redactText } from '../../common/redact';
import { type ErrorEvent, parseErrorEvent } from '../core/event-schema';
import { fingerprintEvent } from '../core/fingerprint';
import { type FlushBody, parseFlushBody } from '../core/flush';
import { limitEventSize } from '../core/limit-size';
import type { NotifyJob } from '../core/notify-job';
import { groupByKey, UnstorableEventError } from '../core/occurrence-batch';
import { statusOf } from '../core/oncall/incident';
import { INCIDENT_KIND, parseIncidentBody } from '../core/oncall/incident-message';
import { lowUrgencyNote } from '../core/oncall/roster';
import { SETTLED_FOR_MS, type SettledGroups } from '../core/oncall/settled-groups';
import { countsTowardsThreshold } from '../core/oncall/urgency';
import type { PendingFlushes } from '../core/pending-flushes';
import { recipientKey, userHash } from '../core/recipient';
import type { DetailLink, ErrorGroup, SlackRef } from '../core/records';
import type { MessageOptions } from '../core/slack/message';
import { parentMessage } from '../core/slack/parent';
import { FLUSH_STALE_MS, nextSlackStep, POST_CLAIM_STALE_MS, SLACK_COALESCE_MS } from '../core/slack/sync';
import { threadUpdateMessage } from '../core/slack/thread-update';
import { matchTemplate } from '../core/templates/match';
import type { FixTemplate } from '../core/templates/parse';
import { PermanentError, RetryableError, reasonOf, refused } from './failures';
import {
  advanceIncident,
  type IncidentDeps,
  noteOccurrences,
  pruneRecentUsers,
  runIncidentMessage,
} from './incidents';
import type {
  AlertChannel,
  AlertStore,
  DeadLetterQueue,
  FixJobBatchQueue,
  FlushQueue,
  Occurrence,
  OccurrenceResult,
  OccurrenceStore,
  Shown,
} from './ports';

export type TriageDeps = IncidentDeps & {
  store: OccurrenceStore & AlertStore;
  slack: AlertChannel;
  queue: FlushQueue & DeadLetterQueue;
  notifyQueue: FixJobBatchQueue;
  /** Fix templates in matching order. */
  templates: FixTemplate[];
  messages: MessageOptions;
  linkTtlSeconds: number;
  now: () => number;
  newLinkId: () => string;
  /** The flushes this container queued, until due: a batch skips the groups they will show… */
  pendingFlushes: PendingFlushes;
  /** …when their incident is settled too (core/oncall/settled-groups.ts). */
  settledGroups: SettledGroups;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics: Pick<Metrics, 'addMetric'>;
};

/** A queue message as the triage function sees it, whatever delivered it (Lambda or the local stack). */
export type QueueMessage = { messageId: string; body: string; internalKind?: string };

/** A valid event of the batch, ready to store. */
type Prepared = { message: QueueMessage; occurrence: Occurrence; template?: FixTemplate };

/**
 * Handles a batch of queue messages together and answers the ids of those to retry. The batch's
 * events are stored in one store call, their groups read in one, their fix jobs queued in one, and
 * each group's Slack alert synced once. A message fails only when something it needs failed — its
 * store write, its fix job, its group's Slack sync — and every step is idempotent, so a retry after a
 * failure at any point neither loses, double-counts nor re-alerts an occurrence.
 */
export async function triageBatch(messages: QueueMessage[], deps: TriageDeps): Promise<string[]> {
  const failed = new Set<string>();
  const fail = (message: QueueMessage) => () => void failed.add(message.messageId);
  const work: Promise<void>[] = [];
  const events: { message: QueueMessage; event: ErrorEvent }[] = [];
  let invalid = 0;

  for (const message of messages) {
    if (message.internalKind === INCIDENT_KIND) {
      const incident = parseIncidentBody(message.body);
      if (incident) {
        work.push(
          runIncidentMessage(incident, deps, (g) => syncSlack(incident.incident, deps, g)).catch(
            fail(message),
          ),
        );
        continue;
      }
      deps.log.warn('a message marked as an incident is none: handled as an event', {
        messageId: message.messageId,
      });
    }
    if (message.internalKind === 'flush') {
      const flush = parseFlushBody(message.body);
      if (flush) {
        work.push(runFlush(flush, deps).catch(fail(message)));
        continue;
      }
      // Producers can set message attributes too: a marked message that is no flush is what it says.
      deps.log.warn('a message marked internal is no flush: handled as an event', {
        messageId: message.messageId,
      });
    }
    const parsed = parseErrorEvent(message.body);
    if (parsed.ok) {
      events.push({ message, event: parsed.event });
    } else {
      invalid++;
      work.push(deadLetter(message, parsed.reason, deps).catch(fail(message)));
    }
  }
  if (invalid > 0) deps.metrics.addMetric('invalidEvents', MetricUnit.Count, invalid);
  if (events.length > 0) work.push(storeEvents(events, deps, failed));
  await Promise.all(work);
  return messages.filter((m) => failed.has(m.messageId)).map((m) => m.messageId);
}

/**
 * Retrying cannot fix a bad event: parks it with its reason now instead of after N receives, scrubbed
 * like a valid one (the DLQ is read by people). The reason names fields by path, and a path can hold a
 * producer's key: scrubbed too.
 */
async function deadLetter(message: QueueMessage, why: string, deps: TriageDeps): Promise<void> {
  const reason = redactText(why);
  const delivered = Buffer.byteLength(message.body, 'utf8');
  await deps.queue.deadLetter(redactRawBody(message.body), reason, message.messageId, delivered);
  deps.log.warn('invalid event sent to the DLQ', { messageId: message.messageId, reason });
}

/** Stores the batch's events, queues their fix jobs, then syncs each touched group's alert once. */
async function storeEvents(
  events: { message: QueueMessage; event: ErrorEvent }[],
  deps: TriageDeps,
  failed: Set<string>,
): Promise<void> {
  const now = deps.now();
  const expiresAt = Math.floor(now / 1000) + deps.linkTtlSeconds;
  const rules = deps.team?.urgency ?? [];
  const seenAt = Math.floor(deps.clock() / 1000);
  const prepared = events.flatMap(({ message, event: parsed }): Prepared[] => {
    try {
      const event = limitEventSize(redactEvent(parsed));
      const fingerprint = fingerprintEvent(event);
      const eventId = event.id ?? `sqs:${message.messageId}`;
      const template = matchTemplate(deps.templates, event);
      const link: DetailLink = {
        id: deps.newLinkId(),
        eventId,
        fingerprint,
        event: { ...event, id: eventId },
        receivedAt: now,
        expiresAt,
        templateId: template?.id,
      };
      // Users are counted towards an outage threshold while one could still raise their group.
      const seen = countsTowardsThreshold(rules, event) && !deps.settledGroups.covers(fingerprint, now);
      return [{ message, occurrence: { fingerprint, link, template, ...(seen && { seenAt }) }, template }];
    } catch (err) {
      // A bug, not the event's fault (it passed the schema): only this record is retried.
      deps.log.error('preparing an event failed; the record will be retried', {
        messageId: message.messageId,
        reason: reasonOf(err),
      });
      failed.add(message.messageId);
      return [];
    }
  });
  if (prepared.length === 0) return;

  let results: OccurrenceResult[];
  try {
    results = await deps.store.recordOccurrences(
      prepared.map((p) => p.occurrence),
      now,
    );
  } catch (error) {
    results = prepared.map(() => ({ status: 'failed', error }));
  }
  const outcomes = prepared.map((p, i) => ({ ...p, result: results[i]! }));
  // An event the store cannot hold (e.g. a number DynamoDB refuses) is parked with its reason, as an
  // invalid one: a retry would fail the same way.
  const unstorable = (o: (typeof outcomes)[number]) =>
    o.result.status === 'failed' && o.result.error instanceof UnstorableEventError;
  const parked = outcomes.filter(unstorable);
  if (parked.length > 0) {
    deps.metrics.addMetric('invalidEvents', MetricUnit.Count, parked.length);
    await Promise.all(
      parked.map((o) =>
        deadLetter(
          o.message,
          `the event cannot be stored: ${reasonOf((o.result as { error: unknown }).error)}`,
          deps,
        ).catch(() => void failed.add(o.message.messageId)),
      ),
    );
  }
  const storedFail = outcomes.filter((o) => o.result.status === 'failed' && !unstorable(o));
  for (const o of storedFail) failed.add(o.message.messageId);
  if (storedFail.length > 0) {
    const first = storedFail[0]!.result as { error: unknown };
    deps.log.error('storing occurrences failed; their records will be retried', {
      records: storedFail.length,
      reason: reasonOf(first.error),
    });
  }
  const done = outcomes.filter((o) => o.result.status !== 'failed');
  const linkOf = (o: (typeof outcomes)[number]) =>
    o.result.status === 'failed' ? undefined : o.result.linkId;
  const stored = done.filter((o) => o.result.status === 'stored');
  if (stored.length > 0) deps.metrics.addMetric('events', MetricUnit.Count, stored.length);
  if (done.length > stored.length) {
    deps.metrics.addMetric('duplicateEvents', MetricUnit.Count, done.length - stored.length);
  }

  // Queued before Slack is touched: the user's message does not wait for, or depend on, Slack. A
  // retry or a duplicate queues it again; the notify guards make sure it is sent once.
  const jobs = new Map<string, { job: NotifyJob; records: string[] }>();
  for (const o of done) {
    const linkId = linkOf(o);
    if (!linkId || !o.template?.auto || !recipientKey(o.occurrence.link.event.user)) continue;
    const key = `${linkId}\u0000${o.template.id}`;
    const queued = jobs.get(key);
    if (queued) queued.records.push(o.message.messageId);
    else
      jobs.set(key, {
        job: { linkId, templateId: o.template.id, trigger: 'auto' },
        records: [o.message.messageId],
      });
  }
  if (jobs.size > 0) {
    const all = [...jobs.values()];
    let notQueued: number[];
    let reason = 'refused by the queue';
    try {
      notQueued = (await deps.notifyQueue.sendBatch(all.map((j) => j.job))).failed;
    } catch (err) {
      notQueued = all.map((_, i) => i);
      reason = reasonOf(err);
    }
    for (const i of notQueued) for (const id of all[i]?.records ?? []) failed.add(id);
    if (notQueued.length > 0) {
      deps.log.error('fix jobs were not queued; their records will be retried', {
        jobs: notQueued.length,
        reason,
      });
    }
    if (all.length > notQueued.length) {
      deps.metrics.addMetric('autoFixesQueued', MetricUnit.Count, all.length - notQueued.length);
    }
  }

  // One Slack sync per touched group, on the group as read after the writes — except where a flush
  // this container queued is still ahead (judged now, the writes done): it will show them.
  const byGroup = groupByKey(done, (o) => o.occurrence.fingerprint);
  const written = deps.now();
  for (const fingerprint of byGroup.keys()) {
    if (deps.pendingFlushes.covers(fingerprint, written) && deps.settledGroups.covers(fingerprint, written))
      byGroup.delete(fingerprint);
  }
  if (byGroup.size === 0) return;
  let groups: Map<string, ErrorGroup>;
  try {
    groups = await deps.store.getGroups([...byGroup.keys()], now);
  } catch (err) {
    deps.log.error('reading the groups failed; their records will be retried', { reason: reasonOf(err) });
    for (const members of byGroup.values()) for (const o of members) failed.add(o.message.messageId);
    return;
  }
  let newGroups = 0;
  await Promise.all(
    [...byGroup].map(async ([fingerprint, members]) => {
      const group = groups.get(fingerprint);
      const storedHere = members.filter((o) => o.result.status === 'stored').length;
      try {
        if (!group) {
          // A duplicate whose group has expired since has nothing to show; a stored one must be read.
          if (storedHere > 0) throw new Error('a group just written could not be read back');
          return;
        }
        if (storedHere > 0 && group.count === storedHere) newGroups++;
        // Duplicates too: a retry after a failed incident write must still be judged.
        const counted = members.map((o) => {
          const { event } = o.occurrence.link;
          // Its user counts towards a threshold only when its counting appended them (seenAt).
          const user = o.occurrence.seenAt === undefined ? undefined : userHash(event.user);
          return { event, user, counted: o.result.status === 'stored' };
        });
        const noted = await noteOccurrences(fingerprint, group, counted, deps);
        const synced = (await syncSlack(fingerprint, deps, noted)) ?? noted;
        const after = await advanceIncident(fingerprint, synced, deps, (g) =>
          syncSlack(fingerprint, deps, g),
        );
        await pruneRecentUsers(fingerprint, after, deps);
        if (isSettled(after, deps))
          deps.settledGroups.remember(fingerprint, deps.now() + SETTLED_FOR_MS, deps.now());
      } catch (err) {
        deps.log.warn('the group’s alert could not be brought up to date; its records will be retried', {
          fingerprint,
          records: members.length,
          reason: reasonOf(err),
        });
        for (const o of members) failed.add(o.message.messageId);
      }
    }),
  );
  if (newGroups > 0) deps.metrics.addMetric('newGroups', MetricUnit.Count, newGroups);
}

/**
 * Brings a group's Slack alert up to date: posts the parent once, then at most one update per
 * window; anything not shown yet is left to a delayed flush message, so the last burst is never lost.
 * Answers the group as posted when it posted the parent: its escalation can start now it has a thread.
 */
async function syncSlack(
  fingerprint: string,
  deps: TriageDeps,
  group: ErrorGroup,
  /** The token of the flush running this sync: a flush it schedules replaces it. */
  replacing?: string,
): Promise<ErrorGroup | undefined> {
  const { store, slack, messages } = deps;
  const now = deps.now();
  const step = nextSlackStep(group, now);

  switch (step.kind) {
    case 'post-parent': {
      // Unique per attempt: two deliveries of one event at once must not both hold the claim.
      const me = randomUUID();
      const claimed = await store.claimParentPost(fingerprint, me, now, POST_CLAIM_STALE_MS);
      if (!claimed) {
        await deferFlush(fingerprint, now + SLACK_COALESCE_MS, deps, replacing);
        return undefined;
      }
      const earlier = await findEarlierPost(fingerprint, claimed, now, deps, me);
      if (earlier) {
        // Posted by an attempt whose answer was lost, showing what it knew then: recorded as showing
        // nothing yet, so the flush scheduled here brings it up to date.
        await store.markParentPosted(fingerprint, earlier, { count: 0, version: 0 }, now);
        await deferFlush(fingerprint, now + SLACK_COALESCE_MS, deps, replacing);
        return { ...claimed, slack: earlier, postedCount: 0, shownVersion: 0 };
      }
      const ref = await slackCall(
        deps,
        fingerprint,
        () => slack.post(parentMessage(claimed, messageOptions(claimed, deps, now)), fingerprint),
        // Forgotten as an attempt only when Slack said no: else the next claimer looks for this post.
        (err) => store.releaseParentClaim(fingerprint, me, refused(err)),
      );
      await store.markParentPosted(fingerprint, ref, shownBy(claimed), now);
      deps.metrics.addMetric('slackParentPosts', MetricUnit.Count, 1);
      return { ...claimed, slack: ref, postedCount: claimed.count, shownVersion: claimed.stateVersion };
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
      if (!claimed?.slack) {
        await deferFlush(fingerprint, now + SLACK_COALESCE_MS, deps, replacing);
        return undefined;
      }
      const ref = claimed.slack;
      await slackCall(
        deps,
        fingerprint,
        async () => {
          await slack.update(ref, parentMessage(claimed, messageOptions(claimed, deps, now)));
          // A change of state alone shows in place; its own thread reply says what changed.
          if (claimed.count > step.previousCount)
            await slack.reply(ref, threadUpdateMessage(claimed, step.previousCount, messages));
        },
        () => store.releaseUpdate(fingerprint, me),
      );
      await store.markUpdated(fingerprint, me, shownBy(claimed), now);
      deps.metrics.addMetric('slackUpdates', MetricUnit.Count, 1);
      return undefined;
    }
    case 'defer':
      await deferFlush(fingerprint, step.dueAt, deps, replacing);
      return undefined;
    case 'none':
      return undefined;
  }
}

/** No new occurrence can change the group's incident: high already (or no rule to raise it), not resolved. */
function isSettled(group: ErrorGroup, deps: TriageDeps): boolean {
  return statusOf(group).state !== 'resolved' && (group.urgency !== undefined || !deps.team?.urgency.length);
}

/** What a parent rendered from `group` shows. */
const shownBy = (group: ErrorGroup): Shown => ({ count: group.count, version: group.stateVersion ?? 0 });

/** The parent's options: a low-urgency alert says who will look and when, by the team file. */
function messageOptions(group: ErrorGroup, deps: TriageDeps, now: number): MessageOptions {
  if (group.urgency || !deps.team) return deps.messages;
  return { ...deps.messages, oncallNote: lowUrgencyNote(deps.team, now) };
}

/**
 * A delayed flush: brings the alert up to date, and only then clears its token, so a flush that
 * fails (or dies) at any point is redelivered and does its work. A stale, forged or duplicate flush
 * (its token is not the pending one, or the group is gone) is a no-op. Occurrences counted while it
 * ran (after the count it showed, before its clear) saw a flush pending and left their showing to it:
 * then the token is not cleared but replaced by another flush scheduled for them.
 */
async function runFlush(flush: FlushBody, deps: TriageDeps): Promise<void> {
  const group = await deps.store.getGroup(flush.fingerprint, deps.now());
  if (group?.flushToken !== flush.token) return;
  // Occurrences that triage skipped reading (a flush was ahead) may have regressed a resolved alert.
  const noted = await noteOccurrences(flush.fingerprint, group, [], deps);
  // This flush is no longer pending for the decision: it is the one running.
  const posted = await syncSlack(flush.fingerprint, deps, { ...noted, flushDueAt: undefined }, flush.token);
  // The parent now exists (posted here, or by a container that claimed it before the group turned
  // high): the escalation starts in its thread if nobody could start it yet.
  const shown = posted ?? noted;
  if (shown.slack)
    await advanceIncident(flush.fingerprint, shown, deps, (g) => syncSlack(flush.fingerprint, deps, g));
  // Cleared only when nothing counted is left unshown, in one conditional write.
  if ((await deps.store.clearShownFlush(flush.fingerprint, flush.token)) !== 'behind') return;
  // Occurrences counted while it ran saw it pending: another flush replaces this one to show them.
  // Until that one is queued this flush stays pending, so a failure here is thrown and its retry works.
  await deferFlush(flush.fingerprint, deps.now() + SLACK_COALESCE_MS, deps, flush.token);
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
    if (replacing !== undefined && replacing !== token) {
      // The running flush is pending again (not cleared): its retry, which this throw causes, works.
      await deps.store.scheduleFlush(fingerprint, replacing, now, now, FLUSH_STALE_MS, token);
    } else {
      await deps.store.clearFlush(fingerprint, token);
    }
    throw err;
  }
  deps.pendingFlushes.remember(fingerprint, dueAt, now);
}
