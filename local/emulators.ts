import type { FauxqsServer } from 'fauxqs';
import type { AwsClients } from '../functions/aws-clients';
import { startDynamoDbLocal } from './dynamodb-local';
import { localDynamoClient, localSqsClient } from './local-aws';

/** The emulator's own, non-destructive look at every message of a queue. */
export type QueueInspector = FauxqsServer['inspectQueue'];
export type InspectedMessage = NonNullable<ReturnType<QueueInspector>>['messages']['ready'][number];

export type LocalEmulators = {
  /** Clients for both, with the emulators' wider timeouts. */
  aws: AwsClients;
  dynamoEndpoint: string;
  sqsEndpoint: string;
  inspectQueue: QueueInspector;
  /** Stops what was started here (never a DynamoDB Local that was given) and closes the clients. */
  stop: () => Promise<void>;
};

/**
 * What stands in for AWS locally: DynamoDB Local (Java) and the fauxqs SQS emulator, each on a free
 * port. `dynamoEndpoint` uses a DynamoDB Local already running (the test run's) instead of a new one;
 * `dataDir` keeps a new one's data there between runs.
 */
export async function startEmulators(
  options: { dynamoEndpoint?: string; dataDir?: string } = {},
): Promise<LocalEmulators> {
  const dynamoLocal = options.dynamoEndpoint
    ? { endpoint: options.dynamoEndpoint, stop: async () => undefined }
    : await startDynamoDbLocal({ dataDir: options.dataDir });
  try {
    // fauxqs is ESM-only and this file runs as CommonJS under tsx: load it with import().
    const { startFauxqs } = await import('fauxqs');
    const sqsServer = await startFauxqs({ port: 0, logger: false });
    const aws = { dynamo: localDynamoClient(dynamoLocal.endpoint), sqs: localSqsClient(sqsServer.address) };
    return {
      aws,
      dynamoEndpoint: dynamoLocal.endpoint,
      sqsEndpoint: sqsServer.address,
      inspectQueue: (name) => sqsServer.inspectQueue(name),
      stop: async () => {
        await sqsServer.stop().catch(() => undefined);
        await dynamoLocal.stop();
        aws.sqs.destroy();
        aws.dynamo.destroy();
      },
    };
  } catch (err) {
    await dynamoLocal.stop();
    throw err;
  }
}
