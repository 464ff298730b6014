import {
  afterAction,
  afterOccurrences,
  dueWork,
  statusOf,
  stepTold,
  TELL_STALE_MS,
  withStep,
  woken,
} from '../../functions/core/oncall/incident';
import { type UrgencyRule, urgencyRuleSchema } from '../../functions/core/oncall/urgency';
import type { AlertStatus, ErrorGroup } from '../../functions/core/records';
import { sampleEvent, sampleGroup } from '../support/samples';

const T = Date.UTC(2026, 11, 2, 2, 0);
const MIN = 60_000;
const rules: UrgencyRule[] = [
  urgencyRuleSchema.parse({ match: { level: 'fatal' } }),
  urgencyRuleSchema.parse({ match: { users: 3, within: '10m' } }),
];
const occ = (user: string, level: 'error' | 'fatal' = 'error', counted = true) => ({
  event: sampleEvent({ level }),
  user,
  counted,
});
const slack = { channel: 'C1', ts: '1.1' };
const tim = { id: 'tim', name: 'Tim', slack: 'U0TIM00001' };
const withGroup = (group: ErrorGroup, change: { status?: AlertStatus; urgency?: ErrorGroup['urgency'] }) => ({
  ...group,
  ...change,
});

describe('what occurrences change', () => {
  it('raises a group to high once its recent users, this batch appended, pass a threshold: round 1', () => {
    const now = T / 1000;
    const two = sampleGroup({
      recentUsers: [
        ['a', now],
        ['b', now],
        ['a', now],
      ],
    });
    expect(afterOccurrences(two, [occ('a'), occ('b')], rules, T, 'tok-1')).toBeUndefined();

    const three = { ...two, recentUsers: [...two.recentUsers!, ['c', now + 60] as [string, number]] };
    const raised = afterOccurrences(three, [occ('c')], rules, T + MIN, 'tok-2')!;
    expect(raised.urgency).toEqual({ level: 'high', reason: '≥ 3 users in 10 min', at: T + MIN });
    expect(raised.status).toMatchObject({ state: 'open', round: 1, token: 'tok-2', steps: [] });
    expect(raised.shown).toBe(true);
  });

  it('counts only the users triage says count (seenAt): a customer-scoped threshold sees its own', () => {
    const enterprise = [urgencyRuleSchema.parse({ match: { plan: 'enterprise', users: 3, within: '10m' } })];
    // Triage gives no user for an occurrence whose counting did not append it (a pro user here).
    const pro = () => ({ ...occ('p'), user: undefined, event: sampleEvent({ company: { plan: 'pro' } }) });
    const ent = (user: string) => ({ ...occ(user), event: sampleEvent({ company: { plan: 'enterprise' } }) });
    const group = sampleGroup({ recentUsers: [['e1', T / 1000]] });
    expect(afterOccurrences(group, [ent('e2'), pro(), pro()], enterprise, T, 't')).toBeUndefined();
    expect(afterOccurrences(group, [ent('e2'), ent('e3')], enterprise, T, 't')?.urgency?.reason).toBe(
      'plan: enterprise · ≥ 3 users in 10 min',
    );
  });

  it('does not count users outside the window', () => {
    const recentUsers: ErrorGroup['recentUsers'] = [
      ['a', T / 1000 - 11 * 60],
      ['b', T / 1000 - 12 * 60],
    ];
    expect(afterOccurrences(sampleGroup({ recentUsers }), [occ('c')], rules, T, 't')).toBeUndefined();
    const inside = sampleGroup({ recentUsers: [...recentUsers, ['c', T / 1000 - 9 * 60]] });
    expect(afterOccurrences(inside, [occ('c')], rules, T, 't')).toBeUndefined();
    const three = sampleGroup({
      recentUsers: [['d', T / 1000 - 10 * 60], ...inside.recentUsers!, ['e', T / 1000]],
    });
    expect(afterOccurrences(three, [occ('c')], rules, T, 't')?.urgency?.level).toBe('high');
  });

  it('never drops back to low, and changes nothing for a high group still open', () => {
    const high = sampleGroup({
      urgency: { level: 'high', reason: 'level: fatal', at: T },
      status: { ...statusOf(sampleGroup()), round: 1, token: 't', changedAt: T },
    });
    expect(afterOccurrences(high, [occ('z')], [], T + MIN, 'x')).toBeUndefined();
  });

  it('reopens a resolved alert as a regression, in a new round with a new token', () => {
    const resolved = sampleGroup({
      status: { state: 'resolved', round: 2, token: 'old', toldState: true, changedAt: T, steps: [] },
    });
    const change = afterOccurrences(resolved, [occ('a')], [], T + MIN, 'new')!;
    expect(change.status).toMatchObject({
      state: 'open',
      round: 3,
      token: 'new',
      regressed: true,
      toldState: false,
    });
    expect(change.shown).toBe(true);
  });
});

