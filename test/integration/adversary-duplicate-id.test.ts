/**
 * Adversarial: two deliveries with the same event id (app, environment, id) but different bodies —
 * a producer that reuses ids, or a forged copy. Triage stores the first and counts the second as its
 * duplicate, sharing the first's link. The duplicate's own template must not get a fix message sent
 * for the first's occurrence: the user would be told about an error they did not have.
 */

import { type Pipeline, startPipeline } from '../support/pipeline';
import { takeAll } from '../support/queues';
import { sampleEventBody as body } from '../support/samples';
import { notifyEvent, sqsEvent, sqsRecord } from '../support/sqs-records';

describe('adversary: one event id, two bodies', () => {
  let p: Pipeline;
  beforeEach(async () => {
    p = await startPipeline();
  });
  afterEach(() => p.close());

  const fred = { id: 'u_fred', name: 'Fred Smith', email: 'fred@example.com' };
  const card = body({ id: 'evt-1', user: fred }); // card-expired (auto)
  const rateLimited = body({
    id: 'evt-1',
    user: fred,
    error: { type: 'RateLimitError', code: 'rate_limited', message: 'Too many requests' },
  }); // rate-limited (auto), same event id

  it.each([
    [
      'in one batch',
      async () => [await p.handler(sqsEvent(sqsRecord('m-1', card), sqsRecord('m-2', rateLimited)))],
    ],
    [
      'in two batches',
      async () => [
        await p.handler(sqsEvent(sqsRecord('m-1', card))),
        await p.handler(sqsEvent(sqsRecord('m-2', rateLimited))),
      ],
    ],
  ])('%s: only the stored occurrence’s template is sent', async (_when, deliver) => {
    const contact = p.intercom.addContact({ external_id: fred.id, email: fred.email, name: fred.name });
    for (const r of await deliver()) expect(r.batchItemFailures).toEqual([]);
    const jobs = (await takeAll(p.sqs, p.notifyQueues.queueUrl)).map((m) => m.Body!);
    // Whatever was queued, in any order: the duplicate's template first is the worst case.
    jobs.sort((a, b) =>
      JSON.parse(a).templateId === 'rate-limited' ? -1 : JSON.parse(b).templateId === 'rate-limited' ? 1 : 0,
    );
    expect((await p.notifyHandler(notifyEvent(...jobs))).batchItemFailures).toEqual([]);
    const sent = p.intercom.messagesFor(contact.id).map((m) => m.body);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/card/i);
    expect(sent[0]).not.toMatch(/more requests in a short time/);
  });
});
