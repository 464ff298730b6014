import { randomUUID } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { clip } from '../../common/clip';
import { parseJsonText } from '../../common/json-text';
import { type NotifyJob, notifyJobSchema } from '../core/notify-job';
import { recipientKey, recipientName } from '../core/recipient';
import type { DetailLink, NotifyOutcome } from '../core/records';
import type { MessageOptions } from '../core/slack/message';
import { outcomeMessage } from '../core/slack/outcome';
import { parentMessage } from '../core/slack/parent';
import { templateContext } from '../core/templates/context';
import type { FixTemplate } from '../core/templates/parse';
import { PermanentError, RetryableError, reasonOf, refused } from './failures';
import type {
  AlertThreads,
  Contact,
  FixGuards,
  FixJobQueue,
  FixOutcomes,
  LinkReader,
  Messenger,
} from './ports';

export type NotifyDeps = {
  links: LinkReader;
  guard: FixGuards;
  outcomes: FixOutcomes;
  intercom: Messenger;
  slack: AlertThreads;
  templates: FixTemplate[];
  messages: MessageOptions;
  /**
   * A guard still "sending" after this long belongs to an attempt that died mid-way: the wiring sets
   * it a little past the notify function's timeout, which no attempt outlives.
   */
  sendingStaleMs: number;
  /** Takes back a job that met a fix being sent right now, until that guard would be stale. */
  retryLater: FixJobQueue;
  now: () => number;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  metrics: Pick<Metrics, 'addMetric'>;
};

/** A render error can quote the template's source: the thread and the detail page get one short line. */
const RENDER_REASON_CHARS = 200;

export type NotifyResult = NotifyOutcome['status'] | 'duplicate' | 'invalid' | 'deferred';

/**
 * Sends one fix message at most once per occurrence (ever) and per user, template and cooldown — under
 * duplicate jobs, retries and concurrent invocations — and tells the team what happened, in the
 * alert's Slack thread.
 */
export async function notifyMessage(body: string, deps: NotifyDeps): Promise<NotifyResult> {
  const json = parseJsonText(body);
  const parsed = notifyJobSchema.safeParse(json.ok ? json.value : undefined);
  if (!parsed.success) {
    deps.log.error('invalid notify job dropped', { issues: parsed.error.issues.map((i) => i.message) });
    return 'invalid';
  }
  const job = parsed.data;
  const now = deps.now();
  const found = await deps.links.getLink(job.linkId, now);
  if (found.state === 'missing') {
    // Not the link id: it is the secret part of a detail URL, and logs are read more widely.
    deps.log.warn('notify job for an unknown or deleted occurrence', {
      templateId: job.templateId,
      trigger: job.trigger,
    });
    return 'expired';
  }
  const link = found.link;
  const template = deps.templates.find((t) => t.id === job.templateId);
  const templateName = template?.name ?? job.templateId;
  const finish = (outcome: NotifyOutcome) => report(outcome, link, job, templateName, deps);

  if (found.state === 'expired') return finish({ status: 'expired', at: now });
  if (!template)
    return finish({ status: 'failed', at: now, reason: `no template "${job.templateId}" any more` });
  const recipient = recipientKey(link.event.user);
  if (!recipient) return finish({ status: 'failed', at: now, reason: 'the occurrence names no user' });

  // Finished before (a duplicate job, or a retry after the outcome was recorded): only make sure the
  // team was told. A click may try again after an outcome that sent nothing (e.g. not in Intercom).
  const done = link.notify;
  if (done && (job.trigger === 'auto' || done.status === 'sent' || done.status === 'uncertain')) {
    if (!done.reported) await report(done, link, job, templateName, deps, { recorded: true });
    return 'duplicate';
  }

  // At most one message per occurrence, ever: this guard outlives any cooldown.
  const token = randomUUID();
  const occurrence = await deps.guard.claimOccurrence(link.id, token, now, link.expiresAt);
  if (!occurrence.claimed) {
    if (now - occurrence.at < deps.sendingStaleMs) return waitForGuard(job, occurrence.at, now, deps);
    // An attempt stopped between claiming and recording: the message may have gone out. Never resend.
    return finish({ status: 'uncertain', at: now, reason: 'an earlier attempt stopped while sending' });
  }
  const attempt = { handedToIntercom: false };
  try {
    return await sendGuarded({ job, link, template, templateName, recipient, token, now, attempt }, deps);
  } catch (err) {
    // Failed before the message was handed to Intercom (a DynamoDB or lookup failure): nothing can
    // have been sent, so both guards go back and the retry may send. After the hand-over, never.
    if (!attempt.handedToIntercom) {
      await deps.guard.releaseSend(recipient, template.id, token).catch(() => undefined);
      await deps.guard.releaseOccurrence(link.id, token).catch(() => undefined);
    }
    throw err;
  }
}

