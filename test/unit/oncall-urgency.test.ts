import {
  countsTowardsThreshold,
  distinctUsersSince,
  MAX_DROPPED_PER_WRITE,
  type RecentUsers,
  recentUsersToDrop,
  recentUsersToKeep,
  type UrgencyRule,
  urgencyOf,
  urgencyRuleSchema,
  usersSeenSince,
} from '../../functions/core/oncall/urgency';
import { sampleEvent } from '../support/samples';

const rule = (match: Record<string, unknown>): UrgencyRule => urgencyRuleSchema.parse({ match });
const RULES = [rule({ level: 'fatal' }), rule({ plan: ['enterprise'] }), rule({ users: 5, within: '10m' })];
const NOW = 1_800_000_000;
const none = usersSeenSince([]);

describe('urgency rules', () => {
  it('takes the first rule that holds and says why', () => {
    expect(urgencyOf(RULES, sampleEvent({ level: 'fatal' }), none, NOW)).toEqual({
      urgency: 'high',
      reason: 'level: fatal',
    });
    const enterprise = sampleEvent({ company: { name: 'Big', plan: 'enterprise' } });
    expect(urgencyOf(RULES, enterprise, none, NOW)).toEqual({ urgency: 'high', reason: 'plan: enterprise' });
    expect(urgencyOf(RULES, sampleEvent(), none, NOW)).toEqual({ urgency: 'low' });
  });

  it('matches code and type anywhere in the cause chain, and the company by slug, name or id', () => {
    const wrapped = sampleEvent({
      error: { type: 'Wrapper', message: 'x', cause: { type: 'DbDown', code: 'ECONNREFUSED' } },
    });
    expect(urgencyOf([rule({ code: 'ECONNREFUSED' })], wrapped, none, NOW).reason).toBe('code: ECONNREFUSED');
    expect(
      urgencyOf([rule({ company: 'acme-inc' })], sampleEvent({ company: { slug: 'acme-inc' } }), none, NOW)
        .urgency,
    ).toBe('high');
    expect(urgencyOf([rule({ company: 'other' })], sampleEvent(), none, NOW).urgency).toBe('low');
  });

  it('needs every condition of a rule', () => {
    const both = rule({ level: 'fatal', app: 'checkout' });
    expect(urgencyOf([both], sampleEvent({ level: 'fatal' }), none, NOW).urgency).toBe('low');
    expect(urgencyOf([both], sampleEvent({ level: 'fatal', app: 'checkout' }), none, NOW).reason).toBe(
      'app: checkout · level: fatal',
    );
  });

  it('counts distinct users inside the sliding window only', () => {
    const outage = [rule({ users: 5, within: '10m' })];
    const recent: RecentUsers = [
      ['a', NOW],
      ['b', NOW - 60],
      ['c', NOW - 300],
      ['d', NOW - 599],
      ['e', NOW - 601], // outside the window
    ];
    expect(urgencyOf(outage, sampleEvent(), usersSeenSince(recent), NOW).urgency).toBe('low');
    const fifth: RecentUsers = [...recent.slice(0, 4), ['e', NOW - 600]];
    expect(urgencyOf(outage, sampleEvent(), usersSeenSince(fifth), NOW)).toEqual({
      urgency: 'high',
      reason: '≥ 5 users in 10 min',
    });
  });

  it('refuses rules that cannot work, with a message saying what to write', () => {
    expect(() => rule({ users: 5 })).toThrow(/users and within go together/);
    expect(() => rule({})).toThrow(/give at least one of/);
    expect(() => rule({ users: 1, within: '1m' })).toThrow();
    expect(() => rule({ message: '(' })).toThrow(/not a valid regular expression/);
    expect(() => rule({ users: 5, within: '2d' })).toThrow(/at most 24h/);
  });
});

