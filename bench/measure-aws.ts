/**
 * What the pipeline asks of DynamoDB and SQS, counted on the stack's own clients by SDK middleware
 * (nothing replaced): requests by operation, the capacity DynamoDB reports it consumed (for
 * transactions, which DynamoDB Local misreports, computed from the items' sizes), and SQS requests as
 * AWS bills them.
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { TABLE } from '../lib/definitions';
import { itemBytes, plainItemBytes } from './measure-items';

type Capacity = {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
};
type ConsumedCapacity = Capacity & {
  Table?: Capacity;
  GlobalSecondaryIndexes?: Record<string, Capacity>;
  LocalSecondaryIndexes?: Record<string, Capacity>;
};

/** Operations that take `ReturnConsumedCapacity`, and whether they read or write. */
const CAPACITY_KIND: Record<string, 'read' | 'write'> = {
  PutItem: 'write',
  UpdateItem: 'write',
  DeleteItem: 'write',
  BatchWriteItem: 'write',
  TransactWriteItems: 'write',
  GetItem: 'read',
  BatchGetItem: 'read',
  TransactGetItems: 'read',
  Query: 'read',
  Scan: 'read',
};

export type DynamoFigures = {
  requests: number;
  byOperation: Record<string, number>;
  /** Requests DynamoDB refused, by operation and error name (a failed condition, a cancelled transaction). */
  failures: Record<string, number>;
  /**
   * Write and read units, table and index copies apart: as DynamoDB Local reports them
   * (ReturnConsumedCapacity: INDEXES), except for transactions, computed from the items' sizes.
   */
  writeUnits: { table: number; indexes: number };
  readUnits: { table: number; indexes: number };
  /**
   * Transactions: what DynamoDB Local reported (not to be trusted: 20 items of one transaction report
   * as one) and what the items' sizes give (each item 2 per KB begun, the larger of its size before and
   * after, "after" being its last size seen or, new, its key and values; its customer index copy 1 per
   * KB): the second is the one counted above.
   */
  transactions: {
    reportedWriteUnits: number;
    computedWriteUnits: number;
    items: number;
    itemsOfUnknownSize: number;
  };
  /**
   * Write units for refused writes, which report no capacity but are billed: a failed condition costs
   * the existing item's size (at least 1), a cancelled transaction what it would have written. An estimate.
   */
  refusedWriteUnitsEstimate: number;
  /** Whether any answer carried ConsumedCapacity (DynamoDB Local does). */
  capacityReported: boolean;
};

export type Meter<F> = { read: () => F; reset: () => void };

const operationOf = (commandName: unknown) => String(commandName ?? 'unknown').replace(/Command$/, '');

/** An item as the meter sees it: marshalled (the plain client) or plain values (a document client). */
type Item = Record<string, unknown>;
type TransactAction = {
  Put?: { Item?: Item };
  Update?: { Key?: Item; ExpressionAttributeValues?: Item };
  Delete?: { Key?: Item };
  ConditionCheck?: { Key?: Item };
};
type Input = Record<string, unknown> & {
  Item?: Item;
  Key?: Item;
  TransactItems?: TransactAction[];
  ProjectionExpression?: string;
};

const KB = 1024;
const kbBegun = (bytes: number) => Math.max(1, Math.ceil(bytes / KB));
const indexed = (item: Item) => item[TABLE.customerIndex.partitionKey] !== undefined;

/** How to read an item's key and size, marshalled or plain. */
function itemReader(plain: boolean) {
  const text = (v: unknown) => (plain ? v : (v as AttributeValue | undefined)?.S) as string | undefined;
  return {
    key: (item: Item | undefined) => {
      const pk = text(item?.[TABLE.partitionKey]);
      return pk === undefined ? undefined : `${pk}\u0000${text(item?.[TABLE.sortKey]) ?? ''}`;
    },
    bytes: (item: Item) => (plain ? plainItemBytes(item) : itemBytes(item as Record<string, AttributeValue>)),
  };
}
const READERS = { plain: itemReader(true), marshalled: itemReader(false) };

/**
 * Adds a counting middleware to `client` (shared with every document client made from it), once per
 * request (retries are below it). It keeps the last size seen of each item (written or read), to price
 * the writes whose size no answer reports; a document client's plain values are sized as marshalled.
 */
