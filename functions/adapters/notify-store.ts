import type { AttributeValue, CancellationReason } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { CooldownGuard, GroupTold, LinkLookup, OccurrenceHold } from '../core/fix-decision';
import { standingOf } from '../core/oncall/response-text';
import type { ErrorGroup } from '../core/records';
import type { FixStore, FixWrite, FixWriteRefusal, GuardedGroup } from '../services/ports';
import { Backoff, type RetryPolicy } from './backoff';
import {
  cancellationReasons,
  fixKey,
  groupKey,
  linkKey,
  PK,
  seconds,
  sentKey,
  TTL,
  toGroup,
  toLink,
} from './table-items';

type Key = Record<string, string>;
type Item = Record<string, unknown>;
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** BatchGetItem takes at most 100 keys; TransactWriteItems at most 100 actions. */
const MAX_BATCH_KEYS = 100;
/**
 * Transactions that met another on an item (a hot group: triage updates it all through a burst), and
 * reads DynamoDB left undone, are retried with full jitter, doubling up to 250 ms, 2 s of waiting in
 * all: notify's round reserve (functions/handlers/notify.ts) counts one such budget per round.
 */
export const NOTIFY_STORE_RETRY: RetryPolicy = { baseMs: 10, capMs: 250, budgetMs: 2000 };
/** Why a transaction may be cancelled that says nothing about its conditions. */
const TRANSIENT = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

/**
 * Only what a decision needs of cooldown guards and groups (a group item holds up to 1 000 users), and
 * of a group what its fix messages promise. `a.b` is an attribute's nested field.
 */
const GUARD_ATTRIBUTES = [
  PK,
  'linkId',
  'token',
  'state',
  'claimedAt',
  'sentAt',
  'cooldownNoticed',
  TTL,
  'autoReportedFor',
  'cooldownReportedFor',
  // What a fix message may promise (core/oncall/response-text.ts): a few bytes of the same items.
  'urgency',
  'status.state',
  'status.snoozedUntil',
];

/**
 * What notify keeps in the table, read and written a batch at a time: the two guards, each a
 * conditional write taken before Intercom is called so duplicates, retries and concurrent jobs cannot
 * send twice — one fix message per occurrence ever (`FIX#`), one per user and template per cooldown
 * (`SENT#`) — and the outcomes, recorded on the occurrence's detail item and counted on its group.
 * A batch's claims are one transaction and its outcomes another: each commits whole or not at all.
 */
