import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE } from '../../lib/definitions';
import { scanDocuments } from '../../local/table-scan';

const PK = TABLE.partitionKey;

/** A detail item as the audit reads it; only the fields it needs, each optional (keying may change). */
export type LinkItem = {
  pk: string;
  eventId?: string;
  fingerprint?: string;
  event?: { app?: string; environment?: string; id?: string };
  notify?: { status?: string };
};

/** A group item as the audit reads it. */
export type GroupItem = {
  pk: string;
  count?: number;
  slack?: { channel?: string; ts?: string };
};

/** A notify guard (`SENT#recipient#template`): who holds it and in which state. */
export type SentItem = { pk: string; linkId?: string; state?: string; claimedAt?: number };

export type TableItems = { links: LinkItem[]; groups: GroupItem[]; sent: SentItem[] };

/** Every `LINK#`, `GROUP#` and `SENT#` item of the table, after the run has settled. */
export async function scanTable(dynamo: DynamoDBClient, tableName: string): Promise<TableItems> {
  const items = await scanDocuments(dynamo, tableName, 'LINK#', 'GROUP#', 'SENT#');
  const pk = (item: Record<string, unknown>) => String(item[PK]);
  return {
    links: items.filter((i) => pk(i).startsWith('LINK#')) as LinkItem[],
    groups: items.filter((i) => pk(i).startsWith('GROUP#')) as GroupItem[],
    sent: items.filter((i) => pk(i).startsWith('SENT#')) as SentItem[],
  };
}