describe('what a button changes', () => {
  const open = sampleGroup({
    status: { state: 'open', round: 1, token: 't', toldState: true, changedAt: T, steps: [] },
  });
  const by = { id: 'U0ANA00001', name: 'ana' };

  it('acknowledges, snoozes and resolves, to be told', () => {
    const ack = afterAction(open, { kind: 'ack', fingerprint: open.fingerprint, round: 1 }, by, T, 'n');
    expect(ack).toMatchObject({
      change: { status: { state: 'acknowledged', by, toldState: false, token: 't' } },
    });
    const snooze = afterAction(
      open,
      { kind: 'snooze', fingerprint: open.fingerprint, round: 1, seconds: 3600 },
      by,
      T,
      'n',
    );
    expect(snooze).toMatchObject({ change: { status: { state: 'snoozed', snoozedUntil: T + 3600_000 } } });
    const resolved = afterAction(
      open,
      { kind: 'resolve', fingerprint: open.fingerprint, round: 1 },
      by,
      T,
      'n',
    );
    expect(resolved).toMatchObject({ change: { status: { state: 'resolved' } } });
  });

  it('refuses a button of an earlier round, and a second Acknowledge', () => {
    expect(afterAction(open, { kind: 'ack', fingerprint: open.fingerprint, round: 0 }, by, T, 'n')).toEqual({
      refused: 'the alert has moved on since this button was shown',
    });
    const acked = withGroup(open, { status: { ...open.status!, state: 'acknowledged' } });
    expect(afterAction(acked, { kind: 'ack', fingerprint: open.fingerprint, round: 1 }, by, T, 'n')).toEqual({
      refused: 'already acknowledged',
    });
  });

  it('gives a round-0 alert its first token, so the message telling it is not forgeable', () => {
    const fresh = sampleGroup();
    const ack = afterAction(fresh, { kind: 'ack', fingerprint: fresh.fingerprint, round: 0 }, by, T, 'first');
    expect(ack).toMatchObject({ change: { status: { token: 'first', round: 0 } } });
  });
});

describe('what is due', () => {
  const waits = [600, 300, undefined];
  const high = (status: Partial<AlertStatus>) =>
    sampleGroup({
      slack,
      urgency: { level: 'high', reason: 'level: fatal', at: T },
      status: { state: 'open', round: 1, token: 't', toldState: true, changedAt: T, steps: [], ...status },
    });

  it('walks the ladder: step 0 at once, the next after its wait, nothing after the last', () => {
    expect(dueWork(high({}), waits, T).step).toBe(0);
    const s0 = withStep(statusOf(high({})), 0, { to: [tim], why: 'x' }, T);
    const told0 = stepTold(s0, 0);
    const early = dueWork(high(told0), waits, T + 599_000);
    expect([early.step, early.nextDueAt]).toEqual([undefined, T + 600_000]);
    expect(dueWork(high(told0), waits, T + 600_000).step).toBe(1);
    const told1 = stepTold(withStep(told0, 1, { to: [tim], why: 'y' }, T + 600_000), 1);
    expect(dueWork(high(told1), waits, T + 900_000).step).toBe(2);
    const told2 = stepTold(withStep(told1, 2, { to: [tim], why: 'z' }, T + 900_000), 2);
    expect(dueWork(high(told2), waits, T + 86_400_000)).toEqual({ tell: false, wake: false });
  });

  it('does not escalate an acknowledged, snoozed or low alert, or one with no parent yet', () => {
    expect(dueWork(high({ state: 'acknowledged' }), waits, T).step).toBeUndefined();
    expect(dueWork(high({ state: 'snoozed', snoozedUntil: T + MIN }), waits, T).step).toBeUndefined();
    expect(dueWork({ ...high({}), urgency: undefined }, waits, T).step).toBeUndefined();
    expect(dueWork({ ...high({}), slack: undefined }, waits, T).step).toBeUndefined();
  });

  it('retells a step whose teller died, only once the claim is stale', () => {
    const claimed = withStep(statusOf(high({})), 0, { to: [tim], why: 'x' }, T);
    const fresh = dueWork(high(claimed), waits, T + TELL_STALE_MS - 1);
    expect([fresh.retell, fresh.step, fresh.nextDueAt]).toEqual([undefined, undefined, T + TELL_STALE_MS]);
    expect(dueWork(high(claimed), waits, T + TELL_STALE_MS).retell).toBe(0);
  });

  it('wakes a snooze that ran out into a new round that escalates again', () => {
    const snoozed = high({ state: 'snoozed', snoozedUntil: T + MIN });
    expect(dueWork(snoozed, waits, T)).toMatchObject({ wake: false, nextDueAt: T + MIN });
    expect(dueWork(snoozed, waits, T + MIN).wake).toBe(true);
    const awake = woken(statusOf(snoozed), T + MIN, 'new');
    expect(awake).toMatchObject({ state: 'open', round: 2, token: 'new', steps: [], toldState: false });
    expect(dueWork(high(awake), waits, T + MIN)).toMatchObject({ tell: true, step: 0 });
  });
});
