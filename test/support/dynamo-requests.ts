import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Counts the DynamoDB requests a client sends (every attempt a caller makes, as bench/run.ts counts
 * them), by command; `stop` removes the counter.
 */
export function countDynamoRequests(client: DynamoDBClient) {
  const byCommand: Record<string, number> = {};
  const name = `countRequests-${Math.random().toString(36).slice(2)}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      byCommand[command] = (byCommand[command] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name },
  );
  return {
    total: () => Object.values(byCommand).reduce((a, b) => a + b, 0),
    byCommand: () => ({ ...byCommand }),
    reset: () => {
      for (const key of Object.keys(byCommand)) delete byCommand[key];
    },
    stop: () => void client.middlewareStack.remove(name),
  };
}
