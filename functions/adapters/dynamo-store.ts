import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { clip } from '../../common/clip';
import { TABLE } from '../../lib/definitions';
import type { ErrorEvent } from '../core/event-schema';
import { recipientKey } from '../core/recipient';
import type { DetailLink, ErrorGroup, SlackRef } from '../core/records';
import { USER_COUNT_CAP } from '../core/records';
import type {
  AlertStore,
  EventScope,
  LinkLookup,
  Occurrence,
  OccurrenceReader,
  OccurrenceStore,
} from '../services/ports';
import {
  cancellationReasons,
  eventKey,
  groupKey,
  isConditionFailure,
  linkKey,
  PK,
  seconds,
  TTL,
  toGroup,
  toLink,
  unlessConditionFails,
} from './table-items';

/** How long a group lives after its last occurrence: a repeat within it threads under the same alert. */
export const GROUP_TTL_SECONDS = 7 * 86400;
/**
 * How long a producer's event id is remembered at least: past the queues' 14-day retention (a DLQ
 * redrive is a redelivery too), and never shorter than the occurrence's link.
 */
export const EVENT_ID_TTL_SECONDS = 15 * 86400;

/** A transaction that met another on the same item wrote nothing: it is retried this many times. */
const CONFLICT_ATTEMPTS = 8;

const IDX = TABLE.customerIndex;

/** The customer index key: lower-cased email when known, else the producer's user id. */
function customerKey(user: { id?: string; email?: string } | undefined): string | undefined {
  if (user?.email) return `CUSTOMER#email:${user.email.trim().toLowerCase()}`;
  if (user?.id) return `CUSTOMER#id:${user.id}`;
  return undefined;
}

/**
 * A short, stable, non-identifying key per user (the same identity as the fix-message guard): the
 * group item stays small and holds no PII.
 */
function userHash(user: ErrorEvent['user']): string | undefined {
  const key = recipientKey(user);
  return key === undefined ? undefined : createHash('sha256').update(key).digest('base64url').slice(0, 12);
}

export function createDocumentClient(client = new DynamoDBClient({})): DynamoDBDocumentClient {
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  // A plain write on an item inside another caller's transaction is refused with this error, which
  // the SDK does not retry; nothing was written, so retrying is safe (a hot group in a burst).
  doc.middlewareStack.add(
    (next) => async (args) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await next(args);
        } catch (err) {
          if ((err as Error)?.name !== 'TransactionConflictException' || attempt >= CONFLICT_ATTEMPTS)
            throw err;
          await sleep(conflictBackoffMs(attempt));
        }
      }
    },
    { step: 'initialize', name: 'retryTransactionConflicts', override: true },
  );
  return doc;
}

/** Jittered, growing: writers that met on one item do not meet again in step. */
const conflictBackoffMs = (attempt: number) => 5 + Math.random() * 20 * attempt;

