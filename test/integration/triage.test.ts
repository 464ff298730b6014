import type { SQSRecord } from 'aws-lambda';
import { GROUP_TTL_SECONDS } from '../../functions/adapters/dynamo-store';
import { DLQ_REASON_ATTRIBUTE } from '../../lib/definitions';
import { scanItems } from '../../local/table-scan';
import { countDynamoRequests } from '../support/dynamo-requests';
import { type Pipeline, startPipeline } from '../support/pipeline';
import { receiveMessages, takeAll } from '../support/queues';
import { sampleEventBody as body, type sampleEvent } from '../support/samples';
import { sqsEvent, sqsRecord } from '../support/sqs-records';

const dlqMessages = (p: Pipeline) => receiveMessages(p.sqs, p.queues.dlqUrl, 10);

describe('triage handler', () => {
  let p: Pipeline;
  beforeEach(async () => {
    p = await startPipeline();
  });
  afterEach(() => p.close());

  it('stores one detail item and posts one parent message for a new error', async () => {
    await p.send([body()]);
    await p.source.drain();
    const links = await scanItems(p.dynamo, p.config.tableName, 'LINK#');
    expect(links).toHaveLength(1);
    const parents = p.slack.parents();
    expect(parents).toHaveLength(1);
    expect(parents[0]!.text).toContain('CardExpiredError');
    const linkId = (links[0]!.pk as { S: string }).S.slice('LINK#'.length);
    expect(JSON.stringify(parents[0]!.blocks)).toContain(`/e/${linkId}`);
    expect(p.slack.calls('chat.postMessage')[0]!.params.unfurl_links).toBe('false');
    expect(p.slack.violations).toEqual([]);
  });

  it('stores and posts a duplicate delivery of the same event id once', async () => {
    const event = body({ id: 'evt-123' });
    await p.send([event]);
    await p.source.drain();
    await p.send([event]); // the producer retried; SQS delivers it again with a new message id
    await p.source.drain();
    expect(await scanItems(p.dynamo, p.config.tableName, 'LINK#')).toHaveLength(1);
    expect(p.slack.calls('chat.postMessage')).toHaveLength(1);
    expect(p.slack.calls('chat.update')).toHaveLength(0);
    const groups = await scanItems(p.dynamo, p.config.tableName, 'GROUP#');
    expect(groups.map((g) => (g.count as { N: string }).N)).toEqual(['1']);
  });

  it('fails only the record Slack rate-limits, and its retry posts exactly once', async () => {
    p.slack.failNext({ status: 429, retryAfter: 1, method: 'chat.postMessage' });
    const response = await p.handler(
      sqsEvent(sqsRecord('m-1', body({ id: 'a' })), sqsRecord('m-2', body({ id: 'b', app: 'other-app' }))),
    );
    // Which record met the 429 depends on timing; exactly one of them did.
    expect(response.batchItemFailures).toHaveLength(1);
    const failedId = response.batchItemFailures[0]!.itemIdentifier;
    const failedBody = failedId === 'm-1' ? body({ id: 'a' }) : body({ id: 'b', app: 'other-app' });
    expect(p.slack.parents()).toHaveLength(1);

    const retry = await p.handler(sqsEvent(sqsRecord(failedId, failedBody)));
    expect(retry.batchItemFailures).toEqual([]);
    expect(p.slack.parents()).toHaveLength(2); // one per app, never a second for the same group
    expect(await scanItems(p.dynamo, p.config.tableName, 'LINK#')).toHaveLength(2);
    const again = await p.handler(sqsEvent(sqsRecord(failedId, failedBody)));
    expect(again.batchItemFailures).toEqual([]);
    expect(p.slack.parents()).toHaveLength(2);
    expect(await scanItems(p.dynamo, p.config.tableName, 'LINK#')).toHaveLength(2);
  });

  it('retries a 500 from Slack through the queue without duplicating anything', async () => {
    p.slack.failNext({ status: 500, method: 'chat.postMessage' });
    await p.send([body({ id: 'x' })]);
    await p.source.drain();
    expect(p.slack.calls('chat.postMessage').filter((r) => r.response?.status === 500)).toHaveLength(1);
    expect(p.slack.parents()).toHaveLength(1);
    expect(await scanItems(p.dynamo, p.config.tableName, 'LINK#')).toHaveLength(1);
  });

  it('posts one parent when two invocations race on the first event of a new group', async () => {
    // Slack answers slowly, so both invocations are inside the post at the same time if they can be.
    p.slack.failNext({ delayMs: 300 }, 2);
    const [a, b] = await Promise.all([
      p.handler(sqsEvent(sqsRecord('r-1', body({ id: 'race-1' })))),
      p.handler(sqsEvent(sqsRecord('r-2', body({ id: 'race-2' })))),
    ]);
    expect([...a.batchItemFailures, ...b.batchItemFailures]).toEqual([]);
    await p.source.drain(); // the loser left a delayed flush: it updates, it does not post
    expect(p.slack.parents()).toHaveLength(1);
    const parent = p.slack.parents()[0]!;
    expect(JSON.stringify(parent.blocks)).toContain('*Occurrences*\\n2 · 1 user');
  });

  it('posts one parent when the same event is delivered twice at once', async () => {
    p.slack.failNext({ delayMs: 300 }, 2);
    const same = body({ id: 'twice-at-once' });
    const [a, b] = await Promise.all([
      p.handler(sqsEvent(sqsRecord('d-1', same))),
      p.handler(sqsEvent(sqsRecord('d-2', same))),
    ]);
    expect([...a.batchItemFailures, ...b.batchItemFailures]).toEqual([]);
    await p.source.drain();
    expect(p.slack.parents()).toHaveLength(1);
    const groups = await scanItems(p.dynamo, p.config.tableName, 'GROUP#');
    expect(groups.map((g) => (g.count as { N: string }).N)).toEqual(['1']);
  });

  it('finds a parent whose post timed out after Slack made it, instead of posting a second one', async () => {
    // Slack posts at once but answers after the client's 5 s timeout: the attempt fails, the post exists.
    p.slack.failNext({ delayMs: 6000, apply: true, method: 'chat.postMessage' });
    const event = body({ id: 'lost-answer' });
    const first = await p.handler(sqsEvent(sqsRecord('l-1', event)));
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'l-1' }]);
    expect(p.slack.parents()).toHaveLength(1);
    const retry = await p.handler(sqsEvent(sqsRecord('l-1', event)));
    expect(retry.batchItemFailures).toEqual([]);
    expect(p.slack.parents()).toHaveLength(1);
    expect(p.slack.calls('conversations.history')).toHaveLength(1);
    const [group] = await scanItems(p.dynamo, p.config.tableName, 'GROUP#');
    expect((group!.slack as { M: { ts: { S: string } } }).M.ts.S).toBe(p.slack.parents()[0]!.ts);
  });

  it('keeps the same event id from two apps apart: two occurrences, each alert opens its own', async () => {
    await p.send([body({ id: '1001', app: 'shop' }), body({ id: '1001', app: 'crm' })]);
    await p.source.drain();
    const links = await scanItems(p.dynamo, p.config.tableName, 'LINK#');
    expect(links.map((l) => (l.event as { M: { app: { S: string } } }).M.app.S).sort()).toEqual([
      'crm',
      'shop',
    ]);
    const parents = p.slack.parents();
    expect(parents).toHaveLength(2);
    for (const link of links) {
      const app = (link.event as { M: { app: { S: string } } }).M.app.S;
      const id = (link.pk as { S: string }).S.slice('LINK#'.length);
      const parent = parents.find((m) => JSON.stringify(m.blocks).includes(`/e/${id}`));
      expect(JSON.stringify(parent?.blocks)).toContain(`*${app}*`);
    }
  });

  it('counts an occurrence whose first attempt died before its transaction committed, exactly once', async () => {
    let failures = 1;
    p.dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand' && failures-- > 0) {
          throw Object.assign(new Error('injected: the container died'), { name: 'InjectedFault' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failFirstTransaction' },
    );
    try {
      const event = body({ id: 'dies-mid-way' });
      const first = await p.handler(sqsEvent(sqsRecord('c-1', event)));
      expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'c-1' }]);
      // All or nothing: neither the id, the link nor the count was written.
      for (const prefix of ['EVENT#', 'LINK#', 'GROUP#']) {
        expect(await scanItems(p.dynamo, p.config.tableName, prefix)).toHaveLength(0);
      }
      for (let i = 0; i < 2; i++) {
        const retry = await p.handler(sqsEvent(sqsRecord('c-1', event)));
        expect(retry.batchItemFailures).toEqual([]);
      }
      const groups = await scanItems(p.dynamo, p.config.tableName, 'GROUP#');
      expect(groups.map((g) => (g.count as { N: string }).N)).toEqual(['1']);
      expect(p.slack.parents()).toHaveLength(1);
      expect(JSON.stringify(p.slack.parents()[0]!.blocks)).toContain('*Occurrences*\\n1');
    } finally {
      p.dynamo.middlewareStack.remove('failFirstTransaction');
    }
  });

  it('reports each invocation’s own failures when invocations overlap', async () => {
    p.slack.failNext({ delayMs: 300 }); // keeps the first invocation busy while the second one ends
    const seen = p.slack.requests.length;
    const fine = p.handler(sqsEvent(sqsRecord('good', body({ id: 'overlap' }))));
    await p.slack.waitFor((s) => s.requests.length > seen);
    p.slack.failNext({ status: 500 }); // the second invocation's post fails: that record is retried
    const broken = await p.handler(
      sqsEvent(sqsRecord('bad', body({ id: 'overlap-2', error: { type: 'OtherError' } }))),
    );
    expect(broken.batchItemFailures).toEqual([{ itemIdentifier: 'bad' }]);
    expect((await fine).batchItemFailures).toEqual([]);
  });

  it('handles a message that carries the internal marker but no flush as the event it is', async () => {
    const forged = sqsRecord('forged', body({ id: 'forged-flush' }), { internal: true });
    expect((await p.handler(sqsEvent(forged))).batchItemFailures).toEqual([]);
    const links = await scanItems(p.dynamo, p.config.tableName, 'LINK#');
    const ids = links.map((l) => (l.event as { M: { id: { S: string } } }).M.id.S);
    expect(ids).toContain('forged-flush');
  });

  it('scrubs secrets from an invalid event before parking it, and keeps body text out of the reason', async () => {
    const leaky = JSON.stringify({
      error: { message: 'login failed' },
      password: 'hunter2',
      token: 'sk_live_0123456789abcdefghijklmn',
      tags: { 'x sk_live_0123456789abcdefghijklmn': {} }, // invalid: the reason names this key
    });
    const notJson = '{"api_key": "AKIAABCDEFGHIJKLMNOP", oops';
    await p.handler(sqsEvent(sqsRecord('leaky', leaky), sqsRecord('not-json', notJson)));
    const dead = await dlqMessages(p);
    const byId = Object.fromEntries(
      dead.map((m) => [m.MessageAttributes?.['headsup-source-message-id']?.StringValue, m]),
    );
    for (const id of ['leaky', 'not-json']) {
      const text = `${byId[id]?.Body} ${byId[id]?.MessageAttributes?.[DLQ_REASON_ATTRIBUTE]?.StringValue}`;
      expect(text).not.toMatch(/hunter2|sk_live_0123|AKIAABCDEFGHIJKLMNOP/);
    }
    expect(byId['not-json']?.MessageAttributes?.[DLQ_REASON_ATTRIBUTE]?.StringValue).toMatch(
      /^body is not valid JSON \(at position \d+\)$/,
    );
  });

  it('sends invalid and oversized events to the DLQ with a reason; the rest of the batch succeeds', async () => {
    const missingApp = JSON.stringify({ error: { message: 'no app' } });
    const huge = body({ context: { blob: 'x'.repeat(300 * 1024) } });
    const response = await p.handler(
      sqsEvent(
        sqsRecord('ok-1', body({ id: 'ok-1' })),
        sqsRecord('bad-1', missingApp),
        sqsRecord('big-1', huge),
        sqsRecord('ok-2', body({ id: 'ok-2' })),
      ),
    );
    expect(response.batchItemFailures).toEqual([]); // the bad ones are parked, not retried
    const dead = await dlqMessages(p);
    const reasons = Object.fromEntries(
      dead.map((m) => [m.MessageAttributes?.['headsup-source-message-id']?.StringValue, m]),
    );
    expect(reasons['bad-1']?.MessageAttributes?.[DLQ_REASON_ATTRIBUTE]?.StringValue).toMatch(/app: /);
    expect(reasons['bad-1']?.Body).toBe(missingApp);
    expect(reasons['big-1']?.MessageAttributes?.[DLQ_REASON_ATTRIBUTE]?.StringValue).toMatch(
      /limit is 262144 bytes/,
    );
    // Parked as the producer sent it but scrubbed: its shape and fields survive, long text is cut.
    const parked = JSON.parse(reasons['big-1']!.Body!) as ReturnType<typeof sampleEvent>;
    expect(parked.error).toEqual(JSON.parse(huge).error);
    expect(String(parked.context?.blob)).toMatch(/^x{30000,}…$/);
    expect(await scanItems(p.dynamo, p.config.tableName, 'LINK#')).toHaveLength(2);
  });
});