/** A live attempt usually finishes within a second or two: look again soon, not only once stale. */
const GUARD_RECHECK_SECONDS = 5;

/**
 * Another attempt holds a guard "sending": its result decides this job. The job comes back as a new,
 * delayed message (until the attempt is likely done, at the latest once the guard would be stale)
 * rather than failing: retries would spend the message's few receives while a killed attempt's guard
 * ages, and park a job in the DLQ that a later try would send.
 */
async function waitForGuard(job: NotifyJob, claimedAt: number, now: number, deps: NotifyDeps) {
  const staleInSeconds = (claimedAt + deps.sendingStaleMs - now) / 1000 + 1;
  await deps.retryLater.send(job, Math.min(staleInSeconds, GUARD_RECHECK_SECONDS));
  return 'deferred' as const;
}

type GuardedSend = {
  job: NotifyJob;
  link: DetailLink;
  template: FixTemplate;
  templateName: string;
  recipient: string;
  /** This attempt's token on both guards. */
  token: string;
  now: number;
  attempt: { handedToIntercom: boolean };
};

/** The send under the occurrence guard: the cooldown guard, the contact, the message, the outcome. */
async function sendGuarded(g: GuardedSend, deps: NotifyDeps): Promise<NotifyResult> {
  const { job, link, template, templateName, recipient, token, now } = g;
  const finish = (outcome: NotifyOutcome) => report(outcome, link, job, templateName, deps);
  const releaseOccurrence = () => deps.guard.releaseOccurrence(link.id, token);

  const claim = await deps.guard.claimSend({
    recipient,
    templateId: template.id,
    linkId: link.id,
    token,
    now,
    cooldownSeconds: template.cooldown,
  });
  if (!claim.claimed) {
    const held = claim.existing;
    await releaseOccurrence(); // nothing is sent by this attempt
    // Someone is sending to this user right now (another occurrence): wait for the result, so the
    // thread never says "cooldown" before the message it refers to has gone out.
    if (held.state === 'sending' && now - held.claimedAt < deps.sendingStaleMs) {
      return waitForGuard(job, held.claimedAt, now, deps);
    }
    if (held.linkId === link.id) {
      // A backstop: an attempt for this very occurrence that may have sent it. Never resend.
      return finish({ status: 'uncertain', at: now, reason: 'an earlier attempt may have sent it' });
    }
    const outcome: NotifyOutcome = {
      status: 'cooldown',
      at: now,
      lastSentAt: held.sentAt ?? held.claimedAt,
      until: held.expiresAt * 1000,
    };
    // A burst of occurrences must not flood the thread: an automatic job reports a cooldown once.
    const tellTeam = job.trigger === 'slack' || (await deps.guard.noteCooldown(recipient, template.id));
    if (tellTeam) await report(outcome, link, job, templateName, deps);
    else await deps.outcomes.recordOutcome(link.id, template.id, outcome, true);
    return 'cooldown';
  }

  // Nothing was sent: both guards go back, so a retry (or a later occurrence) may send.
  const release = async () => {
    await deps.guard.releaseSend(recipient, template.id, token);
    await releaseOccurrence();
  };
  let contact: Contact | undefined;
  try {
    contact = await deps.intercom.findUser(link.event.user);
  } catch (err) {
    await release();
    if (err instanceof PermanentError) return finish({ status: 'failed', at: now, reason: err.message });
    throw err; // a lookup changes nothing: retrying it is always safe
  }
  if (!contact) {
    await release();
    return finish({ status: 'not-in-intercom', at: now });
  }

  // Rendered before the hand-over, so a template that does not render has sent nothing. A retry would
  // render the same way: the outcome is final and the thread is told. Both guards go back, so a click
  // may send the fixed template later.
  let body: string;
  try {
    body = template.render(templateContext(link.event));
  } catch (err) {
    await release();
    const reason = `template "${template.id}" did not render: ${clip(reasonOf(err), RENDER_REASON_CHARS)}`;
    deps.log.error('fix template did not render', { reason });
    return finish({ status: 'failed', at: now, reason });
  }
  let messageId: string;
  try {
    g.attempt.handedToIntercom = true;
    ({ messageId } = await deps.intercom.sendInApp(contact.id, body));
  } catch (err) {
    if (!refused(err)) {
      // It may have arrived (DeliveryUncertainError): never send it again.
      await deps.guard.markUncertain(recipient, template.id, now);
      return finish({ status: 'uncertain', at: now, reason: reasonOf(err) });
    }
    // Intercom answered that it did not take the message: it may be sent again.
    await release();
    g.attempt.handedToIntercom = false;
    if (err instanceof RetryableError) throw err;
    return finish({ status: 'failed', at: now, reason: err.message });
  }
  // Sent: from here a failure must not release the guards (a retry would send again); the occurrence
  // guard stays held for good, which a retry reports as maybe-delivered.
  const sentAt = deps.now();
  await deps.guard.markSent(recipient, template.id, sentAt, template.cooldown);
  deps.metrics.addMetric('fixesSent', MetricUnit.Count, 1);
  return finish({ status: 'sent', at: sentAt, contactId: contact.id, messageId });
}

