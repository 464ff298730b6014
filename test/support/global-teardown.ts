import type { DynamoDbLocal } from '../../local/dynamodb-local';

/** Stops the Java process: DynamoDB Local must not outlive the test run. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __dynamoDbLocal?: DynamoDbLocal }).__dynamoDbLocal?.stop();
}
