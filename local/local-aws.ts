import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClientLimits } from '../common/aws-http-limits';

/** Credentials for local emulators. DynamoDB Local accepts only letters and digits in the key id. */
const LOCAL_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
};

// Timeouts as on AWS, wider for the emulators: a hung one shows up as a TimeoutError, not a stuck stack.
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ ...LOCAL_AWS, ...awsClientLimits('emulator'), endpoint });
}

export function localSqsClient(endpoint: string): SQSClient {
  return new SQSClient({ ...LOCAL_AWS, ...awsClientLimits('emulator'), endpoint });
}