describe('recent users', () => {
  it("counts a user towards a threshold only when the event meets that rule's other conditions", () => {
    const enterprise = [rule({ plan: 'enterprise', users: 5, within: '10m' }), rule({ level: 'fatal' })];
    expect(countsTowardsThreshold(enterprise, sampleEvent({ company: { plan: 'enterprise' } }))).toBe(true);
    expect(countsTowardsThreshold(enterprise, sampleEvent({ company: { plan: 'pro' } }))).toBe(false);
    expect(countsTowardsThreshold(enterprise, sampleEvent({ level: 'fatal' }))).toBe(false);
    expect(countsTowardsThreshold(RULES, sampleEvent())).toBe(true);
    expect(countsTowardsThreshold([rule({ level: 'fatal' })], sampleEvent({ level: 'fatal' }))).toBe(false);
  });

  it('counts each user once, however often batches appended them', () => {
    const recent: RecentUsers = [
      ['a', 10],
      ['b', 20],
      ['a', 30],
      ['c', 5],
      ['a', 25],
    ];
    expect(distinctUsersSince(recent, 21)).toBe(1);
    expect(distinctUsersSince(recent, 10)).toBe(2);
    expect(distinctUsersSince(recent, 0)).toBe(3);
  });

  it('keeps as many users as the largest threshold needs', () => {
    expect(recentUsersToKeep(RULES)).toBe(5);
    expect(recentUsersToKeep([rule({ level: 'fatal' })])).toBe(0);
  });

  it('prunes once enough could go to be worth a write, however long the log', () => {
    const repeats = (n: number): RecentUsers => Array.from({ length: n }, (_, i) => [`u${i % 3}`, NOW]);
    // 3 users kept: 49 could go (of at least 50 worth a write), then 50.
    expect(recentUsersToDrop(repeats(52), RULES, false, NOW)).toEqual([]);
    expect(recentUsersToDrop(repeats(53), RULES, false, NOW)).toHaveLength(50);
    // A threshold of 1 000 users: a quarter of it (250) is worth a write, long before the log holds 1 000.
    const big = [...RULES, rule({ users: 1000, within: '1h' })];
    expect(recentUsersToDrop(repeats(252), big, false, NOW)).toEqual([]);
    expect(recentUsersToDrop(repeats(253), big, false, NOW)).toHaveLength(MAX_DROPPED_PER_WRITE);
  });

  it('drops repeats, users past the longest window and all but the latest `keep`, oldest first', () => {
    const old: RecentUsers = Array.from({ length: 40 }, (_, i) => [`old${i}`, NOW - 3600 - i]);
    const repeats: RecentUsers = Array.from({ length: 20 }, (_, i) => [`u${i % 7}`, NOW - 100 + i]);
    const recent = [...old, ...repeats];
    const dropped = recentUsersToDrop(recent, RULES, false, NOW);
    const left = recent.filter((_, i) => !dropped.includes(i));
    // Latest sightings: u6 at NOW-87, u0 at NOW-86, u1…u5 at NOW-85…NOW-81: the 5 newest are u1…u5.
    expect(left.map(([u]) => u).sort()).toEqual(['u1', 'u2', 'u3', 'u4', 'u5']);
    expect(
      left.every(([u, at]) => at === Math.max(...repeats.filter(([v]) => v === u).map(([, t]) => t))),
    ).toBe(true);
    expect(dropped).toEqual([...dropped].sort((a, b) => a - b));
    // What is left answers the threshold as the whole log did.
    for (const since of [NOW - 100, NOW - 90, NOW - 85, NOW - 81]) {
      expect(Math.min(distinctUsersSince(left, since), 5)).toBe(
        Math.min(distinctUsersSince(recent, since), 5),
      );
    }
  });

  it('drops everything once the group is high, at most MAX_DROPPED_PER_WRITE a write', () => {
    const recent: RecentUsers = Array.from({ length: 1000 }, (_, i) => [`u${i}`, NOW]);
    expect(recentUsersToDrop(recent, RULES, true, NOW)).toEqual(
      Array.from({ length: MAX_DROPPED_PER_WRITE }, (_, i) => i),
    );
    expect(recentUsersToDrop(recent.slice(0, 49), RULES, true, NOW)).toEqual([]);
  });

  it('prunes a 100 000-entry log of 3 000 users in one pass', () => {
    const recent: RecentUsers = Array.from({ length: 100_000 }, (_, i) => [`u${i % 3000}`, NOW + (i % 7)]);
    const dropped = recentUsersToDrop(recent, RULES, false, NOW + 10);
    expect(dropped).toHaveLength(MAX_DROPPED_PER_WRITE);
    expect(dropped[0]).toBe(0);
  });
});

describe('message rules on huge messages', () => {
  it('read only the first 2 000 characters, so a quadratic pattern stays cheap', () => {
    const down = [rule({ message: '.*database.*down' })];
    const late = sampleEvent({ error: { message: `${'database '.repeat(30_000)} down` } });
    const early = sampleEvent({ error: { message: `database down ${'x'.repeat(256 * 1024)}` } });
    expect(urgencyOf(down, late, none, NOW).urgency).toBe('low');
    expect(urgencyOf(down, early, none, NOW).urgency).toBe('high');
  });
});
