import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { awsClientLimits } from '../common/aws-http-limits';

/** AWS SDK clients; endpoints come from the SDK's own AWS_ENDPOINT_URL_* variables locally. */
export type AwsClients = { dynamo: DynamoDBClient; sqs: SQSClient };

export function createAwsClients(): AwsClients {
  // The configured endpoint, not each queue URL's host: AWS_ENDPOINT_URL_SQS must win locally (on AWS
  // both are the same).
  return {
    dynamo: new DynamoDBClient(awsClientLimits()),
    sqs: new SQSClient({ ...awsClientLimits(), useQueueUrlAsEndpoint: false }),
  };
}