export function meterDynamo(client: DynamoDBClient): Meter<DynamoFigures> {
  const empty = (): DynamoFigures => ({
    requests: 0,
    byOperation: {},
    failures: {},
    writeUnits: { table: 0, indexes: 0 },
    readUnits: { table: 0, indexes: 0 },
    transactions: { reportedWriteUnits: 0, computedWriteUnits: 0, items: 0, itemsOfUnknownSize: 0 },
    refusedWriteUnitsEstimate: 0,
    capacityReported: false,
  });
  let f = empty();
  const sizes = new Map<string, { bytes: number; indexed: boolean }>();
  const learn = (r: typeof READERS.plain, item: Item | undefined) => {
    const key = r.key(item);
    if (key) sizes.set(key, { bytes: r.bytes(item!), indexed: indexed(item!) });
  };

  /** A transaction's units from its items' sizes; `commit` records the new sizes it wrote. */
  const priceTransaction = (r: typeof READERS.plain, actions: TransactAction[], commit: boolean) => {
    let table = 0;
    let index = 0;
    let unknown = 0;
    for (const a of actions) {
      const key = r.key(a.Put?.Item ?? a.Update?.Key ?? a.Delete?.Key ?? a.ConditionCheck?.Key);
      const before = key === undefined ? undefined : sizes.get(key);
      let bytes: number;
      let inIndex = before?.indexed ?? false;
      if (a.Put?.Item) {
        bytes = Math.max(r.bytes(a.Put.Item), before?.bytes ?? 0);
        inIndex ||= indexed(a.Put.Item);
        if (commit) learn(r, a.Put.Item);
      } else if (a.Update) {
        // The item after the update is not returned: its last size seen, or (new) its key and values.
        const written = r.bytes({ ...a.Update.Key, ...a.Update.ExpressionAttributeValues });
        if (before === undefined) unknown++;
        bytes = Math.max(before?.bytes ?? 0, written);
        if (commit && key) sizes.set(key, { bytes, indexed: inIndex });
      } else {
        if (before === undefined) unknown++;
        bytes = before?.bytes ?? KB;
        if (a.Delete && commit && key) sizes.delete(key);
      }
      table += 2 * kbBegun(bytes);
      if (inIndex && !a.ConditionCheck) index += kbBegun(bytes);
    }
    return { table, index, unknown };
  };

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = operationOf(context.commandName);
      const kind = CAPACITY_KIND[operation];
      const input = args.input as Input;
      if (kind && input.ReturnConsumedCapacity === undefined) input.ReturnConsumedCapacity = 'INDEXES';
      f.requests++;
      f.byOperation[operation] = (f.byOperation[operation] ?? 0) + 1;
      // lib-dynamodb marks its commands (below this middleware): their items are plain values here.
      const reader = () =>
        (context as { __aws_sdk_context?: { features?: Record<string, unknown> } }).__aws_sdk_context
          ?.features?.DDB_MAPPER === undefined
          ? READERS.marshalled
          : READERS.plain;
      try {
        const result = await next(args);
        const output = result.output as {
          ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[];
          Item?: Item;
          Items?: Item[];
          Attributes?: Item;
          Responses?: Record<string, Item[]>;
        };
        const r = reader();
        const consumed = output.ConsumedCapacity;
        if (consumed) f.capacityReported = true;
        if (operation === 'TransactWriteItems') {
          const actions = input.TransactItems ?? [];
          const priced = priceTransaction(r, actions, true);
          f.writeUnits.table += priced.table;
          f.writeUnits.indexes += priced.index;
          f.transactions.computedWriteUnits += priced.table + priced.index;
          f.transactions.items += actions.length;
          f.transactions.itemsOfUnknownSize += priced.unknown;
          for (const c of [consumed ?? []].flat()) f.transactions.reportedWriteUnits += c.CapacityUnits ?? 0;
        } else if (kind && consumed) {
          for (const c of Array.isArray(consumed) ? consumed : [consumed]) addCapacity(f, kind, c);
        }
        // What the answer shows of items (whole ones only) and what a put wrote: their sizes.
        if (!input.ProjectionExpression) {
          learn(r, output.Item);
          for (const i of output.Items ?? []) learn(r, i);
          for (const items of Object.values(output.Responses ?? {})) for (const i of items) learn(r, i);
        }
        if (operation === 'PutItem') learn(r, input.Item);
        if (operation === 'UpdateItem' && input.ReturnValues === 'ALL_NEW') learn(r, output.Attributes);
        if (operation === 'DeleteItem') {
          const key = r.key(input.Key);
          if (key) sizes.delete(key);
        }
        return result;
      } catch (err) {
        const r = reader();
        const name = (err as Error).name;
        const key = `${operation} ${name}`;
        f.failures[key] = (f.failures[key] ?? 0) + 1;
        if (name === 'ConditionalCheckFailedException') {
          const existing = sizes.get(r.key(input.Item ?? input.Key) ?? '');
          f.refusedWriteUnitsEstimate += kbBegun(existing?.bytes ?? 0);
        }
        if (name === 'TransactionCanceledException') {
          const priced = priceTransaction(r, input.TransactItems ?? [], false);
          f.refusedWriteUnitsEstimate += priced.table + priced.index;
        }
        throw err;
      }
    },
    { step: 'initialize', name: 'benchDynamoMeter' },
  );
  return {
    read: () => structuredClone(f),
    reset: () => {
      f = empty();
    },
  };
}

