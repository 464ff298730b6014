import { type CancellationReason, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { clip } from '../../common/clip';
import { TABLE } from '../../lib/definitions';
import {
  firstIndexByKey,
  groupByKey,
  latestOf,
  transactionChunks,
  UnstorableEventError,
  unstorableReason,
} from '../core/occurrence-batch';
import { RECENT_USERS_CAP } from '../core/oncall/urgency';
import { userHash } from '../core/recipient';
import type { DetailLink, ErrorGroup, SlackRef } from '../core/records';
import { USER_COUNT_CAP } from '../core/records';
import { reasonOf } from '../services/failures';
import type {
  AlertStore,
  EventScope,
  LinkLookup,
  Occurrence,
  OccurrenceReader,
  OccurrenceResult,
  OccurrenceStore,
  Shown,
} from '../services/ports';
import { Backoff, type RetryPolicy } from './backoff';
import {
  cancellationReasons,
  eventKey,
  fingerprintOfGroupKey,
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

/**
 * A write that met another writer on an item (a hot group in a burst: up to five triage containers
 * update it), and a read DynamoDB left undone, wrote or read nothing: retried with full jitter, up to
 * 1 s a wait, for 5 s of waiting in all. It fits triage's 30 s timeout (FUNCTIONS.triage): a batch's
 * counting (its transactions share one budget) and its groups' read wait 5 s each at worst, which
 * leaves 20 s for the Slack sync (calls cut at 5 s, its group writes 1 s of waiting each). A batch that gives up is retried by SQS rather
 * than killed mid-way with its Slack claims held.
 */
export const CONFLICT_RETRY: RetryPolicy = { baseMs: 10, capMs: 1000, budgetMs: 5000 };
/**
 * A single write (the Slack sync's claims and marks on a group, two to four in a row) gets 1 s of
 * waiting: with the 10 s above, their worst case still fits triage's timeout beside the Slack calls.
 */
const SINGLE_WRITE_CONFLICT_RETRY: RetryPolicy = { baseMs: 10, capMs: 250, budgetMs: 1000 };

/** DynamoDB's limits for one TransactWriteItems: 100 writes and 4 MB (headroom for the rest). */
const TRANSACTION_ACTIONS = 100;
const TRANSACTION_BYTES = 3.5 * 1024 * 1024;
/** BatchGetItem reads at most 100 keys. */
const BATCH_GET_KEYS = 100;
/**
 * A group found with a full distinct-user set is counted without adding users for this long: short,
 * so a group another container reset (a new group, with an empty set) soon takes users again.
 */
const FULL_USER_SET_MEMORY_MS = 60_000;

const IDX = TABLE.customerIndex;

/** The customer index key: lower-cased email when known, else the producer's user id. */
function customerKey(user: { id?: string; email?: string } | undefined): string | undefined {
  if (user?.email) return `CUSTOMER#email:${user.email.trim().toLowerCase()}`;
  if (user?.id) return `CUSTOMER#id:${user.id}`;
  return undefined;
}

export function createDocumentClient(client = new DynamoDBClient({})): DynamoDBDocumentClient {
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  // A plain write on an item inside another caller's transaction is refused with this error, which
  // the SDK does not retry; nothing was written, so retrying is safe (a hot group in a burst).
  doc.middlewareStack.add(
    (next) => async (args) => {
      const backoff = new Backoff(SINGLE_WRITE_CONFLICT_RETRY);
      for (;;) {
        try {
          return await next(args);
        } catch (err) {
          if ((err as Error)?.name !== 'TransactionConflictException' || !(await backoff.pause())) throw err;
        }
      }
    },
    { step: 'initialize', name: 'retryTransactionConflicts', override: true },
  );
  return doc;
}

/** Heads-up's DynamoDB table: detail links, groups, idempotency keys and the Slack claim protocol. */
export class DynamoStore implements OccurrenceStore, AlertStore, OccurrenceReader {
  /** Groups whose distinct-user set was found full, until when (ms): their writes skip the users. */
  private readonly fullUserSets = new Map<string, number>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

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

  /** Live groups among `fingerprints`, read consistently in one BatchGetItem per 100. */
  async getGroups(fingerprints: string[], now: number): Promise<Map<string, ErrorGroup>> {
    const groups = new Map<string, ErrorGroup>();
    const unique = [...new Set(fingerprints)];
    const backoff = new Backoff(CONFLICT_RETRY);
    for (let i = 0; i < unique.length; i += BATCH_GET_KEYS) {
      let keys: Record<string, unknown>[] = unique.slice(i, i + BATCH_GET_KEYS).map(groupKey);
      while (keys.length > 0) {
        const { Responses, UnprocessedKeys } = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of Responses?.[this.tableName] ?? []) {
          if ((item[TTL] as number) > seconds(now)) {
            groups.set(fingerprintOfGroupKey(String(item[PK])), toGroup(item));
          }
        }
        keys = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
        if (keys.length > 0 && !(await backoff.pause())) {
          throw new Error('DynamoDB left groups unread (throttled)');
        }
      }
    }
    return groups;
  }

  /**
   * Stores each occurrence exactly once: per transaction (a batch needs one, up to 100 writes) every
   * event id is marked counted, every detail item written and every group counted — all of a group's
   * occurrences in one update — so an attempt that dies at any point is either wholly counted or not
   * at all, and a retry or a duplicate delivery counts nothing, even once its link has expired and
   * been deleted (the event id outlives it). A cancelled transaction says which writes were refused:
   * duplicates are left out, an expired group is reset, a full user set is no longer added to, and the
   * rest is tried again (after a pause when it met another writer).
   */
  async recordOccurrences(occurrences: Occurrence[], now: number): Promise<OccurrenceResult[]> {
    const results: (OccurrenceResult | undefined)[] = new Array(occurrences.length);
    // One item may appear once per transaction: a repeat of an event id in the batch is a duplicate
    // of its first delivery, and shares its fate.
    const firstOf = firstIndexByKey(occurrences, (o) => String(eventKey(scopeOf(o.link))[PK]));
    const pending: Pending[] = occurrences.flatMap((occurrence, index) => {
      if (firstOf[index] !== index) return [];
      // One event DynamoDB (or its SDK) would refuse must not fail the transaction of all the others.
      const reason = unstorableReason(linkItem(occurrence.link));
      if (reason) {
        results[index] = { status: 'failed', error: new UnstorableEventError(reason) };
        return [];
      }
      return [{ index, occurrence, user: userHash(occurrence.link.event.user) }];
    });
    const groups = [...groupByKey(pending, (p) => p.occurrence.fingerprint)].map(([key, items]) => ({
      key,
      items,
    }));
    const chunks = transactionChunks(groups, {
      maxActions: TRANSACTION_ACTIONS,
      maxBytes: TRANSACTION_BYTES,
      actionsPerItem: 2,
      bytesOf: (p) => Buffer.byteLength(JSON.stringify(p.occurrence.link), 'utf8'),
    });
    // The batch's transactions share one budget for waiting out other writers (CONFLICT_RETRY).
    const backoff = new Backoff(CONFLICT_RETRY);
    for (const chunk of chunks) {
      await this.writeOrSplit(
        chunk.flatMap(({ items }) => items),
        { now, results, backoff },
      );
    }
    return occurrences.map((_, i) => {
      const first = results[firstOf[i]!]!;
      if (firstOf[i] === i || first.status === 'failed') return first;
      return { status: 'duplicate', linkId: first.linkId };
    });
  }

  /**
   * Writes occurrences in one transaction. When DynamoDB (or the SDK) refuses an item of it, the rest
   * is written in halves, so only the item it refused fails.
   */
  private async writeOrSplit(items: Pending[], batch: BatchWrite) {
    const { now, results } = batch;
    const parts = [...groupByKey(items, (p) => p.occurrence.fingerprint)].map(([fingerprint, members]) => ({
      fingerprint,
      items: members,
      withUsers: !this.knownFull(fingerprint, now),
      withSeen: true,
    }));
    try {
      await this.writeChunk(parts, batch);
    } catch (error) {
      const left = items.filter((p) => results[p.index] === undefined);
      if (left.length > 1 && isItemRefusal(error)) {
        const half = Math.ceil(left.length / 2);
        await this.writeOrSplit(left.slice(0, half), batch);
        await this.writeOrSplit(left.slice(half), batch);
        return;
      }
      // One event DynamoDB refuses on its own (e.g. an empty attribute name deep in its context) would
      // be refused on every retry: it is parked with the reason instead of failing into the DLQ blind.
      const unstorable = left.length === 1 && isItemRefusal(error);
      for (const p of left)
        results[p.index] = {
          status: 'failed',
          error: unstorable ? new UnstorableEventError(`DynamoDB refused it: ${reasonOf(error)}`) : error,
        };
    }
  }

  /** One transaction, tried again without what it found already stored until it commits or gives up. */
  private async writeChunk(parts: GroupPart[], { now, results, backoff }: BatchWrite) {
    // Each refusal settles an item (a duplicate, a legacy link id) or a group (reset, users full) once;
    // rounds that only met other writers are bounded by the backoff's budget.
    const maxSettled = 2 * parts.reduce((n, part) => n + part.items.length + 1, 0);
    let settled = 0;
    for (;;) {
      const live = parts.filter((part) => part.items.length > 0);
      if (live.length === 0) return;
      const roles: Role[] = [];
      const actions: TransactWrite[] = [];
      for (const part of live) {
        for (const item of part.items) {
          const { link } = item.occurrence;
          actions.push(
            { Put: countedMark(this.tableName, link, now) },
            {
              Put: {
                TableName: this.tableName,
                Item: linkItem(link),
                ConditionExpression: `attribute_not_exists(${PK})`,
              },
            },
          );
          roles.push({ kind: 'event', item }, { kind: 'link', item });
        }
        actions.push({ Update: groupUpdate(this.tableName, part, now) });
        roles.push({ kind: 'group', part });
      }
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: actions }));
        for (const part of live) {
          for (const item of part.items) {
            results[item.index] = { status: 'stored', linkId: item.occurrence.link.id };
          }
        }
        return;
      } catch (err) {
        const reasons = cancellationReasons(err);
        if (!reasons) throw err;
        const outcome = await this.settleRefusals(reasons, roles, now, results);
        for (const part of live) part.items = part.items.filter((item) => results[item.index] === undefined);
        if (outcome === 'stuck') throw err;
        if (outcome === 'settled' && ++settled > maxSettled) throw err;
        // Another writer held an item (a hot group): nothing was written.
        if (outcome === 'busy' && !(await backoff.pause())) throw err;
      }
    }
  }

  /**
   * Acts on a cancelled transaction's reasons (aligned with its writes). `settled` when something was
   * learnt (the next round differs), `busy` when it only met other writers, `stuck` otherwise.
   */
  private async settleRefusals(
    reasons: CancellationReason[],
    roles: Role[],
    now: number,
    results: (OccurrenceResult | undefined)[],
  ): Promise<'settled' | 'busy' | 'stuck'> {
    let settled = false;
    let busy = false;
    for (const [i, reason] of reasons.entries()) {
      const role = roles[i];
      if (!role || !reason.Code || reason.Code === 'None') continue;
      if (RETRYABLE_REFUSALS.has(reason.Code)) {
        busy = true;
        continue;
      }
      if (reason.Code !== 'ConditionalCheckFailed') continue;
      if (role.kind === 'event') {
        const old = reason.Item;
        const linkId = old?.linkId?.S;
        const { occurrence } = role.item;
        if (linkId && old?.counted === undefined && linkId !== occurrence.link.id) {
          // Claimed by the previous version (its claimEvent) but never counted: stored under that link.
          role.item.occurrence = { ...occurrence, link: { ...occurrence.link, id: linkId } };
        } else {
          results[role.item.index] ??= { status: 'duplicate', linkId };
        }
        settled = true;
      } else if (role.kind === 'link') {
        results[role.item.index] ??= { status: 'duplicate', linkId: role.item.occurrence.link.id };
        settled = true;
      } else {
        const { fingerprint } = role.part;
        // An item without a TTL is no live group either (e.g. left by a write after TTL deletion).
        const oldTtl = reason.Item?.[TTL]?.N;
        if (oldTtl === undefined || Number(oldTtl) <= seconds(now)) {
          await this.resetExpiredGroup(fingerprint, oldTtl === undefined ? undefined : Number(oldTtl));
          this.fullUserSets.delete(fingerprint);
          settled = true;
        } else {
          const { part } = role;
          const old = reason.Item;
          // The recent users are at their cap until a pruning makes room: counted without them.
          if (part.withSeen && Number(old?.recentUsers?.L?.length ?? 0) >= RECENT_USERS_CAP) {
            part.withSeen = false;
            settled = true;
          } else if (part.withUsers) {
            // The distinct-user set is full: count the occurrences only, and remember it for a while.
            part.withUsers = false;
            this.fullUserSets.set(fingerprint, now + FULL_USER_SET_MEMORY_MS);
            settled = true;
          }
        }
      }
    }
    return settled ? 'settled' : busy ? 'busy' : 'stuck';
  }

  /** Whether the group's distinct-user set was found full lately (a display cap: no need to ask again). */
  private knownFull(fingerprint: string, now: number): boolean {
    const until = this.fullUserSets.get(fingerprint);
    if (until === undefined) return false;
    if (until > now) return true;
    this.fullUserSets.delete(fingerprint);
    return false;
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

  /** Records the posted parent; what it showed is the count and state read when the claim was taken. */
  async markParentPosted(fingerprint: string, slack: SlackRef, shown: Shown, now: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: groupKey(fingerprint),
        UpdateExpression:
          'SET slack = :slack, lastPostedAt = :now, postedCount = :posted, shownVersion = :version ' +
          'REMOVE postClaim, postAttemptAt',
        ExpressionAttributeValues: {
          ':slack': slack,
          ':now': now,
          ':posted': shown.count,
          ':version': shown.version,
        },
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
  async markUpdated(fingerprint: string, by: string, shown: Shown, now: number): Promise<void> {
    await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: groupKey(fingerprint),
          UpdateExpression:
            'SET lastPostedAt = :now, postedCount = :shown, shownVersion = :version REMOVE updateClaim',
          ConditionExpression: 'updateClaim.#by = :by',
          ExpressionAttributeNames: { '#by': 'by' },
          ExpressionAttributeValues: {
            ':now': now,
            ':shown': shown.count,
            ':version': shown.version,
            ':by': by,
          },
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
   * replaced it. Conditional, so a late flush never creates an item (it would have no TTL). Answers the
   * group as cleared (undefined when the flush was not the pending one).
   */
  async clearFlush(fingerprint: string, token: string): Promise<ErrorGroup | undefined> {
    return this.conditionalGroupUpdate({
      Key: groupKey(fingerprint),
      UpdateExpression: 'REMOVE flushDueAt, flushToken',
      ConditionExpression: `attribute_exists(${PK}) AND flushToken = :token`,
      ExpressionAttributeValues: { ':token': token },
    });
  }

  /**
   * Clears the pending flush `token` names only when the group shows all it counted: `behind` when
   * occurrences were counted after what was shown (the token stays, for a flush to replace it), `gone`
   * when the flush is not the pending one (or the group is gone).
   */
  async clearShownFlush(fingerprint: string, token: string): Promise<'cleared' | 'behind' | 'gone'> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: groupKey(fingerprint),
          UpdateExpression: 'REMOVE flushDueAt, flushToken',
          ConditionExpression:
            `attribute_exists(${PK}) AND flushToken = :token AND ` +
            '(attribute_not_exists(slack) OR #count <= postedCount)',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':token': token },
        }),
      );
      return 'cleared';
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: groupKey(fingerprint), ConsistentRead: true }),
      );
      return Item?.flushToken === token ? 'behind' : 'gone';
    }
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

