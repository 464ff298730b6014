import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';

const VISIBLE_AND_IN_FLIGHT = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
] as const;

/**
 * What a queue still has to deliver: messages visible and in flight, and (unless `delayed: false`)
 * delayed ones — the delayed flushes a burst leaves behind.
 */
export async function queueDepth(
  sqs: SQSClient,
  queueUrl: string,
  options: { delayed?: boolean } = {},
): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames:
        options.delayed === false
          ? [...VISIBLE_AND_IN_FLIGHT]
          : [...VISIBLE_AND_IN_FLIGHT, 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  return Object.values(Attributes).reduce((sum, n) => sum + Number(n), 0);
}
