/**
 * Notify within one invocation: it starts no round its remaining time cannot hold (the jobs not
 * started come back as new messages), and asks Intercom once per batch about a user it does not know.
 */
import { type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { ErrorEvent } from '../../functions/core/event-schema';
import { ROUND_RESERVE_MS } from '../../functions/handlers/notify';
import { FUNCTIONS } from '../../lib/definitions';
import { SqsEventSource } from '../../local/sqs-event-source';
import { scanDocuments } from '../../local/table-scan';
import { type Pipeline, startPipeline } from '../support/pipeline';
import { takeAll } from '../support/queues';
import { sampleEventBody as body } from '../support/samples';
import { notifyEvent } from '../support/sqs-records';

describe('notify within an invocation', () => {
  let p: Pipeline;
  beforeEach(async () => {
    p = await startPipeline({ linkTtlSeconds: 7 * 86400 });
  });
  afterEach(() => p.close());

  /** The links, by id: the event id and user of each job's occurrence. */
  async function links(): Promise<Map<string, { eventId: string; userId?: string; status?: string }>> {
    const items = await scanDocuments(p.dynamo, p.config.tableName, 'LINK#');
    return new Map(
      items.map((l) => [
        String(l.id),
        {
          eventId: String(l.eventId),
          userId: (l.event as ErrorEvent).user?.id,
          status: (l.notify as { status?: string } | undefined)?.status,
        },
      ]),
    );
  }

  const linkIdOf = (jobBody: string) => String(JSON.parse(jobBody).linkId);

  /** Messages as they arrive on the notify queue, left visible (the later run takes them). */
  async function arriving(count: number): Promise<Message[]> {
    const seen = new Map<string, Message>();
    const deadline = Date.now() + 10_000;
    while (seen.size < count && Date.now() < deadline) {
      const { Messages = [] } = await p.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: p.notifyQueues.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 0,
        }),
      );
      for (const m of Messages) seen.set(m.MessageId!, m);
    }
    return [...seen.values()];
  }

  it('starts no round the time left cannot hold: the jobs not started come back and are sent once later', async () => {
    const users = Array.from({ length: 25 }, (_, i) => ({ id: `u_${i}`, name: `User ${i}` }));
    const contacts = new Map(
      users.map((u) => [p.intercom.addContact({ external_id: u.id, name: u.name }).id, u.id]),
    );
    await p.send(users.map((u, i) => body({ id: `e${i}`, user: u })));
    await p.source.drain();

    // An invocation with 1 s more than a round's reserve, against an Intercom that takes 1.5 s a send:
    // the first round (20 jobs) runs, and leaves too little time for the second.
    const timeoutSeconds = Math.ceil(ROUND_RESERVE_MS / 1000) + 1;
    p.intercom.failNext({ delayMs: 1500, method: 'POST', path: '/messages' }, 25);
    let batch: string[] = [];
    let failures: unknown[] | undefined;
    let remainingAtStart = 0;
    const source = new SqsEventSource(
      p.sqs,
      p.notifyQueues.queueUrl,
      async (event, context) => {
        remainingAtStart = context.getRemainingTimeInMillis();
        batch = event.Records.map((r) => r.body);
        const response = await p.notifyHandler(event, context);
        failures = response.batchItemFailures;
        return response;
      },
      { batchSize: 40, fn: { ...FUNCTIONS.notify, name: 'notify', timeoutSeconds } },
    );
    expect(await source.pollOnce()).toBe(25);
    expect(remainingAtStart).toBeGreaterThan(timeoutSeconds * 1000 - 1000);
    expect(remainingAtStart).toBeLessThanOrEqual(timeoutSeconds * 1000);
    expect(failures).toEqual([]); // nothing left to a retry: no receive spent

    // Intercom heard exactly the first round's jobs: their lookups and sends, nothing of the others.
    const byLink = await links();
    const started = batch.slice(0, 20).map((b) => byLink.get(linkIdOf(b))!.userId);
    const notStarted = batch.slice(20);
    expect(p.intercom.messages.map((m) => contacts.get(m.to.id)).sort()).toEqual([...started].sort());
    const lookups = p.intercom.requests.filter((r) => r.path.startsWith('/contacts/'));
    expect(lookups.map((r) => decodeURIComponent(r.path.split('/').pop()!)).sort()).toEqual(
      [...started].sort(),
    );
    for (const b of notStarted) expect(byLink.get(linkIdOf(b))!.status).toBeUndefined();

    // They come back on the queue as new messages, a second later.
    const back = await arriving(notStarted.length);
    expect(back.map((m) => JSON.parse(m.Body!)).sort(byLinkId)).toEqual(
      notStarted.map((b) => JSON.parse(b)).sort(byLinkId),
    );

    // A later invocation, with the function's whole timeout, sends each of them once.
    await p.notifySource.drain();
    for (const u of users) {
      const sent = p.intercom.messages.filter((m) => contacts.get(m.to.id) === u.id);
      expect({ user: u.id, messages: sent.length }).toEqual({ user: u.id, messages: 1 });
    }
    expect([...(await links()).values()].map((l) => l.status)).toEqual(users.map(() => 'sent'));
    expect(p.intercom.violations).toEqual([]);
    expect(await takeAll(p.sqs, p.notifyQueues.dlqUrl)).toEqual([]);
  }, 60_000);

  it('asks Intercom once about a user it does not know, for all of a batch’s jobs, and again next batch', async () => {
    const ghost = { id: 'u_ghost', email: 'ghost@example.com', name: 'Ghost' };
    await p.send(['g1', 'g2', 'g3'].map((id) => body({ id, user: ghost })));
    await p.source.drain();
    const jobs = (await takeAll(p.sqs, p.notifyQueues.queueUrl)).map((m) => m.Body!);
    const byLink = await links();
    const job = (eventId: string) => jobs.find((b) => byLink.get(linkIdOf(b))!.eventId === eventId)!;
    const lookups = () =>
      p.intercom.requests.filter((r) => r.path.startsWith('/contacts')).map((r) => r.path);

    // Two jobs of one batch for the same user and template: the second is decided in the next round.
    const first = await p.notifyHandler(notifyEvent(job('g1'), job('g2')));
    expect(first.batchItemFailures).toEqual([]);
    expect(lookups()).toEqual(['/contacts/find_by_external_id/u_ghost', '/contacts/search']); // one lookup
    const statuses = async () =>
      Object.fromEntries([...(await links()).values()].map((l) => [l.eventId, l.status]));
    expect(await statuses()).toMatchObject({ g1: 'not-in-intercom', g2: 'not-in-intercom' });

    // The answer is the batch's only: once the user is in Intercom, the next batch finds them.
    const contact = p.intercom.addContact({ external_id: ghost.id, email: ghost.email, name: ghost.name });
    expect((await p.notifyHandler(notifyEvent(job('g3')))).batchItemFailures).toEqual([]);
    expect(lookups()).toHaveLength(3);
    expect(p.intercom.messagesFor(contact.id)).toHaveLength(1);
    expect(await statuses()).toEqual({ g1: 'not-in-intercom', g2: 'not-in-intercom', g3: 'sent' });
  });
});

const byLinkId = (a: { linkId: string }, b: { linkId: string }) => a.linkId.localeCompare(b.linkId);
