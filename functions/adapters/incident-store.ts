import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { IncidentChange } from '../core/oncall/incident';
import type { ErrorGroup } from '../core/records';
import type { IncidentStore } from '../services/ports';
import { groupKey, PK, toGroup, unlessConditionFails } from './table-items';

/**
 * A group's incident (urgency, status) on its group item. Every write is conditional on the revision
 * it was decided on: two triage containers, a button and a timer may decide at once, and the one that
 * comes second reads again instead of overwriting (an Acknowledge that races a timer's escalation wins
 * this way, whichever writes first). The recent users are appended by the counting transaction
 * (dynamo-store.ts) and only pruned here.
 */
export class DynamoIncidentStore implements IncidentStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async writeIncident(
    fingerprint: string,
    revision: number | undefined,
    change: IncidentChange,
  ): Promise<ErrorGroup | undefined> {
    const set: string[] = ['revision = :next'];
    const remove: string[] = [];
    const values: Record<string, unknown> = { ':next': (revision ?? 0) + 1 };
    // Names, not the attributes themselves: `status` is one of DynamoDB's reserved words.
    const names: Record<string, string> = {};
    for (const name of ['urgency', 'status'] as const) {
      names[`#${name}`] = name;
      const value = change[name];
      if (value === undefined) remove.push(`#${name}`);
      else {
        set.push(`#${name} = :${name}`);
        values[`:${name}`] = value;
      }
    }
    if (change.urgency) {
      // High for good: the outage threshold has done its job, so every write of a high group drops
      // what containers that had not read it high yet appended. A pruning decided before is refused.
      remove.push('recentUsers');
      set.push('recentPrunes = if_not_exists(recentPrunes, :zero) + :one');
    }
    if (change.shown) {
      set.push('stateVersion = if_not_exists(stateVersion, :zero) + :one');
    }
    if (change.urgency || change.shown) Object.assign(values, { ':zero': 0, ':one': 1 });
    let condition = `attribute_exists(${PK}) AND `;
    if (revision === undefined) condition += 'attribute_not_exists(revision)';
    else {
      condition += 'revision = :revision';
      values[':revision'] = revision;
    }
    const result = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: groupKey(fingerprint),
          UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return result?.Attributes && toGroup(result.Attributes);
  }

  /**
   * Drops entries of the recent users by position, as read in `group`. Appends only add at the end and
   * every pruning bumps `recentPrunes`, so while that and the group's first sighting are as read, the
   * positions still name the same entries.
   */
  async dropRecentUsers(fingerprint: string, group: ErrorGroup, positions: number[]): Promise<boolean> {
    if (positions.length === 0) return false;
    const seen = group.recentPrunes;
    const result = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: groupKey(fingerprint),
          UpdateExpression:
            `REMOVE ${positions.map((i) => `#r[${i}]`).join(', ')} ` +
            'SET recentPrunes = if_not_exists(recentPrunes, :zero) + :one',
          ConditionExpression:
            'firstSeenAt = :first AND size(#r) >= :length AND ' +
            (seen === undefined ? 'attribute_not_exists(recentPrunes)' : 'recentPrunes = :seen'),
          ExpressionAttributeNames: { '#r': 'recentUsers' },
          ExpressionAttributeValues: {
            ':first': group.firstSeenAt,
            ':length': group.recentUsers?.length ?? 0,
            ':zero': 0,
            ':one': 1,
            ...(seen !== undefined && { ':seen': seen }),
          },
        }),
      ),
    );
    return result !== undefined;
  }
}
