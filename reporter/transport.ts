import { SQSClient } from '@aws-sdk/client-sqs';
import { EventQueue } from '../functions/adapters/sqs-queue';
import type { EventInput } from '../functions/core/event-schema';

/** An event as the reporter sends it: always with an id, so a retried send is de-duplicated. */
export type OutgoingEvent = EventInput & { id: string };

export type SendOutcome =
  | { kind: 'sent' }
  /** Try again later; `only` narrows the retry to the events that were not taken. */
  | { kind: 'retry'; reason: string; afterMs?: number; only?: string[] }
  /** Will never be accepted: drop these events (all when `ids` is absent) and say why. */
  | { kind: 'rejected'; reason: string; ids?: string[] };

export type Transport = { send(events: OutgoingEvent[]): Promise<SendOutcome> };

/** HTTPS to `POST /v1/errors` with the ingest key. */
export function httpTransport(options: { endpoint: string; key: string; timeoutMs: number }): Transport {
  const url = options.endpoint.replace(/\/+$/, '').replace(/(\/v1\/errors)?$/, '/v1/errors');
  return {
    async send(events) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${options.key}` },
          body: JSON.stringify(events),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (err) {
        return { kind: 'retry', reason: `Heads-up unreachable: ${(err as Error).message}` };
      }
      const body = (await res.json().catch(() => ({}))) as {
        error?: string;
        failed?: string[];
        issues?: { path: string }[];
      };
      const reason = `Heads-up answered ${res.status}${body.error ? `: ${body.error}` : ''}`;
      if (res.status === 202) return { kind: 'sent' };
      if (res.status === 429 || res.status >= 500) {
        return {
          kind: 'retry',
          reason,
          afterMs: retryAfterMs(res.headers.get('retry-after')),
          only: body.failed,
        };
      }
      if (res.status === 400) return { kind: 'rejected', reason, ids: rejectedIds(events, body.issues) };
      return { kind: 'rejected', reason }; // 401, 403, 413, 415: configuration, retrying cannot help
    },
  };
}

/** The SQS queue directly, with the AWS SDK and the caller's credentials. */
export function sqsTransport(options: { queueUrl: string; sqs?: SQSClient }): Transport {
  const queue = new EventQueue(options.sqs ?? new SQSClient({}), options.queueUrl);
  return {
    async send(events) {
      const { failedIds } = await queue.enqueue(events.map((e) => ({ id: e.id, body: JSON.stringify(e) })));
      return failedIds.length === 0
        ? { kind: 'sent' }
        : { kind: 'retry', reason: `SQS refused ${failedIds.length} events`, only: failedIds };
    },
  };
}

/** The events a 400 names by index (`[3].app`); undefined (all) when it names none. */
function rejectedIds(events: OutgoingEvent[], issues: { path: string }[] | undefined): string[] | undefined {
  const indexes = new Set(
    (issues ?? []).map((i) => /^\[(\d+)\]/.exec(i.path)?.[1]).filter((i) => i !== undefined),
  );
  if (indexes.size === 0) return undefined;
  return events.filter((_, i) => indexes.has(String(i))).map((e) => e.id);
}

function retryAfterMs(header: string | null): number | undefined {
  const seconds = Number(header);
  return header && Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 300) * 1000 : undefined;
}
