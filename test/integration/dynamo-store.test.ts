import { DeleteItemCommand, PutItemCommand, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { nanoid } from 'nanoid';
import {
  createDocumentClient,
  DynamoStore,
  EVENT_ID_TTL_SECONDS,
  GROUP_TTL_SECONDS,
} from '../../functions/adapters/dynamo-store';
import { groupKey } from '../../functions/adapters/table-items';
import type { DetailLink } from '../../functions/core/records';
import { USER_COUNT_CAP } from '../../functions/core/records';
import { scanItems } from '../../local/table-scan';
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

  /** Stores one occurrence alone (a batch of one) and answers its result. */
  const record = async (l: DetailLink, now = t0, fingerprint = l.fingerprint) =>
    (await store.recordOccurrences([{ fingerprint, link: l }], now))[0]!;
  /** The same occurrence delivered again: another proposed link id, the same event id. */
  const again = (l: DetailLink, over: Partial<DetailLink> = {}): DetailLink => ({
    ...l,
    id: nanoid(),
    ...over,
  });
  const byApp = (id: string, app: string, environment = 'production'): DetailLink =>
    link({
      eventId: id,
      fingerprint: `fp-scope-${app}-${environment}`,
      event: sampleEvent({ app, environment }),
    });

  it('remembers an event id and hands back the first link id to a duplicate', async () => {
    const first = link({ fingerprint: 'fp-id' });
    expect(await record(first)).toEqual({ status: 'stored', linkId: first.id });
    expect(await record(again(first), t0 + 1000)).toEqual({ status: 'duplicate', linkId: first.id });
    // After its TTL the id is free again, even before DynamoDB deletes the item.
    const later = again(first);
    expect(await record(later, t0 + (EVENT_ID_TTL_SECONDS + 1) * 1000)).toEqual({
      status: 'stored',
      linkId: later.id,
    });
  });

  it('scopes event ids to their producer: the same id from another app or environment is another event', async () => {
    const links = [
      byApp('1001', 'shop'),
      byApp('1001', 'crm'),
      byApp('1001', 'shop', 'staging'),
      // No app name can reach into another scope by containing the separator.
      byApp('1001', 'shop","production'),
    ];
    const results = await store.recordOccurrences(
      links.map((l) => ({ fingerprint: l.fingerprint, link: l })),
      t0,
    );
    expect(results).toEqual(links.map((l) => ({ status: 'stored', linkId: l.id })));
    expect(await record(again(links[0]!), t0)).toEqual({ status: 'duplicate', linkId: links[0]!.id });
  });

  it('writes a detail item once: a retry keeps the first version and counts nothing', async () => {
    const first = link({ fingerprint: 'fp-once' });
    expect((await record(first)).status).toBe('stored');
    const retry = { ...first, receivedAt: t0 + 5000, expiresAt: first.expiresAt + 5 };
    expect(await record(retry, t0 + 5000)).toEqual({ status: 'duplicate', linkId: first.id });
    expect((await store.getGroup('fp-once', t0))?.count).toBe(1);
    const found = await store.getLink(first.id, t0);
    expect(found.state === 'live' && found.link.expiresAt).toBe(first.expiresAt);
    expect((await store.getLink(first.id, first.expiresAt * 1000)).state).toBe('expired');
    expect((await store.getLink('nope', t0)).state).toBe('missing');
  });

  it('never counts an occurrence again once its link has expired and been deleted', async () => {
    const first = link({ fingerprint: 'fp-gone-link', expiresAt: t0 / 1000 + 60 });
    expect((await record(first)).status).toBe('stored');
    // DynamoDB's TTL deletes the link; the event id outlives it. A redelivery comes an hour later.
    await table.dynamo.send(
      new DeleteItemCommand({
        TableName: table.tableName,
        Key: { pk: { S: `LINK#${first.id}` }, sk: { S: 'LINK' } },
      }),
    );
    expect(await record(again(first), t0 + 3600_000)).toEqual({ status: 'duplicate', linkId: first.id });
    expect((await store.getGroup('fp-gone-link', t0 + 3600_000))?.count).toBe(1);
    expect((await store.getLink(first.id, t0)).state).toBe('missing'); // not brought back to life
  });

  it('counts occurrences and distinct users, and counts a retried event only once', async () => {
    const fingerprint = 'fp-count';
    const a = link({ fingerprint }, 'a');
    await record(a, t0);
    await record(link({ fingerprint }, 'b'), t0 + 1);
    await record(a, t0 + 2);
    const group = await store.getGroup(fingerprint, t0);
    expect(group?.count).toBe(2);
    expect(group?.userCount).toBe(2);
    expect(group?.firstSeenAt).toBe(t0);
    expect(group?.lastSeenAt).toBe(t0 + 1); // a retry is no new sighting
  });

  it('counts a batch of 10 over 3 groups exactly, with each group’s users and its latest link', async () => {
    const fps = ['fp-b10-a', 'fp-b10-b', 'fp-b10-c'];
    // 5 of a (users x, y), 3 of b (user x), 2 of c (users z, w), interleaved.
    const plan: [number, string][] = [
      [0, 'x'],
      [1, 'x'],
      [0, 'y'],
      [2, 'z'],
      [0, 'x'],
      [1, 'x'],
      [0, 'y'],
      [2, 'w'],
      [1, 'x'],
      [0, 'x'],
    ];
    const links = plan.map(([g, u]) => link({ fingerprint: fps[g]! }, u));
    const results = await store.recordOccurrences(
      links.map((l) => ({ fingerprint: l.fingerprint, link: l })),
      t0,
    );
    expect(results.every((r) => r.status === 'stored')).toBe(true);
    const groups = await store.getGroups([...fps, 'fp-b10-none'], t0);
    expect([...groups.keys()].sort()).toEqual(fps);
    expect(fps.map((fp) => [groups.get(fp)?.count, groups.get(fp)?.userCount])).toEqual([
      [5, 2],
      [3, 1],
      [2, 2],
    ]);
    // The latest is the batch's last occurrence of each group.
    expect(groups.get('fp-b10-a')?.latest.linkId).toBe(links[9]!.id);
    expect(groups.get('fp-b10-b')?.latest.linkId).toBe(links[8]!.id);
    expect(groups.get('fp-b10-c')?.latest.linkId).toBe(links[7]!.id);
    expect((await scanItems(table.dynamo, table.tableName, 'LINK#')).length).toBeGreaterThanOrEqual(10);

    // The whole batch again (its first attempt's answer was lost): nothing counts twice.
    const retried = await store.recordOccurrences(
      links.map((l) => ({ fingerprint: l.fingerprint, link: again(l) })),
      t0 + 1000,
    );
    expect(retried).toEqual(links.map((l) => ({ status: 'duplicate', linkId: l.id })));
    const after = await store.getGroups(fps, t0 + 1000);
    expect(fps.map((fp) => after.get(fp)?.count)).toEqual([5, 3, 2]);
    expect(after.get('fp-b10-a')?.lastSeenAt).toBe(t0);
  });

  it('stores the new events of a batch and reports the one a earlier batch stored as a duplicate', async () => {
    const fingerprint = 'fp-mixed';
    const old = link({ fingerprint }, 'm1');
    await record(old);
    const fresh = [link({ fingerprint }, 'm2'), link({ fingerprint: 'fp-mixed-2' }, 'm3')];
    const results = await store.recordOccurrences(
      [fresh[0]!, again(old), fresh[1]!].map((l) => ({ fingerprint: l.fingerprint, link: l })),
      t0 + 10,
    );
    expect(results).toEqual([
      { status: 'stored', linkId: fresh[0]!.id },
      { status: 'duplicate', linkId: old.id },
      { status: 'stored', linkId: fresh[1]!.id },
    ]);
    expect(await store.getGroup(fingerprint, t0)).toMatchObject({ count: 2, userCount: 2 });
    expect((await store.getGroup('fp-mixed-2', t0))?.count).toBe(1);
  });

  it('counts the same event twice in one batch once: the second is a duplicate of the first', async () => {
    const fingerprint = 'fp-twice-in-batch';
    const first = link({ fingerprint });
    const other = link({ fingerprint }, 'u2');
    const results = await store.recordOccurrences(
      [first, other, again(first)].map((l) => ({ fingerprint, link: l })),
      t0,
    );
    expect(results).toEqual([
      { status: 'stored', linkId: first.id },
      { status: 'stored', linkId: other.id },
      { status: 'duplicate', linkId: first.id },
    ]);
    expect((await store.getGroup(fingerprint, t0))?.count).toBe(2);
  });

  it('stores an event the previous version claimed but never counted under the link that claim chose', async () => {
    const fingerprint = 'fp-legacy';
    const l = link({ fingerprint });
    // The previous version's claimEvent: an id record with a link id, without `counted`.
    await table.dynamo.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: {
          pk: { S: `EVENT#${JSON.stringify([l.event.app, l.event.environment, l.eventId])}` },
          sk: { S: 'EVENT' },
          linkId: { S: 'legacy-link-id' },
          expiresAt: { N: String(t0 / 1000 + 86400) },
        },
      }),
    );
    expect(await record(l)).toEqual({ status: 'stored', linkId: 'legacy-link-id' });
    expect((await store.getLink('legacy-link-id', t0)).state).toBe('live');
    expect((await store.getLink(l.id, t0)).state).toBe('missing');
    expect(await record(again(l))).toEqual({ status: 'duplicate', linkId: 'legacy-link-id' });
    expect((await store.getGroup(fingerprint, t0))?.count).toBe(1);
  });

  it('counts each of many concurrent deliveries of one hot group exactly once', async () => {
    const fingerprint = 'fp-hot';
    const links = Array.from({ length: 40 }, (_, i) => link({ fingerprint }, `hot-${i % 7}`));
    // Every occurrence delivered twice, in batches of 10 that all run at once (a redelivery racing
    // the first attempt, two batches on the same group at the same time).
    const deliveries = [...links, ...links.slice(5), ...links.slice(0, 5)];
    const batches = Array.from({ length: deliveries.length / 10 }, (_, b) =>
      deliveries.slice(b * 10, b * 10 + 10),
    );
    const results = (
      await Promise.all(
        batches.map((batch) =>
          store.recordOccurrences(
            batch.map((l) => ({ fingerprint, link: l })),
            t0,
          ),
        ),
      )
    ).flat();
    expect(results.filter((r) => r.status === 'failed')).toEqual([]);
    expect(results.filter((r) => r.status === 'stored')).toHaveLength(links.length);
    const group = (await store.getGroup(fingerprint, t0))!;
    expect(group.count).toBe(links.length);
    expect(group.userCount).toBe(7);
  });

  it('retries a transaction that met another writer, and counts it once', async () => {
    const fingerprint = 'fp-conflict';
    let conflicts = 2;
    table.dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand' && conflicts-- > 0) {
          const items = (args.input as { TransactItems: unknown[] }).TransactItems;
          throw new TransactionCanceledException({
            message: 'Transaction cancelled [TransactionConflict]',
            $metadata: {},
            CancellationReasons: items.map((_, i) =>
              i === items.length - 1 ? { Code: 'TransactionConflict' } : { Code: 'None' },
            ),
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectConflicts' },
    );
    try {
      const links = [link({ fingerprint }, 'c1'), link({ fingerprint }, 'c2')];
      const results = await store.recordOccurrences(
        links.map((l) => ({ fingerprint, link: l })),
        t0,
      );
      expect(results.map((r) => r.status)).toEqual(['stored', 'stored']);
      expect(conflicts).toBeLessThan(0); // both conflicts were met
    } finally {
      table.dynamo.middlewareStack.remove('injectConflicts');
    }
    expect((await store.getGroup(fingerprint, t0))?.count).toBe(2);
  });

  it('fails the occurrences of a transaction that keeps meeting other writers, writing nothing', async () => {
    const fingerprint = 'fp-busy';
    table.dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
        const items = (args.input as { TransactItems: unknown[] }).TransactItems;
        throw new TransactionCanceledException({
          message: 'Transaction cancelled [TransactionConflict]',
          $metadata: {},
          CancellationReasons: items.map(() => ({ Code: 'TransactionConflict' })),
        });
      },
      { step: 'initialize', name: 'alwaysBusy' },
    );
    let results: Awaited<ReturnType<typeof store.recordOccurrences>>;
    try {
      results = await store.recordOccurrences([{ fingerprint, link: link({ fingerprint }) }], t0);
    } finally {
      table.dynamo.middlewareStack.remove('alwaysBusy');
    }
    expect(results.map((r) => r.status)).toEqual(['failed']);
    expect(await store.getGroup(fingerprint, t0)).toBeUndefined();
  });

  it('stops growing the distinct-user set near the cap but keeps counting', async () => {
    const fingerprint = 'fp-cap';
    const users = USER_COUNT_CAP + 25;
    const links = Array.from({ length: users }, (_, i) => link({ fingerprint }, `user-${i}`));
    for (let i = 0; i < users; i += 50) {
      await Promise.all(
        [0, 10, 20, 30, 40].map((j) =>
          store.recordOccurrences(
            links.slice(i + j, i + j + 10).map((l) => ({ fingerprint, link: l })),
            t0,
          ),
        ),
      );
    }
    const group = (await store.getGroup(fingerprint, t0))!;
    expect(group.count).toBe(users);
    // A display cap: checked before a batch adds its users, so one batch may pass it by a few.
    expect(group.userCount).toBeGreaterThanOrEqual(USER_COUNT_CAP);
    expect(group.userCount).toBeLessThan(USER_COUNT_CAP + 10);
    // A full set is remembered: the next batches count without asking again, and add no user.
    const more = Array.from({ length: 10 }, (_, i) => link({ fingerprint }, `late-${i}`));
    expect(
      (
        await store.recordOccurrences(
          more.map((l) => ({ fingerprint, link: l })),
          t0,
        )
      ).map((r) => r.status),
    ).toEqual(more.map(() => 'stored'));
    const after = (await store.getGroup(fingerprint, t0))!;
    expect(after.count).toBe(users + 10);
    expect(after.userCount).toBe(group.userCount);
  });

  it('counts a full group without users in a fresh container too', async () => {
    const fingerprint = 'fp-cap';
    const other = new DynamoStore(createDocumentClient(table.dynamo), table.tableName);
    const before = (await other.getGroup(fingerprint, t0))!;
    const l = link({ fingerprint }, 'brand-new-user');
    expect((await other.recordOccurrences([{ fingerprint, link: l }], t0))[0]?.status).toBe('stored');
    const after = (await other.getGroup(fingerprint, t0))!;
    expect(after.count).toBe(before.count + 1);
    expect(after.userCount).toBe(before.userCount);
  });

  it('adds users again soon to a group another container reset after this one found it full', async () => {
    const fingerprint = 'fp-reset-elsewhere';
    const users = Array.from({ length: USER_COUNT_CAP }, (_, i) => `h${i}`);
    const doc = createDocumentClient(table.dynamo);
    await doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: {
          ...groupKey(fingerprint),
          count: USER_COUNT_CAP,
          users: new Set(users),
          expiresAt: t0 / 1000 + GROUP_TTL_SECONDS,
        },
      }),
    );
    const here = new DynamoStore(createDocumentClient(table.dynamo), table.tableName);
    expect(
      (await here.recordOccurrences([{ fingerprint, link: link({ fingerprint }, 'x') }], t0))[0]?.status,
    ).toBe('stored');
    expect((await here.getGroup(fingerprint, t0))!.userCount).toBe(USER_COUNT_CAP); // found full
    // Another container resets the group (as after its expiry): a new group with no users.
    await doc.send(
      new PutCommand({
        TableName: table.tableName,
        Item: { ...groupKey(fingerprint), count: 0, expiresAt: Number.MAX_SAFE_INTEGER },
      }),
    );
    const later = t0 + 2 * 60_000;
    const l = link({ fingerprint, receivedAt: later }, 'after-reset');
    expect((await here.recordOccurrences([{ fingerprint, link: l }], later))[0]?.status).toBe('stored');
    expect((await here.getGroup(fingerprint, later))!.userCount).toBe(1);
  });

  it('writes a batch DynamoDB refuses an item of in halves, so only that item fails', async () => {
    const fingerprint = 'fp-split';
    const links = Array.from({ length: 6 }, (_, i) => link({ fingerprint }, `split-${i}`));
    const bad = links[4]!.id;
    table.dynamo.middlewareStack.add(
      (next) => async (args) => {
        const items = (args.input as { TransactItems?: { Put?: { Item?: { id?: { S?: string } } } }[] })
          .TransactItems;
        if (items?.some((w) => w.Put?.Item?.id?.S === bad)) {
          throw Object.assign(new Error('injected: item refused'), {
            name: 'ValidationException',
            $metadata: {},
          });
        }
        return next(args);
      },
      { step: 'build', name: 'refuseOneItem' },
    );
    let results: Awaited<ReturnType<DynamoStore['recordOccurrences']>>;
    try {
      results = await store.recordOccurrences(
        links.map((l) => ({ fingerprint, link: l })),
        t0,
      );
    } finally {
      table.dynamo.middlewareStack.remove('refuseOneItem');
    }
    expect(results.map((r) => r.status)).toEqual([
      'stored',
      'stored',
      'stored',
      'stored',
      'failed',
      'stored',
    ]);
    expect((await store.getGroup(fingerprint, t0))!.count).toBe(5);
  });

  it('starts a new group (and a new Slack alert) once the old one expired', async () => {
    const fingerprint = 'fp-expire';
    await record(link({ fingerprint }));
    const claimed = await store.claimParentPost(fingerprint, 'me', t0, 30_000);
    await store.markParentPosted(
      fingerprint,
      { channel: 'C1', ts: '1.1' },
      { count: claimed!.count, version: 0 },
      t0,
    );
    const later = t0 + (GROUP_TTL_SECONDS + 1) * 1000;
    expect(await store.getGroup(fingerprint, later)).toBeUndefined();
    // In a batch with a live group: the expired one is reset, both are counted.
    const live = link({ fingerprint: 'fp-expire-live' });
    await record(link({ fingerprint: 'fp-expire-live' }), later - 1000);
    const results = await store.recordOccurrences(
      [link({ fingerprint }), live, link({ fingerprint }, 'u2')].map((l) => ({
        fingerprint: l.fingerprint,
        link: l,
      })),
      later,
    );
    expect(results.map((r) => r.status)).toEqual(['stored', 'stored', 'stored']);
    const groups = await store.getGroups([fingerprint, 'fp-expire-live'], later);
    const fresh = groups.get(fingerprint);
    expect(fresh?.count).toBe(2);
    expect(fresh?.userCount).toBe(2);
    expect(fresh?.slack).toBeUndefined();
    expect(fresh?.firstSeenAt).toBe(later);
    expect(groups.get('fp-expire-live')?.count).toBe(2);
  });

  it('lets only one caller claim a parent post or an update slot', async () => {
    const fingerprint = 'fp-claim';
    await record(link({ fingerprint }));
    const results = await Promise.all(
      ['a', 'b', 'c'].map((by) => store.claimParentPost(fingerprint, by, t0, 30_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    await store.markParentPosted(fingerprint, { channel: 'C1', ts: '1.2' }, { count: 1, version: 0 }, t0);
    const slots = await Promise.all(
      ['x', 'y', 'z'].map((by) => store.claimUpdate(fingerprint, by, t0, t0 + 10_000, 30_000)),
    );
    expect(slots.filter(Boolean)).toHaveLength(1);
  });

  it('marks an update shown only once Slack took it, and lets a stale or resent claim through', async () => {
    const fingerprint = 'fp-update';
    await record(link({ fingerprint }));
    await store.markParentPosted(fingerprint, { channel: 'C1', ts: '1.4' }, { count: 1, version: 0 }, t0);
    await record(link({ fingerprint }), t0 + 1);
    const claimed = await store.claimUpdate(fingerprint, 'a', t0, t0 + 10_000, 30_000);
    expect(claimed?.count).toBe(2);
    expect(claimed?.postedCount).toBe(1); // not shown yet
    // The same request resent (its answer lost) finds its own claim; another caller does not.
    expect(await store.claimUpdate(fingerprint, 'a', t0, t0 + 10_001, 30_000)).toBeDefined();
    expect(await store.claimUpdate(fingerprint, 'b', t0, t0 + 10_002, 30_000)).toBeUndefined();
    // The holder died: after the stale time another caller takes over.
    expect(await store.claimUpdate(fingerprint, 'b', t0, t0 + 41_000, 30_000)).toBeDefined();
    await store.markUpdated(fingerprint, 'a', { count: 2, version: 0 }, t0 + 40_002); // the old holder's late mark is refused
    expect((await store.getGroup(fingerprint, t0))?.postedCount).toBe(1);
    await store.markUpdated(fingerprint, 'b', { count: 2, version: 0 }, t0 + 40_003);
    const shown = await store.getGroup(fingerprint, t0);
    expect(shown).toMatchObject({ postedCount: 2, lastPostedAt: t0 + 40_003 });
    expect(shown?.updateClaim).toBeUndefined();
  });

  it('remembers a post attempt whose outcome is unknown until a post is recorded', async () => {
    const fingerprint = 'fp-attempt';
    await record(link({ fingerprint }));
    expect((await store.claimParentPost(fingerprint, 'a', t0, 30_000))?.postAttemptAt).toBe(t0);
    await store.releaseParentClaim(fingerprint, 'a', false); // timed out: it may have posted
    const next = await store.claimParentPost(fingerprint, 'b', t0 + 5, 30_000);
    expect(next?.postAttemptAt).toBe(t0); // the next claimer knows to look for it
    await store.releaseParentClaim(fingerprint, 'b', true); // Slack said no: nothing was posted
    expect((await store.claimParentPost(fingerprint, 'c', t0 + 9, 30_000))?.postAttemptAt).toBe(t0 + 9);
    await store.markParentPosted(fingerprint, { channel: 'C1', ts: '1.3' }, { count: 1, version: 0 }, t0 + 9);
    expect((await store.getGroup(fingerprint, t0 + 9))?.postAttemptAt).toBeUndefined();
  });

  it('acts on a flush only with the token it was scheduled with', async () => {
    const fingerprint = 'fp-flush';
    await record(link({ fingerprint }));
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
    await store.recordOccurrences(
      [older, newer, expired].map((l) => ({ fingerprint: 'fp-cust', link: l })),
      t0,
    );
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
    expect((await record(link({ fingerprint }))).status).toBe('stored');
    const group = await store.getGroup(fingerprint, t0);
    expect(group?.count).toBe(1);
    expect(group?.expiresAt).toBeGreaterThan(t0 / 1000);
  });
});
