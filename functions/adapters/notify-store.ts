import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TABLE } from '../../lib/definitions';
import type { NotifyOutcome } from '../core/notify';
import type { GroupFix } from '../core/records';
import { isConditionFailure } from './dynamo-store';

const { partitionKey: PK, sortKey: SK, ttlAttribute: TTL } = TABLE;
const sentKey = (recipient: string, templateId: string) => ({
  [PK]: `SENT#${recipient}#${templateId}`,
  [SK]: 'SENT',
});
const seconds = (ms: number) => Math.floor(ms / 1000);

/** The guard of one user and template: who holds it, in which state, until when. */
export type SendGuard = {
  linkId: string;
  state: 'sending' | 'sent' | 'uncertain';
  claimedAt: number;
  sentAt?: number;
  cooldownNoticed?: boolean;
  expiresAt: number;
};

/**
 * The "at most one fix message per user per template per cooldown" guard: a conditional write taken
 * before Intercom is called, so duplicates, retries and concurrent jobs cannot send twice.
 */
export class NotifyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claimSend(
    recipient: string,
    templateId: string,
    linkId: string,
    now: number,
    cooldownSeconds: number,
  ): Promise<{ claimed: true } | { claimed: false; existing: SendGuard }> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...sentKey(recipient, templateId),
            linkId,
            state: 'sending',
            claimedAt: now,
            [TTL]: seconds(now) + cooldownSeconds,
          },
          ConditionExpression: `attribute_not_exists(${PK}) OR ${TTL} <= :now`,
          ExpressionAttributeValues: { ':now': seconds(now) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true };
    } catch (err) {
      if (!isConditionFailure(err) || !err.Item) throw err;
      const i = err.Item;
      return {
        claimed: false,
        existing: {
          linkId: i.linkId?.S ?? '',
          state: (i.state?.S ?? 'sent') as SendGuard['state'],
          claimedAt: Number(i.claimedAt?.N ?? 0),
          sentAt: i.sentAt?.N === undefined ? undefined : Number(i.sentAt.N),
          cooldownNoticed: i.cooldownNoticed?.BOOL,
          expiresAt: Number(i[TTL]?.N ?? 0),
        },
      };
    }
  }

  /** The cooldown runs from the moment of sending. */
  async markSent(
    recipient: string,
    templateId: string,
    sentAt: number,
    cooldownSeconds: number,
  ): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: sentKey(recipient, templateId),
        UpdateExpression: `SET #state = :sent, sentAt = :at, ${TTL} = :until`,
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: {
          ':sent': 'sent',
          ':at': sentAt,
          ':until': seconds(sentAt) + cooldownSeconds,
        },
      }),
    );
  }

  async markUncertain(recipient: string, templateId: string, at: number): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: sentKey(recipient, templateId),
        UpdateExpression: 'SET #state = :uncertain, sentAt = :at',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':uncertain': 'uncertain', ':at': at },
      }),
    );
  }

  /** Gives the guard back when nothing was sent, so a retry (or a later occurrence) may send. */
  async releaseSend(recipient: string, templateId: string, linkId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: sentKey(recipient, templateId),
          ConditionExpression: 'linkId = :link AND #state = :sending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':link': linkId, ':sending': 'sending' },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  /** True the first time a cooldown is noticed for this guard: the thread says why once, not per occurrence. */
  async noteCooldown(recipient: string, templateId: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sentKey(recipient, templateId),
          UpdateExpression: 'SET cooldownNoticed = :yes',
          ConditionExpression: `attribute_exists(${PK}) AND attribute_not_exists(cooldownNoticed)`,
          ExpressionAttributeValues: { ':yes': true },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** Writes the outcome onto the detail item (shown on the page); `reported` once Slack has it. */
  async recordOutcome(
    linkId: string,
    templateId: string,
    outcome: NotifyOutcome,
    reported: boolean,
  ): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PK]: `LINK#${linkId}`, [SK]: 'LINK' },
          UpdateExpression: 'SET notify = :notify',
          ConditionExpression: `attribute_exists(${PK})`,
          ExpressionAttributeValues: { ':notify': { ...outcome, templateId, reported } },
        }),
      )
      .catch((err) => {
        if (!isConditionFailure(err)) throw err; // the link is gone: nothing to record on
      });
  }

  /** The latest fix of a group, so its Slack parent shows it and hides a button already used. */
  /**
   * Records a group's latest fix and counts it. Returns true for the group's first automatic outcome:
   * that one is told in the thread; the rest are counted on the alert, so a burst of automatic fixes
   * to many users does not flood the thread (nor hit Slack's per-channel rate limit).
   */
  async recordGroupFix(fingerprint: string, fix: GroupFix, automatic: boolean): Promise<boolean> {
    const sent = fix.status === 'sent' ? 1 : 0;
    const values = { ':fix': fix, ':sent': sent, ':notSent': 1 - sent, ':yes': true };
    // Cooldowns have their own "first": the thread says once why a repeat got no message.
    const flag = fix.status === 'cooldown' ? 'cooldownReported' : 'autoReported';
    const update = (firstAuto: boolean) =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PK]: `GROUP#${fingerprint}`, [SK]: 'GROUP' },
          UpdateExpression: `SET fix = :fix${firstAuto ? `, ${flag} = :yes` : ''} ADD fixesSent :sent, fixesNotSent :notSent`,
          ConditionExpression: firstAuto
            ? `attribute_exists(${PK}) AND attribute_not_exists(${flag})`
            : `attribute_exists(${PK})`,
          ExpressionAttributeValues: firstAuto
            ? values
            : { ':fix': fix, ':sent': sent, ':notSent': 1 - sent },
        }),
      );
    try {
      await update(automatic);
      return automatic;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    // Not the first automatic outcome (or the group is gone): count it without telling the thread.
    await update(false).catch((err) => {
      if (!isConditionFailure(err)) throw err;
    });
    return false;
  }
}
