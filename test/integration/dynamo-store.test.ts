import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { nanoid } from 'nanoid';
import {
  createDocumentClient,
  DynamoStore,
  EVENT_ID_TTL_SECONDS,
  GROUP_TTL_SECONDS,
} from '../../functions/adapters/dynamo-store';
import type { DetailLink } from '../../functions/core/records';
import { USER_COUNT_CAP } from '../../functions/core/records';
import { freshTable } from '../support/pipeline';
import { sampleEvent } from '../support/samples';

describe('DynamoStore against DynamoDB Local', () => {
  let store: DynamoStore;
  let table: Awaited<ReturnType<typeof freshTable>>;
  const t0 = Date.UTC(2026, 10, 21, 9, 0);

  beforeAll(async () => {
    table = await freshTable();
    store = new DynamoStore(createDocumentClient(table.dynamo), table.tableName);
  });

  const link = (over: Partial<DetailLink> = {}, userId = 'u1'): DetailLink => ({
    id: nanoid(),
    eventId: nanoid(),
    fingerprint: 'fp-default',
    event: sampleEvent({ user: { id: userId, email: `${userId}@Example.com` } }),
    receivedAt: t0,
    expiresAt: t0 / 1000 + 3600,
    ...over,
  });

  const scope = (id: string, app = 'billing', environment = 'production') => ({ app, environment, id });

  it('remembers an event id and hands back the first link id to a duplicate', async () => {
    expect(await store.claimEvent(scope('e1'), 'link-a', t0)).toEqual({ fresh: true, linkId: 'link-a' });
    expect(await store.claimEvent(scope('e1'), 'link-b', t0 + 1000)).toEqual({
      fresh: false,
      linkId: 'link-a',
    });
    // After its TTL the id is free again, even before DynamoDB deletes the item.
    expect(await store.claimEvent(scope('e1'), 'link-c', t0 + (EVENT_ID_TTL_SECONDS + 1) * 1000)).toEqual({
      fresh: true,
      linkId: 'link-c',
    });
  });

  it('scopes event ids to their producer: the same id from another app or environment is another event', async () => {
    expect(await store.claimEvent(scope('1001', 'shop'), 'l1', t0)).toEqual({ fresh: true, linkId: 'l1' });
    expect(await store.claimEvent(scope('1001', 'crm'), 'l2', t0)).toEqual({ fresh: true, linkId: 'l2' });
    expect(await store.claimEvent(scope('1001', 'shop', 'staging'), 'l3', t0)).toEqual({
      fresh: true,
      linkId: 'l3',
    });
    // No app name can reach into another scope by containing the separator.
    expect(await store.claimEvent(scope('1001', 'shop","production'), 'l4', t0)).toEqual({
      fresh: true,
      linkId: 'l4',
    });
    expect(await store.claimEvent(scope('1001', 'shop'), 'l5', t0)).toEqual({ fresh: false, linkId: 'l1' });
  });

  it('writes a detail item once: a retry keeps the first version and counts nothing', async () => {
    const first = link({ fingerprint: 'fp-once' });
    expect((await store.recordOccurrence({ fingerprint: 'fp-once', link: first }, t0)).fresh).toBe(true);
    const again = await store.recordOccurrence(
      { fingerprint: 'fp-once', link: { ...first, receivedAt: t0 + 5000, expiresAt: first.expiresAt + 5 } },
      t0 + 5000,
    );
    expect(again.fresh).toBe(false);
    expect(again.group?.count).toBe(1);
    const found = await store.getLink(first.id, t0);
    expect(found.state === 'live' && found.link.expiresAt).toBe(first.expiresAt);
    expect((await store.getLink(first.id, first.expiresAt * 1000)).state).toBe('expired');
    expect((await store.getLink('nope', t0)).state).toBe('missing');
  });

  it('never counts an occurrence again once its link has expired and been deleted', async () => {
    const first = link({ fingerprint: 'fp-gone-link', expiresAt: t0 / 1000 + 60 });
    await store.claimEvent(
      { app: first.event.app, environment: first.event.environment, id: first.eventId },
      first.id,
      t0,
      first.expiresAt,
    );
    expect((await store.recordOccurrence({ fingerprint: 'fp-gone-link', link: first }, t0)).fresh).toBe(true);
    // DynamoDB's TTL deletes the link; the event id outlives it. A redelivery comes an hour later.
    await table.dynamo.send(
      new DeleteItemCommand({
        TableName: table.tableName,
        Key: { pk: { S: `LINK#${first.id}` }, sk: { S: 'LINK' } },
      }),
    );
    const again = await store.recordOccurrence({ fingerprint: 'fp-gone-link', link: first }, t0 + 3600_000);
    expect(again.fresh).toBe(false);
    expect(again.group?.count).toBe(1);
    expect((await store.getLink(first.id, t0)).state).toBe('missing'); // not brought back to life
  });

  it('counts occurrences and distinct users, and counts a retried event only once', async () => {
    const fingerprint = 'fp-count';
    const a = link({ fingerprint }, 'a');
    await store.recordOccurrence({ fingerprint, link: a }, t0);
    await store.recordOccurrence({ fingerprint, link: link({ fingerprint }, 'b') }, t0 + 1);
    const { group } = await store.recordOccurrence({ fingerprint, link: a }, t0 + 2);
    expect(group?.count).toBe(2);
    expect(group?.userCount).toBe(2);
    expect(group?.firstSeenAt).toBe(t0);
    expect(group?.lastSeenAt).toBe(t0 + 1); // a retry is no new sighting
  });

  it('counts each of many concurrent deliveries of one hot group exactly once', async () => {
    const fingerprint = 'fp-hot';
    const links = Array.from({ length: 40 }, (_, i) => link({ fingerprint }, `hot-${i % 7}`));
    // Every occurrence delivered twice at once, as a redelivery racing the first attempt.
    const results = await Promise.all(
      [...links, ...links].map((l) => store.recordOccurrence({ fingerprint, link: l }, t0)),
    );
    expect(results.filter((r) => r.fresh)).toHaveLength(links.length);
    const group = (await store.getGroup(fingerprint, t0))!;
    expect(group.count).toBe(links.length);
    expect(group.userCount).toBe(7);
  });

  it('stops growing the distinct-user set at the cap but keeps counting', async () => {
    const fingerprint = 'fp-cap';
    const users = USER_COUNT_CAP + 5;
    for (let i = 0; i < users; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, users - i) }, (_, j) =>
          store.recordOccurrence({ fingerprint, link: link({ fingerprint }, `user-${i + j}`) }, t0),
        ),
      );
    }
    const group = (await store.getGroup(fingerprint, t0))!;
    expect(group.count).toBe(users);
    expect(group.userCount).toBe(USER_COUNT_CAP);
  });

  it('starts a new group (and a new Slack alert) once the old one expired', async () => {
    const fingerprint = 'fp-expire';
    await store.recordOccurrence({ fingerprint, link: link({ fingerprint }) }, t0);
    const claimed = await store.claimParentPost(fingerprint, 'me', t0, 30_000);
    await store.markParentPosted(fingerprint, { channel: 'C1', ts: '1.1' }, claimed!.count, t0);
    const later = t0 + (GROUP_TTL_SECONDS + 1) * 1000;
    expect(await store.getGroup(fingerprint, later)).toBeUndefined();
    const { group: fresh } = await store.recordOccurrence(
      { fingerprint, link: link({ fingerprint }) },
      later,
    );
    expect(fresh?.count).toBe(1);
    expect(fresh?.slack).toBeUndefined();
    expect(fresh?.firstSeenAt).toBe(later);
  });

  it('lets only one caller claim a parent post or an update slot', async () => {
    const fingerprint = 'fp-claim';
    await store.recordOccurrence({ fingerprint, link: link({ fingerprint }) }, t0);
    const results = await Promise.all(
      ['a', 'b', 'c'].map((by) => store.claimParentPost(fingerprint, by, t0, 30_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    await store.markParentPosted(fingerprint, { channel: 'C1', ts: '1.2' }, 1, t0);
    const slots = await Promise.all(
      ['x', 'y', 'z'].map((by) => store.claimUpdate(fingerprint, by, t0, t0 + 10_000, 30_000)),
    );
    expect(slots.filter(Boolean)).toHaveLength(1);
  });

  it('marks an update shown only once Slack took it, and lets a stale or resent claim through', async () => {
    const fingerprint = 'fp-update';
    await store.recordOccurrence({ fingerprint, link: link({ fingerprint }) }, t0);
    await store.markParentPosted(fingerprint, { channel: 'C1', ts: '1.4' }, 1, t0);
    await store.recordOccurrence({ fingerprint, link: link({ fingerprint }) }, t0 + 1);
    const claimed = await store.claimUpdate(fingerprint, 'a', t0, t0 + 10_000, 30_000);
    expect(claimed?.count).toBe(2);
    expect(claimed?.postedCount).toBe(1); // not shown yet
    // The same request resent (its answer lost) finds its own claim; another caller does not.
    expect(await store.claimUpdate(fingerprint, 'a', t0, t0 + 10_001, 30_000)).toBeDefined();
    expect(await store.claimUpdate(fingerprint, 'b', t0, t0 + 10_002, 30_000)).toBeUndefined();
    // The holder died: after the stale time another caller takes over.
    expect(await store.claimUpdate(fingerprint, 'b', t0, t0 + 41_000, 30_000)).toBeDefined();
    await store.markUpdated(fingerprint, 'a', 2, t0 + 40_002); // the old holder's late mark is refused
    expect((await store.getGroup(fingerprint, t0))?.postedCount).toBe(1);
    await store.markUpdated(fingerprint, 'b', 2, t0 + 40_003);
    const shown = await store.getGroup(fingerprint, t0);
    expect(shown).toMatchObject({ postedCount: 2, lastPostedAt: t0 + 40_003 });
    expect(shown?.updateClaim).toBeUndefined();
  });

  it('remembers a post attempt whose outcome is unknown until a post is recorded', async () => {
    const fingerprint = 'fp-attempt';
    await store.recordOccurrence({ fingerprint, link: link({ fingerprint }) }, t0);
    expect((await store.claimParentPost(fingerprint, 'a', t0, 30_000))?.postAttemptAt).toBe(t0);
    await store.releaseParentClaim(fingerprint, 'a', false); // timed out: it may have posted
    const next = await store.claimParentPost(fingerprint, 'b', t0 + 5, 30_000);
    expect(next?.postAttemptAt).toBe(t0); // the next claimer knows to look for it
    await store.releaseParentClaim(fingerprint, 'b', true); // Slack said no: nothing was posted
    expect((await store.claimParentPost(fingerprint, 'c', t0 + 9, 30_000))?.postAttemptAt).toBe(t0 + 9);
    await store.markParentPosted(fingerprint, { channel: 'C1', ts: '1.3' }, 1, t0 + 9);
    expect((await store.getGroup(fingerprint, t0 + 9))?.postAttemptAt).toBeUndefined();
  });

  it('acts on a flush only with the token it was scheduled with', async () => {
    const fingerprint = 'fp-flush';
    await store.recordOccurrence({ fingerprint, link: link({ fingerprint }) }, t0);
    expect(await store.scheduleFlush(fingerprint, 'token-1', t0 + 10_000, t0, 600_000)).toBe(true);
    expect(await store.scheduleFlush(fingerprint, 'token-1', t0 + 10_000, t0, 600_000)).toBe(true); // resent
    expect(await store.scheduleFlush(fingerprint, 'token-2', t0 + 10_000, t0, 600_000)).toBe(false);
    await store.clearFlush(fingerprint, 'forged');
    expect((await store.getGroup(fingerprint, t0))?.flushToken).toBe('token-1');
    // The running flush hands over to the one it schedules.
    expect(await store.scheduleFlush(fingerprint, 'token-3', t0 + 20_000, t0, 600_000, 'token-1')).toBe(true);
    await store.clearFlush(fingerprint, 'token-1'); // its own clear is then a no-op
    expect((await store.getGroup(fingerprint, t0))?.flushToken).toBe('token-3');
    await store.clearFlush(fingerprint, 'token-3');
    expect((await store.getGroup(fingerprint, t0))?.flushDueAt).toBeUndefined();
  });

  it('finds a customer’s unexpired errors through the index, newest first, by lower-cased email', async () => {
    const older = link({ receivedAt: t0 }, 'cust');
    const newer = link({ receivedAt: t0 + 60_000 }, 'cust');
    const expired = link({ receivedAt: t0 + 120_000, expiresAt: t0 / 1000 - 1 }, 'cust');
    for (const l of [older, newer, expired])
      await store.recordOccurrence({ fingerprint: 'fp-cust', link: l }, t0);
    const found = await store.linksForEmail('CUST@example.com', t0, 10);
    expect(found.map((l) => l.id)).toEqual([newer.id, older.id]);
    expect(await store.linksForEmail('other@example.com', t0, 10)).toEqual([]);
  });

  it('ignores a late flush for a group that is gone, and repairs a group item left without a TTL', async () => {
    await store.clearFlush('fp-gone', 'token');
    expect(await store.getGroup('fp-gone', t0)).toBeUndefined();

    // An item with keys only (as an unconditional write after TTL deletion would leave) must not
    // block the group for ever: the next occurrence starts it afresh.
    const { dynamo, tableName } = table;
    await dynamo.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { pk: { S: 'GROUP#fp-keys-only' }, sk: { S: 'GROUP' } },
      }),
    );
    const fingerprint = 'fp-keys-only';
    const { group } = await store.recordOccurrence({ fingerprint, link: link({ fingerprint }) }, t0);
    expect(group?.count).toBe(1);
    expect(group?.expiresAt).toBeGreaterThan(t0 / 1000);
  });
});
