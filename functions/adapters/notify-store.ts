import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ErrorGroup, GroupFix, NotifyOutcome } from '../core/records';
import type { CooldownGuard, FixGuards, FixOutcomes, SendClaim } from '../services/ports';
import {
  fixKey,
  groupKey,
  isConditionFailure,
  linkKey,
  PK,
  seconds,
  sentKey,
  TTL,
  toGroup,
  unlessConditionFails,
} from './table-items';

/**
 * What notify keeps in the table: the two guards, each a conditional write taken before Intercom is
 * called so duplicates, retries and concurrent jobs cannot send twice — one fix message per occurrence
 * ever (`FIX#`), one per user and template per cooldown (`SENT#`) — and the outcomes, recorded on the
 * occurrence's detail item and counted on its group.
 */
export class NotifyStore implements FixGuards, FixOutcomes {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Takes the once-per-occurrence guard: at most one fix message per occurrence, ever — not only
   * within a cooldown, which may be short. It lives as long as the occurrence's link (`expiresAt`,
   * epoch seconds). When held, says by which attempt (`token`) and since when.
   */
  async claimOccurrence(
    linkId: string,
    token: string,
    now: number,
    expiresAt: number,
  ): Promise<{ claimed: true } | { claimed: false; at: number }> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...fixKey(linkId), token, at: now, [TTL]: expiresAt },
          // A resent request (its answer lost) finds its own claim.
          ConditionExpression: `attribute_not_exists(${PK}) OR #token = :token`,
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': token },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      return { claimed: false, at: Number(err.Item?.at?.N ?? 0) };
    }
  }

  /** Gives the occurrence guard back when this attempt sent nothing, so a retry may try again. */
  async releaseOccurrence(linkId: string, token: string): Promise<void> {
    await unlessConditionFails(
      this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: fixKey(linkId),
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': token },
        }),
      ),
    );
  }

  /** Takes the cooldown guard for this attempt (`token`); a resent request finds its own claim. */
  async claimSend({
    recipient,
    templateId,
    linkId,
    token,
    now,
    cooldownSeconds,
  }: SendClaim): Promise<{ claimed: true } | { claimed: false; existing: CooldownGuard }> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...sentKey(recipient, templateId),
            linkId,
            token,
            state: 'sending',
            claimedAt: now,
            [TTL]: seconds(now) + cooldownSeconds,
          },
          ConditionExpression: `attribute_not_exists(${PK}) OR ${TTL} <= :now OR #token = :token`,
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':now': seconds(now), ':token': token },
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
          state: (i.state?.S ?? 'sent') as CooldownGuard['state'],
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

  /** Gives this attempt's guard back when nothing was sent, so a retry (or a later occurrence) may send. */
  async releaseSend(recipient: string, templateId: string, token: string): Promise<void> {
    await unlessConditionFails(
      this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: sentKey(recipient, templateId),
          ConditionExpression: '#token = :token AND #state = :sending',
          ExpressionAttributeNames: { '#state': 'state', '#token': 'token' },
          ExpressionAttributeValues: { ':token': token, ':sending': 'sending' },
        }),
      ),
    );
  }

  /** True the first time a cooldown is noticed for this guard: the thread says why once, not per occurrence. */
  async noteCooldown(recipient: string, templateId: string): Promise<boolean> {
    const noted = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sentKey(recipient, templateId),
          UpdateExpression: 'SET cooldownNoticed = :yes',
          ConditionExpression: `attribute_exists(${PK}) AND attribute_not_exists(cooldownNoticed)`,
          ExpressionAttributeValues: { ':yes': true },
        }),
      ),
    );
    return noted !== undefined;
  }

  /** Writes the outcome onto the detail item (shown on the page); `reported` once Slack has it. */
  async recordOutcome(
    linkId: string,
    templateId: string,
    outcome: NotifyOutcome,
    reported: boolean,
  ): Promise<void> {
    // A refusal means the link is gone: nothing to record on.
    await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: linkKey(linkId),
          UpdateExpression: 'SET notify = :notify',
          ConditionExpression: `attribute_exists(${PK})`,
          ExpressionAttributeValues: { ':notify': { ...outcome, templateId, reported } },
        }),
      ),
    );
  }

  /**
   * Records a group's latest fix, counts it (unless `count` is false: a retry re-reporting an outcome
   * already counted) and returns the group as it now stands, in one write. `first` is true when this
   * link is the group's first automatic outcome of its kind — the one told in the thread; the rest are
   * counted on the alert, so a burst of automatic fixes does not flood the thread (nor hit Slack's
   * per-channel rate limit). Keyed by link id, so a retry of that same outcome is still "first".
   */
  async recordGroupFix(
    fingerprint: string,
    fix: GroupFix,
    options: { automatic: boolean; count: boolean },
  ): Promise<{ first: boolean; group?: ErrorGroup }> {
    const sent = options.count && fix.status === 'sent' ? 1 : 0;
    const notSent = options.count && fix.status !== 'sent' ? 1 : 0;
    // Cooldowns have their own "first": the thread says once why a repeat got no message.
    const flag = fix.status === 'cooldown' ? 'cooldownReportedFor' : 'autoReportedFor';
    const result = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: groupKey(fingerprint),
          UpdateExpression: `SET fix = :fix, ${flag} = if_not_exists(${flag}, :link) ADD fixesSent :sent, fixesNotSent :notSent`,
          ConditionExpression: `attribute_exists(${PK})`,
          ExpressionAttributeValues: { ':fix': fix, ':link': fix.linkId, ':sent': sent, ':notSent': notSent },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    const item = result?.Attributes;
    if (!item) return { first: false }; // the group is gone
    return { first: options.automatic && item[flag] === fix.linkId, group: toGroup(item) };
  }
}
