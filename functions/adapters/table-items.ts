import {
  type CancellationReason,
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { TABLE } from '../../lib/definitions';
import type { DetailLink, ErrorGroup } from '../core/records';
import type { EventScope } from '../services/ports';

/** Item keys and mappings of Heads-up's one table, shared by its stores. */
export const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = TABLE;

export const linkKey = (id: string) => ({ [PK]: `LINK#${id}`, [SK]: 'LINK' });
export const groupKey = (fingerprint: string) => ({ [PK]: `GROUP#${fingerprint}`, [SK]: 'GROUP' });
/** The fingerprint a group item's partition key names. */
export const fingerprintOfGroupKey = (pk: string) => pk.slice('GROUP#'.length);
/**
 * An event id is the producer's: two apps (or one app's staging and production) may both send id
 * "1001". The key is scoped to the producer, JSON-encoded so no app name can fake another's scope.
 */
export const eventKey = ({ app, environment, id }: EventScope) => ({
  [PK]: `EVENT#${JSON.stringify([app, environment, id])}`,
  [SK]: 'EVENT',
});
/** The once-per-occurrence guard of fix messages: lives as long as the occurrence's link. */
export const fixKey = (linkId: string) => ({ [PK]: `FIX#${linkId}`, [SK]: 'FIX' });
export const sentKey = (recipient: string, templateId: string) => ({
  [PK]: `SENT#${recipient}#${templateId}`,
  [SK]: 'SENT',
});

/** DynamoDB TTL counts epoch seconds. */
export const seconds = (ms: number) => Math.floor(ms / 1000);

/** Why each item of a cancelled transaction failed, in the order the items were given. */
export function cancellationReasons(err: unknown): CancellationReason[] | undefined {
  if (!(err instanceof TransactionCanceledException)) return undefined;
  return err.CancellationReasons ?? [];
}

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