/** One occurrence on its way into a transaction (its link id may become a legacy claim's). */
type Pending = { index: number; occurrence: Occurrence; user?: string };

/**
 * A group's share of one transaction, whether its users are added to its distinct-user set, and
 * whether those with `seenAt` are appended to its recent users.
 */
type GroupPart = { fingerprint: string; items: Pending[]; withUsers: boolean; withSeen: boolean };
/** What one `recordOccurrences` call's transactions share. */
type BatchWrite = { now: number; results: (OccurrenceResult | undefined)[]; backoff: Backoff };

/** What each write of a transaction is, in order: its cancellation reason is read by it. */
type Role =
  | { kind: 'event'; item: Pending }
  | { kind: 'link'; item: Pending }
  | { kind: 'group'; part: GroupPart };

type TransactWrite = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Whether a write failed because DynamoDB or the SDK refused an item of it (a number out of range, an
 * item too large) rather than for a passing reason: splitting the write finds the item.
 */
function isItemRefusal(err: unknown): boolean {
  const reasons = cancellationReasons(err);
  if (reasons) return reasons.some((r) => r.Code === 'ValidationError');
  if (!(err instanceof Error)) return false;
  if (err.name === 'ValidationException') return true;
  // Thrown by the SDK's marshalling, before any request: no response, no system error code.
  return (err.name === 'Error' || err.name === 'TypeError') && !('$metadata' in err) && !('code' in err);
}

