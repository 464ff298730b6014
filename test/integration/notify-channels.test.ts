/**
 * How a fix reaches the user: `channel: inapp | email | auto` through the whole notify path (the real
 * intercom-client against the loopback fake), with what is recorded, told in Slack and shown on the
 * detail page, and the exactly-once guards holding for email as they do for in-app messages.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanItems } from '../../local/table-scan';
import { type Pipeline, startPipeline } from '../support/pipeline';
import { sampleEventBody as body } from '../support/samples';
import { notifyEvent } from '../support/sqs-records';

const SUBJECT = 'Your card has expired';
const MINUTE = 60;
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A folder with one auto template of the given channel for the sample event (card_expired). */
function templatesWith(channel: 'inapp' | 'email' | 'auto'): string {
  const dir = mkdtempSync(join(tmpdir(), 'headsup-channels-'));
  const subject = channel === 'inapp' ? '' : `subject: ${SUBJECT}\n`;
  writeFileSync(
    join(dir, 'card-expired.md'),
    `---\nid: card-expired\nname: Expired card\nmatch:\n  code: card_expired\nauto: true\nchannel: ${channel}\n${subject}---\nHi {{user.name}}, **add a new card** in Settings.\n`,
  );
  return dir;
}

describe('fix channels', () => {
  let p: Pipeline | undefined;
  afterEach(async () => {
    await p?.close();
    p = undefined;
  });

  async function start(channel: 'inapp' | 'email' | 'auto', env: Record<string, string> = {}) {
    p = await startPipeline({ templatesDir: templatesWith(channel), env });
    return p;
  }

  async function process(pipeline: Pipeline, ...bodies: string[]) {
    await pipeline.send(bodies);
    await pipeline.source.drain();
    await pipeline.notifySource.drain();
  }

  const threadTexts = (pipeline: Pipeline) => {
    const parent = pipeline.slack.parents()[0]!;
    return pipeline.slack.replies(parent.channel, parent.ts).map((m) => m.text);
  };

  /** The detail item and page of the occurrence whose fix has this status. */
  async function detail(pipeline: Pipeline, status = 'sent') {
    const links = await scanItems(pipeline.dynamo, pipeline.config.tableName, 'LINK#');
    const link = links.find((l) => l.notify?.M?.status?.S === status);
    const page = await (await pipeline.app.request(`/e/${(link!.id as { S: string }).S}`)).text();
    return { notify: link!.notify?.M, page };
  }

  it('auto: a user seen minutes ago gets the in-app message, recorded and told as in-app', async () => {
    const pl = await start('auto');
    const fred = pl.intercom.addContact({
      external_id: 'u_1',
      email: 'fred@example.com',
      last_seen_at: nowSeconds() - 5 * MINUTE,
    });
    await process(pl, body());
    expect(pl.intercom.messagesFor(fred.id).map((m) => m.message_type)).toEqual(['inapp']);
    expect(pl.intercom.messages[0]?.subject).toBeUndefined();
    expect(threadTexts(pl)).toEqual([
      ':white_check_mark: Sent “Expired card” to Fred Smith in Intercom, in-app · sent automatically',
    ]);
    const { notify, page } = await detail(pl);
    expect(notify?.channel).toEqual({ S: 'inapp' });
    expect(page).toContain('<th>Channel</th><td>in-app message</td>');
    expect(pl.intercom.violations).toEqual([]);
  });

  it('auto: a user last seen days ago (or never) gets an email with the subject, the body escaped', async () => {
    const pl = await start('auto');
    const fred = pl.intercom.addContact({
      external_id: 'u_1',
      email: 'fred@example.com',
      last_seen_at: nowSeconds() - 2 * 86400,
    });
    const ann = pl.intercom.addContact({ external_id: 'u_2', email: 'ann@example.com' });
    await process(
      pl,
      body({ id: 'e1', user: { id: 'u_1', email: 'fred@example.com', name: '<b onclick=x()>Fred</b>' } }),
      body({ id: 'e2', user: { id: 'u_2', email: 'ann@example.com', name: 'Ann' } }),
    );
    for (const contact of [fred, ann]) {
      const [message, ...more] = pl.intercom.messagesFor(contact.id);
      expect(more).toEqual([]);
      expect(message).toMatchObject({
        message_type: 'email',
        subject: SUBJECT,
        template: 'personal',
        from: { type: 'admin', id: '991' },
        to: { type: 'user', id: contact.id },
      });
      expect(message!.body).toContain('<strong>add a new card</strong>');
    }
    expect(pl.intercom.messagesFor(fred.id)[0]!.body).toContain(
      'Hi &lt;b onclick&#x3D;x()&gt;Fred&lt;/b&gt;,',
    );
    expect(pl.intercom.violations).toEqual([]); // the fake checks the email contract and flags raw markup
    const send = pl.intercom.requests.find((r) => r.path === '/messages')!;
    expect(send.method).toBe('POST');
    expect(send.headers.authorization).toBe(`Bearer ${pl.intercom.token}`);
    // One group: its first automatic outcome is told, the other is a count on the alert.
    expect(threadTexts(pl)).toEqual([
      ':white_check_mark: Sent “Expired card” to &lt;b onclick=x()&gt;Fred&lt;/b&gt; in Intercom, by email · sent automatically',
    ]);
    expect(threadTexts(pl).join('\n')).not.toContain('<b onclick');
    const [link] = await scanItems(pl.dynamo, pl.config.tableName, 'LINK#');
    expect(link!.notify?.M?.channel).toEqual({ S: 'email' });
  });

  it('auto: HEADSUP_INAPP_SEEN_WITHIN moves the line (3d: seen 2 days ago is recent)', async () => {
    const pl = await start('auto', { HEADSUP_INAPP_SEEN_WITHIN: '3d' });
    expect(pl.notifyDeps.inappSeenWithinSeconds).toBe(3 * 86400);
    const fred = pl.intercom.addContact({
      external_id: 'u_1',
      email: 'fred@example.com',
      last_seen_at: nowSeconds() - 2 * 86400,
    });
    await process(pl, body());
    expect(pl.intercom.messagesFor(fred.id).map((m) => m.message_type)).toEqual(['inapp']);
  });

  it('email: shown as email on the page and in the thread; one email per user per cooldown', async () => {
    const pl = await start('email');
    const fred = pl.intercom.addContact({
      external_id: 'u_1',
      email: 'fred@example.com',
      last_seen_at: nowSeconds(),
    });
    await process(pl, body({ id: 'c1' }));
    await process(pl, body({ id: 'c2' }), body({ id: 'c3' }));
    expect(pl.intercom.messagesFor(fred.id).map((m) => m.message_type)).toEqual(['email']);
    const texts = threadTexts(pl);
    expect(texts[0]).toBe(
      ':white_check_mark: Sent “Expired card” to Fred Smith in Intercom, by email · sent automatically',
    );
    expect(texts.filter((t) => t.startsWith(':hourglass:'))).toHaveLength(1);
    expect((await detail(pl)).page).toContain('<th>Channel</th><td>email</td>');
    // A fix held by the cooldown sent nothing: no channel shown.
    expect((await detail(pl, 'cooldown')).page).not.toContain('<th>Channel</th>');
  });

  it('email: duplicate jobs and a retry after a 429 send one email', async () => {
    const pl = await start('email');
    const fred = pl.intercom.addContact({ external_id: 'u_1', email: 'fred@example.com' });
    const job = await pl.queuedNotifyJob(body({ id: 'dup' }));
    pl.intercom.failNext({ status: 429, path: '/messages' });
    expect((await pl.notifyHandler(notifyEvent(job))).batchItemFailures).toEqual([{ itemIdentifier: 'n-0' }]);
    expect(pl.intercom.messages).toEqual([]);
    // Both guards were given back: the retry (twice, in one batch) sends once; the copy is decided in the
    // invocation's next round, after the outcome, as a duplicate.
    expect((await pl.notifyHandler(notifyEvent(job, job))).batchItemFailures).toEqual([]);
    expect((await pl.notifyHandler(notifyEvent(job, job))).batchItemFailures).toEqual([]);
    expect(pl.intercom.messagesFor(fred.id).map((m) => m.message_type)).toEqual(['email']);
    // The SDK never posted again itself: one 429, then one 200.
    expect(pl.intercom.requests.filter((r) => r.path === '/messages').map((r) => r.response?.status)).toEqual(
      [429, 200],
    );
  });

  it('email: a 500 may have delivered it, so it is never sent again, and the thread says so', async () => {
    const pl = await start('email');
    const fred = pl.intercom.addContact({ external_id: 'u_1', email: 'fred@example.com' });
    const job = await pl.queuedNotifyJob(body({ id: 'maybe' }));
    pl.intercom.failNext({ status: 500, apply: true, path: '/messages' });
    expect((await pl.notifyHandler(notifyEvent(job))).batchItemFailures).toEqual([]);
    expect((await pl.notifyHandler(notifyEvent(job))).batchItemFailures).toEqual([]); // a redelivery
    expect(pl.intercom.messagesFor(fred.id)).toHaveLength(1);
    expect(pl.intercom.requests.filter((r) => r.path === '/messages')).toHaveLength(1);
    expect(threadTexts(pl)).toEqual([
      expect.stringMatching(
        /^:warning: Intercom did not confirm sending “Expired card” to Fred Smith by email; it may have arrived\./,
      ),
    ]);
    const { notify, page } = await detail(pl, 'uncertain');
    expect(notify).toMatchObject({ status: { S: 'uncertain' }, channel: { S: 'email' } });
    expect(page).toContain('<th>Channel</th><td>email</td>');
  });

  it('email: a contact without an address is not sent anything, and the thread says why', async () => {
    const pl = await start('email');
    pl.intercom.addContact({ external_id: 'u_1', name: 'Fred' });
    await process(pl, body());
    expect(pl.intercom.requests.filter((r) => r.path === '/messages')).toEqual([]);
    expect(threadTexts(pl)).toEqual([
      ':x: Could not send “Expired card” to Fred Smith: the contact has no email address in Intercom',
    ]);
    // Nothing went out: both guards were given back.
    expect(await scanItems(pl.dynamo, pl.config.tableName, 'FIX#', 'SENT#')).toEqual([]);
  });

  it('auto: a contact unsubscribed from email, last seen days ago, gets the in-app message', async () => {
    const pl = await start('auto');
    const fred = pl.intercom.addContact({
      external_id: 'u_1',
      email: 'fred@example.com',
      last_seen_at: nowSeconds() - 2 * 86400,
      unsubscribed_from_emails: true,
    });
    await process(pl, body());
    expect(pl.intercom.messagesFor(fred.id).map((m) => m.message_type)).toEqual(['inapp']);
    expect(threadTexts(pl)).toEqual([
      ':white_check_mark: Sent “Expired card” to Fred Smith in Intercom, in-app · sent automatically',
    ]);
    expect(pl.intercom.violations).toEqual([]);
  });

  it('email: a contact unsubscribed from email is sent nothing, the outcome is final and says why', async () => {
    const pl = await start('email');
    pl.intercom.addContact({ external_id: 'u_1', email: 'fred@example.com', unsubscribed_from_emails: true });
    const job = await pl.queuedNotifyJob(body({ id: 'unsub' }));
    expect((await pl.notifyHandler(notifyEvent(job))).batchItemFailures).toEqual([]);
    expect(pl.intercom.requests.filter((r) => r.path === '/messages')).toEqual([]);
    expect(threadTexts(pl)).toEqual([
      ':x: Could not send “Expired card” to Fred Smith: the contact has unsubscribed from email',
    ]);
    const { notify } = await detail(pl, 'failed');
    expect(notify).toMatchObject({
      status: { S: 'failed' },
      reason: { S: 'the contact has unsubscribed from email' },
    });
    // Nothing went out: both guards were given back.
    expect(await scanItems(pl.dynamo, pl.config.tableName, 'FIX#', 'SENT#')).toEqual([]);
  });

  it('email: a 503 that Intercom applied anyway is not resent — uncertain, one email', async () => {
    const pl = await start('email');
    const fred = pl.intercom.addContact({ external_id: 'u_1', email: 'fred@example.com' });
    const job = await pl.queuedNotifyJob(body({ id: 'maybe503' }));
    pl.intercom.failNext({ status: 503, apply: true, path: '/messages' });
    expect((await pl.notifyHandler(notifyEvent(job))).batchItemFailures).toEqual([]);
    expect((await pl.notifyHandler(notifyEvent(job))).batchItemFailures).toEqual([]); // a redelivery
    expect(pl.intercom.messagesFor(fred.id)).toHaveLength(1);
    expect(pl.intercom.requests.filter((r) => r.path === '/messages')).toHaveLength(1);
    const { notify } = await detail(pl, 'uncertain');
    expect(notify).toMatchObject({
      status: { S: 'uncertain' },
      channel: { S: 'email' },
      reason: { S: 'Intercom 503 while sending: service_unavailable: Service Unavailable' },
    });
    // It did answer (a 503): the thread says it did not confirm the email, not that it timed out.
    expect(threadTexts(pl)).toEqual([
      expect.stringMatching(
        /^:warning: Intercom did not confirm sending “Expired card” to Fred Smith by email; it may have arrived\. .*\(Intercom 503 while sending: service_unavailable: Service Unavailable\)$/,
      ),
    ]);
  });

  it('email: a permanent refusal of the send records and tells the channel it was refused on', async () => {
    const pl = await start('email');
    pl.intercom.addContact({ external_id: 'u_1', email: 'fred@example.com' });
    const job = await pl.queuedNotifyJob(body({ id: 'refused' }));
    pl.intercom.failNext({ status: 401, path: '/messages' });
    expect((await pl.notifyHandler(notifyEvent(job))).batchItemFailures).toEqual([]);
    expect(pl.intercom.messages).toEqual([]);
    const { notify } = await detail(pl, 'failed');
    expect(notify).toMatchObject({ status: { S: 'failed' }, channel: { S: 'email' } });
    expect(threadTexts(pl)).toEqual([
      ':x: Could not send “Expired card” to Fred Smith by email: Intercom refused (401): unauthorized: Access Token Invalid — check INTERCOM_TOKEN',
    ]);
  });

  it('inapp (the default) ignores when the user was seen', async () => {
    const pl = await start('inapp');
    const fred = pl.intercom.addContact({ external_id: 'u_1', email: 'fred@example.com' });
    await process(pl, body());
    expect(pl.intercom.messagesFor(fred.id).map((m) => [m.message_type, m.template])).toEqual([
      ['inapp', 'plain'],
    ]);
  });
});