/** Heads-up's DynamoDB table: detail links, groups, idempotency keys and the Slack claim protocol. */
export class DynamoStore implements OccurrenceStore, AlertStore, OccurrenceReader {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  /**
   * Remembers an event id. The first caller gets `fresh: true` and its proposed link id; a duplicate
   * delivery or a retry gets the link id chosen the first time, so the detail item is written once.
   */
  async claimEvent(
    scope: EventScope,
    linkId: string,
    now: number,
    /** The occurrence's link expiry (epoch seconds): the id is kept at least as long. */
    linkExpiresAt = 0,
  ): Promise<{ fresh: boolean; linkId: string }> {
    const keepUntil = Math.max(seconds(now) + EVENT_ID_TTL_SECONDS, linkExpiresAt);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...eventKey(scope), linkId, [TTL]: keepUntil },
          ConditionExpression: `attribute_not_exists(${PK}) OR ${TTL} <= :now`,
          ExpressionAttributeValues: { ':now': seconds(now) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { fresh: true, linkId };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const existing = err.Item?.linkId?.S;
      if (!existing) throw err;
      return { fresh: false, linkId: existing };
    }
  }

  /** Expired items may linger until DynamoDB deletes them (up to days): expiry is decided here. */
  async getLink(id: string, now: number): Promise<LinkLookup> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: linkKey(id) }));
    if (!Item) return { state: 'missing' };
    const link = toLink(Item);
    return link.expiresAt <= seconds(now) ? { state: 'expired', link } : { state: 'live', link };
  }

  /** A customer's unexpired detail links by one of their email addresses (any case), newest first. */
  async linksForEmail(email: string, now: number, limit: number): Promise<DetailLink[]> {
    const key = customerKey({ email });
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: IDX.name,
        KeyConditionExpression: `${IDX.partitionKey} = :key`,
        FilterExpression: `${TTL} > :now`,
        ExpressionAttributeValues: { ':key': key, ':now': seconds(now) },
        ScanIndexForward: false,
        Limit: limit * 4, // the filter applies after the limit; expired items are rare at the head
      }),
    );
    return Items.slice(0, limit).map(toLink);
  }

  /** Strongly consistent: Slack decisions are taken on it. */
  async getGroup(fingerprint: string, now: number): Promise<ErrorGroup | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: groupKey(fingerprint), ConsistentRead: true }),
    );
    return Item && (Item[TTL] as number) > seconds(now) ? toGroup(Item) : undefined;
  }

  /**
   * Stores an occurrence exactly once: its event id is marked counted, its detail item written and its
   * group counted in one transaction, so an attempt that dies at any point is either wholly counted or
   * not at all, and a retry or a duplicate delivery counts nothing — even once the link itself has
   * expired and been deleted. Returns the group as it now stands (none for a duplicate whose group
   * has expired since) and whether this call stored it.
   */
  async recordOccurrence(
    occurrence: Occurrence,
    now: number,
  ): Promise<{ fresh: boolean; group?: ErrorGroup }> {
    const { fingerprint, link } = occurrence;
    const user = userHash(link.event.user);
    const update = occurrenceUpdate(this.tableName, occurrence, now);
    let withUserSet = user !== undefined;
    for (let attempt = 1; ; attempt++) {
      const { ReturnValues: _all, ...groupUpdate } = withUserSet && user ? withUser(update, user) : update;
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              { Update: countedMark(this.tableName, link, now) },
              {
                Put: {
                  TableName: this.tableName,
                  Item: linkItem(link),
                  ConditionExpression: `attribute_not_exists(${PK})`,
                },
              },
              { Update: groupUpdate },
            ],
          }),
        );
        const group = await this.getGroup(fingerprint, now);
        if (group) return { fresh: true, group };
        throw new Error('the group just written could not be read back');
      } catch (err) {
        const reasons = cancellationReasons(err);
        if (!reasons) throw err;
        const [eventReason, linkReason, groupReason] = reasons;
        if (eventReason?.Code === 'ConditionalCheckFailed' || linkReason?.Code === 'ConditionalCheckFailed') {
          // Stored and counted by an earlier attempt: nothing to write.
          return { fresh: false, group: await this.getGroup(fingerprint, now) };
        }
        if (groupReason?.Code === 'ConditionalCheckFailed') {
          // An item without a TTL is no live group either (e.g. left by a write after TTL deletion).
          const oldTtl = groupReason.Item?.[TTL]?.N;
          if (oldTtl === undefined || Number(oldTtl) <= seconds(now)) {
            await this.resetExpiredGroup(fingerprint, oldTtl === undefined ? undefined : Number(oldTtl));
          } else {
            withUserSet = false; // the distinct-user set is full: count the occurrence only
          }
        } else if (!reasons.some((r) => r.Code === 'TransactionConflict')) {
          throw err;
        } else {
          await sleep(conflictBackoffMs(attempt)); // another writer held the group: nothing was written
        }
        if (attempt >= CONFLICT_ATTEMPTS) throw err;
      }
    }
  }

  /** Replaces an expired group's item with nothing but its key, so the next write starts a new group. */
  private async resetExpiredGroup(fingerprint: string, oldExpiresAt: number | undefined): Promise<void> {
    // A refusal means someone else reset it first: fine.
    await unlessConditionFails(
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...groupKey(fingerprint), count: 0, [TTL]: Number.MAX_SAFE_INTEGER },
          ...(oldExpiresAt === undefined
            ? { ConditionExpression: `attribute_not_exists(${TTL})` }
            : { ConditionExpression: `${TTL} = :old`, ExpressionAttributeValues: { ':old': oldExpiresAt } }),
        }),
      ),
    );
  }

  /**
   * Takes the right to post a group's parent message. Undefined when someone else holds it.
   * `postAttemptAt` remembers the first attempt whose outcome is unknown (it timed out, or died): the
   * next claimer looks in the channel for that post before posting again.
   */
  async claimParentPost(fingerprint: string, by: string, now: number, staleMs: number) {
    return this.conditionalGroupUpdate({
      Key: groupKey(fingerprint),
      UpdateExpression: 'SET postClaim = :claim, postAttemptAt = if_not_exists(postAttemptAt, :at)',
      ConditionExpression:
        'attribute_exists(#count) AND attribute_not_exists(slack) AND ' +
        '(attribute_not_exists(postClaim) OR postClaim.#by = :by OR postClaim.#at < :stale)',
      ExpressionAttributeNames: { '#count': 'count', '#by': 'by', '#at': 'at' },
      ExpressionAttributeValues: {
        ':claim': { by, at: now },
        ':by': by,
        ':stale': now - staleMs,
        ':at': now,
      },
    });
  }

  /** Records the posted parent; what it showed is the count read when the claim was taken. */
  async markParentPosted(
    fingerprint: string,
    slack: SlackRef,
    postedCount: number,
    now: number,
  ): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: groupKey(fingerprint),
        UpdateExpression:
          'SET slack = :slack, lastPostedAt = :now, postedCount = :posted REMOVE postClaim, postAttemptAt',
        ExpressionAttributeValues: { ':slack': slack, ':now': now, ':posted': postedCount },
      }),
    );
  }

  /**
   * Gives the claim back after a failed post. `notPosted` when Slack said no (nothing was posted, and
   * any earlier attempt was already looked for): else the next claimer must look for this post first.
   */
  async releaseParentClaim(fingerprint: string, by: string, notPosted: boolean): Promise<void> {
    // Forgotten only when Slack refused this attempt's post: any earlier attempt was looked for first.
    const forget = notPosted ? ', postAttemptAt' : '';
    await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: groupKey(fingerprint),
          UpdateExpression: `REMOVE postClaim${forget}`,
          ConditionExpression: 'postClaim.#by = :by',
          ExpressionAttributeNames: { '#by': 'by' },
          ExpressionAttributeValues: { ':by': by },
        }),
      ),
    );
  }

  /**
   * Takes the next update of a group's parent: one holder per window, taken over once stale (its
   * holder died). Nothing is marked shown until Slack took it (`markUpdated`), so a failure at any
   * point leaves the update to be done again. A resent request (its answer lost) finds its own claim.
   */
  async claimUpdate(fingerprint: string, by: string, previousPostedAt: number, now: number, staleMs: number) {
    return this.conditionalGroupUpdate({
      Key: groupKey(fingerprint),
      UpdateExpression: 'SET updateClaim = :claim',
      ConditionExpression:
        'lastPostedAt = :prev AND ' +
        '(attribute_not_exists(updateClaim) OR updateClaim.#by = :by OR updateClaim.#at < :stale)',
      ExpressionAttributeNames: { '#by': 'by', '#at': 'at' },
      ExpressionAttributeValues: {
        ':claim': { by, at: now },
        ':by': by,
        ':prev': previousPostedAt,
        ':stale': now - staleMs,
      },
    });
  }

  /** Records what the update showed, once Slack took it. */
  async markUpdated(fingerprint: string, by: string, shownCount: number, now: number): Promise<void> {
    await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: groupKey(fingerprint),
          UpdateExpression: 'SET lastPostedAt = :now, postedCount = :shown REMOVE updateClaim',
          ConditionExpression: 'updateClaim.#by = :by',
          ExpressionAttributeNames: { '#by': 'by' },
          ExpressionAttributeValues: { ':now': now, ':shown': shownCount, ':by': by },
        }),
      ),
    );
  }

  /** Gives an update claim back after Slack refused it, so a retry can take it at once. */
  async releaseUpdate(fingerprint: string, by: string): Promise<void> {
    await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: groupKey(fingerprint),
          UpdateExpression: 'REMOVE updateClaim',
          ConditionExpression: 'updateClaim.#by = :by',
          ExpressionAttributeNames: { '#by': 'by' },
          ExpressionAttributeValues: { ':by': by },
        }),
      ),
    );
  }

  /**
   * Marks a delayed flush as queued under `token`, which the flush message carries back: only that
   * message can clear it (a producer cannot forge one). False when a flush is already on its way.
   */
  async scheduleFlush(
    fingerprint: string,
    token: string,
    dueAt: number,
    now: number,
    staleMs: number,
    /** The token of the flush being run, which this one replaces. */
    replacing = token,
  ): Promise<boolean> {
    const group = await this.conditionalGroupUpdate({
      Key: groupKey(fingerprint),
      UpdateExpression: 'SET flushDueAt = :due, flushToken = :token',
      // A resent request (its answer lost) finds its own token.
      ConditionExpression:
        'attribute_not_exists(flushDueAt) OR flushDueAt < :stale OR flushToken IN (:token, :replacing)',
      ExpressionAttributeValues: {
        ':due': dueAt,
        ':stale': now - staleMs,
        ':token': token,
        ':replacing': replacing,
      },
    });
    return group !== undefined;
  }

  /**
   * Clears the pending flush `token` names, once it has done its work; a no-op when another flush
   * replaced it. Conditional, so a late flush never creates an item (it would have no TTL).
   */
  async clearFlush(fingerprint: string, token: string): Promise<void> {
    await this.conditionalGroupUpdate({
      Key: groupKey(fingerprint),
      UpdateExpression: 'REMOVE flushDueAt, flushToken',
      ConditionExpression: `attribute_exists(${PK}) AND flushToken = :token`,
      ExpressionAttributeValues: { ':token': token },
    });
  }

  private async conditionalGroupUpdate(
    input: Omit<UpdateCommandInput, 'TableName' | 'ReturnValues'>,
  ): Promise<ErrorGroup | undefined> {
    const result = await unlessConditionFails(
      this.db.send(new UpdateCommand({ ...input, TableName: this.tableName, ReturnValues: 'ALL_NEW' })),
    );
    return result?.Attributes && toGroup(result.Attributes);
  }
}

