import { DLQ_REASON_ATTRIBUTE } from '../../lib/definitions';
import { scanItems } from '../../local/table-scan';
import { type Pipeline, startPipeline } from '../support/pipeline';
import { receiveMessages } from '../support/queues';
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

  it('counts an occurrence whose first attempt died after claiming its id, exactly once', async () => {
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
      expect(await scanItems(p.dynamo, p.config.tableName, 'EVENT#')).toHaveLength(1); // the id was claimed
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
