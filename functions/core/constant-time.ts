import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares secrets without leaking, through timing, how much of a guess was right. Both sides are
 * hashed first so inputs of different lengths compare in the same time too.
 */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const digest = (v: string | Buffer) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** True when `presented` equals any of `keys`; every key is compared, whatever matches first. */
export function matchesAnyKey(presented: string, keys: readonly string[]): boolean {
  let match = false;
  for (const key of keys) match = constantTimeEqual(presented, key) || match;
  return match;
}
