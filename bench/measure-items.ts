/**
 * The size of the table's items as DynamoDB counts it (what write and read units are charged on):
 * attribute names plus values, by the rules of DynamoDB's developer guide ("Item sizes and formats").
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE } from '../lib/definitions';
import { scanItems } from '../local/table-scan';

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** A number: 1 byte per two significant digits, plus 1 (leading and trailing zeroes do not count). */
function numberBytes(n: string): number {
  const digits = n
    .replace(/^[-+]/, '')
    .replace(/e.*$/i, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

/** The size of one value (its name not included). */
export function valueBytes(v: AttributeValue): number {
  if (v.S !== undefined) return utf8(v.S);
  if (v.N !== undefined) return numberBytes(v.N);
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (v.NS !== undefined) return v.NS.reduce((sum, n) => sum + numberBytes(n), 0);
  if (v.BS !== undefined) return v.BS.reduce((sum, b) => sum + b.byteLength, 0);
  // A list or map: 3 bytes, and 1 per element on top of the element (and a map entry's name).
  if (v.L !== undefined) return 3 + v.L.reduce((sum, e) => sum + 1 + valueBytes(e), 0);
  if (v.M !== undefined)
    return 3 + Object.entries(v.M).reduce((sum, [name, e]) => sum + 1 + utf8(name) + valueBytes(e), 0);
  return 0;
}

/**
 * The size of a document client's plain value, as DynamoDB counts it once lib-dynamodb marshalled it
 * (undefined left out, a Set by its members, a NumberValue by its digits): no copy is made.
 */
export function plainValueBytes(v: unknown): number {
  if (typeof v === 'string') return utf8(v);
  if (typeof v === 'number' || typeof v === 'bigint') return numberBytes(String(v));
  if (typeof v === 'boolean' || v === null || v === undefined) return 1;
  if (v instanceof Uint8Array) return v.byteLength;
  if (v instanceof Set) {
    let bytes = 0;
    for (const m of v)
      bytes +=
        typeof m === 'string'
          ? utf8(m)
          : m instanceof Uint8Array
            ? m.byteLength
            : numberBytes(String((m as { value?: unknown }).value ?? m));
    return bytes;
  }
  if (Array.isArray(v)) {
    let bytes = 3;
    for (const e of v) if (e !== undefined) bytes += 1 + plainValueBytes(e);
    return bytes;
  }
  const object = v as Record<string, unknown>;
  if (object.constructor?.name?.startsWith('NumberValue') && typeof object.value === 'string')
    return numberBytes(object.value);
  return 3 + plainItemBytes(object, 1);
}

/** A plain item's size (each attribute's name and value); `perEntry` is a map entry's extra byte. */
export function plainItemBytes(item: Record<string, unknown>, perEntry = 0): number {
  let bytes = 0;
  for (const name in item) {
    const value = item[name];
    if (value !== undefined) bytes += perEntry + utf8(name) + plainValueBytes(value);
  }
  return bytes;
}

/** An item's size: each attribute's name and value. */
export function itemBytes(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((sum, [name, v]) => sum + utf8(name) + valueBytes(v), 0);
}

export type ItemSizes = Record<
  string,
  { items: number; avgBytes: number; maxBytes: number; inCustomerIndex: number }
>;

/** The kinds of item, by partition key prefix (docs/architecture.md → The table's items). */
export const ITEM_PREFIXES = ['LINK#', 'GROUP#', 'EVENT#', 'FIX#', 'SENT#'] as const;

/** Average and largest size of each kind of item in the table, and how many are in the customer index. */
export async function itemSizes(dynamo: DynamoDBClient, tableName: string): Promise<ItemSizes> {
  const items = await scanItems(dynamo, tableName, ...ITEM_PREFIXES);
  const sizes: ItemSizes = {};
  for (const prefix of ITEM_PREFIXES) {
    const mine = items.filter((i) => i[TABLE.partitionKey]?.S?.startsWith(prefix));
    const bytes = mine.map(itemBytes);
    sizes[prefix] = {
      items: mine.length,
      avgBytes: bytes.length ? Math.round(bytes.reduce((a, b) => a + b, 0) / bytes.length) : 0,
      maxBytes: bytes.length ? Math.max(...bytes) : 0,
      inCustomerIndex: mine.filter((i) => i[TABLE.customerIndex.partitionKey] !== undefined).length,
    };
  }
  return sizes;
}
