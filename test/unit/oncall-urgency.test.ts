import {
  distinctUsersSince,
  mergeRecentUsers,
  type RecentUsers,
  recentUsersToKeep,
  type UrgencyRule,
  urgencyOf,
  urgencyRuleSchema,
} from '../../functions/core/oncall/urgency';
import { sampleEvent } from '../support/samples';

const rule = (match: Record<string, unknown>): UrgencyRule => urgencyRuleSchema.parse({ match });
const RULES = [rule({ level: 'fatal' }), rule({ plan: ['enterprise'] }), rule({ users: 5, within: '10m' })];
const NOW = 1_800_000_000;

describe('urgency rules', () => {
  it('takes the first rule that holds and says why', () => {
    expect(urgencyOf(RULES, sampleEvent({ level: 'fatal' }), [], NOW)).toEqual({
      urgency: 'high',
      reason: 'level: fatal',
    });
    const enterprise = sampleEvent({ company: { name: 'Big', plan: 'enterprise' } });
    expect(urgencyOf(RULES, enterprise, [], NOW)).toEqual({ urgency: 'high', reason: 'plan: enterprise' });
    expect(urgencyOf(RULES, sampleEvent(), [], NOW)).toEqual({ urgency: 'low' });
  });

  it('matches code and type anywhere in the cause chain, and the company by slug, name or id', () => {
    const wrapped = sampleEvent({
      error: { type: 'Wrapper', message: 'x', cause: { type: 'DbDown', code: 'ECONNREFUSED' } },
    });
    expect(urgencyOf([rule({ code: 'ECONNREFUSED' })], wrapped, [], NOW).reason).toBe('code: ECONNREFUSED');
    expect(
      urgencyOf([rule({ company: 'acme-inc' })], sampleEvent({ company: { slug: 'acme-inc' } }), [], NOW)
        .urgency,
    ).toBe('high');
    expect(urgencyOf([rule({ company: 'other' })], sampleEvent(), [], NOW).urgency).toBe('low');
  });

  it('needs every condition of a rule', () => {
    const both = rule({ level: 'fatal', app: 'checkout' });
    expect(urgencyOf([both], sampleEvent({ level: 'fatal' }), [], NOW).urgency).toBe('low');
    expect(urgencyOf([both], sampleEvent({ level: 'fatal', app: 'checkout' }), [], NOW).reason).toBe(
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
    expect(urgencyOf(outage, sampleEvent(), recent, NOW).urgency).toBe('low');
    const fifth: RecentUsers = [...recent.slice(0, 4), ['e', NOW - 600]];
    expect(urgencyOf(outage, sampleEvent(), fifth, NOW)).toEqual({
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
  it('keeps each user once at their latest time, newest first, at most `keep`', () => {
    const merged = mergeRecentUsers(
      [
        ['a', 10],
        ['b', 20],
      ],
      [
        ['a', 30],
        ['c', 5],
        ['a', 25],
      ],
      2,
    );
    expect(merged).toEqual([
      ['a', 30],
      ['b', 20],
    ]);
    expect(distinctUsersSince(merged, 21)).toBe(1);
  });

  it('keeps as many users as the largest threshold needs', () => {
    expect(recentUsersToKeep(RULES)).toBe(5);
    expect(recentUsersToKeep([rule({ level: 'fatal' })])).toBe(0);
  });

  it('merges a 10 000-user burst into a bounded list in linear time', () => {
    const seen: RecentUsers = Array.from({ length: 10_000 }, (_, i) => [`u${i % 3000}`, NOW + (i % 7)]);
    const merged = mergeRecentUsers([], seen, 5);
    expect(merged).toHaveLength(5);
    expect(new Set(merged.map(([u]) => u)).size).toBe(5);
    expect(merged.every(([, at]) => at === NOW + 6)).toBe(true);
  });
});

describe('message rules on huge messages', () => {
  it('read only the first 2 000 characters, so a quadratic pattern stays cheap', () => {
    const down = [rule({ message: '.*database.*down' })];
    const late = sampleEvent({ error: { message: `${'database '.repeat(30_000)} down` } });
    const early = sampleEvent({ error: { message: `database down ${'x'.repeat(256 * 1024)}` } });
    expect(urgencyOf(down, late, [], NOW).urgency).toBe('low');
    expect(urgencyOf(down, early, [], NOW).urgency).toBe('high');
  });
});
