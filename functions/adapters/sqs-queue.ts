import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DLQ_REASON_ATTRIBUTE, INTERNAL_MESSAGE_ATTRIBUTE } from '../../lib/definitions';
import type { FlushBody } from '../core/flush';
import type { IngestEntry } from '../core/ingest';
import { clip, clipUtf8 } from '../core/limit-size';
import type { NotifyJob } from '../core/notify';

/** SQS message attributes carry at most 256 KiB together with the body; a reason needs far less. */
const REASON_CHARS = 1000;

/** The errors queue as the triage function uses it: delayed flushes to itself, and its DLQ. */
export class ErrorsQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly dlqUrl: string,
  ) {}

  /** Queues an internal message that brings a group's Slack alert up to date after `delaySeconds`. */
  async sendFlush(flush: FlushBody, delaySeconds: number): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(flush),
        DelaySeconds: Math.min(900, Math.max(0, Math.ceil(delaySeconds))),
        MessageAttributes: { [INTERNAL_MESSAGE_ATTRIBUTE]: { DataType: 'String', StringValue: 'flush' } },
      }),
    );
  }

  /**
   * Parks a message that can never succeed in the DLQ at once, with the reason beside it. The body
   * (scrubbed, so possibly longer than it came) is cut to what the queue that delivered
   * `deliveredBytes` surely takes with these attributes: a park that fails would be retried until the
   * redrive parks the raw, unscrubbed original instead.
   */
  async deadLetter(
    body: string,
    reason: string,
    sourceMessageId: string,
    deliveredBytes: number,
  ): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.dlqUrl,
        MessageBody: clipUtf8(
          body,
          Math.max(deliveredBytes - ATTRIBUTE_HEADROOM_BYTES, ATTRIBUTE_HEADROOM_BYTES),
        ),
        MessageAttributes: {
          [DLQ_REASON_ATTRIBUTE]: { DataType: 'String', StringValue: clip(reason, REASON_CHARS) },
          'headsup-source-message-id': { DataType: 'String', StringValue: sourceMessageId },
        },
      }),
    );
  }
}

/** Room for the DLQ message's attributes (a reason of REASON_CHARS, at most 4 bytes each, and an id). */
const ATTRIBUTE_HEADROOM_BYTES = 4 * REASON_CHARS + 256;

/**
 * SQS refuses U+FFFE and U+FFFF in a body (JSON.stringify already escapes control characters and lone
 * surrogates); a producer's text must not make its event impossible to queue.
 */
function sqsSafe(json: string): string {
  return json.replace(/[\uFFFE\uFFFF]/g, '\uFFFD');
}

/** SQS limits for one SendMessageBatch: 10 entries and 1 MiB of bodies together. */
const BATCH_ENTRIES = 10;
const BATCH_BYTES = 1024 * 1024 - 16 * 1024; // headroom for attributes and encoding

/** Splits entries into SendMessageBatch-sized chunks, by count and by total size. */
function batchChunks(entries: IngestEntry[]): IngestEntry[][] {
  const chunks: IngestEntry[][] = [];
  let current: IngestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = Buffer.byteLength(entry.body, 'utf8');
    if (current.length === BATCH_ENTRIES || (current.length > 0 && bytes + size > BATCH_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** An entry SQS itself refused (its per-entry `Failed`), as opposed to a call that failed as a whole. */
type EntryRefusal = {
  id: string;
  /** SQS's verdict that the entry itself is at fault (too large, invalid characters): it never succeeds. */
  senderFault: boolean;
  code: string;
};

type Unsent = { entry: IngestEntry; refusal?: Omit<EntryRefusal, 'id'> };

/**
 * Puts accepted events on the errors queue. Entries SQS rejects are retried once (but not those SQS
 * says are at fault themselves); what still fails is returned, so the caller is told and nothing is
 * acknowledged that was not queued. `failedIds` names every entry not queued; `refused` those of them
 * SQS refused one by one (the others were in a call that failed as a whole, e.g. the network).
 */
export class EventQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(entries: IngestEntry[]): Promise<{ failedIds: string[]; refused: EntryRefusal[] }> {
    const firstTry = await this.sendAll(entries);
    if (firstTry.length === 0) return { failedIds: [], refused: [] };
    // Entries SQS refused one by one (not at their own fault) are tried once more. A call that failed
    // whole was already retried by the SDK, and another round would outlast the function's timeout.
    const again = firstTry.filter((u) => u.refusal && !u.refusal.senderFault);
    const hopeless = firstTry.filter((u) => !again.includes(u));
    const unsent = new Map(
      [...hopeless, ...(again.length > 0 ? await this.sendAll(again.map((u) => u.entry)) : [])].map((u) => [
        u.entry,
        u,
      ]),
    );
    const failed = entries.flatMap((e) => unsent.get(e) ?? []); // in the order given
    return {
      failedIds: failed.map((u) => u.entry.id),
      refused: failed.flatMap((u) => (u.refusal ? [{ id: u.entry.id, ...u.refusal }] : [])),
    };
  }

  /** Sends every chunk in parallel; returns the entries that did not make it. */
  private async sendAll(entries: IngestEntry[]): Promise<Unsent[]> {
    const results = await Promise.all(batchChunks(entries).map((chunk) => this.sendChunk(chunk)));
    return results.flat();
  }

  private async sendChunk(chunk: IngestEntry[]): Promise<Unsent[]> {
    let failed: { Id?: string; SenderFault?: boolean; Code?: string }[];
    try {
      ({ Failed: failed = [] } = await this.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: chunk.map((e, i) => ({ Id: String(i), MessageBody: sqsSafe(e.body) })),
        }),
      ));
    } catch {
      return chunk.map((entry) => ({ entry })); // the whole call failed (network, throttling)
    }
    return failed.flatMap((f) => {
      const entry = chunk[Number(f.Id)];
      return entry
        ? [{ entry, refusal: { senderFault: f.SenderFault === true, code: f.Code ?? 'unknown' } }]
        : [];
    });
  }
}

/** The notify queue: one message per fix to send (from auto templates and "Send fix" clicks). */
export class NotifyQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(job: NotifyJob): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(job) }),
    );
  }
}
