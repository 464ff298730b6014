import { randomUUID } from 'node:crypto';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { EVENT_LIMITS, type EventInput } from '../common/event';
import { JSON_DEPTH_LIMIT } from '../common/json-text';
import { jsonSafe, UNREADABLE } from './bounded-json';
import { ring } from './ring';
import { aggregatedErrors, serializeError } from './serialize';
import {
  httpTransport,
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
  /** How long one request to Heads-up or one SQS call may take (default 10 s), also with your own client. */
  timeoutMs?: number;
  /** Told about every failure, since the reporter never throws into the host app. */
  onError?: (error: Error) => void;
};

type SqsOptions = { queueUrl: string; sqs?: SQSClient };

export type ReporterOptions = Common & ({ endpoint: string; key: string } | SqsOptions);

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
   * Queues an error for sending; returns its event id, or undefined when it was not queued (its JSON is
   * over 256 KiB, or it could not be built at all: dropped and counted as rejected). What JSON cannot
   * hold (cycles, BigInt, throwing getters, Proxies, deep nesting) is replaced, not a reason to drop
   * the error. Never throws.
   */
  report(error: unknown, extra?: ReportExtra): string | undefined;
  /** Sends what is buffered; resolves when done or after `timeoutMs`. For graceful shutdown. */
  flush(timeoutMs?: number): Promise<ReporterStats>;
  /** Flushes and stops the timer; later reports are ignored. */
  close(timeoutMs?: number): Promise<ReporterStats>;
  stats(): ReporterStats;
};

/** What a report may add to the event, each copied on its own (`jsonSafe`). */
const EXTRA_FIELDS = [
  'environment',
  'level',
  'user',
  'company',
  'request',
  'context',
  'tags',
  'fingerprint',
] as const satisfies (keyof ReportExtra)[];

/** A request stays under the server's 5 MiB limit, whatever the batch size: batches are cut by bytes too. */
const REQUEST_BYTES = 5 * 1024 * 1024 - 1024;

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 30_000;

/** Exponential backoff with full jitter: retries from many hosts do not arrive in step. */
export function backoffMs(attempt: number, random = Math.random): number {
  return Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt));
}

/** The options read as numbers, each 1 to 2³¹ − 1: a timer's range, and a ring needs a real size. */
const NUMBER_OPTIONS = ['batchSize', 'flushIntervalMs', 'maxBuffer', 'timeoutMs'] as const;

/** An http(s) URL without a user or password: fetch refuses those, and its message quotes the URL. */
function isHttpUrl(text: unknown): boolean {
  try {
    const url = new URL(text as string);
    return typeof text === 'string' && /^https?:$/.test(url.protocol) && !url.username && !url.password;
  } catch {
    return false;
  }
}

/**
 * What is wrong with options that could never work, if anything. Found later, the same mistake would
 * only show as sends retried forever with events stuck in flight. Never quotes the key or a URL.
 */
function optionsProblem(o: Partial<Record<string, unknown>>): string | undefined {
  for (const name of NUMBER_OPTIONS) {
    const n = o[name];
    // Whole numbers only: a fractional size would give the ring buffer fractional slots.
    if (n !== undefined && !(Number.isInteger(n) && (n as number) >= 1 && (n as number) < 2 ** 31))
      return `\`${name}\` must be a whole number from 1 to 2147483647`;
  }
  if (o.queueUrl !== undefined)
    return isHttpUrl(o.queueUrl) ? undefined : '`queueUrl` must be an http(s) URL';
  if (o.endpoint === undefined) return 'give `endpoint` and `key`, or `queueUrl`';
  if (!isHttpUrl(o.endpoint)) return '`endpoint` must be an http(s) URL without a user or password';
  // The server reads the key after "Bearer " as one run of visible characters.
  if (typeof o.key !== 'string' || !/^[\x21-\x7e]+$/.test(o.key))
    return '`key` must be printable ASCII without spaces';
  return undefined;
}

