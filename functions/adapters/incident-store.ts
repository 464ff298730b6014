import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { IncidentChange } from '../core/oncall/incident';
import type { ErrorGroup } from '../core/records';
import type { IncidentStore } from '../services/ports';
import { groupKey, PK, toGroup, unlessConditionFails } from './table-items';

/**
 * A group's incident (urgency, status, recent users) on its group item. Every write is conditional on
 * the revision it was decided on: two triage containers, a button and a timer may decide at once, and
 * the one that comes second reads again instead of overwriting (an Acknowledge that races a timer's
 * escalation wins this way, whichever writes first).
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
    for (const name of ['urgency', 'status', 'recentUsers'] as const) {
      names[`#${name}`] = name;
      const value = change[name];
      if (value === undefined) remove.push(`#${name}`);
      else {
        set.push(`#${name} = :${name}`);
        values[`:${name}`] = value;
      }
    }
    if (change.shown) {
      set.push('stateVersion = if_not_exists(stateVersion, :zero) + :one');
      Object.assign(values, { ':zero': 0, ':one': 1 });
    }
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
}