/** The group upsert for one occurrence: counts it, adds its user, keeps its link as the latest. */
type GroupUpsert = UpdateCommandInput & {
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
};

function occurrenceUpdate(
  tableName: string,
  { fingerprint, link, template }: Occurrence,
  now: number,
): GroupUpsert {
  const { event } = link;
  return {
    TableName: tableName,
    Key: groupKey(fingerprint),
    UpdateExpression: `${[
      'SET fingerprint = :fp, app = :app, environment = :env, #level = :level',
      'errorType = if_not_exists(errorType, :type), errorCode = if_not_exists(errorCode, :code)',
      '#message = if_not_exists(#message, :message), firstSeenAt = if_not_exists(firstSeenAt, :now)',
      `lastSeenAt = :now, latest = :latest, template = :template, ${TTL} = :expires`,
    ].join(', ')} ADD #count :inc`,
    ConditionExpression: `attribute_not_exists(${PK}) OR ${TTL} > :nowS`,
    ExpressionAttributeNames: { '#level': 'level', '#message': 'message', '#count': 'count' },
    ExpressionAttributeValues: {
      ':fp': fingerprint,
      ':app': event.app,
      ':env': event.environment,
      ':level': event.level,
      ':type': event.error.type ?? null,
      ':code': event.error.code ?? null,
      ':message': event.error.message === undefined ? null : clip(event.error.message, 500),
      ':now': now,
      ':nowS': seconds(now),
      ':latest': { linkId: link.id, linkExpiresAt: link.expiresAt, user: event.user, company: event.company },
      ':expires': seconds(now) + GROUP_TTL_SECONDS,
      ':inc': 1,
      ':template': template ? { id: template.id, name: template.name, auto: template.auto } : null,
    },
    ReturnValues: 'ALL_NEW',
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/**
 * Marks the occurrence's event id counted (creating the id's record if no claim was made, keeping
 * the link id a claim chose). Refused when it was counted already, or belongs to another link.
 */
function countedMark(tableName: string, link: DetailLink, now: number) {
  const scope = { app: link.event.app, environment: link.event.environment, id: link.eventId };
  return {
    TableName: tableName,
    Key: eventKey(scope),
    UpdateExpression: `SET counted = :yes, linkId = if_not_exists(linkId, :link), ${TTL} = if_not_exists(${TTL}, :keep)`,
    ConditionExpression: 'attribute_not_exists(counted) AND (attribute_not_exists(linkId) OR linkId = :link)',
    ExpressionAttributeValues: {
      ':yes': true,
      ':link': link.id,
      ':keep': Math.max(seconds(now) + EVENT_ID_TTL_SECONDS, link.expiresAt),
    },
  };
}

/** A detail item with its customer-index keys. */
function linkItem(link: DetailLink): Record<string, unknown> {
  const customer = customerKey(link.event.user);
  return {
    ...linkKey(link.id),
    ...link,
    ...(customer && {
      [IDX.partitionKey]: customer,
      [IDX.sortKey]: `${new Date(link.receivedAt).toISOString()}#${link.id}`,
    }),
  };
}

/** Adds the user to the group's distinct-user set while it has room (or already holds them). */
function withUser(input: GroupUpsert, user: string): GroupUpsert {
  return {
    ...input,
    UpdateExpression: `${input.UpdateExpression}, #users :user`,
    ConditionExpression:
      `(${input.ConditionExpression}) AND ` +
      '(attribute_not_exists(#users) OR size(#users) < :cap OR contains(#users, :userId))',
    ExpressionAttributeNames: { ...input.ExpressionAttributeNames, '#users': 'users' },
    ExpressionAttributeValues: {
      ...input.ExpressionAttributeValues,
      ':user': new Set([user]),
      ':userId': user,
      ':cap': USER_COUNT_CAP,
    },
  };
}
