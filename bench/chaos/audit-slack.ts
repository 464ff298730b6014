/**
 * Slack parents against the groups. Every top-level message the stand-in posted — including those
 * whose answer timed out — must be the `slack.ts` of exactly one group, and every group has at most one
 * (and, once settled, exactly one) posted parent. A posted parent no group points to is a duplicate
 * (the group points to another one) or an orphan: either way a second alert for one error.
 */
import type { SlackFake } from '../../local/fakes/slack-api';
import type { GroupItem } from './table-scan';

export type SlackAudit = {
  parents: number;
  groups: number;
  /** Parents beyond one per group: posted top-level messages that no group's `slack.ts` names. */
  duplicateParents: number;
  /** Groups whose `slack.ts` is not a posted parent, or that have none after settling. */
  groupsWithoutParent: number;
  /** Groups naming the same parent (must be 0). */
  sharedParents: number;
  /** Evidence for each duplicate: its title and whether the post's answer was lost. */
  duplicateExamples: Array<{ ts: string; title: string; answerLost: boolean; injected?: string }>;
  /** Requests with an injected failure, by kind. */
  injected: Record<string, number>;
  /** What the stand-in found wrong in our calls (unknown method, bad blocks, …), by kind. */
  violations: Record<string, number>;
  requests: number;
};

/**
 * `ownLinks`: URL prefixes our messages link to on purpose (the detail pages, Intercom); the stand-in
 * was started before the web app had a URL, so it flags them as foreign links: those are left out.
 */
export function auditSlack(
  slack: SlackFake,
  channel: string,
  groups: GroupItem[],
  ownLinks: string[],
): SlackAudit {
  const parents = slack.parents(channel);
  const claimed = new Map<string, number>();
  for (const g of groups) if (g.slack?.ts) claimed.set(g.slack.ts, (claimed.get(g.slack.ts) ?? 0) + 1);
  const posted = new Set(parents.map((p) => p.ts));
  const unclaimed = parents.filter((p) => !claimed.has(p.ts));
  const requestOf = new Map(slack.requests.map((r) => [r.seq, r]));
  return {
    parents: parents.length,
    groups: groups.length,
    duplicateParents: unclaimed.length,
    groupsWithoutParent: groups.filter((g) => !g.slack?.ts || !posted.has(g.slack.ts)).length,
    sharedParents: [...claimed.values()].reduce((sum, n) => sum + n - 1, 0),
    duplicateExamples: unclaimed.slice(0, 20).map((p) => {
      const request = requestOf.get(p.postedBy);
      return {
        ts: p.ts,
        title: p.text.slice(0, 80),
        answerLost: request?.clientGone ?? false,
        injected: request?.injected && describeSpec(request.injected),
      };
    }),
    injected: countInjected(slack.requests),
    violations: countKinds(
      slack.violations.filter(
        (v) => !(v.kind === 'unsafe_mrkdwn' && ownLinks.some((prefix) => v.detail.startsWith(`<${prefix}`))),
      ),
    ),
    requests: slack.requests.length,
  };
}

/** Injected failures by kind: "429", "500", "answer after 6000 ms (done)", …. */
export function countInjected(requests: ReadonlyArray<{ injected?: object }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of requests) {
    if (!r.injected) continue;
    const kind = describeSpec(r.injected);
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

export function countKinds(found: ReadonlyArray<{ kind: string }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of found) counts[v.kind] = (counts[v.kind] ?? 0) + 1;
  return counts;
}

function describeSpec(spec: object): string {
  const s = spec as { status?: number; delayMs?: number; apply?: boolean; error?: string };
  if (s.delayMs !== undefined) return `answer after ${s.delayMs} ms${s.apply ? ' (done at once)' : ''}`;
  if (s.error !== undefined) return `error ${s.error}`;
  return String(s.status);
}