export class NotifyStore implements FixStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async readLinks(
    linkIds: string[],
    now: number,
  ): Promise<Array<{ link: LinkLookup; occurrence?: OccurrenceHold }>> {
    const items = await this.batchGet(linkIds.flatMap((id) => [linkKey(id), fixKey(id)]));
    return linkIds.map((id) => {
      const item = items.get(linkKey(id)[PK]);
      const fix = items.get(fixKey(id)[PK]);
      const occurrence = fix ? { token: String(fix.token), at: Number(fix.at ?? 0) } : undefined;
      if (!item) return { link: { state: 'missing' }, occurrence };
      const link = toLink(item);
      return {
        link: link.expiresAt <= seconds(now) ? { state: 'expired', link } : { state: 'live', link },
        occurrence,
      };
    });
  }

  async readGuards(
    cooldowns: Array<{ recipient: string; templateId: string }>,
    fingerprints: string[],
  ): Promise<{ cooldowns: Array<CooldownGuard | undefined>; groups: Array<GuardedGroup | undefined> }> {
    const sentKeys = cooldowns.map((c) => sentKey(c.recipient, c.templateId));
    const groupKeys = fingerprints.map(groupKey);
    const items = await this.batchGet([...sentKeys, ...groupKeys], GUARD_ATTRIBUTES);
    return {
      cooldowns: sentKeys.map((key) => {
        const item = items.get(key[PK]);
        return item && toGuard(item);
      }),
      groups: groupKeys.map((key) => {
        const item = items.get(key[PK]);
        return (
          item && { told: toTold(item), standing: standingOf(item as Pick<ErrorGroup, 'urgency' | 'status'>) }
        );
      }),
    };
  }

  async readGroups(fingerprints: string[]): Promise<Map<string, ErrorGroup>> {
    const items = await this.batchGet(fingerprints.map(groupKey));
    const groups = new Map<string, ErrorGroup>();
    for (const fingerprint of fingerprints) {
      const item = items.get(groupKey(fingerprint)[PK]);
      if (item) groups.set(fingerprint, toGroup(item));
    }
    return groups;
  }

  async write(writes: FixWrite[]): Promise<{ refused: FixWriteRefusal[] }> {
    if (writes.length === 0) return { refused: [] };
    if (writes.length > MAX_BATCH_KEYS) throw new Error(`${writes.length} writes in one transaction`);
    const actions = writes.map((w) => this.action(w));
    const backoff = new Backoff(NOTIFY_STORE_RETRY);
    for (;;) {
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: actions }));
        return { refused: [] };
      } catch (err) {
        const reasons = cancellationReasons(err);
        if (!reasons) throw err;
        if (reasons.some((r) => r.Code === 'ConditionalCheckFailed')) {
          return { refused: refusals(writes, reasons) };
        }
        // Cancelled by a conflict with another transaction (a hot group) or throttling: nothing was
        // written, so the same transaction may simply go again.
        const transient = reasons.every((r) => !r.Code || r.Code === 'None' || TRANSIENT.has(r.Code));
        if (!transient || !(await backoff.pause())) throw err;
      }
    }
  }

  /** Consistent reads by partition key (each of our keys has one sort key); throttled keys retried. */
  private async batchGet(keys: Key[], attributes?: string[]): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    const projection = attributes && projectionOf(attributes);
    const unique = [...new Map(keys.map((k) => [k[PK], k])).values()];
    const backoff = new Backoff(NOTIFY_STORE_RETRY); // one budget for the whole read
    for (let start = 0; start < unique.length; start += MAX_BATCH_KEYS) {
      let pending: Key[] = unique.slice(start, start + MAX_BATCH_KEYS);
      for (let first = true; pending.length > 0; first = false) {
        if (!first && !(await backoff.pause()))
          throw new Error('DynamoDB left notify items unread (throttled)');
        const { Responses, UnprocessedKeys } = await this.db.send(
          new BatchGetCommand({
            RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: true, ...projection } },
          }),
        );
        for (const item of Responses?.[this.tableName] ?? []) found.set(String(item[PK]), item);
        pending = (UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Key[];
      }
    }
    return found;
  }

  private action(w: FixWrite): TransactItem {
    const TableName = this.tableName;
    switch (w.kind) {
      case 'check-link':
        return {
          ConditionCheck: {
            TableName,
            Key: linkKey(w.linkId),
            ...outcomeStill(w.notifyAt),
          },
        };
      case 'claim-occurrence':
        return {
          Put: {
            TableName,
            Item: { ...fixKey(w.linkId), token: w.token, at: w.at, [TTL]: w.expiresAt },
            // A resent request (its answer lost) finds its own claim.
            ConditionExpression: `attribute_not_exists(${PK}) OR #token = :token`,
            ExpressionAttributeNames: { '#token': 'token' },
            ExpressionAttributeValues: { ':token': w.token },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        };
      case 'claim-send': {
        const c = w.claim;
        return {
          Put: {
            TableName,
            Item: {
              ...sentKey(c.recipient, c.templateId),
              linkId: c.linkId,
              token: c.token,
              state: 'sending',
              claimedAt: c.now,
              [TTL]: seconds(c.now) + c.cooldownSeconds,
            },
            ConditionExpression: `attribute_not_exists(${PK}) OR ${TTL} <= :now OR #token = :token`,
            ExpressionAttributeNames: { '#token': 'token' },
            ExpressionAttributeValues: { ':now': seconds(c.now), ':token': c.token },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        };
      }
      case 'release-occurrence':
        return {
          Delete: {
            TableName,
            Key: fixKey(w.linkId),
            ConditionExpression: '#token = :token',
            ExpressionAttributeNames: { '#token': 'token' },
            ExpressionAttributeValues: { ':token': w.token },
          },
        };
      case 'release-send':
        return {
          Delete: {
            TableName,
            Key: sentKey(w.recipient, w.templateId),
            ConditionExpression: '#token = :token AND #state = :sending',
            ExpressionAttributeNames: { '#state': 'state', '#token': 'token' },
            ExpressionAttributeValues: { ':token': w.token, ':sending': 'sending' },
          },
        };
      case 'mark-sent':
        return {
          Update: {
            TableName,
            Key: sentKey(w.recipient, w.templateId),
            UpdateExpression: `SET #state = :sent, sentAt = :at, ${TTL} = :until`,
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: {
              ':sent': 'sent',
              ':at': w.sentAt,
              ':until': seconds(w.sentAt) + w.cooldownSeconds,
            },
          },
        };
      case 'mark-uncertain':
        return {
          Update: {
            TableName,
            Key: sentKey(w.recipient, w.templateId),
            UpdateExpression: 'SET #state = :uncertain, sentAt = :at',
            ExpressionAttributeNames: { '#state': 'state' },
            ExpressionAttributeValues: { ':uncertain': 'uncertain', ':at': w.at },
          },
        };
      case 'note-cooldown':
        return {
          Update: {
            TableName,
            Key: sentKey(w.recipient, w.templateId),
            UpdateExpression: 'SET cooldownNoticed = :yes',
            // Still the guard that was read, and nobody explained it meanwhile.
            ConditionExpression: '#token = :token AND attribute_not_exists(cooldownNoticed)',
            ExpressionAttributeNames: { '#token': 'token' },
            ExpressionAttributeValues: { ':yes': true, ':token': w.token },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        };
      case 'outcome': {
        // As the claim's check: the link's outcome is still the one read (none, or the one at notifyAt).
        const { notifyAt, uncounted } = w;
        const notify = defined({
          ...w.outcome,
          templateId: w.templateId,
          reported: w.reported,
          uncounted: uncounted || undefined,
        });
        return {
          Update: {
            TableName,
            Key: linkKey(w.linkId),
            UpdateExpression: 'SET notify = :notify',
            ...outcomeStill(notifyAt, { ':notify': notify }),
            // Tells "changed" (the item is there) from "gone".
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        };
      }
      case 'group-fix': {
        const sets = ['fix = :fix'];
        const conditions = [`attribute_exists(${PK})`];
        const values: Record<string, unknown> = {
          ':fix': defined(w.fix),
          ':sent': w.sent,
          ':notSent': w.notSent,
        };
        for (const [kind, attribute] of Object.entries(TOLD_ATTRIBUTES) as [keyof GroupTold, string][]) {
          const linkId = w.claim[kind];
          if (!linkId) continue;
          sets.push(`${attribute} = :${kind}`);
          conditions.push(`(attribute_not_exists(${attribute}) OR ${attribute} = :${kind})`);
          values[`:${kind}`] = linkId;
        }
        return {
          Update: {
            TableName,
            Key: groupKey(w.fingerprint),
            UpdateExpression: `SET ${sets.join(', ')} ADD fixesSent :sent, fixesNotSent :notSent`,
            ConditionExpression: conditions.join(' AND '),
            ExpressionAttributeValues: values,
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        };
      }
    }
  }
}

/**
 * The condition that a link's outcome is still the one read: none (the item there, no outcome yet), or
 * the one recorded at `notifyAt`. Shared by a claim's check and the outcome's write, with their values.
 */
function outcomeStill(notifyAt: number | undefined, values: Record<string, unknown> = {}) {
  if (notifyAt === undefined) {
    return {
      ConditionExpression: `attribute_exists(${PK}) AND attribute_not_exists(notify)`,
      ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
    };
  }
  return {
    ConditionExpression: 'notify.#at = :at',
    ExpressionAttributeNames: { '#at': 'at' },
    ExpressionAttributeValues: { ...values, ':at': notifyAt },
  };
}

/** The group attributes naming the link whose outcome was the group's first of each kind. */
const TOLD_ATTRIBUTES: Record<keyof GroupTold, string> = {
  auto: 'autoReportedFor',
  cooldown: 'cooldownReportedFor',
};

function toGuard(i: Item): CooldownGuard {
  return {
    linkId: String(i.linkId ?? ''),
    token: String(i.token ?? ''),
    state: (i.state ?? 'sent') as CooldownGuard['state'],
    claimedAt: Number(i.claimedAt ?? 0),
    sentAt: i.sentAt === undefined ? undefined : Number(i.sentAt),
    cooldownNoticed: i.cooldownNoticed === undefined ? undefined : Boolean(i.cooldownNoticed),
    expiresAt: Number(i[TTL] ?? 0),
  };
}

/** A projection of attributes and nested fields (`status.state`), every name a placeholder. */
function projectionOf(attributes: string[]) {
  const names = new Map<string, string>();
  const placeholder = (name: string) => {
    if (!names.has(name)) names.set(name, `#a${names.size}`);
    return names.get(name)!;
  };
  const paths = attributes.map((a) => a.split('.').map(placeholder).join('.'));
  return {
    ProjectionExpression: paths.join(', '),
    ExpressionAttributeNames: Object.fromEntries([...names].map(([name, p]) => [p, name])),
  };
}

function toTold(i: Item): GroupTold {
  const told: GroupTold = {};
  if (typeof i.autoReportedFor === 'string') told.auto = i.autoReportedFor;
  if (typeof i.cooldownReportedFor === 'string') told.cooldown = i.cooldownReportedFor;
  return told;
}

/**
 * Without its undefined fields: a document client shares its marshalling options with every other one
 * made from the same DynamoDB client, so what it removes is not ours to rely on.
 */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** A cancelled transaction's old items come in DynamoDB's own format; ours are flat and scalar. */
function plain(item: Record<string, AttributeValue> | undefined): Item | undefined {
  if (!item) return undefined;
  const out: Item = {};
  for (const [name, v] of Object.entries(item)) {
    if (v.S !== undefined) out[name] = v.S;
    else if (v.N !== undefined) out[name] = Number(v.N);
    else if (v.BOOL !== undefined) out[name] = v.BOOL;
  }
  return out;
}

function refusals(writes: FixWrite[], reasons: CancellationReason[]): FixWriteRefusal[] {
  const refused: FixWriteRefusal[] = [];
  reasons.forEach((reason, index) => {
    if (reason.Code !== 'ConditionalCheckFailed') return;
    const old = plain(reason.Item);
    switch (writes[index]!.kind) {
      case 'check-link':
        refused.push({ index, kind: 'link' });
        break;
      case 'outcome': {
        const link: FixWriteRefusal = { index, kind: 'link', changed: old !== undefined };
        refused.push(link);
        break;
      }
      case 'claim-occurrence':
      case 'release-occurrence':
        refused.push({
          index,
          kind: 'occurrence',
          held: old && { token: String(old.token ?? ''), at: Number(old.at ?? 0) },
        });
        break;
      case 'claim-send':
      case 'release-send':
      case 'note-cooldown':
        refused.push({ index, kind: 'cooldown', guard: old && toGuard(old) });
        break;
      case 'group-fix':
        refused.push({ index, kind: 'group', told: old && toTold(old) });
        break;
      case 'mark-sent':
      case 'mark-uncertain':
        // Unconditional: never refused.
        break;
    }
  });
  return refused;
}
