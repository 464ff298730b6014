import { CreateTableCommand, type DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { NOTIFY_SENDING_STALE_MS } from '../functions/wiring';
import { QUEUES, TABLE } from '../lib/definitions';

/**
 * The notify queue's visibility timeout locally: a job blocked by a guard that a dead attempt left
 * "sending" waits for it to go stale, so the job's receives must outlast that (as 5 × 180 s do on
 * AWS), or it lands in the DLQ while a retry would have sent it.
 */
export const LOCAL_NOTIFY_VISIBILITY_SECONDS =
  Math.ceil(NOTIFY_SENDING_STALE_MS / 1000 / (QUEUES.notify.maxReceiveCount - 1)) + 5;

/** Creates Heads-up's table in DynamoDB Local exactly as lib/headsup.ts defines it on AWS. */
export async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { partitionKey, sortKey, customerIndex: idx } = TABLE;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [partitionKey, sortKey, idx.partitionKey, idx.sortKey].map((name) => ({
        AttributeName: name,
        AttributeType: 'S',
      })),
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: idx.name,
          KeySchema: [
            { AttributeName: idx.partitionKey, KeyType: 'HASH' },
            { AttributeName: idx.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
    }),
  );
}

export type QueueUrls = { queueUrl: string; dlqUrl: string };

/**
 * Creates a queue and its DLQ with the stack's redrive count. `visibilityTimeoutSeconds` may be
 * shortened locally (tests retry in a second instead of three minutes); everything else is as on AWS.
 */
export async function createQueuePair(
  sqs: SQSClient,
  name: string,
  options: { visibilityTimeoutSeconds?: number; settings?: (typeof QUEUES)[keyof typeof QUEUES] } = {},
): Promise<QueueUrls> {
  const settings = options.settings ?? QUEUES.errors;
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${name}-dlq`,
      Attributes: { MessageRetentionPeriod: String(settings.retentionDays * 86400) },
    }),
  );
  const dlqArn = await queueArn(sqs, dlq.QueueUrl!);
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: name,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? settings.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: settings.maxReceiveCount,
        }),
      },
    }),
  );
  return { queueUrl: queue.QueueUrl!, dlqUrl: dlq.QueueUrl! };
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const res = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  return res.Attributes!.QueueArn!;
}
