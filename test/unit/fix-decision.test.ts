import {
  type CooldownGuard,
  type DecideContext,
  decide,
  type GroupEntry,
  groupFix,
  type JobView,
  planGroups,
  waitSeconds,
} from '../../functions/core/fix-decision';
import type { NotifyJob } from '../../functions/core/notify-job';
import type { DetailLink, NotifyOutcome } from '../../functions/core/records';
import type { FixTemplate } from '../../functions/core/templates/parse';
import { sampleEvent } from '../support/samples';

const NOW = Date.UTC(2026, 11, 1, 12, 0);
const STALE = 45_000;
const template = { id: 'card-expired', name: 'Expired card', cooldown: 86_400 } as FixTemplate;
const ctx: DecideContext = { now: NOW, sendingStaleMs: STALE, templates: [template] };
const auto: NotifyJob = { linkId: 'L1', templateId: 'card-expired', trigger: 'auto' };
const click: NotifyJob = { ...auto, trigger: 'slack', requestedBy: { id: 'U0ONCALL1' } };

function link(over: Partial<DetailLink> = {}): DetailLink {
  return {
    id: 'L1',
    eventId: 'e1',
    fingerprint: 'fp',
    event: sampleEvent(),
    receivedAt: NOW - 1000,
    expiresAt: NOW / 1000 + 3600,
    ...over,
  };
}

const view = (over: Partial<JobView> = {}): JobView => ({
  job: auto,
  link: { state: 'live', link: link() },
  cooldown: undefined,
  ...over,
});

const guard = (over: Partial<CooldownGuard> = {}): CooldownGuard => ({
  linkId: 'L0',
  token: 't0',
  state: 'sent',
  claimedAt: NOW - 60_000,
  sentAt: NOW - 59_000,
  expiresAt: NOW / 1000 + 3600,
  ...over,
});

/** An outcome recorded by an earlier attempt: sent, and told in the thread. */
const SENT = {
  status: 'sent',
  at: NOW - 5000,
  contactId: 'c',
  messageId: 'm',
  templateId: 'card-expired',
  reported: true,
} as const;

describe('decide: one fix message per occurrence and per user, template and cooldown', () => {
  it('records what it can without Intercom: unknown, expired, no template, no user', () => {
    expect(decide(view({ link: { state: 'missing' } }), ctx)).toEqual({ kind: 'missing' });
    expect(decide(view({ link: { state: 'expired', link: link() } }), ctx)).toMatchObject({
      kind: 'outcome',
      outcome: { status: 'expired', at: NOW },
    });
    expect(decide(view({ job: { ...auto, templateId: 'gone' } }), ctx)).toMatchObject({
      outcome: { status: 'failed', reason: 'no template "gone" any more' },
    });
    const anonymous = link({ event: sampleEvent({ user: undefined }) });
    expect(decide(view({ link: { state: 'live', link: anonymous } }), ctx)).toMatchObject({
      outcome: { status: 'failed', reason: 'the occurrence names no user' },
    });
  });

  it('finishes a job done before, re-telling an outcome the thread has not heard', () => {
    const told = link({ notify: SENT });
    expect(decide(view({ link: { state: 'live', link: told } }), ctx)).toEqual({
      kind: 'duplicate',
      link: told,
    });
    const untold = link({ notify: { ...SENT, reported: false } });
    expect(decide(view({ link: { state: 'live', link: untold } }), ctx)).toEqual({
      kind: 'duplicate',
      link: untold,
      retell: untold.notify,
    });
    // A click may try again after an outcome that sent nothing; an automatic job may not.
    const notFound = link({
      notify: { status: 'not-in-intercom', at: NOW - 5000, templateId: 'card-expired', reported: true },
    });
    expect(decide(view({ job: click, link: { state: 'live', link: notFound } }), ctx).kind).toBe('send');
    expect(decide(view({ link: { state: 'live', link: notFound } }), ctx).kind).toBe('duplicate');
  });

  it('keeps a finished outcome once the link expired or the template is gone', () => {
    const done = link({ notify: SENT });
    expect(decide(view({ link: { state: 'expired', link: done } }), ctx)).toEqual({
      kind: 'duplicate',
      link: done,
    });
    expect(decide(view({ job: click, link: { state: 'expired', link: done } }), ctx).kind).toBe('duplicate');
    const untold = link({ notify: { ...SENT, reported: false } });
    expect(decide(view({ link: { state: 'expired', link: untold } }), ctx)).toEqual({
      kind: 'duplicate',
      link: untold,
      retell: untold.notify,
    });
    expect(
      decide(view({ job: { ...auto, templateId: 'gone' }, link: { state: 'live', link: done } }), ctx),
    ).toEqual({ kind: 'duplicate', link: done });
    // Recorded without its group's counts: re-told, so that the group counts it.
    const uncounted = link({ notify: { ...SENT, reported: false, uncounted: true } as DetailLink['notify'] });
    expect(decide(view({ link: { state: 'live', link: uncounted } }), ctx)).toMatchObject({
      kind: 'duplicate',
      retell: { status: 'sent', uncounted: true },
    });
    // A click after an outcome that sent nothing, on an expired link: expired.
    const notFound = link({
      notify: { status: 'not-in-intercom', at: NOW - 5000, templateId: 'card-expired', reported: true },
    });
    expect(decide(view({ job: click, link: { state: 'expired', link: notFound } }), ctx)).toMatchObject({
      kind: 'outcome',
      outcome: { status: 'expired' },
    });
  });

  it('waits for a live attempt on the occurrence guard and reports a dead one uncertain, never resending', () => {
    expect(decide(view({ occurrence: { token: 'x', at: NOW - 1000 } }), ctx)).toEqual({
      kind: 'wait',
      heldSince: NOW - 1000,
    });
    expect(decide(view({ occurrence: { token: 'x', at: NOW - STALE } }), ctx)).toMatchObject({
      kind: 'outcome',
      outcome: { status: 'uncertain', reason: 'an earlier attempt stopped while sending' },
    });
  });

  it('reads the cooldown guard once the recipient is known, and sends when it is free or expired', () => {
    expect(decide(view({ cooldown: 'unread' }), ctx)).toMatchObject({
      kind: 'guard',
      key: { recipient: 'id:u_1', templateId: 'card-expired' },
    });
    expect(decide(view(), ctx)).toMatchObject({ kind: 'send', key: { recipient: 'id:u_1' } });
    expect(decide(view({ cooldown: guard({ expiresAt: NOW / 1000 }) }), ctx).kind).toBe('send');
  });

  it('waits while another occurrence is being sent to the user, and holds the rest by the cooldown', () => {
    expect(decide(view({ cooldown: guard({ state: 'sending', claimedAt: NOW - 2000 }) }), ctx)).toEqual({
      kind: 'wait',
      heldSince: NOW - 2000,
    });
    // A dead attempt's "sending" guard holds like a sent one, from when it was claimed.
    const dead = guard({ state: 'sending', claimedAt: NOW - STALE, sentAt: undefined });
    expect(decide(view({ cooldown: dead }), ctx)).toMatchObject({
      outcome: { status: 'cooldown', lastSentAt: NOW - STALE, until: NOW + 3600_000 },
    });
    expect(decide(view({ cooldown: guard({ linkId: 'L1' }) }), ctx)).toMatchObject({
      outcome: { status: 'uncertain', reason: 'an earlier attempt may have sent it' },
    });
  });

  it('explains a guard’s cooldown once to automatic jobs, and to every click', () => {
    const key = { recipient: 'id:u_1', templateId: 'card-expired' };
    expect(decide(view({ cooldown: guard() }), ctx)).toMatchObject({
      kind: 'outcome',
      outcome: { status: 'cooldown', at: NOW, lastSentAt: NOW - 59_000 },
      cooldown: { key, quiet: false, notice: 't0' },
    });
    expect(decide(view({ cooldown: guard({ cooldownNoticed: true }) }), ctx)).toMatchObject({
      cooldown: { key, quiet: true, notice: undefined },
    });
    expect(decide(view({ job: click, cooldown: guard({ cooldownNoticed: true }) }), ctx)).toMatchObject({
      cooldown: { key, quiet: false, notice: undefined },
    });
  });

  it('waits at most until the guard would be stale, and looks again within seconds', () => {
    expect(waitSeconds(NOW - 1000, ctx)).toBe(5);
    expect(waitSeconds(NOW - STALE + 2000, ctx)).toBe(3);
  });
});

