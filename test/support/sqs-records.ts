import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { INTERNAL_MESSAGE_ATTRIBUTE } from '../../lib/definitions';

/** One record as Lambda delivers it from `queue`, optionally carrying our internal (flush) marker. */
export function sqsRecord(
  messageId: string,
  body: string,
  options: { queue?: string; internal?: boolean } = {},
): SQSRecord {
  return {
    messageId,
    body,
    receiptHandle: messageId,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: options.internal
      ? { [INTERNAL_MESSAGE_ATTRIBUTE]: { stringValue: 'flush', dataType: 'String' } }
      : {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${options.queue ?? 'errors'}`,
    awsRegion: 'us-east-1',
  };
}

/** An SQS event as Lambda delivers it, for calling a handler directly with chosen message ids. */
export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** Notify jobs as one batch (ids n-0, n-1, …): duplicates and retries called directly. */
export function notifyEvent(...bodies: string[]): SQSEvent {
  return sqsEvent(...bodies.map((b, i) => sqsRecord(`n-${i}`, b, { queue: 'notify' })));
}
