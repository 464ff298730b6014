/**
 * Pure helpers for storing a batch of occurrences at once: which deliveries are repeats of an earlier
 * one in the same batch, which occurrences count in which group, which is a group's latest, and how
 * the writes split into transactions DynamoDB accepts.
 */

/**
 * For each item, the index of the first item with the same key (its own index when it is the first):
 * a later one is a repeat of that first one.
 */
export function firstIndexByKey<T>(items: readonly T[], key: (item: T) => string): number[] {
  const seen = new Map<string, number>();
  return items.map((item, i) => {
    const k = key(item);
    const first = seen.get(k);
    if (first !== undefined) return first;
    seen.set(k, i);
    return i;
  });
}

/** The items by key, keys in the order first met and items in their given order. */
export function groupByKey<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** The newest item by `at`; of items equally new, the last given (it arrived last). */
export function latestOf<T>(items: readonly T[], at: (item: T) => number): T | undefined {
  let latest: T | undefined;
  for (const item of items) {
    if (latest === undefined || at(item) >= at(latest)) latest = item;
  }
  return latest;
}

/** A group's share of one transaction: some of its items, written with one group action. */
export type ChunkPart<T> = { key: string; items: T[] };

export type ChunkLimits<T> = {
  /** Actions per transaction (DynamoDB: 100). */
  maxActions: number;
  /** Bytes per transaction, estimated (DynamoDB: 4 MB). */
  maxBytes: number;
  /** Actions each item takes (its own writes); its group takes one more per transaction. */
  actionsPerItem: number;
  /** An item's estimated size in bytes. */
  bytesOf: (item: T) => number;
};

/**
 * Packs groups of items into transactions within the limits: a group's items stay in one transaction
 * when they fit, else are split across consecutive ones (each with its own group action). An item
 * too large for any transaction still gets one of its own: DynamoDB then refuses it alone.
 */
export function transactionChunks<T>(
  groups: readonly ChunkPart<T>[],
  limits: ChunkLimits<T>,
): ChunkPart<T>[][] {
  const chunks: ChunkPart<T>[][] = [];
  let chunk: ChunkPart<T>[] = [];
  let actions = 0;
  let bytes = 0;
  const close = () => {
    if (chunk.length > 0) chunks.push(chunk);
    chunk = [];
    actions = 0;
    bytes = 0;
  };
  for (const group of groups) {
    let part: ChunkPart<T> | undefined;
    for (const item of group.items) {
      const size = limits.bytesOf(item);
      const extra = limits.actionsPerItem + (part ? 0 : 1);
      const fits = actions + extra <= limits.maxActions && bytes + size <= limits.maxBytes;
      if (!fits && actions > 0) {
        close();
        part = undefined;
      }
      if (!part) {
        part = { key: group.key, items: [] };
        chunk.push(part);
        actions += 1;
      }
      part.items.push(item);
      actions += limits.actionsPerItem;
      bytes += size;
    }
  }
  close();
  return chunks;
}

/**
 * An occurrence the store cannot hold as it is (a number DynamoDB or its SDK refuses): retrying cannot
 * help, so it is parked with this reason while the rest of its batch is stored.
 */
export class UnstorableEventError extends Error {
  override name = 'UnstorableEventError';
}

/** DynamoDB keeps numbers of magnitude 1e-130 up to 1e126; its SDK refuses integers past 2^53. */
const SMALLEST_NUMBER = 1e-130;
const LARGEST_NUMBER = 1e126;

/**
 * Why a JSON-like item cannot be written as it is (the first offending value, by path), or undefined.
 * A number is refused by the SDK past ±(2^53 - 1) and by DynamoDB outside its range.
 */
export function unstorableReason(value: unknown, path = ''): string | undefined {
  if (typeof value === 'number') {
    const size = Math.abs(value);
    const ok =
      Number.isFinite(value) &&
      size <= Number.MAX_SAFE_INTEGER &&
      size < LARGEST_NUMBER &&
      (size === 0 || size >= SMALLEST_NUMBER);
    return ok
      ? undefined
      : `${path || 'value'}: the number ${value} cannot be stored (the store takes magnitudes from 1e-130 up to 2^53)`;
  }
  if (typeof value === 'bigint') return `${path || 'value'}: a big integer cannot be stored`;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const reason = unstorableReason(item, `${path}[${i}]`);
      if (reason) return reason;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const reason = unstorableReason(item, path ? `${path}.${key}` : key);
      if (reason) return reason;
    }
  }
  return undefined;
}
