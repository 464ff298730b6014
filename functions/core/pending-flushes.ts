/**
 * A flush is relied on only until this long before it is due: clocks differ a little between
 * containers, and SQS delivers a delayed message no earlier than its (whole-second) delay.
 */
export const FLUSH_TRUST_MARGIN_MS = 1000;

/** Remembered at most; past it, the ones already due go, and if none did, all (it is only a saving). */
const MAX_REMEMBERED = 10_000;

/**
 * The delayed flushes this container queued itself, by group, until each is due. A flush reads its
 * group when it runs and shows everything counted by then, so until it is due an occurrence counted
 * now needs no read of its group and no Slack call: the flush will show it. Only flushes this
 * container sent are remembered (one it merely saw on the group may never have been queued).
 * Forgetting one costs a read, never an update.
 */
export class PendingFlushes {
  private readonly due = new Map<string, number>();

  /** A flush for the group is queued (its message sent), due at `dueAt` (ms). */
  remember(fingerprint: string, dueAt: number, now: number): void {
    if (dueAt - FLUSH_TRUST_MARGIN_MS <= now) return;
    if (this.due.size >= MAX_REMEMBERED) this.prune(now);
    this.due.set(fingerprint, dueAt);
  }

  /** True while a flush this container queued for the group is still safely ahead. */
  covers(fingerprint: string, now: number): boolean {
    const dueAt = this.due.get(fingerprint);
    if (dueAt === undefined) return false;
    if (dueAt - FLUSH_TRUST_MARGIN_MS > now) return true;
    this.due.delete(fingerprint);
    return false;
  }

  private prune(now: number): void {
    for (const [fingerprint, dueAt] of this.due) {
      if (dueAt - FLUSH_TRUST_MARGIN_MS <= now) this.due.delete(fingerprint);
    }
    if (this.due.size >= MAX_REMEMBERED) this.due.clear();
  }
}
