import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { scanItems } from '../../local/table-scan';
import { type Pipeline, startPipeline } from '../support/pipeline';
import { receiveMessages } from '../support/queues';
import { sampleEventBody as body } from '../support/samples';
import { notifyEvent } from '../support/sqs-records';

const HOUR = 3600_000;
const planLimit = { type: 'PlanLimitError', code: 'plan_limit_reached', message: 'Seat limit of 5 reached' };

describe('fix messages through Intercom', () => {
  let p: Pipeline;
  beforeEach(async () => {
    p = await startPipeline({ linkTtlSeconds: 7 * 86400 });
  });
  afterEach(() => p.close());

  async function process(...bodies: string[]) {
    await p.send(bodies);
    await p.source.drain();
    await p.notifySource.drain();
  }

  const threadTexts = () => {
    const parent = p.slack.parents()[0]!;
    return p.slack.replies(parent.channel, parent.ts).map((m) => m.text);
  };

  it('sends an auto template once, rendered and escaped, from the admin to the contact found by external id', async () => {
    const fred = p.intercom.addContact({ external_id: 'u_1', email: 'fred@example.com', name: 'Fred Smith' });
    await process(
      body({
        id: 'e1',
        user: {
          id: 'u_1',
          email: 'fred@example.com',
          name: '<img/src=x/onerror=alert(1)>' /* no spaces: the greeting uses the first name */,
        },
      }),
    );

    expect(p.intercom.messages).toHaveLength(1);
    const [message] = p.intercom.messagesFor(fred.id);
    expect(message).toMatchObject({
      message_type: 'inapp',
      from: { type: 'admin', id: '991' },
      to: { type: 'user', id: fred.id },
    });
    expect(message!.body).toContain('Hi &lt;img/src&#x3D;x/onerror&#x3D;alert(1)&gt;,');
    expect(message!.body).not.toContain('<img');
    expect(message!.body).toContain('<strong>Acme</strong>');
    expect(message!.body).toContain('Settings → Billing → Payment method');
    expect(p.intercom.violations).toEqual([]); // the fake flags raw tags with on…= handlers and scripts
    const sendRequest = p.intercom.requests.find((r) => r.path === '/messages')!;
    expect(sendRequest.headers.authorization).toBe(`Bearer ${p.intercom.token}`);
    expect(sendRequest.headers['intercom-version']).toBe('2.14');

    expect(threadTexts()).toEqual([
      ':white_check_mark: Sent “Expired card” to &lt;img/src=x/onerror=alert(1)&gt; in Intercom, in-app · sent automatically',
    ]);
    const parent = JSON.stringify(p.slack.parents()[0]!.blocks);
    expect(parent).toContain('Fix template *Expired card* · sent automatically');
    expect(parent).toContain(`https://app.intercom.com/a/apps/fakeapp1/users/${fred.id}`);
    const [link] = await scanItems(p.dynamo, p.config.tableName, 'LINK#');
    expect(link!.notify).toMatchObject({ M: { status: { S: 'sent' }, reported: { BOOL: true } } });
    const page = await (await p.app.request(`/e/${(link!.id as { S: string }).S}`)).text();
    expect(page).toContain('<h2>Fix message</h2>');
    expect(page).toMatch(/<th>Status<\/th><td>sent in Intercom<\/td>/);
    expect(p.slack.violations).toEqual([]);
  });

  it('finds the contact by email when the external id is unknown to Intercom', async () => {
    const lead = p.intercom.addContact({ email: 'ann@example.com', role: 'lead' });
    const ann = p.intercom.addContact({ email: 'ann@example.com', name: 'Ann', role: 'user' });
    await process(body({ user: { id: 'not-in-intercom', email: 'ann@example.com', name: 'Ann' } }));
    expect(p.intercom.messagesFor(ann.id)).toHaveLength(1);
    expect(p.intercom.messagesFor(lead.id)).toHaveLength(0);
  });

  it('sends once for duplicate jobs and once after a retry that followed a 429', async () => {
    p.intercom.addContact({ external_id: 'u_1', name: 'Fred' });
    // 429: Intercom refused before doing anything (a 5xx might have sent it: that one is never retried).
    p.intercom.failNext({ status: 429, path: '/messages' });
    await p.send([body({ id: 'dup' })]);
    await p.source.drain();
    const [job] = await receiveMessages(p.sqs, p.notifyQueues.queueUrl);

    const first = await p.notifyHandler(notifyEvent(job!.Body!));
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'n-0' }]); // the 429: retried through the queue
    expect(p.intercom.messages).toHaveLength(0);
    // Two copies in one batch: one sends, the other is decided in the next round, after it, as a duplicate.
    const second = await p.notifyHandler(notifyEvent(job!.Body!, job!.Body!));
    expect(second.batchItemFailures).toEqual([]);
    expect(p.intercom.messages).toHaveLength(1);
    const third = await p.notifyHandler(notifyEvent(job!.Body!, job!.Body!));
    expect(third.batchItemFailures).toEqual([]); // the retries see it was sent: duplicates, done
    expect(p.intercom.messages).toHaveLength(1);
    expect(threadTexts().filter((t) => t.includes('Sent “Expired card”'))).toHaveLength(1);
  });

  it('does not send to a user unknown to Intercom, says so in the thread, and does not retry', async () => {
    await process(body({ user: { id: 'ghost', email: 'ghost@example.com', name: 'Ghost' } }));
    expect(p.intercom.messages).toEqual([]);
    expect(threadTexts()).toEqual([
      ':grey_question: Did not send “Expired card”: Ghost is not in Intercom (no user with their user id or email)',
    ]);
    expect(p.intercom.requests.filter((r) => r.path.startsWith('/contacts'))).toHaveLength(2); // id, then email
  });

  it('does not send a template that fails to render, says why in the thread, and does not retry', async () => {
    const fred = p.intercom.addContact({ external_id: 'u_1', name: 'Fred' });
    const job = await p.queuedNotifyJob(body({ id: 'no-render' }));
    const templates = p.notifyDeps.templates;
    const at = templates.findIndex((t) => t.id === 'card-expired');
    templates[at] = {
      ...templates[at]!,
      render: () => {
        throw new Error('Missing helper: "shout"');
      },
    };

    expect((await p.notifyHandler(notifyEvent(job))).batchItemFailures).toEqual([]);
    expect(p.intercom.messagesFor(fred.id)).toEqual([]);
    const reason = 'template "card-expired" did not render: Missing helper: "shout"';
    expect(threadTexts()).toEqual([`:x: Could not send “Expired card” to Fred Smith: ${reason}`]);
    const [link] = await scanItems(p.dynamo, p.config.tableName, 'LINK#');
    expect(link!.notify).toMatchObject({
      M: { status: { S: 'failed' }, reason: { S: reason }, reported: { BOOL: true } },
    });
    // Nothing went out, so both guards were given back: a click may send once the template is fixed.
    expect(await scanItems(p.dynamo, p.config.tableName, 'FIX#', 'SENT#')).toEqual([]);
  });

  it('counts automatic fixes to many users on the alert instead of a thread reply each', async () => {
    const users = Array.from({ length: 12 }, (_, i) => ({ id: `many_${i}`, name: `User ${i}` }));
    for (const u of users) p.intercom.addContact({ external_id: u.id, name: u.name });
    p.notifySource.start(); // fixes go out while triage works, as on AWS
    await p.send(users.map((user, i) => body({ id: `many-${i}`, user })));
    await p.source.drain();
    await p.notifySource.stop();
    await p.notifySource.drain();

    expect(p.intercom.messages).toHaveLength(12);
    expect(threadTexts().filter((t) => t.startsWith(':white_check_mark: Sent'))).toHaveLength(1);
    const shown = /Fixes sent to (\d+) users/.exec(JSON.stringify(p.slack.parents()[0]!.blocks));
    expect(Number(shown?.[1])).toBeGreaterThanOrEqual(2);
    // Slack calls stay bounded by the coalescing window, not by the number of users.
    expect(p.slack.requests.filter((r) => r.method.startsWith('chat.')).length).toBeLessThanOrEqual(8);
  });

  it('holds a second fix inside the cooldown (saying why once) and sends again after it', async () => {
    const fred = p.intercom.addContact({ external_id: 'u_1', name: 'Fred' });
    await process(body({ id: 'c1' }));
    await process(body({ id: 'c2' }), body({ id: 'c3' }));
    expect(p.intercom.messagesFor(fred.id)).toHaveLength(1);
    const held = threadTexts().filter((t) => t.startsWith(':hourglass:'));
    expect(held).toHaveLength(1); // a burst does not flood the thread: the cooldown is explained once
    expect(held[0]).toMatch(
      /^:hourglass: Did not send “Expired card” to Fred Smith: they got it .*; it can go again after \d{4}-\d\d-\d\d/,
    );

    const later = Date.now() + 25 * HOUR; // the card-expired cooldown is 24 h
    p.notifyDeps.now = () => later;
    await process(body({ id: 'c4' }));
    expect(p.intercom.messagesFor(fred.id)).toHaveLength(2);
  });
});

