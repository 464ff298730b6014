import { startDynamoDbLocal } from '../../local/dynamodb-local';

/** One DynamoDB Local for the whole run (~2 s to start); each test file makes its own table. */
export default async function globalSetup(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const dynamo = await startDynamoDbLocal();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint; // inherited by the test workers
  (globalThis as { __dynamoDbLocal?: typeof dynamo }).__dynamoDbLocal = dynamo;
}
