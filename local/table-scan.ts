import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ScanCommand as DocumentScanCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLE } from '../lib/definitions';

/** Every item whose partition key starts with one of `prefixes`, raw: as DynamoDB stores it. */
export async function scanItems(
  dynamo: DynamoDBClient,
  tableName: string,
  ...prefixes: string[]
): Promise<Record<string, AttributeValue>[]> {
  const input = keyPrefixScan(tableName, prefixes, (prefix): AttributeValue => ({ S: prefix }));
  return allPages((start: Record<string, AttributeValue> | undefined) =>
    dynamo.send(new ScanCommand({ ...input, ExclusiveStartKey: start })),
  );
}

/** The same items as plain values (strings, numbers, maps): for reading fields of many of them. */
export async function scanDocuments(
  dynamo: DynamoDBClient,
  tableName: string,
  ...prefixes: string[]
): Promise<Record<string, unknown>[]> {
  // With the store's options: the SDK shares them among every document client of one DynamoDBClient,
  // so a client built without them would change how the store's writes are marshalled.
  const db = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const input = keyPrefixScan(tableName, prefixes, (prefix) => prefix);
  return allPages((start: Record<string, unknown> | undefined) =>
    db.send(new DocumentScanCommand({ ...input, ExclusiveStartKey: start })),
  );
}

/** A scan filtered on the partition key's prefix; `value` writes a prefix as the client expects it. */
function keyPrefixScan<V>(tableName: string, prefixes: string[], value: (prefix: string) => V) {
  return {
    TableName: tableName,
    FilterExpression: prefixes.map((_, i) => `begins_with(${TABLE.partitionKey}, :p${i})`).join(' OR '),
    ExpressionAttributeValues: Object.fromEntries(prefixes.map((prefix, i) => [`:p${i}`, value(prefix)])),
  };
}

/** A scan followed through all its pages. */
async function allPages<Item, Key>(
  page: (start: Key | undefined) => Promise<{ Items?: Item[]; LastEvaluatedKey?: Key }>,
): Promise<Item[]> {
  const items: Item[] = [];
  let start: Key | undefined;
  do {
    const result = await page(start);
    items.push(...(result.Items ?? []));
    start = result.LastEvaluatedKey;
  } while (start);
  return items;
}
