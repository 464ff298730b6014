import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Full-jitter exponential backoff under a time budget: the n-th wait is random up to
 * min(capMs, baseMs · 2ⁿ), and retrying stops once `budgetMs` of waiting is spent.
 */
export type RetryPolicy = { baseMs: number; capMs: number; budgetMs: number };

/** Never two tries in the same instant; it also bounds the tries a budget allows (budget / 5 ms). */
const MIN_WAIT_MS = 5;

/** One retry loop's waits: create one per operation (or per batch, to share its budget). */
export class Backoff {
  private attempt = 0;
  private waited = 0;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next wait (ms), or undefined once the budget is spent: give up. */
  next(): number | undefined {
    const { baseMs, capMs, budgetMs } = this.policy;
    const left = budgetMs - this.waited;
    if (left <= 0) return undefined;
    const ceiling = Math.min(capMs, baseMs * 2 ** this.attempt++);
    const ms = Math.min(left, MIN_WAIT_MS + this.random() * ceiling);
    this.waited += ms;
    return ms;
  }

  /** Waits the next wait; answers false at once when the budget is spent. */
  async pause(): Promise<boolean> {
    const ms = this.next();
    if (ms === undefined) return false;
    await sleep(ms);
    return true;
  }
}
