import { nanoid } from 'nanoid';
import { createDocumentClient, DynamoStore } from '../../functions/adapters/dynamo-store';
import { DynamoIncidentStore } from '../../functions/adapters/incident-store';
import { MAX_DROPPED_PER_WRITE } from '../../functions/core/oncall/urgency';
import { userHash } from '../../functions/core/recipient';
import type { DetailLink, ErrorGroup } from '../../functions/core/records';
import type { Occurrence } from '../../functions/services/ports';
import { freshTable } from '../support/pipeline';
import { sampleEvent } from '../support/samples';

/*
 * The outage threshold's recent users: appended by the counting transaction, pruned by position in a
 * write of their own (README → On-call and escalation), against DynamoDB Local.
 */
describe('recent users on the group item', () => {
  let store: DynamoStore;
  let incidents: DynamoIncidentStore;
  const t0 = Date.UTC(2026, 11, 2, 9, 0);
  const S = t0 / 1000;

  beforeAll(async () => {
    const table = await freshTable();
    const doc = createDocumentClient(table.dynamo);
    store = new DynamoStore(doc, table.tableName);
    incidents = new DynamoIncidentStore(doc, table.tableName);
  });

  const occurrence = (fingerprint: string, user: string, seenAt?: number): Occurrence => {
    const link: DetailLink = {
      id: nanoid(),
      eventId: nanoid(),
      fingerprint,
      event: sampleEvent({ user: { id: user } }),
      receivedAt: t0,
      expiresAt: S + 3600,
    };
    return { fingerprint, link, ...(seenAt !== undefined && { seenAt }) };
  };
  const hash = (user: string) => userHash({ id: user })!;
  const read = async (fp: string) => (await store.getGroup(fp, t0))!;

  it('appends each user of a batch once, at its latest sighting, and nothing without seenAt', async () => {
    await store.recordOccurrences(
      [
        occurrence('fp-append', 'a', S),
        occurrence('fp-append', 'b', S + 1),
        occurrence('fp-append', 'a', S + 2),
        occurrence('fp-append', 'c'),
      ],
      t0,
    );
    await store.recordOccurrences([occurrence('fp-append', 'a', S + 5)], t0);
    const group = await read('fp-append');
    expect(group.count).toBe(5);
    expect(group.recentUsers).toEqual([
      [hash('a'), S + 2],
      [hash('b'), S + 1],
      [hash('a'), S + 5],
    ]);
  });

  it('loses no user of 40 concurrent batches of one group', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, b) =>
        store.recordOccurrences(
          Array.from({ length: 5 }, (_, i) => occurrence('fp-hot', `u${b}-${i}`, S + b)),
          t0,
        ),
      ),
    );
    const group = await read('fp-hot');
    expect(group.count).toBe(200);
    expect(new Set(group.recentUsers!.map(([u]) => u)).size).toBe(200);
  });

  it('drops the positions it read, keeps what was appended since, and refuses a second pruning of that read', async () => {
    const fp = 'fp-prune';
    await store.recordOccurrences(
      Array.from({ length: 400 }, (_, i) => occurrence(fp, `p${i}`, S + i)),
      t0,
    );
    const seen = await read(fp);
    // Appended after the read: a pruning by position must not touch these.
    await store.recordOccurrences([occurrence(fp, 'late', S + 999)], t0);
    const positions = Array.from({ length: MAX_DROPPED_PER_WRITE }, (_, i) => i);
    expect(await incidents.dropRecentUsers(fp, seen, positions)).toBe(true);
    expect(await incidents.dropRecentUsers(fp, seen, positions)).toBe(false);

    const after = await read(fp);
    expect(after.recentPrunes).toBe(1);
    expect(after.recentUsers).toEqual([
      ...seen.recentUsers!.slice(MAX_DROPPED_PER_WRITE),
      [hash('late'), S + 999],
    ]);
  });

  it('removes the users once the group is high, and then refuses a pruning decided before', async () => {
    const fp = 'fp-high';
    await store.recordOccurrences(
      Array.from({ length: 60 }, (_, i) => occurrence(fp, `h${i}`, S)),
      t0,
    );
    const seen = await read(fp);
    const urgency: ErrorGroup['urgency'] = { level: 'high', reason: '≥ 5 users in 10 min', at: t0 };
    const high = await incidents.writeIncident(fp, seen.revision, {
      urgency,
      status: undefined,
      shown: true,
    });
    expect(high?.recentUsers).toBeUndefined();
    expect(await incidents.dropRecentUsers(fp, seen, [0, 1])).toBe(false);
    expect((await read(fp)).urgency).toEqual(urgency);
  });

  it('refuses to prune a group that started again since the read', async () => {
    const fp = 'fp-reset';
    await store.recordOccurrences([occurrence(fp, 'r1', S), occurrence(fp, 'r2', S)], t0);
    const seen = await read(fp);
    expect(await incidents.dropRecentUsers(fp, { ...seen, firstSeenAt: seen.firstSeenAt - 1 }, [0])).toBe(
      false,
    );
    expect((await read(fp)).recentUsers).toHaveLength(2);
  });
});
