import type { SQSClient } from '@aws-sdk/client-sqs';
import { queueDepth } from '../../local/queue-depth';

/**
 * Waits until every queue is empty (visible + in flight + delayed = 0) and `idle()` says no handler is
 * busy, twice in a row 200 ms apart. Resolves with when that first held, or undefined at the deadline.
 * `progress` hears the queue depths every 5 s.
 */
export async function waitUntilSettled(
  sqs: SQSClient,
  queueUrls: string[],
  idle: () => boolean,
  timeoutMs: number,
  progress: (depths: number[]) => void = () => undefined,
): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  let quietSince: number | undefined;
  let lastProgress = Date.now();
  while (Date.now() < deadline) {
    const depths = await Promise.all(queueUrls.map((url) => queueDepth(sqs, url)));
    if (Date.now() - lastProgress >= 5000) {
      lastProgress = Date.now();
      progress(depths);
    }
    const quiet = idle() && depths.every((n) => n === 0);
    if (!quiet) quietSince = undefined;
    else if (quietSince === undefined) quietSince = Date.now();
    else return quietSince;
    await new Promise((r) => setTimeout(r, 200));
  }
  return undefined;
}