const ERRORS = [
  { type: 'CardExpiredError', code: 'card_expired', message: 'Card ending 4242 expired' },
  { type: 'PlanLimitError', message: 'Seat limit reached' },
  { type: 'SamlResponseError', message: 'Clock skew too large' },
];
/** Which error each of the ten records has: 5 card (3 users), 3 plan (2 users), 2 SAML (1 user). */
const PLAN = [0, 1, 0, 2, 0, 1, 0, 2, 1, 0];
const EXPECTED = { CardExpiredError: [5, 3], PlanLimitError: [3, 2], SamlResponseError: [2, 1] };

/** Ten records over three groups, with event ids (and message ids) `<prefix>-<i>`. */
function tenOverThree(prefix: string): SQSRecord[] {
  return PLAN.map((g, i) => {
    const u = i % 4;
    const user = { id: `u${u}`, email: `u${u}@example.com`, name: `User ${u}` };
    return sqsRecord(`${prefix}-${i}`, body({ id: `${prefix}-${i}`, error: ERRORS[g]!, user }));
  });
}

describe('triage handler, a batch at once', () => {
  let p: Pipeline;
  beforeEach(async () => {
    p = await startPipeline();
  });
  afterEach(() => p.close());

  /** Each group's [count, distinct users], by error type. */
  async function groupCounts(): Promise<Record<string, number[]>> {
    const groups = await scanItems(p.dynamo, p.config.tableName, 'GROUP#');
    return Object.fromEntries(
      groups.map((g) => [
        (g.errorType as { S: string }).S,
        [Number((g.count as { N: string }).N), (g.users as { SS: string[] } | undefined)?.SS.length ?? 0],
      ]),
    );
  }
  const links = async () => (await scanItems(p.dynamo, p.config.tableName, 'LINK#')).length;
  const ids = (response: { batchItemFailures: { itemIdentifier: string }[] }) =>
    response.batchItemFailures.map((f) => f.itemIdentifier).sort();

  it('counts a batch of 10 over 3 groups exactly, posts one parent per group and queues its fixes', async () => {
    const response = await p.handler(sqsEvent(...tenOverThree('b')));
    expect(response.batchItemFailures).toEqual([]);
    expect(await groupCounts()).toEqual(EXPECTED);
    expect(await links()).toBe(10);
    expect(p.slack.parents()).toHaveLength(3);
    expect(p.slack.violations).toEqual([]);
    // One automatic fix job per card occurrence (the only errors an auto template matches).
    const jobs = (await takeAll(p.sqs, p.notifyQueues.queueUrl)).map((m) => JSON.parse(m.Body!));
    expect(jobs).toHaveLength(5);
    expect(new Set(jobs.map((j) => j.linkId)).size).toBe(5);
    expect(jobs.every((j) => j.templateId === 'card-expired' && j.trigger === 'auto')).toBe(true);
  });

  it('counts nothing twice when the whole batch is retried after its transaction committed', async () => {
    let lose = 1; // DynamoDB commits the transaction, then the answer is lost (the container died)
    p.dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'TransactWriteItemsCommand' && lose-- > 0) {
          throw Object.assign(new Error('injected: answer lost'), { name: 'InjectedFault' });
        }
        return result;
      },
      { step: 'initialize', name: 'loseTransactionAnswer' },
    );
    const records = tenOverThree('r');
    try {
      expect(ids(await p.handler(sqsEvent(...records)))).toEqual(records.map((r) => r.messageId).sort());
    } finally {
      p.dynamo.middlewareStack.remove('loseTransactionAnswer');
    }
    expect(await groupCounts()).toEqual(EXPECTED); // committed, all or nothing
    expect(p.slack.parents()).toHaveLength(0);
    for (let i = 0; i < 2; i++) expect((await p.handler(sqsEvent(...records))).batchItemFailures).toEqual([]);
    expect(await groupCounts()).toEqual(EXPECTED);
    expect(await links()).toBe(10);
    expect(p.slack.parents()).toHaveLength(3);
    // The retries queue the fix jobs again, for the same occurrences: the notify guards send each once.
    const jobs = (await takeAll(p.sqs, p.notifyQueues.queueUrl)).map((m) => JSON.parse(m.Body!));
    expect(new Set(jobs.map((j) => j.linkId)).size).toBe(5);
  });

  it('counts a batch holding an event an earlier batch stored, without counting that one again', async () => {
    const first = tenOverThree('e').slice(0, 3);
    expect((await p.handler(sqsEvent(...first))).batchItemFailures).toEqual([]);
    const redelivered = sqsRecord('e-1-again', first[1]!.body); // a new message id, the same event id
    const next = tenOverThree('f').slice(0, 3);
    expect((await p.handler(sqsEvent(next[0]!, redelivered, next[1]!, next[2]!))).batchItemFailures).toEqual(
      [],
    );
    const counts = await groupCounts();
    expect(counts.CardExpiredError?.[0]).toBe(4); // e-0, e-2, f-0, f-2
    expect(counts.PlanLimitError?.[0]).toBe(2); // e-1 once, f-1
    expect(await links()).toBe(6);
    expect(p.slack.parents()).toHaveLength(2);
  });

  it('counts the same event twice in one batch once, and both records succeed', async () => {
    const same = body({ id: 'twice-in-a-batch' });
    const response = await p.handler(
      sqsEvent(sqsRecord('t-1', same), sqsRecord('t-2', same), sqsRecord('t-3', body({ id: 'other' }))),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(await groupCounts()).toEqual({ CardExpiredError: [2, 1] });
    expect(await links()).toBe(2);
    expect(p.slack.parents()).toHaveLength(1);
  });

  it('starts a new group and a new alert for an error whose group expired', async () => {
    expect(await p.handler(sqsEvent(sqsRecord('x-1', body({ id: 'x-1' }))))).toEqual({
      batchItemFailures: [],
    });
    const offset = (GROUP_TTL_SECONDS + 3600) * 1000;
    p.deps.now = () => Date.now() + offset;
    const response = await p.handler(
      sqsEvent(sqsRecord('x-2', body({ id: 'x-2' })), sqsRecord('x-3', body({ id: 'x-3' }))),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(await groupCounts()).toEqual({ CardExpiredError: [2, 1] });
    expect(p.slack.parents()).toHaveLength(2);
    expect(JSON.stringify(p.slack.parents()[1]!.blocks)).toContain('*Occurrences*\\n2');
  });

  it('counts two batches at once on the same groups exactly, with one parent per group', async () => {
    p.slack.failNext({ delayMs: 200 }, 6); // both invocations are inside Slack at the same time
    const [a, b] = await Promise.all([
      p.handler(sqsEvent(...tenOverThree('c'))),
      p.handler(sqsEvent(...tenOverThree('d'))),
    ]);
    expect([...a.batchItemFailures, ...b.batchItemFailures]).toEqual([]);
    await p.source.drain(); // the flushes the losers scheduled
    expect(await groupCounts()).toEqual({
      CardExpiredError: [10, 3],
      PlanLimitError: [6, 2],
      SamlResponseError: [4, 1],
    });
    expect(await links()).toBe(20);
    expect(p.slack.parents()).toHaveLength(3);
  });

  it('fails only the records of the group whose Slack sync failed; their retry posts once', async () => {
    p.slack.failNext({ status: 500, method: 'chat.postMessage' });
    const records = tenOverThree('s');
    const failed = ids(await p.handler(sqsEvent(...records)));
    // Which group met the 500 depends on timing; exactly one group's records failed, all of them.
    const ofGroup = [0, 1, 2].map((g) =>
      records
        .filter((_, i) => PLAN[i] === g)
        .map((r) => r.messageId)
        .sort(),
    );
    expect(ofGroup).toContainEqual(failed);
    expect(p.slack.parents()).toHaveLength(2);
    const retry = await p.handler(sqsEvent(...records.filter((r) => failed.includes(r.messageId))));
    expect(retry.batchItemFailures).toEqual([]);
    expect(p.slack.parents()).toHaveLength(3);
    expect(await groupCounts()).toEqual(EXPECTED);
    expect(await links()).toBe(10);
  });

  it('costs a few DynamoDB requests per batch, fewer as its groups get busy', async () => {
    const requests = countDynamoRequests(p.dynamo);
    try {
      // Three new groups: one transaction, one read of the groups, a post claim and mark per group.
      expect((await p.handler(sqsEvent(...tenOverThree('q1')))).batchItemFailures).toEqual([]);
      const newGroups = requests.byCommand();
      requests.reset();
      // The same groups within the window: each schedules its flush.
      expect((await p.handler(sqsEvent(...tenOverThree('q2')))).batchItemFailures).toEqual([]);
      const inWindow = requests.byCommand();
      requests.reset();
      // The flushes it queued are on their way and will show this batch: nothing but the transaction.
      expect((await p.handler(sqsEvent(...tenOverThree('q3')))).batchItemFailures).toEqual([]);
      const busy = requests.byCommand();
      process.stdout.write(
        `triage DynamoDB requests per batch of 10: ${JSON.stringify({ newGroups, inWindow, busy })}\n`,
      );
      expect(newGroups).toEqual({
        TransactWriteItemsCommand: 1,
        BatchGetItemCommand: 1,
        UpdateItemCommand: 6,
      });
      expect(inWindow).toEqual({
        TransactWriteItemsCommand: 1,
        BatchGetItemCommand: 1,
        UpdateItemCommand: 3,
      });
      expect(busy).toEqual({ TransactWriteItemsCommand: 1 });
    } finally {
      requests.stop();
    }
    expect(await groupCounts()).toEqual({
      CardExpiredError: [15, 3],
      PlanLimitError: [9, 2],
      SamlResponseError: [6, 1],
    });
  });
});
