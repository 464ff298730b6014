import type { NotifyJob } from './notify-job';
import { recipientKey, recipientName } from './recipient';
import type { DetailLink, GroupFix, NotifyOutcome } from './records';
import type { FixTemplate } from './templates/parse';

/*
 * What notify decides for a fix job from what the table holds, and what the alert's thread is told.
 * Pure: a whole batch is decided from one read, and a job whose write was refused is decided again
 * from what the refusal found.
 */

export type LinkLookup =
  | { state: 'missing' }
  | { state: 'expired'; link: DetailLink }
  | { state: 'live'; link: DetailLink };

/** The occurrence guard (`FIX#`) as found: the attempt (`token`) that holds it, since `at` (ms). */
export type OccurrenceHold = { token: string; at: number };

/** The cooldown guard of one user and template as found: who holds it, in which state, until when. */
export type CooldownGuard = {
  linkId: string;
  /** The attempt that took it. */
  token: string;
  state: 'sending' | 'sent' | 'uncertain';
  claimedAt: number;
  sentAt?: number;
  cooldownNoticed?: boolean;
  /** Epoch seconds. */
  expiresAt: number;
};

/**
 * Which link's outcome a group's thread was told as the group's first automatic outcome, per kind:
 * cooldowns have their own "first", so the thread says once why a repeat got no message.
 */
export type GroupTold = { auto?: string; cooldown?: string };

/**
 * `uncounted`: recorded without its group's counts (the group item kept conflicting): whoever finds it
 * counts it on the group, in the write that clears the mark.
 */
export type StoredOutcome = NonNullable<DetailLink['notify']> & { uncounted?: boolean };

/** One job and what the table holds for it. */
export type JobView = {
  job: NotifyJob;
  link: LinkLookup;
  occurrence?: OccurrenceHold;
  /** `'unread'` until the recipient is known (the guard is read in a second step). */
  cooldown?: CooldownGuard | 'unread';
};

export type DecideContext = {
  now: number;
  /** A guard "sending" for longer belongs to an attempt that died mid-way. */
  sendingStaleMs: number;
  templates: readonly FixTemplate[];
};

export type Decision =
  /** The occurrence is unknown or deleted: nothing to record on, nothing to tell. */
  | { kind: 'missing' }
  /** Finished before: only the team may still need telling (`retell`: not reported yet). */
  | { kind: 'duplicate'; link: DetailLink; retell?: StoredOutcome }
  /** Another live attempt holds a guard "sending": its result decides this job; look again later. */
  | { kind: 'wait'; heldSince: number }
  /** Known without calling Intercom. */
  | {
      kind: 'outcome';
      link: DetailLink;
      outcome: NotifyOutcome;
      /**
       * A cooldown: `quiet` when the thread already heard why this guard holds messages back (recorded
       * on the link only); `notice`, the guard's token, when this job is the first to explain it.
       */
      cooldown?: { key: CooldownKey; quiet: boolean; notice?: string };
    }
  /** The cooldown guard decides: read it, then decide again. */
  | { kind: 'guard'; link: DetailLink; key: CooldownKey }
  /** Both guards are free: claim them and send. */
  | { kind: 'send'; link: DetailLink; template: FixTemplate; key: CooldownKey };

/** A cooldown guard's identity: one per user and template. */
export type CooldownKey = { recipient: string; templateId: string };

export const cooldownKeyId = ({ recipient, templateId }: CooldownKey) =>
  JSON.stringify([recipient, templateId]);

/** DynamoDB TTL counts epoch seconds. */
const epochSeconds = (ms: number) => Math.floor(ms / 1000);

/**
 * The rules of one fix message at most per occurrence (ever) and per user, template and cooldown,
 * applied to what was read. The order of the checks is the order of the guards.
 */