describe('planGroups: what the thread is told and what each group counts', () => {
  const entry = (linkId: string, outcome: NotifyOutcome, over: Partial<GroupEntry> = {}): GroupEntry => ({
    fingerprint: 'fp',
    linkId,
    automatic: true,
    outcome,
    counted: true,
    fix: groupFix(outcome, link({ id: linkId }), auto),
    ...over,
  });
  const sent = (at: number): NotifyOutcome => ({ status: 'sent', at, contactId: 'c', messageId: 'm' });
  const cooldown: NotifyOutcome = { status: 'cooldown', at: NOW, lastSentAt: NOW - 1, until: NOW + 1 };

  it('tells the first automatic outcome of each kind per group, counts them all, records the latest', () => {
    const entries = [
      entry('L1', sent(NOW)),
      entry('L2', sent(NOW + 5)),
      entry('L3', cooldown),
      entry('L4', cooldown),
      entry('L5', { status: 'not-in-intercom', at: NOW }),
    ];
    const { tell, groups } = planGroups(entries, new Map([['fp', {}]]));
    expect(tell).toEqual([true, false, true, false, false]);
    expect(groups).toEqual([
      { fingerprint: 'fp', fix: entries[1]!.fix, sent: 2, notSent: 3, claim: { auto: 'L1', cooldown: 'L3' } },
    ]);
  });

  it('always tells a click; a flag already taken tells only its own link (a retry re-telling it)', () => {
    const entries = [
      entry('L1', sent(NOW), { counted: false }),
      entry('L2', sent(NOW)),
      entry('L3', sent(NOW), { automatic: false }),
    ];
    const { tell, groups } = planGroups(entries, new Map([['fp', { auto: 'L1' }]]));
    expect(tell).toEqual([true, false, true]);
    expect(groups).toEqual([{ fingerprint: 'fp', fix: entries[2]!.fix, sent: 2, notSent: 0, claim: {} }]);
  });

  it('records nothing on a group that is gone, and tells only clicks', () => {
    const entries = [entry('L1', sent(NOW)), entry('L2', sent(NOW), { automatic: false })];
    expect(planGroups(entries, new Map([['fp', undefined]]))).toEqual({ tell: [false, true], groups: [] });
  });
});
