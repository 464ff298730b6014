import type { ErrorGroup } from '../records';

/** At most one parent update (and thread reply) per group per window: a burst never floods the channel. */
export const SLACK_COALESCE_MS = 10_000;
/** A post or update claim older than this belongs to an invocation that died; it may be taken over. */
export const POST_CLAIM_STALE_MS = 30_000;
/** A scheduled flush that has not run by then was lost (its message failed for good); schedule anew. */
export const FLUSH_STALE_MS = 10 * 60_000;

export type SlackStep =
  /** No parent yet and nobody posting it: claim the group, then post. */
  | { kind: 'post-parent' }
  /**
   * New occurrences and the window has passed, or a change of state: update the parent, and reply in
   * its thread when there are new occurrences.
   */
  | { kind: 'update'; previousPostedAt: number; previousCount: number }
  /** Something to show but not yet allowed: make sure a flush runs at `dueAt`. */
  | { kind: 'defer'; dueAt: number }
  /** Slack already shows everything, or a flush is already on its way. */
  | { kind: 'none' };

/** Decides what Slack should see next for a group. Pure: the store enforces it with conditional writes. */
export function nextSlackStep(group: ErrorGroup, now: number): SlackStep {
  const flushPending = group.flushDueAt !== undefined && group.flushDueAt > now - FLUSH_STALE_MS;
  const defer = (dueAt: number): SlackStep => (flushPending ? { kind: 'none' } : { kind: 'defer', dueAt });

  if (!group.slack) {
    const claimFresh = group.postClaim && now - group.postClaim.at < POST_CLAIM_STALE_MS;
    return claimFresh ? defer(now + SLACK_COALESCE_MS) : { kind: 'post-parent' };
  }
  const postedCount = group.postedCount ?? 0;
  // A change of urgency or state (an Acknowledge, an escalation) shows at once, outside the window.
  const stateBehind = (group.stateVersion ?? 0) > (group.shownVersion ?? 0);
  if (group.count <= postedCount && !stateBehind) return { kind: 'none' };
  const lastPostedAt = group.lastPostedAt ?? 0;
  const updating = group.updateClaim && now - group.updateClaim.at < POST_CLAIM_STALE_MS;
  // Someone is updating: their count may predate ours, so a flush must follow once they are done.
  if (updating) return defer(Math.max(lastPostedAt + SLACK_COALESCE_MS, now + SLACK_COALESCE_MS));
  if (stateBehind || now - lastPostedAt >= SLACK_COALESCE_MS) {
    return { kind: 'update', previousPostedAt: lastPostedAt, previousCount: postedCount };
  }
  return defer(lastPostedAt + SLACK_COALESCE_MS);
}