export function createReporter(options: ReporterOptions): Reporter {
  // The one place the reporter throws: at start-up, as any configuration error would.
  const problem = optionsProblem(options ?? {});
  if (problem) throw new Error(`Heads-up reporter: ${problem}`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { endpoint, key, queueUrl, sqs } = options as Partial<{ endpoint: string; key: string } & SqsOptions>;
  const transport: Transport =
    queueUrl !== undefined
      ? sqsTransport({ queueUrl, sqs, timeoutMs })
      : httpTransport({ endpoint: endpoint!, key: key!, timeoutMs }); // checked above
  const app = options.app ?? process.env.HEADSUP_APP ?? process.env.npm_package_name ?? 'app';
  const batchSize = Math.min(100, options.batchSize ?? 20);
  const maxBuffer = Math.max(batchSize, Math.floor(options.maxBuffer ?? 1000)); // the ring's slots
  const onError = (err: Error) => {
    try {
      options.onError?.(err);
    } catch {
      // the host's own handler must not break reporting either
    }
  };

  const buffer = ring<SerializedEvent>(maxBuffer);
  let inFlight: SerializedEvent[] = [];
  let pumping: Promise<void> | undefined;
  let closed = false;
  let cutWait: (() => void) | undefined;
  const counts = { sent: 0, dropped: 0, rejected: 0 };
  const stats = (): ReporterStats => ({ ...counts, buffered: buffer.size(), inFlight: inFlight.length });

  const timer = setInterval(() => {
    if (buffer.size() > 0) startPump();
  }, options.flushIntervalMs ?? 1000);
  timer.unref(); // never keeps the host process alive

  /** The next batch: up to `batchSize` events whose request stays under the server's request limit. */
  function takeBatch(): SerializedEvent[] {
    let bytes = 2; // `[` and `]`
    let n = 0;
    while (n < buffer.size() && n < batchSize) {
      const size = buffer.at(n).bytes + 1; // and its comma
      if (n > 0 && bytes + size > REQUEST_BYTES) break;
      bytes += size;
      n++;
    }
    return buffer.take(n);
  }

  /**
   * Sends batches until the buffer is empty. What the transport says will never be accepted is dropped
   * and counted; the rest of a batch is sent again, after a backoff when sending itself failed.
   */
  async function pump(): Promise<void> {
    let attempt = 0;
    while (inFlight.length > 0 || buffer.size() > 0) {
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
    // pump() handles every outcome itself; the catch only guarantees no rejection reaches the host.
    pumping ??= pump()
      .catch((err: Error) => onError(err))
      .finally(() => {
        pumping = undefined;
      });
    return pumping;
  }

  /**
   * The event as JSON, or why it cannot be sent. What cannot be serialized as it is (cycles, BigInt,
   * getters or toJSON that throw, Proxies, nesting too deep) is replaced by a marker rather than costing
   * the error; a field of `extra` that cannot be read at all is left out, a context replaced by
   * `{ "context": "[Unreadable]" }`. The copy stops at the size limit (chars ≤ bytes), so a huge
   * context costs its first 256 KiB only; it is cut at the depth limit, so the server reads it all.
   */
  function eventJson(error: unknown, extra: ReportExtra | undefined, event: Record<string, unknown>) {
    const budget = { chars: EVENT_LIMITS.eventBytes };
    for (const name of EXTRA_FIELDS) {
      try {
        event[name] = jsonSafe(extra?.[name], budget, JSON_DEPTH_LIMIT - 1); // the event is a level itself
      } catch {
        // `extra` itself is not an object, or a Proxy that throws: the field is left out
      }
    }
    // After the copy: an `environment: undefined` in `extra` must not wipe the configured one.
    event.environment ??= options.environment;
    if (event.context === UNREADABLE) event.context = { context: UNREADABLE };
    const aggregated = aggregatedErrors(error);
    // A plain copy by now: spreading it runs no getter.
    if (aggregated) event.context = { ...(event.context as object), aggregatedErrors: aggregated };
    event.error = serializeError(error);
    const limit = `the ${EVENT_LIMITS.eventBytes}-byte (256 KiB) limit`;
    if (budget.chars < 0) return { refusal: `its JSON is over ${limit}` };
    const json = JSON.stringify(event);
    const bytes = Buffer.byteLength(json, 'utf8');
    // Checked here, before it is batched: sent, it would only be refused, and so would its batch.
    return bytes > EVENT_LIMITS.eventBytes
      ? { refusal: `it is ${bytes} bytes as JSON, over ${limit}` }
      : { json, bytes };
  }

  function report(error: unknown, extra?: ReportExtra): string | undefined {
    if (closed) return undefined;
    try {
      const id = randomUUID();
      const built = eventJson(error, extra, { id, occurredAt: new Date().toISOString(), app });
      if ('refusal' in built) {
        counts.rejected++;
        onError(new Error(`Heads-up: event dropped: ${built.refusal}`));
        return undefined;
      }
      if (buffer.push({ id, ...built })) counts.dropped++; // the oldest made room
      if (buffer.size() >= batchSize) void startPump();
      return id;
    } catch (err) {
      // Not expected (every part above guards itself), but an event lost must still be counted.
      counts.rejected++;
      onError(err as Error);
      return undefined;
    }
  }

  async function flush(timeoutMs = 5000): Promise<ReporterStats> {
    if (buffer.size() === 0 && inFlight.length === 0) return stats();
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