/**
 * Records the outcome on the detail item and the group, updates the alert (its fix line and buttons)
 * and replies in its thread. Marked reported only after Slack took it, so a retry tells the team.
 */
async function report(
  outcome: NotifyOutcome,
  link: DetailLink,
  job: NotifyJob,
  templateName: string,
  deps: NotifyDeps,
  /** True when an earlier attempt recorded (and counted) this outcome but could not tell Slack. */
  retry: { recorded: boolean } = { recorded: false },
): Promise<NotifyOutcome['status']> {
  if (!retry.recorded) await deps.outcomes.recordOutcome(link.id, job.templateId, outcome, false);
  const automatic = job.trigger === 'auto';
  const { first, group: current } = await deps.outcomes.recordGroupFix(
    link.fingerprint,
    {
      status: outcome.status,
      linkId: link.id,
      userName: recipientName(link.event.user),
      at: outcome.at,
      requestedBy: job.requestedBy?.id,
      contactId: outcome.status === 'sent' ? outcome.contactId : undefined,
      reason: 'reason' in outcome ? outcome.reason : undefined,
    },
    { automatic, count: !retry.recorded },
  );
  if (!retry.recorded) deps.metrics.addMetric(`fix_${outcome.status}`, MetricUnit.Count, 1);
  // A click is answered in its thread at once; automatic fixes only the first time per group — the
  // alert's coalesced updates show the rest as counts.
  const tellThread = !automatic || first;
  const group = tellThread ? current : undefined;
  if (group?.slack) {
    await deps.slack.reply(group.slack, outcomeMessage(outcome, templateName, link.event.user, job));
    await deps.slack.update(group.slack, parentMessage(group, deps.messages));
  } else if (tellThread) {
    deps.log.warn('fix outcome not posted: the group has no Slack alert yet', {
      fingerprint: link.fingerprint,
      outcome: outcome.status,
    });
  }
  await deps.outcomes.recordOutcome(link.id, job.templateId, outcome, true);
  return outcome.status;
}
