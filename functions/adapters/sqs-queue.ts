import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DLQ_REASON_ATTRIBUTE, INTERNAL_MESSAGE_ATTRIBUTE } from '../../lib/definitions';
import { clip } from '../core/limit-size';

/** SQS message attributes carry at most 256 KiB together with the body; a reason needs far less. */
const REASON_CHARS = 1000;

export type FlushMessage = { fingerprint: string };

/** The errors queue as the triage function uses it: delayed flushes to itself, and its DLQ. */
export class ErrorsQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
    private readonly dlqUrl: string,
  ) {}

  /** Queues an internal message that brings a group's Slack alert up to date after `delaySeconds`. */
  async sendFlush(flush: FlushMessage, delaySeconds: number): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(flush),
        DelaySeconds: Math.min(900, Math.max(0, Math.ceil(delaySeconds))),
        MessageAttributes: { [INTERNAL_MESSAGE_ATTRIBUTE]: { DataType: 'String', StringValue: 'flush' } },
      }),
    );
  }

  /** Parks a message that can never succeed in the DLQ at once, with the reason beside it. */
  async deadLetter(body: string, reason: string, sourceMessageId: string): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.dlqUrl,
        MessageBody: body,
        MessageAttributes: {
          [DLQ_REASON_ATTRIBUTE]: { DataType: 'String', StringValue: clip(reason, REASON_CHARS) },
          'headsup-source-message-id': { DataType: 'String', StringValue: sourceMessageId },
        },
      }),
    );
  }
}
