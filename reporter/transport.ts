import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsClientLimits } from '../common/aws-http-limits';
import { clip } from '../common/clip';
import type { EventInput } from '../common/event';
import { redactText } from '../common/redact';
import { enqueueEntries } from '../common/sqs-batch';

/** An event as the reporter sends it: always with an id, so a retried send is de-duplicated. */
export type OutgoingEvent = EventInput & { id: string };

/** An event ready to go, serialized once: its JSON is what is sent, and its size decides batching. */
export type SerializedEvent = { id: string; json: string; bytes: number };

/** What became of a send, event by event: an event named in no list was taken. */
export type SendOutcome = {
  /** Will never be accepted: dropped, counted and reported. */
  rejected?: { ids: string[]; reason: string };
  /** Not taken this time: sent again after `afterMs`, else after the backoff. */
  retry?: { ids: string[]; reason: string; afterMs?: number };
  /** Not taken only because others in the same request were refused: sent again at once. */
  resend?: string[];
};

export type Transport = { send(events: SerializedEvent[]): Promise<SendOutcome> };

/** HTTPS to `POST /v1/errors` with the ingest key. */
export function httpTransport(options: { endpoint: string; key: string; timeoutMs: number }): Transport {
  const url = options.endpoint.replace(/\/+$/, '').replace(/(\/v1\/errors)?$/, '/v1/errors');

  async function post(events: SerializedEvent[]): Promise<SendOutcome> {
    const ids = events.map((e) => e.id);
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${options.key}` },
        body: `[${events.map((e) => e.json).join(',')}]`,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (err) {
      return { retry: { ids, reason: `Heads-up unreachable: ${(err as Error).message}` } };
    }
    const body = (await res.json().catch(() => ({}))) as {
      error?: string;
      failed?: unknown;
      issues?: { path: string }[];
    };
    const reason = `Heads-up answered ${res.status}${typeof body.error === 'string' ? `: ${body.error}` : ''}`;
    if (res.status === 202) return {};
    if (res.status === 429 || res.status >= 500) {
      const failed = Array.isArray(body.failed) && body.failed.length > 0 ? new Set(body.failed) : undefined;
      return {
        retry: {
          ids: failed ? ids.filter((id) => failed.has(id)) : ids,
          reason,
          afterMs: retryAfterMs(res.headers.get('retry-after')),
        },
      };
    }
    if (res.status === 400 || res.status === 413) {
      const named = namedIds(events, body.issues);
      if (named) return { rejected: { ids: named, reason }, resend: ids.filter((id) => !named.includes(id)) };
      // A 413 naming no event: the request as a whole was too big. Halves are smaller; one event is not.
      if (res.status === 413 && events.length > 1) {
        const half = Math.ceil(events.length / 2);
        const first = await post(events.slice(0, half));
        return merge(first, await post(events.slice(half)));
      }
    }
    return { rejected: { ids, reason } }; // 401, 403, 415, or a 400/413 for all: retrying cannot help
  }

  return { send: post };
}

/** Times SQS may refuse one entry (its per-entry `Failed`) before the event is dropped. */
export const SQS_REFUSALS_BEFORE_DROP = 3;

/**
 * Why an SQS call failed, for onError: the SDK's error name and message (AccessDenied, a throttling
 * code, our timeout), cut short, with anything that looks like a credential removed. Never the request.
 */
function callFailure(err: unknown): string {
  const { name, message } = (err ?? {}) as { name?: unknown; message?: unknown };
  return clip(redactText(`${String(name ?? 'Error')}: ${String(message ?? '')}`), 300);
}

/**
 * The SQS queue directly, with the AWS SDK and the caller's credentials. An entry SQS refuses is tried
 * again a few times (never when SQS says the entry itself is at fault) and then dropped, so it cannot
 * hold up the events behind it; a call that fails as a whole (network, credentials) is retried.
 */
export function sqsTransport(options: { queueUrl: string; sqs?: SQSClient; timeoutMs: number }): Transport {
  const sqs = options.sqs ?? new SQSClient(awsClientLimits());
  const refusals = new Map<string, number>();

  /**
   * One SendMessageBatch, failed after `timeoutMs` whatever the client does. The signal aborts the
   * SDK's request (`send(command, { abortSignal })`); the race frees the reporter even from a host's
   * client that ignores it, whose hung call would otherwise hold every later event forever.
   */
  async function sendBatch(entries: { Id: string; MessageBody: string }[]) {
    const signal = AbortSignal.timeout(options.timeoutMs);
    // Its reason is a TimeoutError: "The operation was aborted due to timeout".
    const timedOut = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason)),
    );
    const command = new SendMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: entries });
    const { Failed = [] } = await Promise.race([sqs.send(command, { abortSignal: signal }), timedOut]);
    return Failed;
  }

  return {
    async send(events) {
      // enqueueEntries turns a call that failed into "not taken"; its cause is kept here for onError.
      let cause: string | undefined;
      const { failedIds, refused } = await enqueueEntries(
        events.map((e) => ({ id: e.id, body: e.json })),
        async (batch) => {
          try {
            return await sendBatch(batch);
          } catch (err) {
            cause ??= callFailure(err);
            throw err;
          }
        },
      );
      const failed = new Set(failedIds);
      for (const e of events) if (!failed.has(e.id)) refusals.delete(e.id);
      const refusedById = new Map(refused.map((r) => [r.id, r]));
      const dropped: string[] = [];
      const codes = new Set<string>();
      const retry: string[] = [];
      for (const id of failed) {
        const refusal = refusedById.get(id);
        const count = (refusals.get(id) ?? 0) + 1;
        if (refusal && (refusal.senderFault || count >= SQS_REFUSALS_BEFORE_DROP)) {
          dropped.push(id);
          codes.add(refusal.code);
          refusals.delete(id);
        } else {
          if (refusal) refusals.set(id, count);
          retry.push(id);
        }
      }
      return {
        rejected:
          dropped.length > 0
            ? { ids: dropped, reason: `SQS refused ${dropped.length} events (${[...codes].join(', ')})` }
            : undefined,
        retry:
          retry.length > 0
            ? { ids: retry, reason: `SQS did not take ${retry.length} events${cause ? ` (${cause})` : ''}` }
            : undefined,
      };
    },
  };
}

/** Both halves' outcomes as one. */
function merge(a: SendOutcome, b: SendOutcome): SendOutcome {
  const rejected = [a.rejected, b.rejected].filter((r) => r !== undefined);
  const retry = [a.retry, b.retry].filter((r) => r !== undefined);
  const afterMs = retry.map((r) => r.afterMs).filter((ms) => ms !== undefined);
  return {
    rejected:
      rejected.length > 0
        ? {
            ids: rejected.flatMap((r) => r.ids),
            reason: [...new Set(rejected.map((r) => r.reason))].join('; '),
          }
        : undefined,
    retry:
      retry.length > 0
        ? {
            ids: retry.flatMap((r) => r.ids),
            reason: retry[0]!.reason,
            afterMs: afterMs.length > 0 ? Math.max(...afterMs) : undefined,
          }
        : undefined,
    resend: [...(a.resend ?? []), ...(b.resend ?? [])],
  };
}

/** The events an answer names by index (`[3].app`, `[3]`); undefined when it names none. */
function namedIds(events: SerializedEvent[], issues: { path: string }[] | undefined): string[] | undefined {
  const indexes = new Set(
    (Array.isArray(issues) ? issues : [])
      .map((i) => /^\[(\d+)\]/.exec(String(i?.path))?.[1])
      .filter((i) => i !== undefined),
  );
  const named = events.filter((_, i) => indexes.has(String(i))).map((e) => e.id);
  return named.length > 0 ? named : undefined;
}

function retryAfterMs(header: string | null): number | undefined {
  const seconds = Number(header);
  return header && Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 300) * 1000 : undefined;
}
