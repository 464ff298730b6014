import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { EventInput } from '../functions/core/event-schema';
import { aggregatedErrors, serializeError } from './serialize';
import { httpTransport, type OutgoingEvent, sqsTransport, type Transport } from './transport';

type Common = {
  /** Service name (`app`); default HEADSUP_APP, else the npm package name. */
  app?: string;
  environment?: string;
  /** Events per request (1–100). */
  batchSize?: number;
  /** How long a partial batch waits for company. */
  flushIntervalMs?: number;
  /** Events kept while Heads-up cannot be reached; the oldest are dropped (and counted) beyond it. */
  maxBuffer?: number;
  timeoutMs?: number;
  /** Told about every failure, since the reporter never throws into the host app. */
  onError?: (error: Error) => void;
};

export type ReporterOptions = Common &
  ({ endpoint: string; key: string } | { queueUrl: string; sqs?: SQSClient });

export type ReportExtra = Pick<
  EventInput,
  'user' | 'company' | 'request' | 'context' | 'tags' | 'level' | 'fingerprint' | 'environment'
>;

export type ReporterStats = {
  sent: number;
  dropped: number;
  rejected: number;
  buffered: number;
  inFlight: number;
};

export type Reporter = {
  /** Queues an error for sending; returns its event id (undefined if even that failed). Never throws. */
  report(error: unknown, extra?: ReportExtra): string | undefined;
  /** Sends what is buffered; resolves when done or after `timeoutMs`. For graceful shutdown. */
  flush(timeoutMs?: number): Promise<ReporterStats>;
  /** Flushes and stops the timer; later reports are ignored. */
  close(timeoutMs?: number): Promise<ReporterStats>;
  stats(): ReporterStats;
};

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 30_000;

/** Exponential backoff with full jitter: retries from many hosts do not arrive in step. */
export function backoffMs(attempt: number, random = Math.random): number {
  return Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
}

export function createReporter(options: ReporterOptions): Reporter {
  const transport: Transport =
    'queueUrl' in options
      ? sqsTransport(options)
      : httpTransport({
          endpoint: options.endpoint,
          key: options.key,
          timeoutMs: options.timeoutMs ?? 10_000,
        });
  const app = options.app ?? process.env.HEADSUP_APP ?? process.env.npm_package_name ?? 'app';
  const batchSize = Math.min(100, Math.max(1, options.batchSize ?? 20));
  const maxBuffer = Math.max(batchSize, options.maxBuffer ?? 1000);
  const onError = (err: Error) => {
    try {
      options.onError?.(err);
    } catch {
      // the host's own handler must not break reporting either
    }
  };

  let buffer: OutgoingEvent[] = [];
  let inFlight: OutgoingEvent[] = [];
  let pumping: Promise<void> | undefined;
  let closed = false;
  let cutWait: (() => void) | undefined;
  const counts = { sent: 0, dropped: 0, rejected: 0 };
  const stats = (): ReporterStats => ({ ...counts, buffered: buffer.length, inFlight: inFlight.length });

  const timer = setInterval(() => {
    if (buffer.length > 0) startPump();
  }, options.flushIntervalMs ?? 1000);
  timer.unref(); // never keeps the host process alive

  /** Sends batches until the buffer is empty; retries a failing batch with backoff for as long as it takes. */
  async function pump(): Promise<void> {
    let attempt = 0;
    while (inFlight.length > 0 || buffer.length > 0) {
      if (inFlight.length === 0) {
        inFlight = buffer.splice(0, batchSize);
        attempt = 0;
      }
      const outcome = await transport
        .send(inFlight)
        .catch(
          (err: Error): Awaited<ReturnType<Transport['send']>> => ({ kind: 'retry', reason: err.message }),
        );
      if (outcome.kind === 'sent') {
        counts.sent += inFlight.length;
        inFlight = [];
        continue;
      }
      if (outcome.kind === 'rejected') {
        const drop = outcome.ids ? new Set(outcome.ids) : undefined;
        const kept = drop ? inFlight.filter((e) => !drop.has(e.id)) : [];
        counts.rejected += inFlight.length - kept.length;
        inFlight = kept; // the rest of a batch with one bad event is sent again at once
        onError(new Error(`Heads-up rejected events: ${outcome.reason}`));
        continue;
      }
      if (outcome.only) {
        const only = new Set(outcome.only);
        const kept = inFlight.filter((e) => only.has(e.id));
        counts.sent += inFlight.length - kept.length;
        inFlight = kept;
      }
      onError(new Error(`Heads-up: sending failed, will retry: ${outcome.reason}`));
      await wait(outcome.afterMs ?? backoffMs(attempt++));
    }
  }

  function wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      t.unref();
      cutWait = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  function startPump(): Promise<void> {
    pumping ??= pump().finally(() => {
      pumping = undefined;
    });
    return pumping;
  }

  function report(error: unknown, extra: ReportExtra = {}): string | undefined {
    if (closed) return undefined;
    try {
      const aggregated = aggregatedErrors(error);
      const event: OutgoingEvent = {
        id: randomUUID(),
        occurredAt: new Date().toISOString(),
        app,
        ...extra,
        // After the spread: an `environment: undefined` in `extra` must not wipe the configured one.
        environment: extra.environment ?? options.environment,
        error: serializeError(error),
        context: aggregated ? { ...extra.context, aggregatedErrors: aggregated } : extra.context,
      };
      buffer.push(event);
      if (buffer.length > maxBuffer) {
        buffer = buffer.slice(buffer.length - maxBuffer);
        counts.dropped++;
      }
      if (buffer.length >= batchSize) void startPump();
      return event.id;
    } catch (err) {
      onError(err as Error);
      return undefined;
    }
  }

  async function flush(timeoutMs = 5000): Promise<ReporterStats> {
    if (buffer.length === 0 && inFlight.length === 0) return stats();
    const done = startPump();
    cutWait?.(); // a flush retries at once instead of sleeping out a backoff
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise((r) => (timeout = setTimeout(r, timeoutMs)))]);
    clearTimeout(timeout);
    return stats();
  }

  return {
    report,
    flush,
    stats,
    async close(timeoutMs) {
      const result = await flush(timeoutMs);
      closed = true;
      clearInterval(timer);
      return result;
    },
  };
}
