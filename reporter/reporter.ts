import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { EVENT_LIMITS, type EventInput } from '../common/event';
import { JSON_DEPTH_LIMIT, jsonNestingExceeds } from '../common/json-text';
import { stringifyWithin } from './bounded-json';
import { aggregatedErrors, serializeError } from './serialize';
import {
  httpTransport,
  type OutgoingEvent,
  type SendOutcome,
  type SerializedEvent,
  sqsTransport,
  type Transport,
} from './transport';

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
  /**
   * Queues an error for sending; returns its event id, or undefined when it was not queued (even that
   * failed, or its JSON is over 256 KiB: dropped and counted as rejected). Never throws.
   */
  report(error: unknown, extra?: ReportExtra): string | undefined;
  /** Sends what is buffered; resolves when done or after `timeoutMs`. For graceful shutdown. */
  flush(timeoutMs?: number): Promise<ReporterStats>;
  /** Flushes and stops the timer; later reports are ignored. */
  close(timeoutMs?: number): Promise<ReporterStats>;
  stats(): ReporterStats;
};

/** A request stays under the server's 5 MiB limit, whatever the batch size: batches are cut by bytes too. */
const REQUEST_BYTES = 5 * 1024 * 1024 - 1024;

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

  const buffer: SerializedEvent[] = [];
  let inFlight: SerializedEvent[] = [];
  let pumping: Promise<void> | undefined;
  let closed = false;
  let cutWait: (() => void) | undefined;
  const counts = { sent: 0, dropped: 0, rejected: 0 };
  const stats = (): ReporterStats => ({ ...counts, buffered: buffer.length, inFlight: inFlight.length });

  const timer = setInterval(() => {
    if (buffer.length > 0) startPump();
  }, options.flushIntervalMs ?? 1000);
  timer.unref(); // never keeps the host process alive

  /** The next batch: up to `batchSize` events whose request stays under the server's request limit. */
  function takeBatch(): SerializedEvent[] {
    let bytes = 2; // `[` and `]`
    let n = 0;
    while (n < buffer.length && n < batchSize) {
      const size = buffer[n]!.bytes + 1; // and its comma
      if (n > 0 && bytes + size > REQUEST_BYTES) break;
      bytes += size;
      n++;
    }
    return buffer.splice(0, n);
  }

  /**
   * Sends batches until the buffer is empty. What the transport says will never be accepted is dropped
   * and counted; the rest of a batch is sent again, after a backoff when sending itself failed.
   */
  async function pump(): Promise<void> {
    let attempt = 0;
    while (inFlight.length > 0 || buffer.length > 0) {
      if (inFlight.length === 0) {
        inFlight = takeBatch();
        attempt = 0;
      }
      const batch = inFlight;
      const outcome = await transport
        .send(batch)
        .catch(
          (err: Error): SendOutcome => ({ retry: { ids: batch.map((e) => e.id), reason: err.message } }),
        );
      const rejected = new Set(outcome.rejected?.ids);
      const again = new Set([...(outcome.retry?.ids ?? []), ...(outcome.resend ?? [])]);
      inFlight = batch.filter((e) => again.has(e.id) && !rejected.has(e.id));
      const dropped = batch.filter((e) => rejected.has(e.id)).length;
      counts.rejected += dropped;
      counts.sent += batch.length - dropped - inFlight.length;
      if (outcome.rejected && dropped > 0) {
        onError(new Error(`Heads-up rejected events: ${outcome.rejected.reason}`));
      }
      if (outcome.retry && inFlight.length > 0) {
        onError(new Error(`Heads-up: sending failed, will retry: ${outcome.retry.reason}`));
        await wait(outcome.retry.afterMs ?? backoffMs(attempt++));
      }
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
      // Gives up past the limit (chars ≤ bytes), so a huge context costs its first 256 KiB only.
      const json = stringifyWithin(event, EVENT_LIMITS.eventBytes) ?? '';
      const bytes = Buffer.byteLength(json, 'utf8');
      // Checked here, before it is batched: sent, it would only be refused — and a body too deep to
      // read is refused whole, with the rest of its batch.
      const limit = `the ${EVENT_LIMITS.eventBytes}-byte (256 KiB) limit`;
      const refusal =
        json === ''
          ? `its JSON is over ${limit}`
          : bytes > EVENT_LIMITS.eventBytes
            ? `it is ${bytes} bytes as JSON, over ${limit}`
            : jsonNestingExceeds(json, JSON_DEPTH_LIMIT)
              ? `its JSON nests deeper than ${JSON_DEPTH_LIMIT} levels`
              : undefined;
      if (refusal) {
        counts.rejected++;
        onError(new Error(`Heads-up: event dropped: ${refusal}`));
        return undefined;
      }
      buffer.push({ id: event.id, json, bytes });
      if (buffer.length > maxBuffer) {
        buffer.shift();
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
