import { type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** One receive of up to `max` messages with their attributes; they stay in flight for the queue's visibility timeout. */
export async function receiveMessages(sqs: SQSClient, queueUrl: string, max = 1): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: max,
      MessageAttributeNames: ['All'],
    }),
  );
  return Messages;
}

/** Every message on the queue, as queued: each is hidden for 30 s, so none comes twice (nor to a poller). */
export async function takeAll(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }),
    );
    if (Messages.length === 0) return messages;
    messages.push(...Messages);
  }
}