describe('fix messages when a step after the send fails', () => {
  let p: Pipeline;
  beforeEach(async () => {
    p = await startPipeline();
  });
  afterEach(() => p.close());

  /** Once a dead attempt's guard has gone stale, the retry reports "may have arrived" and sends nothing. */
  async function expectUncertainOnceStale(job: string): Promise<void> {
    const later = Date.now() + p.notifyDeps.sendingStaleMs + 1;
    p.notifyDeps.now = () => later;
    expect((await p.notifyHandler(notifyEvent(job))).batchItemFailures).toEqual([]);
    expect(p.intercom.messages).toHaveLength(1);
    const [link] = await scanItems(p.dynamo, p.config.tableName, 'LINK#');
    expect(link!.notify).toMatchObject({ M: { status: { S: 'uncertain' } } });
  }

  it('never sends twice when recording the send fails: the send is recorded "sent", counted once', async () => {
    p.intercom.addContact({ external_id: 'u_1', name: 'Fred' });
    const job = await p.queuedNotifyJob(body({ id: 'mark-fails' }));
    let failed = false;
    // DynamoDB refuses the "sent" mark (recorded with the batch's outcomes) once, after Intercom has
    // taken the message: the send is recorded without its group, then counted and told.
    p.dynamo.middlewareStack.add(
      (next) => async (args) => {
        if (!failed && JSON.stringify(args.input).includes('#state = :sent')) {
          failed = true;
          throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failMarkSent' },
    );
    expect((await p.notifyHandler(notifyEvent(job))).batchItemFailures).toEqual([]);
    expect(failed).toBe(true);
    expect((await p.notifyHandler(notifyEvent(job))).batchItemFailures).toEqual([]); // a redelivery
    expect(p.intercom.messages).toHaveLength(1);
    const [link] = await scanItems(p.dynamo, p.config.tableName, 'LINK#');
    expect(link!.notify).toMatchObject({ M: { status: { S: 'sent' }, reported: { BOOL: true } } });
    expect(link!.notify?.M?.uncounted).toBeUndefined();
    const [group] = await scanItems(p.dynamo, p.config.tableName, 'GROUP#');
    expect(group!.fixesSent).toEqual({ N: '1' });
    const parent = p.slack.parents()[0]!;
    expect(p.slack.replies(parent.channel, parent.ts).map((m) => m.text)).toEqual([
      ':white_check_mark: Sent “Expired card” to Fred Smith in Intercom, in-app · sent automatically',
    ]);
  });

  it('waits for an attempt whose record failed altogether, then reports "may have arrived"', async () => {
    p.intercom.addContact({ external_id: 'u_1', name: 'Fred' });
    const job = await p.queuedNotifyJob(body({ id: 'record-fails' }));
    let failing = true;
    p.dynamo.middlewareStack.add(
      (next) => async (args) => {
        if (failing && JSON.stringify(args.input).includes('#state = :sent')) {
          throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failMarkSent' },
    );
    expect((await p.notifyHandler(notifyEvent(job))).batchItemFailures).toHaveLength(1);
    failing = false;
    expect(p.intercom.messages).toHaveLength(1);

    // Soon after: another attempt may still be sending. The job waits as a new, delayed message (its
    // receives are not spent), due when that guard would be stale. Later: reported, never resent.
    expect((await p.notifyHandler(notifyEvent(job))).batchItemFailures).toEqual([]);
    const { Attributes } = await p.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: p.notifyQueues.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessagesDelayed'],
      }),
    );
    expect(Attributes?.ApproximateNumberOfMessagesDelayed).toBe('1');
    await expectUncertainOnceStale(job);
  });

  it('never sends a second message for the same occurrence, even after the cooldown has passed', async () => {
    p.intercom.addContact({ external_id: 'u_1', name: 'Fred' });
    const job = await p.queuedNotifyJob(body({ id: 'redelivered-late' }));
    expect((await p.notifyHandler(notifyEvent(job))).batchItemFailures).toEqual([]);
    expect(p.intercom.messages).toHaveLength(1);
    // The job comes again long after the 24 h cooldown (while its link still lives): nothing is sent.
    const later = Date.now() + 25 * HOUR;
    p.notifyDeps.now = () => later;
    await p.forgetCooldown('id:u_1', 'card-expired'); // as DynamoDB's TTL would
    expect((await p.notifyHandler(notifyEvent(job, job))).batchItemFailures).toEqual([]);
    expect(p.intercom.messages).toHaveLength(1);
  });

  it('never resends after a crash between the send and its record, whatever the cooldown', async () => {
    p.intercom.addContact({ external_id: 'u_1', name: 'Fred' });
    const job = await p.queuedNotifyJob(body({ id: 'crash-after-send' }));
    let dead = true; // the "sent" mark fails after Intercom took the message: the attempt died there
    p.dynamo.middlewareStack.add(
      (next) => async (args) => {
        const input = JSON.stringify(args.input);
        const recording = input.includes('#state = :sent') || input.includes('"SET notify = :notify"');
        if (recording && dead) throw Object.assign(new Error('died'), { name: 'InjectedFault' });
        return next(args);
      },
      { step: 'initialize', name: 'dieAfterSend' },
    );
    try {
      expect((await p.notifyHandler(notifyEvent(job))).batchItemFailures).toHaveLength(1);
      dead = false;
      await p.forgetCooldown('id:u_1', 'card-expired'); // as DynamoDB's TTL would
      await expectUncertainOnceStale(job);
    } finally {
      p.dynamo.middlewareStack.remove('dieAfterSend');
    }
  });

  it('tells the thread on the retry when Slack failed after the send, and counts the fix once', async () => {
    p.intercom.addContact({ external_id: 'u_1', name: 'Fred' });
    const job = await p.queuedNotifyJob(body({ id: 'slack-fails' }));
    p.slack.failNext({ status: 500, method: 'chat.postMessage' });
    expect((await p.notifyHandler(notifyEvent(job))).batchItemFailures).toHaveLength(1);
    expect((await p.notifyHandler(notifyEvent(job))).batchItemFailures).toEqual([]);

    expect(p.intercom.messages).toHaveLength(1);
    const parent = p.slack.parents()[0]!;
    expect(p.slack.replies(parent.channel, parent.ts).map((m) => m.text)).toEqual([
      ':white_check_mark: Sent “Expired card” to Fred Smith in Intercom, in-app · sent automatically',
    ]);
    const [group] = await scanItems(p.dynamo, p.config.tableName, 'GROUP#');
    expect(group!.fixesSent).toEqual({ N: '1' });
  });
});

describe('"Send fix" in Slack', () => {
  let p: Pipeline;
  let base: string;
  beforeAll(async () => {
    p = await startPipeline();
    base = await p.serveWeb();
  });
  afterAll(() => p.close());

  const post = (raw: string, headers: Record<string, string>) =>
    fetch(`${base}/slack/actions`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: raw,
    });

  it('refuses unsigned, wrongly signed, altered and stale requests with 401', async () => {
    const raw = `payload=${encodeURIComponent(JSON.stringify({ type: 'block_actions', actions: [] }))}`;
    const now = Math.floor(Date.now() / 1000);
    const good = p.slack.signRequest(raw, now);
    expect((await post(raw, good)).status).toBe(200);
    expect((await post(raw, {})).status).toBe(401);
    expect((await post(`${raw}x`, good)).status).toBe(401);
    const stale = p.slack.signRequest(raw, now - 6 * 60);
    expect((await post(raw, stale)).status).toBe(401);
    const other = {
      ...good,
      'x-slack-signature': good['x-slack-signature'].replace(/.$/, (c) => (c === '0' ? '1' : '0')),
    };
    expect((await post(raw, other)).status).toBe(401);
  });

  it('turns a click into exactly one message, even when Slack delivers it twice, and updates the alert', async () => {
    const ann = p.intercom.addContact({ external_id: 'u_2', name: 'Ann Lee' });
    await p.send([body({ id: 'pl-1', error: planLimit, user: { id: 'u_2', name: 'Ann Lee' } })]);
    await p.source.drain();
    const parent = p.slack.parents()[0]!;
    expect(JSON.stringify(parent.blocks)).toContain('Send fix: Feature outside plan');
    await p.notifySource.drain();
    expect(p.intercom.messages).toEqual([]); // a manual template waits for the click

    const click = { channel: parent.channel, ts: parent.ts, actionId: 'send_fix', userId: 'U0ONCALL1' };
    const [a, b] = [
      await p.slack.clickButton(`${base}/slack/actions`, click),
      await p.slack.clickButton(`${base}/slack/actions`, click),
    ];
    expect([a.status, b.status]).toEqual([200, 200]);
    await p.notifySource.drain();

    expect(p.intercom.messagesFor(ann.id)).toHaveLength(1);
    const updated = JSON.stringify(p.slack.message(parent.channel, parent.ts)!.blocks);
    expect(updated).toContain('Fix sent to Ann Lee by <@U0ONCALL1>');
    expect(updated).not.toContain('send_fix'); // the button is gone once its fix went out
    const replies = p.slack.replies(parent.channel, parent.ts).map((m) => m.text);
    expect(replies).toEqual([
      ':white_check_mark: Sent “Feature outside plan” to Ann Lee in Intercom, in-app · requested by <@U0ONCALL1>',
    ]);
  });

  it('answers other clicks (URL buttons) with a plain 200 and queues nothing', async () => {
    const parent = p.slack.parents()[0]!;
    const before = p.intercom.requests.length;
    const res = await p.slack.clickButton(`${base}/slack/actions`, {
      channel: parent.channel,
      ts: parent.ts,
      actionId: 'open_details',
    });
    expect(res.status).toBe(200);
    await p.notifySource.drain();
    expect(p.intercom.requests.length).toBe(before);
  });
});
