/**
 * The Slack alert recovers from failures at every step of a flush or an update: a retry (or a
 * redelivery) always shows the tail of a burst, and a lost post is never posted twice. Handlers are
 * called directly (records as Lambda delivers them) and triage's clock is shifted, so no test waits
 * for a coalescing window or a visibility timeout.
 */
import { scanItems } from '../../local/table-scan';
import { type Pipeline, startPipeline } from '../support/pipeline';
import { sampleEventBody as body } from '../support/samples';
import { sqsEvent, sqsRecord } from '../support/sqs-records';

describe('Slack alert recovery', () => {
  let p: Pipeline;
  let offset = 0;
  beforeEach(async () => {
    p = await startPipeline();
    offset = 0;
    p.deps.now = () => Date.now() + offset;
  });
  afterEach(() => p.close());

  const shownCount = () =>
    Number(/\*Occurrences\*\\n(\d+)/.exec(JSON.stringify(p.slack.parents()[0]!.blocks))?.[1]);

  async function group() {
    const [g] = await scanItems(p.dynamo, p.config.tableName, 'GROUP#');
    return g as Record<string, { S?: string; N?: string }>;
  }

  /** One parent posted (count 1), then two more occurrences inside the window: a flush is pending. */
  async function parentThenBurst() {
    expect((await p.handler(sqsEvent(sqsRecord('m-1', body({ id: 'e-1' }))))).batchItemFailures).toEqual([]);
    expect(p.slack.parents()).toHaveLength(1);
    const rest = await p.handler(
      sqsEvent(sqsRecord('m-2', body({ id: 'e-2' })), sqsRecord('m-3', body({ id: 'e-3' }))),
    );
    expect(rest.batchItemFailures).toEqual([]);
    const g = await group();
    expect(g.count!.N).toBe('3');
    expect(g.flushToken?.S).toBeDefined();
    return JSON.stringify({ fingerprint: g.fingerprint!.S, token: g.flushToken!.S });
  }

  it('a flush whose Slack update failed is retried by the queue, and the retry shows the tail', async () => {
    const flush = await parentThenBurst();
    offset = 11_000; // the flush is due
    p.slack.failNext({ status: 500, method: 'chat.update' });
    const first = await p.handler(sqsEvent(sqsRecord('f-1', flush, { internal: true })));
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'f-1' }]); // thrown for a retry…
    offset = 11_000 + 180_000; // …which SQS delivers after the visibility timeout
    const retry = await p.handler(sqsEvent(sqsRecord('f-1', flush, { internal: true })));
    expect(retry.batchItemFailures).toEqual([]);
    expect(shownCount()).toBe(3);
  });

  /** Holds the flush's "shown" mark until `open()`: `atMark` resolves once the flush reaches it. */
  function holdMarkUpdated(): { atMark: Promise<void>; open: () => void } {
    let reached: () => void = () => undefined;
    const atMark = new Promise<void>((resolve) => {
      reached = resolve;
    });
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    p.dynamo.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { UpdateExpression?: string };
        if (input.UpdateExpression?.startsWith('SET lastPostedAt = :now, postedCount = :shown')) {
          reached();
          await gate;
        }
        return next(args);
      },
      { step: 'initialize', name: 'holdMarkUpdated' },
    );
    return { atMark, open };
  }

  it('a flush that ran while more occurrences were counted leaves another flush for them', async () => {
    const flush = await parentThenBurst();
    offset = 11_000;
    // The flush has shown its count and is about to record it when the next occurrence is counted.
    const { atMark, open } = holdMarkUpdated();
    try {
      const running = p.handler(sqsEvent(sqsRecord('f-1', flush, { internal: true })));
      await atMark;
      // It sees the flush pending and leaves the showing to it.
      expect((await p.handler(sqsEvent(sqsRecord('m-4', body({ id: 'e-4' }))))).batchItemFailures).toEqual(
        [],
      );
      open();
      expect((await running).batchItemFailures).toEqual([]);
    } finally {
      p.dynamo.middlewareStack.remove('holdMarkUpdated');
    }
    expect(shownCount()).toBe(3);
    const g = await group();
    expect(g.count!.N).toBe('4');
    expect(g.flushToken?.S).toBeDefined(); // the flush saw the tail when it cleared, and queued another
    offset = 22_000;
    const next = JSON.stringify({ fingerprint: g.fingerprint!.S, token: g.flushToken!.S });
    expect((await p.handler(sqsEvent(sqsRecord('f-2', next, { internal: true })))).batchItemFailures).toEqual(
      [],
    );
    expect(shownCount()).toBe(4);
  });

  it('a flush whose follow-up could not be queued is retried with its token set, and shows the tail', async () => {
    const flush = await parentThenBurst();
    const token = JSON.parse(flush).token as string;
    offset = 11_000;
    const { atMark, open } = holdMarkUpdated();
    const sendFlush = p.deps.queue.sendFlush.bind(p.deps.queue);
    try {
      const running = p.handler(sqsEvent(sqsRecord('f-1', flush, { internal: true })));
      await atMark;
      // Counted while the flush records what it showed: it sees the flush pending and leaves it the tail.
      expect((await p.handler(sqsEvent(sqsRecord('m-4', body({ id: 'e-4' }))))).batchItemFailures).toEqual(
        [],
      );
      // The flush that should follow cannot be queued.
      p.deps.queue.sendFlush = async () => {
        throw new Error('injected: queue unavailable');
      };
      open();
      expect((await running).batchItemFailures).toEqual([{ itemIdentifier: 'f-1' }]);
    } finally {
      p.dynamo.middlewareStack.remove('holdMarkUpdated');
      p.deps.queue.sendFlush = sendFlush;
    }
    expect(shownCount()).toBe(3);
    const g = await group();
    expect(g.count!.N).toBe('4');
    expect(g.flushToken?.S).toBe(token); // still pending: its retry does the work
    offset = 11_000 + 180_000;
    expect(
      (await p.handler(sqsEvent(sqsRecord('f-1', flush, { internal: true })))).batchItemFailures,
    ).toEqual([]);
    expect(shownCount()).toBe(4);
    expect((await group()).flushToken).toBeUndefined();
  });

  it('a flush that died right after clearing its token is redelivered and still shows the tail', async () => {
    const flush = await parentThenBurst();
    offset = 11_000;
    let die = 1; // the container dies while the flush runs, before the update was claimed
    p.dynamo.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { UpdateExpression?: string };
        if (input.UpdateExpression?.startsWith('SET updateClaim') && die-- > 0) {
          throw Object.assign(new Error('injected: container died'), { name: 'InjectedFault' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'dieBeforeUpdate' },
    );
    expect(
      (await p.handler(sqsEvent(sqsRecord('f-1', flush, { internal: true })))).batchItemFailures,
    ).toHaveLength(1);
    offset = 11_000 + 180_000;
    expect(
      (await p.handler(sqsEvent(sqsRecord('f-1', flush, { internal: true })))).batchItemFailures,
    ).toEqual([]);
    expect(shownCount()).toBe(3);
  });

  it('an update whose Slack call failed and whose release failed is not marked shown', async () => {
    expect((await p.handler(sqsEvent(sqsRecord('m-1', body({ id: 'e-1' }))))).batchItemFailures).toEqual([]);
    offset = 11_000; // the window has passed: the next occurrence updates the parent itself
    p.slack.failNext({ status: 500, method: 'chat.update' });
    let conflicts = 1; // on AWS a plain write on an item inside another container's transaction
    p.dynamo.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { UpdateExpression?: string };
        if (input.UpdateExpression?.startsWith('REMOVE updateClaim') && conflicts-- > 0) {
          throw Object.assign(new Error('Transaction is ongoing for the item'), {
            name: 'TransactionConflictException',
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'conflictOnRelease' },
    );
    const e2 = sqsRecord('m-2', body({ id: 'e-2' }));
    expect((await p.handler(sqsEvent(e2))).batchItemFailures).toEqual([{ itemIdentifier: 'm-2' }]);
    offset = 11_000 + 180_000;
    expect((await p.handler(sqsEvent(e2))).batchItemFailures).toEqual([]);
    // The claim outlived its failed update (its release failed too): once stale, the retry updates.
    expect(shownCount()).toBe(2);
  });

  it('an update claim whose answer was lost (SDK retry) does not leave the tail unshown', async () => {
    expect((await p.handler(sqsEvent(sqsRecord('m-1', body({ id: 'e-1' }))))).batchItemFailures).toEqual([]);
    offset = 11_000;
    let claims = 0;
    let lose = 1; // DynamoDB applies the claim, the answer is lost, the SDK retries it (TimeoutError is transient)
    p.dynamo.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { UpdateExpression?: string };
        const result = await next(args);
        if (input.UpdateExpression?.startsWith('SET updateClaim')) claims++;
        if (input.UpdateExpression?.startsWith('SET updateClaim') && lose-- > 0) {
          throw Object.assign(new Error('injected: answer lost'), { name: 'TimeoutError', $metadata: {} });
        }
        return result;
      },
      { step: 'deserialize', name: 'loseClaimAnswer', priority: 'low' },
    );
    expect((await p.handler(sqsEvent(sqsRecord('m-2', body({ id: 'e-2' }))))).batchItemFailures).toEqual([]);
    expect(claims).toBe(2); // the claim was applied, its answer lost, and the SDK sent it again
    // If the resent claim had been refused, only a deferred flush would show the tail: run it then.
    const g = await group();
    if (g.flushToken?.S) {
      offset = 22_000;
      const flush = JSON.stringify({ fingerprint: g.fingerprint!.S, token: g.flushToken.S });
      await p.handler(sqsEvent(sqsRecord('f-1', flush, { internal: true })));
    }
    expect(shownCount()).toBe(2);
  });

  it('a lost-answer post is not posted twice when the channel lookup is rate-limited', async () => {
    p.slack.failNext({ delayMs: 6000, apply: true, method: 'chat.postMessage' });
    const event = sqsRecord('l-1', body({ id: 'lost-answer' }));
    expect((await p.handler(sqsEvent(event))).batchItemFailures).toEqual([{ itemIdentifier: 'l-1' }]);
    expect(p.slack.parents()).toHaveLength(1);
    p.slack.failNext({ status: 429, retryAfter: 1, method: 'conversations.history' });
    await p.handler(sqsEvent(event)); // may fail for a retry: it must not post a second parent
    expect(p.slack.parents()).toHaveLength(1);
  });
});
