import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { nanoid } from 'nanoid';
import { createDocumentClient, DynamoStore, GROUP_TTL_SECONDS } from '../../functions/adapters/dynamo-store';
import { DynamoIncidentStore } from '../../functions/adapters/incident-store';
import { fingerprintOfGroupKey, groupKey } from '../../functions/adapters/table-items';
import { MAX_DROPPED_PER_WRITE, RECENT_USERS_CAP } from '../../functions/core/oncall/urgency';
import { userHash } from '../../functions/core/recipient';
import type { DetailLink, ErrorGroup } from '../../functions/core/records';
import type { Occurrence } from '../../functions/services/ports';
import { scanItems } from '../../local/table-scan';
import { freshTable, type Pipeline, startPipeline } from '../support/pipeline';
import { sampleEvent } from '../support/samples';
import { writeTeamFile } from '../support/team-file';

/*
 * The outage threshold's recent users: appended by the counting transaction, pruned by position in a
 * write of their own (README → On-call and escalation), against DynamoDB Local.
 */
describe('recent users on the group item', () => {
  let store: DynamoStore;
  let incidents: DynamoIncidentStore;
  let doc: DynamoDBDocumentClient;
  let tableName: string;
  const t0 = Date.UTC(2026, 11, 2, 9, 0);
  const S = t0 / 1000;

  beforeAll(async () => {
    const table = await freshTable();
    doc = createDocumentClient(table.dynamo);
    tableName = table.tableName;
    store = new DynamoStore(doc, table.tableName);
    incidents = new DynamoIncidentStore(doc, table.tableName);
  });

  const occurrence = (fingerprint: string, user: string, seenAt?: number, at = t0): Occurrence => {
    const link: DetailLink = {
      id: nanoid(),
      eventId: nanoid(),
      fingerprint,
      event: sampleEvent({ user: { id: user } }),
      receivedAt: at,
      expiresAt: at / 1000 + 3600,
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

  it('removes the users on a write of the high group, and refuses a pruning read before it even once the list regrew', async () => {
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
    // A container that had not read it high yet appends a batch larger than the read list.
    await store.recordOccurrences(
      Array.from({ length: 70 }, (_, i) => occurrence(fp, `late${i}`, S + 1)),
      t0,
    );
    expect(await incidents.dropRecentUsers(fp, seen, [0, 1])).toBe(false);
    const after = await read(fp);
    expect(after.recentUsers).toHaveLength(70);
    expect(after.urgency).toEqual(urgency);
  });

  it('refuses to prune a group that expired and started again since the read', async () => {
    const fp = 'fp-reset';
    await store.recordOccurrences([occurrence(fp, 'r1', S), occurrence(fp, 'r2', S)], t0);
    const seen = await read(fp);
    const later = t0 + (GROUP_TTL_SECONDS + 60) * 1000;
    const fresh = (user: string) => occurrence(fp, user, later / 1000, later);
    await store.recordOccurrences([fresh('n1'), fresh('n2'), fresh('n3')], later);
    const restarted = (await store.getGroup(fp, later))!;
    expect(restarted.count).toBe(3);
    expect(restarted.firstSeenAt).toBe(later);
    expect(await incidents.dropRecentUsers(fp, seen, [0])).toBe(false);
    expect((await store.getGroup(fp, later))!.recentUsers).toHaveLength(3);
  });

  it('counts a group whose recent users are at their cap without appending, and appends again once pruned', async () => {
    const fp = 'fp-cap';
    await store.recordOccurrences([occurrence(fp, 'c0', S)], t0);
    const full = Array.from({ length: RECENT_USERS_CAP }, (_, i) => [`x${i}`, S]);
    await doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: groupKey(fp),
        UpdateExpression: 'SET recentUsers = :full',
        ExpressionAttributeValues: { ':full': full },
      }),
    );
    const results = await store.recordOccurrences(
      [occurrence(fp, 'c1', S + 1), occurrence(fp, 'c2', S + 1)],
      t0,
    );
    expect(results.map((r) => r.status)).toEqual(['stored', 'stored']);
    const capped = await read(fp);
    expect(capped.count).toBe(3);
    expect(capped.userCount).toBe(3);
    expect(capped.recentUsers).toHaveLength(RECENT_USERS_CAP);

    expect(await incidents.dropRecentUsers(fp, capped, [0, 1, 2])).toBe(true);
    await store.recordOccurrences([occurrence(fp, 'c3', S + 2)], t0);
    expect((await read(fp)).recentUsers?.at(-1)).toEqual([hash('c3'), S + 2]);
  });
});

describe('recent users through triage', () => {
  let p: Pipeline;
  beforeAll(async () => {
    const file = writeTeamFile([
      'timezone: Europe/London',
      'people:',
      '  - { id: leo, name: Leo, slack: U0LEO00001, timezone: Europe/London, hours: Mon-Fri 09:00-17:00 }',
      'oncall: { rotation: [leo], handoff: Mon 09:00, every: 1w, respond: 30m }',
      'urgency:',
      '  - match: { users: 5, within: 10m }',
      'escalation:',
      '  - { notify: oncall }',
    ]);
    p = await startPipeline({
      concurrency: 2,
      env: { HEADSUP_ONCALL: file },
      allowedMentions: ['U0LEO00001'],
    });
  });
  afterAll(() => p.close());

  const events = (from: number, count: number, users: string[]) =>
    Array.from({ length: count }, (_, i) =>
      JSON.stringify(
        sampleEvent({
          id: `noisy-${from + i}`,
          error: { type: 'NoisyError', message: 'the same three users' },
          user: { id: users[(from + i) % users.length]! },
        }),
      ),
    );

  it('keeps a noisy group of three users short, then turns it high when the fifth user comes', async () => {
    for (let i = 0; i < 30; i++) await p.send(events(i * 100, 100, ['a', 'b', 'c']));
    await p.source.drain(120_000);
    const [group] = await scanItems(p.dynamo, p.config.tableName, 'GROUP#');
    const fp = fingerprintOfGroupKey((group!.pk as { S: string }).S);
    const noisy = (await p.store.getGroup(fp, p.deps.now()))!;
    expect(noisy.count).toBe(3000);
    expect(noisy.urgency).toBeUndefined();
    // 30 batches or more each appended the 3 users: pruned whenever 50 could go.
    expect(noisy.recentPrunes).toBeGreaterThanOrEqual(1);
    expect(noisy.recentUsers!.length).toBeLessThan(53 + 3 * 2);

    await p.send(events(3000, 2, ['d', 'e']));
    await p.source.drain(120_000);
    const high = (await p.store.getGroup(fp, p.deps.now()))!;
    expect(high.urgency?.reason).toBe('≥ 5 users in 10 min');
  }, 180_000);
});