export function decide(view: JobView, ctx: DecideContext): Decision {
  const { job } = view;
  const { now } = ctx;
  if (view.link.state === 'missing') return { kind: 'missing' };
  const link = view.link.link;
  const outcome = (o: NotifyOutcome): Decision => ({ kind: 'outcome', link, outcome: o });

  // Finished before (a duplicate job, or a retry after the outcome was recorded): only make sure the
  // team was told. A click may try again after an outcome that sent nothing (e.g. not in Intercom).
  // First of all: a finished outcome stays, even once the link expired or the template is gone.
  const done: StoredOutcome | undefined = link.notify;
  if (done && (job.trigger === 'auto' || done.status === 'sent' || done.status === 'uncertain')) {
    return { kind: 'duplicate', link, retell: done.reported && !done.uncounted ? undefined : done };
  }

  // A redelivery of the event id with another body matched another template: the occurrence stored
  // is the first delivery's, and only its own template's job may write to its user.
  if (job.trigger === 'auto' && link.templateId !== undefined && job.templateId !== link.templateId)
    return { kind: 'duplicate', link };

  if (view.link.state === 'expired') return outcome({ status: 'expired', at: now });
  const template = ctx.templates.find((t) => t.id === job.templateId);
  if (!template)
    return outcome({ status: 'failed', at: now, reason: `no template "${job.templateId}" any more` });
  const recipient = recipientKey(link.event.user);
  if (!recipient) return outcome({ status: 'failed', at: now, reason: 'the occurrence names no user' });

  // At most one message per occurrence, ever: this guard outlives any cooldown.
  const held = view.occurrence;
  if (held) {
    if (now - held.at < ctx.sendingStaleMs) return { kind: 'wait', heldSince: held.at };
    // An attempt stopped between claiming and recording: the message may have gone out. Never resend.
    return outcome({ status: 'uncertain', at: now, reason: 'an earlier attempt stopped while sending' });
  }

  const key = { recipient, templateId: template.id };
  if (view.cooldown === 'unread') return { kind: 'guard', link, key };
  const guard = view.cooldown;
  if (!guard || guard.expiresAt <= epochSeconds(now)) return { kind: 'send', link, template, key };
  // Someone is sending to this user right now (another occurrence): wait for the result, so the
  // thread never says "cooldown" before the message it refers to has gone out.
  if (guard.state === 'sending' && now - guard.claimedAt < ctx.sendingStaleMs) {
    return { kind: 'wait', heldSince: guard.claimedAt };
  }
  if (guard.linkId === link.id) {
    // A backstop: an attempt for this very occurrence that may have sent it. Never resend.
    return outcome({ status: 'uncertain', at: now, reason: 'an earlier attempt may have sent it' });
  }
  // A burst of occurrences must not flood the thread: automatic jobs explain a guard's cooldown once.
  const first = job.trigger === 'slack' || !guard.cooldownNoticed;
  return {
    kind: 'outcome',
    link,
    outcome: {
      status: 'cooldown',
      at: now,
      lastSentAt: guard.sentAt ?? guard.claimedAt,
      until: guard.expiresAt * 1000,
    },
    cooldown: {
      key,
      quiet: !first,
      notice: first && job.trigger === 'auto' ? guard.token : undefined,
    },
  };
}

/** The group's latest fix, as its alert shows it. */
export function groupFix(outcome: NotifyOutcome, link: DetailLink, job: NotifyJob): GroupFix {
  return {
    status: outcome.status,
    linkId: link.id,
    userName: recipientName(link.event.user),
    at: outcome.at,
    requestedBy: job.requestedBy?.id,
    contactId: outcome.status === 'sent' ? outcome.contactId : undefined,
    reason: 'reason' in outcome ? outcome.reason : undefined,
  };
}

/** An outcome for the group and its thread: `counted` when recorded now (not a retry's re-telling). */
export type GroupEntry = {
  fingerprint: string;
  linkId: string;
  automatic: boolean;
  outcome: NotifyOutcome;
  counted: boolean;
  fix: GroupFix;
};

/** One group's share of a batch: counts to add, the latest fix, the "first" flags this batch takes. */
export type GroupUpdate = {
  fingerprint: string;
  fix: GroupFix;
  sent: number;
  notSent: number;
  /** Flags taken by this batch's outcomes (the group had none of that kind). */
  claim: GroupTold;
};

const toldKind = (outcome: NotifyOutcome): keyof GroupTold =>
  outcome.status === 'cooldown' ? 'cooldown' : 'auto';

/**
 * Which outcomes the thread is told and what each group records. A click is always told; an automatic
 * outcome only when its link is the group's first of its kind — the rest are counts on the alert, so a
 * burst of automatic fixes does not flood the thread (nor hit Slack's per-channel rate limit). `told`
 * holds each group's flags as read (undefined: the group is gone, nothing is recorded on it). A retry's
 * re-telling is "first" again when the flag names its link.
 */
export function planGroups(
  entries: readonly GroupEntry[],
  told: ReadonlyMap<string, GroupTold | undefined>,
): { tell: boolean[]; groups: GroupUpdate[] } {
  const updates = new Map<string, GroupUpdate>();
  const tell = entries.map((entry) => {
    const flags = told.get(entry.fingerprint);
    const kind = toldKind(entry.outcome);
    let update = updates.get(entry.fingerprint);
    if (flags && entry.counted) {
      if (!update) {
        update = { fingerprint: entry.fingerprint, fix: entry.fix, sent: 0, notSent: 0, claim: {} };
        updates.set(entry.fingerprint, update);
      }
      if (entry.outcome.status === 'sent') update.sent += 1;
      else update.notSent += 1;
      if (entry.fix.at >= update.fix.at) update.fix = entry.fix;
      if (!flags[kind] && !update.claim[kind]) update.claim[kind] = entry.linkId;
    }
    const first = (flags?.[kind] ?? update?.claim[kind]) === entry.linkId;
    return !entry.automatic || first;
  });
  return { tell, groups: [...updates.values()] };
}

/** A live attempt usually finishes within a second or two: look again soon, not only once stale. */
const GUARD_RECHECK_SECONDS = 5;

/** How long a job that met a busy guard waits: until the attempt is likely done, at most until stale. */
export function waitSeconds(heldSince: number, ctx: Pick<DecideContext, 'now' | 'sendingStaleMs'>): number {
  const staleInSeconds = (heldSince + ctx.sendingStaleMs - ctx.now) / 1000 + 1;
  return Math.min(staleInSeconds, GUARD_RECHECK_SECONDS);
}
