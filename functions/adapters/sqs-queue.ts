import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { clip, clipUtf8 } from '../../common/clip';
import { enqueueEntries, type QueueEntry } from '../../common/sqs-batch';
import { DLQ_REASON_ATTRIBUTE, INTERNAL_MESSAGE_ATTRIBUTE } from '../../lib/definitions';
import type { FlushBody } from '../core/flush';
import type { NotifyJob } from '../core/notify-job';
import { INCIDENT_KIND, type IncidentBody, MAX_DELAY_SECONDS } from '../core/oncall/incident-message';
import type {
  DeadLetterQueue,
  EventIntake,
  FixJobBatchQueue,
  FixJobQueue,
  FlushQueue,
  IncidentQueue,
} from '../services/ports';

/** SQS holds a message back for at most 15 minutes. */
const sqsDelay = (seconds: number) => Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(seconds)));

/** SQS message attributes carry at most 256 KiB together with the body; a reason needs far less. */
const REASON_CHARS = 1000;

/**
 * Incident messages on the errors queue (core/oncall/incident-message.ts): sent by triage to itself
 * and by the http function after a button.
 */
export class IncidentMessages implements IncidentQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /** Queues an incident message after `delaySeconds`. */
  async sendIncident(body: IncidentBody, delaySeconds: number): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(body),
        DelaySeconds: sqsDelay(delaySeconds),
        MessageAttributes: {
          [INTERNAL_MESSAGE_ATTRIBUTE]: { DataType: 'String', StringValue: INCIDENT_KIND },
        },
      }),
    );
  }
}

/** The errors queue as the triage function uses it: delayed flushes to itself, and its DLQ. */
export class ErrorsQueue implements FlushQueue, DeadLetterQueue {
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
        DelaySeconds: sqsDelay(delaySeconds),
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
 * Puts accepted events on the errors queue; what SQS did not take is returned (see enqueueEntries), so
 * the caller is told and nothing is acknowledged that was not queued.
 */
export class EventQueue implements EventIntake {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  enqueue(entries: QueueEntry[]): Promise<{ failedIds: string[] }> {
    return enqueueEntries(entries, async (batch) => {
      const { Failed = [] } = await this.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: batch }),
      );
      return Failed;
    });
  }
}

/** The notify queue: one message per fix to send (from auto templates and "Send fix" clicks). */
export class NotifyQueue implements FixJobQueue, FixJobBatchQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(job: NotifyJob, delaySeconds = 0): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(job),
        DelaySeconds: sqsDelay(delaySeconds),
      }),
    );
  }

  /**
   * Queues several jobs with SendMessageBatch (10 a call, entries SQS refused tried once more, as
   * enqueueEntries does); answers the indexes of the jobs that were not queued.
   */
  async sendBatch(jobs: NotifyJob[]): Promise<{ failed: number[] }> {
    if (jobs.length === 0) return { failed: [] };
    const entries = jobs.map((job, i) => ({ id: String(i), body: JSON.stringify(job) }));
    const { failedIds } = await enqueueEntries(entries, async (batch) => {
      const { Failed = [] } = await this.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: batch }),
      );
      return Failed;
    });
    return { failed: failedIds.map(Number) };
  }
}
