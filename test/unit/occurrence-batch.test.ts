import {
  firstIndexByKey,
  groupByKey,
  latestOf,
  transactionChunks,
} from '../../functions/core/occurrence-batch';

describe('a batch of occurrences', () => {
  it('points every repeat of a key at its first item', () => {
    expect(firstIndexByKey(['a', 'b', 'a', 'c', 'b', 'a'], (k) => k)).toEqual([0, 1, 0, 3, 1, 0]);
    expect(firstIndexByKey([], (k: string) => k)).toEqual([]);
  });

  it('groups items by key, keys in the order first met, items in their order', () => {
    const groups = groupByKey(
      [
        { fp: 'x', n: 1 },
        { fp: 'y', n: 2 },
        { fp: 'x', n: 3 },
      ],
      (i) => i.fp,
    );
    expect([...groups.keys()]).toEqual(['x', 'y']);
    expect(groups.get('x')?.map((i) => i.n)).toEqual([1, 3]);
  });

  it('chooses the newest item, and of equally new ones the last given', () => {
    const items = [
      { id: 'a', at: 5 },
      { id: 'b', at: 9 },
      { id: 'c', at: 9 },
      { id: 'd', at: 1 },
    ];
    expect(latestOf(items, (i) => i.at)?.id).toBe('c');
    expect(latestOf([], (i: { at: number }) => i.at)).toBeUndefined();
  });

  describe('packing into transactions', () => {
    const limits = { maxActions: 100, maxBytes: 1000, actionsPerItem: 2, bytesOf: (n: number) => n };
    const group = (key: string, count: number, size = 1) => ({
      key,
      items: Array.from({ length: count }, () => size),
    });

    it('keeps a batch of 10 over 7 groups in one transaction', () => {
      const groups = [group('a', 4), ...['b', 'c', 'd', 'e', 'f', 'g'].map((k) => group(k, 1))];
      const chunks = transactionChunks(groups, limits);
      expect(chunks).toHaveLength(1);
      expect(chunks[0]!.map((part) => part.key)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    });

    it('splits past 100 writes, a group across transactions with its own group write in each', () => {
      // 60 items of one group: 2 writes each and one for the group → 49 + 11 items.
      const chunks = transactionChunks([group('hot', 60), group('cold', 3)], limits);
      expect(chunks.map((c) => c.map((part) => [part.key, part.items.length]))).toEqual([
        [['hot', 49]],
        [
          ['hot', 11],
          ['cold', 3],
        ],
      ]);
      for (const chunk of chunks) {
        const actions = chunk.reduce((n, part) => n + 1 + 2 * part.items.length, 0);
        expect(actions).toBeLessThanOrEqual(100);
      }
    });

    it('splits by size, and gives an item too large for any transaction one of its own', () => {
      const chunks = transactionChunks([group('a', 3, 400), group('b', 1, 5000)], limits);
      expect(chunks.map((c) => c.map((part) => [part.key, part.items.length]))).toEqual([
        [['a', 2]],
        [['a', 1]],
        [['b', 1]],
      ]);
    });

    it('makes no transaction of nothing', () => {
      expect(transactionChunks([], limits)).toEqual([]);
    });
  });
});
