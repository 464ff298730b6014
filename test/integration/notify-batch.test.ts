/**
 * Notify works a batch at once: one read of the batch's links and occurrence guards, one of the
 * cooldown guards and groups, one transaction for the claims and one for the outcomes. The handler is
 * called directly with jobs triage queued; jobs that meet a guard another attempt holds are captured
 * (instead of coming back as delayed messages) and run again by the test.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { sampleEvents, seededRandom } from '../../local/samples';
import { scanDocuments } from '../../local/table-scan';
import { countDynamoRequests } from '../support/dynamo-requests';
import { type Pipeline, startPipeline } from '../support/pipeline';
import { takeAll } from '../support/queues';
import { sampleEventBody as body } from '../support/samples';
import { notifyEvent } from '../support/sqs-records';

type User = { id: string; name: string };
const user = (id: string): User => ({ id: `u_${id}`, name: `User ${id}` });

describe('notify, a batch at once', () => {
  let p: Pipeline;
  let deferred: string[];
  beforeEach(async () => {
    p = await startPipeline({ linkTtlSeconds: 7 * 86400 });
    deferred = [];
    p.notifyDeps.retryLater = { send: async (job) => void deferred.push(JSON.stringify(job)) };
  });
  afterEach(() => p.close());

  /** Runs triage on the events; answers each event's notify job, by event id. */
  async function jobsFor(events: string[]): Promise<Record<string, string>> {
    await p.send(events);
    await p.source.drain();
    const messages = await takeAll(p.sqs, p.notifyQueues.queueUrl);
    const links = await scanDocuments(p.dynamo, p.config.tableName, 'LINK#');
    const eventOf = new Map(links.map((l) => [String(l.id), String(l.eventId)]));
    const jobs = Object.fromEntries(messages.map((m) => [eventOf.get(JSON.parse(m.Body!).linkId), m.Body!]));
    expect(Object.keys(jobs)).toHaveLength(events.length);
    return jobs;
  }

  /** Each occurrence's recorded fix outcome, by event id. */
  async function outcomes(): Promise<Record<string, { status?: string; reported?: boolean }>> {
    const links = await scanDocuments(p.dynamo, p.config.tableName, 'LINK#');
    return Object.fromEntries(
      links.map((l) => {
        const notify = l.notify as { status?: string; reported?: boolean } | undefined;
        return [String(l.eventId), { status: notify?.status, reported: notify?.reported }];
      }),
    );
  }

  async function group(app: string) {
    const groups = await scanDocuments(p.dynamo, p.config.tableName, 'GROUP#');
    return groups.find((g) => g.app === app) as {
      slack: { channel: string; ts: string };
      fixesSent?: number;
      fixesNotSent?: number;
    };
  }

  /** The fix outcomes told in the thread of the group of `app` (not triage's coalesced updates). */
  async function thread(app: string): Promise<string[]> {
    const { slack } = await group(app);
    const texts = p.slack.replies(slack.channel, slack.ts).map((m) => m.text ?? '');
    return texts.filter((t) => /^:(white_check_mark|grey_question|hourglass|warning|x):/.test(t));
  }

  const messagesTo = (u: User) => {
    const contact = p.intercom.contacts.find((c) => c.external_id === u.id);
    return contact ? p.intercom.messagesFor(contact.id).length : 0;
  };

  it('decides ten jobs together: one message per user, duplicates and cooldowns held, each said once', async () => {
    const [n1, n2, n3, n4, n5, twice, held] = ['n1', 'n2', 'n3', 'n4', 'n5', 'twice', 'held'].map(user);
    for (const u of [n1, n2, n3, n4, n5, twice, held])
      p.intercom.addContact({ external_id: u!.id, name: u!.name });
    const ghost = user('ghost'); // not in Intercom
    const events: Array<[string, User]> = [
      ['h0', held!],
      ['n1', n1!],
      ['n2', n2!],
      ['n3', n3!],
      ['n4', n4!],
      ['n5', n5!],
      ['t1', twice!],
      ['t2', twice!],
      ['h1', held!],
      ['g1', ghost],
    ];
    const jobs = await jobsFor(events.map(([id, u]) => body({ id, user: u })));
    // Earlier, `held` got the fix: the thread was told (the group's first automatic outcome).
    expect((await p.notifyHandler(notifyEvent(jobs.h0!))).batchItemFailures).toEqual([]);

    const requests = countDynamoRequests(p.dynamo);
    const batch = ['n1', 'n2', 't1', 'n1', 'h1', 't2', 'n3', 'g1', 'n4', 'n5'].map((id) => jobs[id]!);
    const result = await p.notifyHandler(notifyEvent(...batch));
    requests.stop();

    expect(result.batchItemFailures).toEqual([]);
    expect(deferred).toEqual([]);
    for (const u of [n1, n2, n3, n4, n5, twice, held])
      expect({ user: u!.id, messages: messagesTo(u!) }).toEqual({ user: u!.id, messages: 1 });
    expect(p.intercom.messages).toHaveLength(7);
    expect(p.intercom.violations).toEqual([]);
    const recorded = await outcomes();
    expect(Object.fromEntries(Object.entries(recorded).map(([id, o]) => [id, o.status]))).toEqual({
      h0: 'sent',
      n1: 'sent',
      n2: 'sent',
      n3: 'sent',
      n4: 'sent',
      n5: 'sent',
      t1: 'sent', // the same user twice: the first of the batch sends…
      t2: 'cooldown', // …the second is decided once it has
      h1: 'cooldown',
      g1: 'not-in-intercom',
    });
    expect(Object.values(recorded).every((o) => o.reported)).toBe(true);
    const replies = await thread('billing');
    expect(replies).toHaveLength(2); // the first send, and the first cooldown: the rest are counts
    expect(replies[0]).toBe(
      ':white_check_mark: Sent “Expired card” to User held in Intercom, in-app · sent automatically',
    );
    expect(replies[1]).toMatch(/^:hourglass: Did not send “Expired card” to User held: they got it /);
    expect(await group('billing')).toMatchObject({ fixesSent: 7, fixesNotSent: 3 });
    expect(p.slack.violations).toEqual([]);

    // Two rounds: the second decides `t2` after `t1`'s outcome. The first cooldown is told, so its
    // group is read and its outcome marked reported.
    process.stdout.write(`notify requests, mixed batch of 10: ${JSON.stringify(requests.byCommand())}\n`);
    expect(requests.byCommand()).toEqual({ BatchGetItemCommand: 5, TransactWriteItemsCommand: 4 });
  });

  it('costs four DynamoDB requests for ten jobs of which three send and seven are held', async () => {
    const held = Array.from({ length: 7 }, (_, i) => user(`held${i}`));
    const fresh = ['a', 'b', 'c'].map(user);
    for (const u of [...held, ...fresh]) p.intercom.addContact({ external_id: u.id, name: u.name });
    const jobs = await jobsFor([
      ...held.map((u, i) => body({ id: `p${i}`, user: u })), // earlier: each held user got the fix
      body({ id: 'q0', user: held[0] }), // and the thread heard why a repeat got none
      ...held.map((u, i) => body({ id: `c${i}`, user: u })),
      ...fresh.map((u) => body({ id: u.id, user: u })),
    ]);
    const earlier = await p.notifyHandler(notifyEvent(...held.map((_, i) => jobs[`p${i}`]!)));
    expect(earlier.batchItemFailures).toEqual([]);
    expect((await p.notifyHandler(notifyEvent(jobs.q0!))).batchItemFailures).toEqual([]);
    const repliesBefore = await thread('billing');
    expect(repliesBefore).toHaveLength(2);

    const requests = countDynamoRequests(p.dynamo);
    const ids = ['u_a', 'c0', 'c1', 'u_b', 'c2', 'c3', 'c4', 'u_c', 'c5', 'c6'];
    const result = await p.notifyHandler(notifyEvent(...ids.map((id) => jobs[id]!)));
    requests.stop();

    expect(result.batchItemFailures).toEqual([]);
    expect(deferred).toEqual([]);
    for (const u of fresh) expect(messagesTo(u)).toBe(1);
    for (const u of held) expect(messagesTo(u)).toBe(1);
    const recorded = await outcomes();
    expect(ids.map((id) => recorded[id]!.status)).toEqual([
      'sent',
      ...['cooldown', 'cooldown', 'sent'],
      ...['cooldown', 'cooldown', 'cooldown', 'sent'],
      ...['cooldown', 'cooldown'],
    ]);
    expect(await thread('billing')).toEqual(repliesBefore); // nothing new to tell
    // The links and occurrence guards; the cooldown guards and the group; the claims; the outcomes.
    process.stdout.write(`notify requests, 3 sent + 7 held: ${JSON.stringify(requests.byCommand())}\n`);
    expect(requests.byCommand()).toEqual({ BatchGetItemCommand: 2, TransactWriteItemsCommand: 2 });
  });

  it('costs four DynamoDB requests per batch in the benchmark’s mix, two more per outcome told', async () => {
    // The benchmark's mix, scaled down: 20 distinct errors, about five events per user.
    const events = sampleEvents({ count: 300, distinctErrors: 20, users: 60, random: seededRandom(7) });
    for (const u of new Map(events.map((e) => [e.user!.id, e.user!])).values()) {
      p.intercom.addContact({ external_id: String(u.id), email: u.email, name: u.name });
    }
    await p.send(events.map((e) => JSON.stringify(e)));
    await p.source.drain(300_000);
    const jobs = (await takeAll(p.sqs, p.notifyQueues.queueUrl)).map((m) => m.Body!);
    const requests = countDynamoRequests(p.dynamo);
    let batches = 0;
    let pending = jobs;
    for (let pass = 0; pass < 5 && pending.length > 0; pass++) {
      const again: string[] = [];
      for (let i = 0; i < pending.length; i += 10) {
        const batch = pending.slice(i, i + 10);
        batches += 1;
        const { batchItemFailures } = await p.notifyHandler(notifyEvent(...batch));
        again.push(...batchItemFailures.map((f) => batch[Number(f.itemIdentifier.slice(2))]!));
      }
      pending = [...again, ...deferred.splice(0)];
    }
    requests.stop();
    expect(pending).toEqual([]);

    const statuses: Record<string, number> = {};
    for (const o of Object.values(await outcomes())) {
      if (o.status) statuses[o.status] = (statuses[o.status] ?? 0) + 1;
    }
    expect(statuses.sent).toBe(p.intercom.messages.length);
    expect(statuses.cooldown).toBeGreaterThan(0);
    const told = p.slack
      .parents()
      .flatMap((m) => p.slack.replies(m.channel, m.ts))
      .filter((m) => /^:(white_check_mark|grey_question|hourglass|warning|x):/.test(m.text ?? '')).length;
    const perJob = requests.total() / jobs.length;
    process.stdout.write(
      `notify, benchmark mix: ${jobs.length} jobs in ${batches} batches ${JSON.stringify(statuses)}, ${told} ` +
        `told; ${perJob.toFixed(3)} DynamoDB requests per job ${JSON.stringify(requests.byCommand())}\n`,
    );
    // Per batch: the links and occurrence guards, the cooldown guards and groups, the claims, the
    // outcomes. Per outcome told in a thread (the first of each kind per group): its group, its mark.
    expect(requests.total()).toBeLessThanOrEqual(4 * batches + 2 * told);
  }, 300_000);

  it('sends one message when batches running at once meet on the same users', async () => {
    const shared = ['s1', 's2', 's3'].map(user);
    const others = ['o1', 'o2', 'o3', 'o4', 'o5', 'o6'].map(user);
    for (const u of [...shared, ...others]) p.intercom.addContact({ external_id: u.id, name: u.name });
    // Two occurrences per shared user, in two groups (apps); each batch also sends to others.
    const jobs = await jobsFor([
      ...shared.map((u, i) => body({ id: `x${i}`, app: 'billing-x', user: u })),
      ...shared.map((u, i) => body({ id: `y${i}`, app: 'billing-y', user: u })),
      ...others.map((u) => body({ id: u.id, app: 'billing-x', user: u })),
    ]);
    const batchX = ['x0', 'x1', 'x2', 'u_o1', 'u_o2', 'u_o3'].map((id) => jobs[id]!);
    const batchY = ['y0', 'u_o4', 'y1', 'u_o5', 'y2', 'u_o6'].map((id) => jobs[id]!);
    const results = await Promise.all([
      p.notifyHandler(notifyEvent(...batchX)),
      p.notifyHandler(notifyEvent(...batchY)),
    ]);
    let retries = results.flatMap((r, b) =>
      r.batchItemFailures.map((f) => [batchX, batchY][b]![Number(f.itemIdentifier.slice(2))]!),
    );
    // Jobs that met the other batch's claim wait for its outcome, then find the cooldown.
    for (let round = 0; round < 5 && retries.length + deferred.length > 0; round++) {
      const again = [...retries, ...deferred.splice(0)];
      const { batchItemFailures } = await p.notifyHandler(notifyEvent(...again));
      retries = batchItemFailures.map((f) => again[Number(f.itemIdentifier.slice(2))]!);
    }
    expect([retries, deferred]).toEqual([[], []]);
    for (const u of [...shared, ...others])
      expect({ user: u.id, messages: messagesTo(u) }).toEqual({ user: u.id, messages: 1 });
    const recorded = await outcomes();
    for (let i = 0; i < shared.length; i++) {
      expect([recorded[`x${i}`]!.status, recorded[`y${i}`]!.status].sort()).toEqual(['cooldown', 'sent']);
    }
  });

  it('a duplicate that read the link before its copy sent never overwrites “sent” with “uncertain”', async () => {
    const a = user('a');
    p.intercom.addContact({ external_id: a.id, name: a.name });
    const jobs = await jobsFor([body({ id: 'a', user: a })]);
    // Copy B reads the link (no outcome) and the occurrence guard (free); then copy A claims, sends and
    // records "sent" before B reads the cooldown guard, which names this very link.
    let hooked = false;
    p.dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'BatchGetItemCommand' && !hooked) {
          hooked = true;
          expect((await p.notifyHandler(notifyEvent(jobs.a!))).batchItemFailures).toEqual([]);
        }
        return result;
      },
      { step: 'initialize', name: 'copyInBetween' },
    );
    const result = await p.notifyHandler(notifyEvent(jobs.a!));
    expect(hooked).toBe(true);
    expect(result.batchItemFailures).toEqual([]);
    expect(deferred).toEqual([]);
    expect(messagesTo(a)).toBe(1);
    expect(await outcomes()).toEqual({ a: { status: 'sent', reported: true } });
    expect(await group('billing')).toMatchObject({ fixesSent: 1, fixesNotSent: 0 });
    expect(await thread('billing')).toEqual([
      ':white_check_mark: Sent “Expired card” to User a in Intercom, in-app · sent automatically',
    ]);
  });

  it('a job coming back after its link expired keeps the outcome recorded', async () => {
    const a = user('a');
    p.intercom.addContact({ external_id: a.id, name: a.name });
    const jobs = await jobsFor([body({ id: 'a', user: a })]);
    expect((await p.notifyHandler(notifyEvent(jobs.a!))).batchItemFailures).toEqual([]);
    const later = Date.now() + 8 * 86_400_000; // past the link's 7 days
    p.notifyDeps.now = () => later;
    const click = JSON.stringify({ ...JSON.parse(jobs.a!), trigger: 'slack', requestedBy: { id: 'U1' } });
    expect((await p.notifyHandler(notifyEvent(jobs.a!, click))).batchItemFailures).toEqual([]);
    expect(messagesTo(a)).toBe(1);
    expect(await outcomes()).toEqual({ a: { status: 'sent', reported: true } });
    expect(await group('billing')).toMatchObject({ fixesSent: 1, fixesNotSent: 0 });
    expect(await thread('billing')).toHaveLength(1);
  });

  it('records a sent message as sent when its group keeps conflicting, and counts it once', async () => {
    const [a, b] = ['a', 'b'].map(user);
    for (const u of [a!, b!]) p.intercom.addContact({ external_id: u.id, name: u.name });
    const jobs = await jobsFor([body({ id: 'a', user: a }), body({ id: 'b', app: 'billing-b', user: b })]);
    // Triage updates the groups all through a burst: every transaction counting fixes on them conflicts.
    let burst = true;
    let conflicts = 0;
    p.dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { TransactItems?: Array<{ Update?: { UpdateExpression?: string } }> };
        const items = input.TransactItems ?? [];
        const counting = (i: (typeof items)[number]) => /fixesSent/.test(i.Update?.UpdateExpression ?? '');
        if (!burst || context.commandName !== 'TransactWriteItemsCommand' || !items.some(counting)) {
          return next(args);
        }
        conflicts += 1;
        throw new TransactionCanceledException({
          message: 'Transaction cancelled',
          $metadata: {},
          CancellationReasons: items.map((i) => ({ Code: counting(i) ? 'TransactionConflict' : 'None' })),
        });
      },
      { step: 'initialize', name: 'hotGroups' },
    );
    const batch = [jobs.a!, jobs.b!];
    const first = await p.notifyHandler(notifyEvent(...batch));
    expect(conflicts).toBeGreaterThan(0);
    expect(first.batchItemFailures).toHaveLength(2); // retried: the groups are yet to count them
    // Recorded all the same, before Slack heard anything.
    expect(await outcomes()).toEqual({
      a: { status: 'sent', reported: false },
      b: { status: 'sent', reported: false },
    });
    burst = false;
    const later = Date.now() + p.notifyDeps.sendingStaleMs + 1000; // the retry, after the visibility timeout
    p.notifyDeps.now = () => later;
    expect((await p.notifyHandler(notifyEvent(...batch))).batchItemFailures).toEqual([]);
    // And once more, as a duplicate delivery: nothing counted twice.
    expect((await p.notifyHandler(notifyEvent(...batch))).batchItemFailures).toEqual([]);
    expect([messagesTo(a!), messagesTo(b!)]).toEqual([1, 1]);
    expect(await outcomes()).toEqual({
      a: { status: 'sent', reported: true },
      b: { status: 'sent', reported: true },
    });
    for (const app of ['billing', 'billing-b']) {
      expect(await group(app)).toMatchObject({ fixesSent: 1, fixesNotSent: 0 });
      expect(await thread(app)).toEqual([expect.stringMatching(/^:white_check_mark: Sent “Expired card”/)]);
    }
  }, 60_000);

  /** Where a batch can fail: each DynamoDB request of a batch whose every outcome is told. */
  const STEPS = [
    ['reading the links', 'BatchGetItemCommand', 1],
    ['reading the guards and groups', 'BatchGetItemCommand', 2],
    ['claiming the guards', 'TransactWriteItemsCommand', 1],
    ['recording the outcomes', 'TransactWriteItemsCommand', 2],
    ['reading the groups for Slack', 'BatchGetItemCommand', 3],
    ['marking the outcomes reported', 'TransactWriteItemsCommand', 3],
  ] as const;

  describe.each([
    ['before it is carried out', false],
    ['after it is carried out (its answer lost)', true],
  ])('a failure %s', (_when, carriedOut) => {
    it.each(STEPS)(
      '%s: the batch retried sends no second message and tells each thread once',
      async (step, command, nth) => {
        const [a, b] = ['a', 'b'].map(user);
        const ghost = user('ghost');
        for (const u of [a!, b!]) p.intercom.addContact({ external_id: u.id, name: u.name });
        // Three groups: each outcome is its group's first, so each is told.
        const jobs = await jobsFor([
          body({ id: 'a', app: 'billing-a', user: a }),
          body({ id: 'b', app: 'billing-b', user: b }),
          body({ id: 'g', app: 'billing-g', user: ghost }),
        ]);
        let seen = 0;
        p.dynamo.middlewareStack.add(
          (next, context) => async (args) => {
            if (context.commandName !== command || ++seen !== nth) return next(args);
            const fault = Object.assign(new Error(`injected while ${step}`), {
              name: 'InjectedFault',
              $metadata: {},
            });
            if (!carriedOut) throw fault;
            await next(args);
            throw fault;
          },
          { step: 'initialize', name: 'failOneStep' },
        );

        let pending = [jobs.a!, jobs.b!, jobs.g!];
        for (let attempt = 1; attempt <= 5 && pending.length > 0; attempt++) {
          const { batchItemFailures } = await p.notifyHandler(notifyEvent(...pending));
          const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
          pending = [...pending.filter((_, i) => failed.has(`n-${i}`)), ...deferred.splice(0)];
          // Retries come after the visibility timeout: by then a dead attempt's guard is stale.
          const later = Date.now() + attempt * (p.notifyDeps.sendingStaleMs + 1000);
          p.notifyDeps.now = () => later;
        }
        expect(pending).toEqual([]);
        expect(seen).toBeGreaterThanOrEqual(nth); // the fault was met

        expect([messagesTo(a!), messagesTo(b!), messagesTo(ghost)]).toEqual([1, 1, 0]);
        // Sent, even when the record failed before it was made: the sends are then recorded without
        // their groups, and counted once.
        const sent = 'sent';
        const unreported = command === 'TransactWriteItemsCommand' && nth === 3 && !carriedOut;
        expect(await outcomes()).toEqual({
          a: { status: sent, reported: !unreported },
          b: { status: sent, reported: !unreported },
          g: { status: 'not-in-intercom', reported: !unreported },
        });
        for (const app of ['billing-a', 'billing-b', 'billing-g']) expect(await thread(app)).toHaveLength(1);
        expect(await thread('billing-a')).toEqual([
          ':white_check_mark: Sent “Expired card” to User a in Intercom, in-app · sent automatically',
        ]);
        for (const app of ['billing-a', 'billing-b', 'billing-g']) {
          expect(await group(app)).toMatchObject({
            fixesSent: app === 'billing-g' ? 0 : 1,
            fixesNotSent: app === 'billing-g' ? 1 : 0,
          });
        }
      },
    );
  });
});
