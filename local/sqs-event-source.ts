import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { FUNCTIONS, QUEUES } from '../lib/definitions';
import { queueDepth } from './queue-depth';

/** SQS hands out at most 10 messages per receive. */
const SQS_MAX_RECEIVE = 10;

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;

/** A function's name and settings (lib/definitions), for its invocations' context. */
export type LocalFunction = { name: string; timeoutSeconds: number; memoryMb: number };

export type EventSourceOptions = {
  /** Records per invocation at most (Lambda's batch size; default the errors queue's). */
  batchSize?: number;
  /** Parallel pollers, like concurrent Lambda invocations. */
  concurrency?: number;
  /**
   * The function invoked (default triage): each invocation's context counts down from its timeout, as
   * Lambda's does. Nothing is stopped when it runs out.
   */
  fn?: LocalFunction;
  waitTimeSeconds?: number;
  onError?: (err: unknown) => void;
};

/**
 * Lambda's SQS event source mapping, for the local stack and tests: receive batches, invoke the
 * handler, delete what succeeded. A failed record (or every record of a batch whose handler threw)
 * stays in the queue and comes back after the visibility timeout; the queue's redrive policy moves it
 * to the DLQ after maxReceiveCount receives — the emulator does that, as SQS does.
 */
export class SqsEventSource {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly waitTimeSeconds: number;

  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly handler: SqsHandler,
    private readonly options: EventSourceOptions = {},
  ) {
    this.batchSize = options.batchSize ?? QUEUES.errors.batchSize;
    this.concurrency = options.concurrency ?? 1;
    this.waitTimeSeconds = options.waitTimeSeconds ?? 1;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = Array.from({ length: this.concurrency }, () => this.loop());
  }

  /** Stops polling and waits for the batches in flight to finish. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Receives and handles one batch; returns how many messages it received. */
  async pollOnce(waitTimeSeconds = 0): Promise<number> {
    const Messages = await this.receiveBatch(waitTimeSeconds);
    if (Messages.length === 0) return 0;
    const event: SQSEvent = { Records: Messages.map((m) => toRecord(m, this.queueUrl)) };
    const context = invocationContext(this.options.fn ?? { name: 'triage', ...FUNCTIONS.triage });
    let failed: Set<string>;
    try {
      const response = await this.handler(event, context);
      failed = new Set(response?.batchItemFailures.map((f) => f.itemIdentifier) ?? []);
      // Lambda treats a failure naming a record that is not in the batch as a failed batch.
      if ([...failed].some((id) => !Messages.some((m) => m.MessageId === id))) {
        failed = new Set(Messages.map((m) => m.MessageId!));
      }
    } catch (err) {
      this.options.onError?.(err);
      failed = new Set(Messages.map((m) => m.MessageId!)); // a thrown handler fails the whole batch
    }
    const done = Messages.filter((m) => !failed.has(m.MessageId!));
    // SQS deletes at most 10 per request, as it receives.
    await Promise.all(
      chunksOf(done, SQS_MAX_RECEIVE).map((chunk) =>
        this.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.queueUrl,
            Entries: chunk.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        ),
      ),
    );
    return Messages.length;
  }

  /**
   * Processes until the queue holds nothing visible, in flight or delayed — including the retries
   * and delayed messages that processing itself produces. For tests and benchmarks.
   */
  async drain(timeoutMs = 120_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const received = await Promise.all(Array.from({ length: this.concurrency }, () => this.pollOnce(0)));
      if (received.some((n) => n > 0)) continue;
      if ((await queueDepth(this.sqs, this.queueUrl)) === 0) return;
      await this.pollOnce(1); // long-poll until a retry or delayed message becomes visible
    }
    const left = await queueDepth(this.sqs, this.queueUrl);
    throw new Error(`queue not drained within ${timeoutMs} ms (${left} messages left)`);
  }

  /**
   * Up to `batchSize` messages, 10 per receive (SQS's most). Lambda's poller would also wait out the
   * batching window to fill a batch; locally a batch takes only what is already waiting, which keeps
   * latency low when traffic is light and batches large (one transaction per many events) in a burst.
   */
  private async receiveBatch(waitTimeSeconds: number): Promise<Message[]> {
    const batch: Message[] = [];
    for (;;) {
      const want = Math.min(SQS_MAX_RECEIVE, this.batchSize - batch.length);
      let Messages: Message[];
      try {
        ({ Messages = [] } = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.queueUrl,
            MaxNumberOfMessages: want,
            WaitTimeSeconds: batch.length === 0 ? waitTimeSeconds : 0,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
          }),
        ));
      } catch (err) {
        if (batch.length === 0) throw err;
        // What was received is in flight: handled now rather than left to its visibility timeout.
        this.options.onError?.(err);
        return batch;
      }
      batch.push(...Messages);
      if (Messages.length < want || batch.length >= this.batchSize) return batch;
    }
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await this.pollOnce(this.waitTimeSeconds);
      } catch (err) {
        this.options.onError?.(err);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}

/** A Lambda context as an invocation gets it: its remaining time counts down from the timeout. */
function invocationContext({ name, timeoutSeconds, memoryMb }: LocalFunction): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const unsupported = () => {
    throw new Error('the local event source takes the handler’s answer, not a callback');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

function chunksOf<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );
}

/** The record shape Lambda hands to an SQS-triggered function. */
function toRecord(m: Message, queueUrl: string): SQSRecord {
  const attrs = m.Attributes ?? {};
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attrs.ApproximateReceiveCount ?? '1',
      SentTimestamp: attrs.SentTimestamp ?? String(Date.now()),
      SenderId: attrs.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attrs.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([name, a]) => [
        name,
        {
          dataType: a.DataType ?? 'String',
          stringValue: a.StringValue,
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queueUrl.split('/').pop()}`,
    awsRegion: 'us-east-1',
  };
}