function addCapacity(f: DynamoFigures, kind: 'read' | 'write', c: ConsumedCapacity): void {
  const units = (x: Capacity | undefined) =>
    (kind === 'read' ? x?.ReadCapacityUnits : x?.WriteCapacityUnits) ?? x?.CapacityUnits ?? 0;
  const target = kind === 'read' ? f.readUnits : f.writeUnits;
  const indexes = [
    ...Object.values(c.GlobalSecondaryIndexes ?? {}),
    ...Object.values(c.LocalSecondaryIndexes ?? {}),
  ].reduce((sum, i) => sum + units(i), 0);
  // Without the breakdown only the total is known: it is the table's.
  const table = c.Table ? units(c.Table) : units(c) - indexes;
  target.table += table;
  target.indexes += indexes;
}

/** SQS bills each 64 KiB chunk of a request's payload as one request; a batch of 10 is one request. */
export const SQS_CHUNK_BYTES = 64 * 1024;

export type SqsFigures = {
  /** Requests by action (a batch is one), the bench's own queue-depth polls and empty receives left out. */
  byAction: Record<string, number>;
  /** Requests as billed: each request's payload in 64 KiB chunks, at least one. */
  billedByAction: Record<string, number>;
  /** Receives that returned messages, and the messages they returned. */
  receives: { withMessages: number; empty: number; messages: number };
  /** Messages sent (SendMessage and each entry of SendMessageBatch). */
  messagesSent: number;
};

/** GetQueueAttributes is the bench's (and the console's) queue-depth poll: no handler calls it. */
const NOT_PIPELINE = new Set(['GetQueueAttributes']);

type MessageAttributes = Record<
  string,
  { StringValue?: string; BinaryValue?: Uint8Array; DataType?: string }
>;

/** A message's billed size: its body and its attributes' names, types and values. */
function messageBytes(body: string | undefined, attributes: MessageAttributes | undefined): number {
  let bytes = Buffer.byteLength(body ?? '');
  for (const [name, a] of Object.entries(attributes ?? {}))
    bytes +=
      Buffer.byteLength(name) +
      Buffer.byteLength(a.DataType ?? '') +
      Buffer.byteLength(a.StringValue ?? '') +
      (a.BinaryValue?.byteLength ?? 0);
  return bytes;
}

const chunks = (bytes: number) => Math.max(1, Math.ceil(bytes / SQS_CHUNK_BYTES));

export function meterSqs(client: SQSClient): Meter<SqsFigures> {
  const empty = (): SqsFigures => ({
    byAction: {},
    billedByAction: {},
    receives: { withMessages: 0, empty: 0, messages: 0 },
    messagesSent: 0,
  });
  let f = empty();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const action = operationOf(context.commandName);
      if (NOT_PIPELINE.has(action)) return next(args);
      const input = args.input as {
        MessageBody?: string;
        MessageAttributes?: MessageAttributes;
        Entries?: Array<{ MessageBody?: string; MessageAttributes?: MessageAttributes }>;
      };
      let payload = 0;
      if (action === 'SendMessage') {
        payload = messageBytes(input.MessageBody, input.MessageAttributes);
        f.messagesSent++;
      } else if (action === 'SendMessageBatch') {
        for (const e of input.Entries ?? []) payload += messageBytes(e.MessageBody, e.MessageAttributes);
        f.messagesSent += input.Entries?.length ?? 0;
      }
      const result = await next(args);
      if (action === 'ReceiveMessage') {
        const messages =
          (result.output as { Messages?: Array<{ Body?: string; MessageAttributes?: MessageAttributes }> })
            .Messages ?? [];
        for (const m of messages) payload += messageBytes(m.Body, m.MessageAttributes);
        // An empty receive is the local poller's 1-second wait: counted apart, never billed per event.
        if (messages.length === 0) {
          f.receives.empty++;
          return result;
        }
        f.receives.withMessages++;
        f.receives.messages += messages.length;
      }
      f.byAction[action] = (f.byAction[action] ?? 0) + 1;
      f.billedByAction[action] = (f.billedByAction[action] ?? 0) + chunks(payload);
      return result;
    },
    { step: 'initialize', name: 'benchSqsMeter' },
  );
  return {
    read: () => structuredClone(f),
    reset: () => {
      f = empty();
    },
  };
}

/** Actions Lambda's event source mapping makes on AWS (billed as SQS requests, not by our code). */
export const EVENT_SOURCE_ACTIONS = new Set(['ReceiveMessage', 'DeleteMessageBatch', 'DeleteMessage']);
