import { Backoff, type RetryPolicy } from '../../functions/adapters/backoff';
import { CONFLICT_RETRY } from '../../functions/adapters/dynamo-store';
import { NOTIFY_STORE_RETRY } from '../../functions/adapters/notify-store';
import { ROUND_RESERVE_MS } from '../../functions/handlers/notify';
import { FUNCTIONS } from '../../lib/definitions';
import { seededRandom } from '../../local/samples';

/** Every wait the policy allows, with `random` deciding each wait's share of its ceiling. */
function schedule(policy: RetryPolicy, random: () => number): number[] {
  const backoff = new Backoff(policy, random);
  const waits: number[] = [];
  for (let ms = backoff.next(); ms !== undefined; ms = backoff.next()) {
    waits.push(ms);
    if (waits.length > 10_000) throw new Error('the backoff never gave up');
  }
  return waits;
}

const sum = (waits: number[]) => waits.reduce((a, b) => a + b, 0);

describe('backoff', () => {
  it('grows its waits (doubling) up to the cap, then gives up once the budget is spent', () => {
    const waits = schedule(CONFLICT_RETRY, () => 1);
    expect(waits.slice(0, 5)).toEqual([15, 25, 45, 85, 165]); // 5 ms + 10 · 2ⁿ
    for (let i = 1; i < waits.length - 1; i++) expect(waits[i]!).toBeGreaterThanOrEqual(waits[i - 1]!);
    expect(Math.max(...waits)).toBeLessThanOrEqual(CONFLICT_RETRY.capMs + 5);
    expect(sum(waits)).toBeCloseTo(CONFLICT_RETRY.budgetMs, 6);
  });

  it('keeps to its budget whatever the jitter draws, and tries a bounded number of times', () => {
    for (const policy of [CONFLICT_RETRY, NOTIFY_STORE_RETRY]) {
      const least = schedule(policy, () => 0);
      expect(sum(least)).toBeCloseTo(policy.budgetMs, 6);
      expect(least.length).toBeLessThanOrEqual(policy.budgetMs / 5);
      const random = seededRandom(1);
      for (let run = 0; run < 100; run++) {
        const waits = schedule(policy, random);
        expect(sum(waits)).toBeLessThanOrEqual(policy.budgetMs + 1e-6);
        expect(Math.max(...waits)).toBeLessThanOrEqual(policy.capMs + 5);
      }
    }
  });

  it('waits for real, and answers false at once when the budget is spent', async () => {
    const backoff = new Backoff({ baseMs: 20, capMs: 20, budgetMs: 30 }, () => 1);
    const started = Date.now();
    expect(await backoff.pause()).toBe(true); // 25 ms
    expect(await backoff.pause()).toBe(true); // the 5 ms left
    expect(Date.now() - started).toBeGreaterThanOrEqual(28);
    const spent = Date.now();
    expect(await backoff.pause()).toBe(false);
    expect(Date.now() - spent).toBeLessThan(5);
  });
});

describe('time budgets against the functions’ timeouts', () => {
  it('triage: a batch’s counting and its groups’ read, waiting out their budgets, leave ⅔ of the timeout', () => {
    expect(2 * CONFLICT_RETRY.budgetMs).toBeLessThanOrEqual((FUNCTIONS.triage.timeoutSeconds * 1000) / 3);
  });

  it('notify: the timeout holds a whole round at worst, so every batch makes progress', () => {
    expect(ROUND_RESERVE_MS).toBeLessThan(FUNCTIONS.notify.timeoutSeconds * 1000);
    expect(ROUND_RESERVE_MS).toBeGreaterThan(NOTIFY_STORE_RETRY.budgetMs);
  });
});
