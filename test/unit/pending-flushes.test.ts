import { FLUSH_TRUST_MARGIN_MS, PendingFlushes } from '../../functions/core/pending-flushes';

describe('the flushes a container queued', () => {
  it('covers a group until shortly before its flush is due, then forgets it', () => {
    const flushes = new PendingFlushes();
    flushes.remember('fp', 10_000, 0);
    expect(flushes.covers('fp', 0)).toBe(true);
    expect(flushes.covers('other', 0)).toBe(false);
    expect(flushes.covers('fp', 10_000 - FLUSH_TRUST_MARGIN_MS - 1)).toBe(true);
    expect(flushes.covers('fp', 10_000 - FLUSH_TRUST_MARGIN_MS)).toBe(false);
    expect(flushes.covers('fp', 0)).toBe(false); // forgotten: a clock going back does not bring it back
  });

  it('does not remember a flush already (nearly) due', () => {
    const flushes = new PendingFlushes();
    flushes.remember('fp', 500, 0);
    expect(flushes.covers('fp', 0)).toBe(false);
  });

  it('stays bounded: past its size it drops what is due, else everything', () => {
    const flushes = new PendingFlushes();
    for (let i = 0; i < 10_000; i++) flushes.remember(`fp-${i}`, i < 5 ? 2_000 : 60_000, 0);
    flushes.remember('late', 60_000, 5_000); // the 5 due ones go
    expect(flushes.covers('fp-9999', 5_000)).toBe(true);
    expect(flushes.covers('late', 5_000)).toBe(true);
    for (let i = 0; i < 5; i++) flushes.remember(`more-${i}`, 60_000, 5_000);
    flushes.remember('overflow', 60_000, 5_000); // none due: all go
    expect(flushes.covers('fp-9999', 5_000)).toBe(false);
    expect(flushes.covers('overflow', 5_000)).toBe(true);
  });
});
