/** A first-in-first-out buffer of at most `capacity` items. */
export type Ring<T> = {
  readonly size: () => number;
  /** Adds the newest item; when full, the oldest makes room and is returned. */
  push(item: T): T | undefined;
  /** The `i`-th oldest item (0 is the oldest); `i` must be below `size()`. */
  at(i: number): T;
  /** Removes and returns the `n` oldest items. */
  take(n: number): T[];
};

/**
 * A ring over one array, so adding to a full buffer and taking a batch cost O(1) per item whatever the
 * capacity (an `Array#shift` per report moved all 200 000 entries of a full buffer each time). The
 * array grows up to `capacity` as items arrive and slots are cleared when items leave, so no event is
 * kept alive after it was taken or dropped.
 */
export function ring<T>(capacity: number): Ring<T> {
  const slots: (T | undefined)[] = [];
  let head = 0;
  let size = 0;
  const slot = (i: number) => (head + i) % capacity;
  return {
    size: () => size,
    push(item) {
      if (size < capacity) {
        slots[slot(size++)] = item; // at the array's end until it first wraps: it stays dense
        return undefined;
      }
      const oldest = slots[head];
      slots[head] = item;
      head = slot(1);
      return oldest;
    },
    at: (i) => slots[slot(i)] as T,
    take(n) {
      const taken: T[] = [];
      for (let i = 0; i < n && size > 0; i++, size--) {
        taken.push(slots[head] as T);
        slots[head] = undefined;
        head = slot(1);
      }
      return taken;
    },
  };
}
