import { durationSeconds } from '../duration';
import type { ErrorEvent, ErrorInfo } from '../event-schema';
import { levels, oneOrMany, regex } from '../templates/front-matter';
import { matchedMessage } from '../templates/match';
import * as z from '../zod';

/**
 * Urgency rules of the team file (README → On-call and escalation): the first rule whose conditions
 * all hold makes a group high urgency; nothing matching leaves it low. A rule matches an event like a
 * fix template does (app, level, code, type, message), plus the customer (plan, company) and an outage
 * threshold: at least `users` distinct users within the sliding window `within`.
 */
export const urgencyRuleSchema = z.strictObject({
  match: z
    .strictObject({
      app: z.optional(oneOrMany),
      level: z.optional(levels),
      code: z.optional(oneOrMany),
      type: z.optional(oneOrMany),
      message: z.optional(regex),
      plan: z.optional(oneOrMany),
      /** A company's slug, name or id. */
      company: z.optional(oneOrMany),
      users: z.optional(z.number().check(z.int(), z.gte(2), z.lte(1000))),
      within: z.optional(durationSeconds('such as 10m or 1h')),
    })
    .check(
      z.refine(
        (m) => Object.values(m).some((v) => v !== undefined),
        'give at least one of app, level, code, type, message, plan, company, users',
      ),
      z.refine(
        (m) => (m.users === undefined) === (m.within === undefined),
        'users and within go together: users: 5, within: 10m',
      ),
      z.refine((m) => m.within === undefined || m.within <= 86400, 'within is at most 24h'),
    ),
});

export type UrgencyRule = z.output<typeof urgencyRuleSchema>;
export type Urgency = 'high' | 'low';

/**
 * A group's recent users for the outage threshold: [user hash, seen at (epoch seconds)] in the order
 * batches appended them (roughly oldest first), a user as often as batches saw them. Each batch's
 * counting transaction appends its users, so concurrent containers never lose each other's.
 */
export type RecentUsers = Array<[string, number]>;

/** How many distinct users of `recent` were seen at or after `since` (epoch seconds). */
export function distinctUsersSince(recent: RecentUsers, since: number): number {
  const users = new Set<string>();
  for (const [user, at] of recent) if (at >= since) users.add(user);
  return users.size;
}

/** Distinct users of `recent` since a time, each time counted once however many rules and occurrences ask. */
export function usersSeenSince(recent: RecentUsers): (since: number) => number {
  const counted = new Map<number, number>();
  return (since) => {
    let n = counted.get(since);
    if (n === undefined) {
      n = distinctUsersSince(recent, since);
      counted.set(since, n);
    }
    return n;
  };
}

/** The most users any rule's threshold needs to see: how many distinct recent users a group keeps (0: none). */
export function recentUsersToKeep(rules: UrgencyRule[]): number {
  return Math.max(0, ...rules.map((r) => r.match.users ?? 0));
}

/**
 * Whether the event's user joins its group's recent users: some rule has a threshold and the event
 * meets that rule's other conditions. So `plan: enterprise, users: 5` counts enterprise users only
 * (unless another threshold rule counts everyone), and a group no threshold can apply to keeps none.
 */
export function countsTowardsThreshold(rules: UrgencyRule[], event: ErrorEvent): boolean {
  return rules.some(
    (r) => r.match.users !== undefined && ruleReason(r, event, () => Infinity, 0) !== undefined,
  );
}

/** The longest window of any rule's threshold, in seconds (0: none). */
function longestWindow(rules: UrgencyRule[]): number {
  return Math.max(0, ...rules.map((r) => r.match.within ?? 0));
}

/**
 * At most this many entries go in one pruning write: well inside DynamoDB's 4 KB update expression
 * and its 300 operators per expression, whether or not a REMOVE path counts as one.
 */
export const MAX_DROPPED_PER_WRITE = 200;

/**
 * The most entries a group's recent users may hold; past it a batch's users are not appended until a
 * pruning makes room. Only reached when prunings fall behind (they lose races on a very hot group):
 * ~25 bytes an entry keeps the item far from DynamoDB's 400 KB.
 */
export const RECENT_USERS_CAP = 4000;

