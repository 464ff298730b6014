import { PendingFlushes } from '../pending-flushes';

/**
 * Groups whose incident this container found settled — high urgency already (or no urgency rule could
 * raise it) and not resolved — remembered for a short while. While a group is settled and a flush is
 * ahead, a new occurrence changes nothing of its alert or incident, so triage need not read it. A
 * Resolve pressed in that while is seen on the next read: an occurrence right after Resolve counts as
 * the same incident, not a regression. Kept like pending flushes (remembered until a time).
 */
export class SettledGroups extends PendingFlushes {}

/** How long a settled group is trusted without a read: one Slack window. */
export const SETTLED_FOR_MS = 10_000;
