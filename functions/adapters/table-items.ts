import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { TABLE } from '../../lib/definitions';
import type { DetailLink, ErrorGroup } from '../core/records';

/** Item keys and mappings of Heads-up's one table, shared by its stores. */
export const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = TABLE;

export const linkKey = (id: string) => ({ [PK]: `LINK#${id}`, [SK]: 'LINK' });
export const groupKey = (fingerprint: string) => ({ [PK]: `GROUP#${fingerprint}`, [SK]: 'GROUP' });
export const eventKey = (eventId: string) => ({ [PK]: `EVENT#${eventId}`, [SK]: 'EVENT' });
export const sentKey = (recipient: string, templateId: string) => ({
  [PK]: `SENT#${recipient}#${templateId}`,
  [SK]: 'SENT',
});

/** DynamoDB TTL counts epoch seconds. */
export const seconds = (ms: number) => Math.floor(ms / 1000);

export function isConditionFailure(err: unknown): err is ConditionalCheckFailedException {
  return (
    err instanceof ConditionalCheckFailedException ||
    (err as Error)?.name === 'ConditionalCheckFailedException'
  );
}

/** A conditional write whose refusal is an answer, not an error: undefined when the condition failed. */
export async function unlessConditionFails<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (err) {
    if (isConditionFailure(err)) return undefined;
    throw err;
  }
}

type GroupItem = Omit<ErrorGroup, 'userCount'> & { users?: Set<string> };

export function toGroup(item: Record<string, unknown>): ErrorGroup {
  const { users, [PK]: _pk, [SK]: _sk, ...rest } = item as GroupItem & Record<string, unknown>;
  return { ...(rest as Omit<ErrorGroup, 'userCount'>), userCount: users?.size ?? 0 };
}

export function toLink(item: Record<string, unknown>): DetailLink {
  const { id, eventId, fingerprint, event, receivedAt, expiresAt, templateId, notify } = item as DetailLink;
  return { id, eventId, fingerprint, event, receivedAt, expiresAt, templateId, notify };
}
