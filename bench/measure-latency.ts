/**
 * Latencies from ingest to what Slack and Intercom received, read off the loopback fakes' records
 * (each request's `receivedAt`) and the detail items' fix outcomes.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IntercomFake } from '../local/fakes/intercom-api';
import type { SlackFake } from '../local/fakes/slack-api';
import { scanDocuments } from '../local/table-scan';

export type Stats = { n: number; p50: number; p95: number; p99: number };

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99) };
}

/**
 * Ingest → Slack parent: for each `[app/environment] type` prefix, the first top-level postMessage
 * the fake received whose text starts with it, against that error's first ingest time. Only requests
 * after `afterSeq` (a warm-up's are left out).
 */
export function slackParentLatencies(
  slack: SlackFake,
  firstIngestByPrefix: Map<string, number>,
  afterSeq = 0,
): number[] {
  const firstPost = new Map<string, number>();
  for (const r of slack.calls('chat.postMessage')) {
    if (r.seq <= afterSeq || r.params.thread_ts) continue;
    const text = String(r.params.text);
    // The prefix ends in "] ", so "[new-1/production] " never matches "[new-10/production] …".
    const prefix = [...firstIngestByPrefix.keys()].find((k) => text.startsWith(k));
    if (prefix && !firstPost.has(prefix)) firstPost.set(prefix, r.receivedAt);
  }
  return [...firstPost].map(([prefix, at]) => at - firstIngestByPrefix.get(prefix)!);
}

type LinkDoc = { eventId?: string; notify?: { status?: string; at?: number; messageId?: string } };

/**
 * Ingest → Intercom: every in-app message the fake created (after `afterSeq`), at the time its
 * request arrived, against the ingest time of the event whose detail item records that message id.
 * A message no detail item names (an outcome not recorded) is counted in `unmatched`.
 */
export async function intercomLatencies(
  intercom: IntercomFake,
  dynamo: DynamoDBClient,
  tableName: string,
  ingestOf: Map<string, number>,
  afterSeq = 0,
): Promise<{ latencies: number[]; unmatched: number }> {
  const links = (await scanDocuments(dynamo, tableName, 'LINK#')) as LinkDoc[];
  const eventOfMessage = new Map<string, string>();
  for (const l of links)
    if (l.notify?.status === 'sent' && l.notify.messageId && l.eventId)
      eventOfMessage.set(l.notify.messageId, l.eventId);
  const arrival = new Map(intercom.requests.map((r) => [r.seq, r.receivedAt]));
  const latencies: number[] = [];
  let unmatched = 0;
  for (const m of intercom.messages) {
    if (m.createdBy <= afterSeq) continue;
    const eventId = eventOfMessage.get(m.id);
    const ingest = eventId === undefined ? undefined : ingestOf.get(eventId);
    const at = arrival.get(m.createdBy);
    if (ingest === undefined || at === undefined) unmatched++;
    else latencies.push(at - ingest);
  }
  return { latencies, unmatched };
}

/** The last `seq` a fake handed out so far: what came before is a warm-up's. */
export const lastSeq = (fake: SlackFake | IntercomFake) => fake.requests.at(-1)?.seq ?? 0;
