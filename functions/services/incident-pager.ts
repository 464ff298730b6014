import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { detailUrl } from '../core/links';
import { pagerWanted } from '../core/oncall/incident';
import { type IncidentBody, MAX_PAGER_ATTEMPTS } from '../core/oncall/incident-message';
import type { AlertStatus, ErrorGroup, PagerAction } from '../core/records';
import { groupTitle } from '../core/slack/format';
import type { MessageOptions } from '../core/slack/message';
import { PermanentError, reasonOf } from './failures';
import type { IncidentQueue, PageIncident, Pager } from './ports';

/** What the PagerDuty side needs (the incident flow's deps have it). */
export type PagerDeps = {
  pager?: Pager;
  messages: MessageOptions;
  timers: IncidentQueue;
  clock: () => number;
  now: () => number;
  log: Pick<Logger, 'warn' | 'error'>;
  metrics: Pick<Metrics, 'addMetric'>;
};

/** The first retry after PagerDuty failed, doubling up to SQS's longest delay. */
const RETRY_BASE_SECONDS = 5;

/** The group as a PagerDuty incident: one per group (its fingerprint), linked to the detail page. */
function incidentOf(group: ErrorGroup, deps: Pick<PagerDeps, 'messages'>): PageIncident {
  return {
    dedupKey: group.fingerprint,
    summary: `[${group.app}/${group.environment}] ${groupTitle(group)}: ${group.message ?? ''}`,
    source: `${group.app}/${group.environment}`,
    severity: group.level === 'fatal' ? 'critical' : group.level === 'warning' ? 'warning' : 'error',
    details: { urgency: group.urgency?.reason ?? '', occurrences: group.count, users: group.userCount },
    links: [{ href: detailUrl(deps.messages.publicUrl, group.latest.linkId), text: 'Heads-up details' }],
  };
}

/** A PagerDuty event being sent for longer than this belongs to an attempt that died: another sends it. */
const PAGING_STALE_MS = 30_000;

/** Writes a change of the status (the incident flow's conditional write), or undefined if it lost. */
export type StatusWrite = (
  group: ErrorGroup,
  change: (status: AlertStatus) => AlertStatus | undefined,
) => Promise<ErrorGroup | undefined>;

/**
 * Brings PagerDuty's incident up to what the alert is (trigger, acknowledge, resolve), apart from
 * Slack: Slack has paged and told the thread already, so PagerDuty failing never holds a page back.
 * Runs from an incident message only (never inside a triage batch, which a slow PagerDuty would stall).
 * One sender at a time: the event is claimed on the status (`paging`) before it is sent, and marked
 * `paged` once PagerDuty took it. A passing failure gives the claim back and comes back as a new
 * message, backing off; a refusal (400) is logged and not retried.
 */
export async function syncPager(
  group: ErrorGroup,
  body: IncidentBody,
  deps: PagerDeps,
  write: StatusWrite,
): Promise<ErrorGroup> {
  const { pager } = deps;
  const wanted = pagerWanted(group);
  if (!pager || !wanted) return group;
  const now = deps.now();
  const claimed = await write(group, (status) => {
    const busy = status.paging && now - status.paging.at < PAGING_STALE_MS;
    if (pagerWanted({ ...group, status }) !== wanted || status.paged === wanted || busy) return undefined;
    return { ...status, paging: { action: wanted, at: now } };
  });
  if (!claimed) return group;
  const { fingerprint } = group;
  const release = (paged?: PagerAction) =>
    write(claimed, (status) => {
      if (status.paging?.at !== now) return undefined;
      const { paging: _, ...rest } = status;
      return paged ? { ...rest, paged } : rest;
    });
  try {
    if (wanted === 'trigger') await pager.trigger(incidentOf(group, deps));
    else if (wanted === 'acknowledge') await pager.acknowledge(fingerprint);
    else await pager.resolve(fingerprint);
    deps.metrics.addMetric('pagerDutyEvents', MetricUnit.Count, 1);
  } catch (err) {
    if (!(err instanceof PermanentError)) {
      await release();
      return retryLater(claimed, body, err, deps);
    }
    deps.log.error('PagerDuty refused the event; not retried', {
      fingerprint,
      action: wanted,
      reason: err.message,
    });
  }
  return (await release(wanted)) ?? claimed;
}

async function retryLater(group: ErrorGroup, body: IncidentBody, err: unknown, deps: PagerDeps) {
  const attempt = (body.attempt ?? 0) + 1;
  const reason = reasonOf(err);
  if (attempt > MAX_PAGER_ATTEMPTS) {
    deps.log.error('PagerDuty kept failing; given up for this change', {
      fingerprint: group.fingerprint,
      reason,
    });
    return group;
  }
  const delay = Math.min(900, RETRY_BASE_SECONDS * 2 ** (attempt - 1));
  deps.log.warn('PagerDuty failed; retried later', {
    fingerprint: group.fingerprint,
    attempt,
    delay,
    reason,
  });
  await deps.timers.sendIncident({ ...body, dueAt: deps.clock(), attempt }, delay);
  return group;
}