/**
 * The positions of the entries no threshold needs any more, in order and at most
 * MAX_DROPPED_PER_WRITE — or none while fewer could go than make a pruning worth its write (a
 * quarter of `keep`, at least 50). An entry is needed when it is its user's latest, within the
 * longest window, and its user among the `keep` latest; once the group is high (`keep` 0) none is.
 * Keeping the `keep` latest distinct users answers "at least N users within W" exactly for every
 * N ≤ keep: the N-th latest was seen within W, or fewer than N were.
 */
export function recentUsersToDrop(
  recent: RecentUsers,
  rules: UrgencyRule[],
  high: boolean,
  nowSeconds: number,
): number[] {
  const keep = high ? 0 : recentUsersToKeep(rules);
  const worthIt = Math.max(50, Math.ceil(keep / 4));
  if (recent.length < worthIt) return [];
  const since = nowSeconds - longestWindow(rules);
  const latest = new Map<string, number>();
  for (const [i, [user, at]] of recent.entries()) {
    const known = latest.get(user);
    if (known === undefined || at >= recent[known]![1]) latest.set(user, i);
  }
  const kept = new Set(
    [...latest.values()]
      .filter((i) => recent[i]![1] >= since)
      .sort((a, b) => recent[b]![1] - recent[a]![1] || b - a)
      .slice(0, keep),
  );
  if (recent.length - kept.size < worthIt) return [];
  const dropped: number[] = [];
  for (let i = 0; i < recent.length && dropped.length < MAX_DROPPED_PER_WRITE; i++) {
    if (!kept.has(i)) dropped.push(i);
  }
  return dropped;
}

/** `10 min`, `1 h`, `90 s`: a window as the alert says it. */
export function windowText(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function chain(error: ErrorInfo): ErrorInfo[] {
  const all: ErrorInfo[] = [];
  for (let e: ErrorInfo | undefined = error; e; e = e.cause) all.push(e);
  return all;
}

/** The first wanted value found among `values`, or undefined. */
function found(wanted: string[] | undefined, values: (string | undefined)[]): string | undefined {
  if (wanted === undefined) return undefined;
  return values.find((v): v is string => v !== undefined && wanted.includes(v));
}

/**
 * Why the rule holds for the event, e.g. "level: fatal · ≥ 5 users in 10 min", or undefined when it
 * does not. `usersSince` counts the group's recent users (this event's included); `nowSeconds` ends the window.
 */
function ruleReason(
  rule: UrgencyRule,
  event: ErrorEvent,
  usersSince: (since: number) => number,
  nowSeconds: number,
): string | undefined {
  const { match } = rule;
  const errors = chain(event.error);
  const reasons: string[] = [];
  const checks: Array<[string, string[] | undefined, (string | undefined)[]]> = [
    ['app', match.app, [event.app]],
    ['level', match.level, [event.level]],
    ['code', match.code, errors.map((e) => e.code)],
    ['type', match.type, errors.map((e) => e.type)],
    ['plan', match.plan, [event.company?.plan]],
    ['company', match.company, [event.company?.slug, event.company?.name, event.company?.id]],
  ];
  for (const [name, wanted, values] of checks) {
    if (wanted === undefined) continue;
    const value = found(wanted, values);
    if (value === undefined) return undefined;
    reasons.push(`${name}: ${value}`);
  }
  if (match.message !== undefined) {
    if (!match.message.test(matchedMessage(event.error.message))) return undefined;
    reasons.push(`message: /${match.message.source}/`);
  }
  if (match.users !== undefined && match.within !== undefined) {
    if (usersSince(nowSeconds - match.within) < match.users) return undefined;
    reasons.push(`≥ ${match.users} users in ${windowText(match.within)}`);
  }
  return reasons.join(' · ');
}

/**
 * The urgency the rules give an occurrence of a group, and why: the first rule that holds, else low.
 * `usersSince` counts the group's recent users (this occurrence's included), `nowSeconds` ends their window.
 */
export function urgencyOf(
  rules: UrgencyRule[],
  event: ErrorEvent,
  usersSince: (since: number) => number,
  nowSeconds: number,
): { urgency: Urgency; reason?: string } {
  for (const rule of rules) {
    const reason = ruleReason(rule, event, usersSince, nowSeconds);
    if (reason !== undefined) return { urgency: 'high', reason };
  }
  return { urgency: 'low' };
}