/** Refusals that wrote nothing and may pass on their own: tried again after a pause. */
const RETRYABLE_REFUSALS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
]);

const scopeOf = (link: DetailLink): EventScope => ({
  app: link.event.app,
  environment: link.event.environment,
  id: link.eventId,
});

/**
 * A group's upsert for its occurrences in one transaction: counts them, adds their users (while the
 * set has room: a display cap, so a batch may take it a little past), appends the users of those
 * with `seenAt` to its recent users (each once, at its latest), keeps the newest as the latest.
 */
function groupUpdate(tableName: string, part: GroupPart, now: number): TransactWrite['Update'] {
  const occurrences = part.items.map((item) => item.occurrence);
  const first = occurrences[0]!;
  const newest = latestOf(occurrences, (o) => o.link.receivedAt)!;
  const { link, template } = newest;
  const { event } = link;
  const users = new Set(part.withUsers ? part.items.flatMap((item) => (item.user ? [item.user] : [])) : []);
  const withUsers = users.size > 0;
  const seen = new Map<string, number>();
  for (const { user, occurrence } of part.withSeen ? part.items : []) {
    if (user && occurrence.seenAt !== undefined)
      seen.set(user, Math.max(occurrence.seenAt, seen.get(user) ?? 0));
  }
  const withSeen = seen.size > 0;
  const firstError = first.link.event.error;
  return {
    TableName: tableName,
    Key: groupKey(part.fingerprint),
    UpdateExpression: `${[
      'SET fingerprint = :fp, app = :app, environment = :env, #level = :level',
      'errorType = if_not_exists(errorType, :type), errorCode = if_not_exists(errorCode, :code)',
      '#message = if_not_exists(#message, :message), firstSeenAt = if_not_exists(firstSeenAt, :now)',
      `lastSeenAt = :now, latest = :latest, template = :template, ${TTL} = :expires`,
      ...(withSeen ? ['recentUsers = list_append(if_not_exists(recentUsers, :none), :seen)'] : []),
    ].join(', ')} ADD #count :inc${withUsers ? ', #users :users' : ''}`,
    ConditionExpression:
      `(attribute_not_exists(${PK}) OR ${TTL} > :nowS)` +
      (withUsers ? ' AND (attribute_not_exists(#users) OR size(#users) < :cap)' : '') +
      (withSeen ? ' AND (attribute_not_exists(recentUsers) OR size(recentUsers) < :recentCap)' : ''),
    ExpressionAttributeNames: {
      '#level': 'level',
      '#message': 'message',
      '#count': 'count',
      ...(withUsers && { '#users': 'users' }),
    },
    ExpressionAttributeValues: {
      ':fp': part.fingerprint,
      ':app': event.app,
      ':env': event.environment,
      ':level': event.level,
      ':type': firstError.type ?? null,
      ':code': firstError.code ?? null,
      ':message': firstError.message === undefined ? null : clip(firstError.message, 500),
      ':now': now,
      ':nowS': seconds(now),
      ':latest': { linkId: link.id, linkExpiresAt: link.expiresAt, user: event.user, company: event.company },
      ':expires': seconds(now) + GROUP_TTL_SECONDS,
      ':inc': occurrences.length,
      ':template': template ? { id: template.id, name: template.name, auto: template.auto } : null,
      ...(withUsers && { ':users': users, ':cap': USER_COUNT_CAP }),
      ...(withSeen && { ':none': [], ':seen': [...seen], ':recentCap': RECENT_USERS_CAP }),
    },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  };
}

/**
 * Marks the occurrence's event id counted under its link, kept at least as long as the link. A put,
 * not an update (the record holds nothing else, and a put costs DynamoDB a third of an update here):
 * refused (with the record) when a live record counted it already, or when a live claim of the
 * previous version chose another link; an expired record is a new event's and is replaced.
 */
function countedMark(tableName: string, link: DetailLink, now: number) {
  return {
    TableName: tableName,
    Item: {
      ...eventKey(scopeOf(link)),
      counted: true,
      linkId: link.id,
      [TTL]: Math.max(seconds(now) + EVENT_ID_TTL_SECONDS, link.expiresAt),
    },
    ConditionExpression:
      `attribute_not_exists(${PK}) OR ${TTL} <= :nowS OR ` +
      '(attribute_not_exists(counted) AND (attribute_not_exists(linkId) OR linkId = :link))',
    ExpressionAttributeValues: { ':link': link.id, ':nowS': seconds(now) },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
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
