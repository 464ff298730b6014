/**
 * Adversarial: one event that passes validation but that DynamoDB (or its SDK) cannot store as it
 * is. It must not take the other events of its batch (one transaction holds up to ~40) down with it,
 * and since no retry can store it, it belongs in the DLQ at once with its reason — not retried until
 * the redrive parks it (and, with it, whoever shared its transaction) without one.
 */
import { DLQ_REASON_ATTRIBUTE } from '../../lib/definitions';
import { scanItems } from '../../local/table-scan';
import { type Pipeline, startPipeline } from '../support/pipeline';
import { receiveMessages, takeAll } from '../support/queues';
import { sampleEventBody as body, sampleEvent } from '../support/samples';
import { sqsEvent, sqsRecord } from '../support/sqs-records';

/**
 * Valid events (the schema takes them) that DynamoDB refuses as they come: empty attribute names.
 * Numbers DynamoDB cannot hold are covered in triage-batch-faults.test.ts.
 */
const POISONS: Array<[string, Record<string, unknown>]> = [
  ['a tag with an empty name', { tags: { '': 'x' } }],
  ['a header with an empty name', { request: { method: 'GET', url: '/x', headers: { '': 'x' } } }],
  ['an empty key deep in context', { context: { form: { fields: { '': 'blank' } } } }],
];

describe('adversary: an event DynamoDB cannot store, in a batch', () => {
  let p: Pipeline;
  beforeEach(async () => {
    p = await startPipeline();
  });
  afterEach(() => p.close());

  const links = async () => (await scanItems(p.dynamo, p.config.tableName, 'LINK#')).length;

  it.each(POISONS)(
    '%s: its 39 neighbours are stored; it is stored too, or parked at once with a reason',
    async (_name, poison) => {
      const records = Array.from({ length: 40 }, (_, i) =>
        sqsRecord(
          `m-${i}`,
          i === 17 ? JSON.stringify({ ...sampleEvent({ id: 'e-17' }), ...poison }) : body({ id: `e-${i}` }),
        ),
      );
      const response = await p.handler(sqsEvent(...records));
      expect(response.batchItemFailures.filter((f) => f.itemIdentifier !== 'm-17')).toEqual([]);
      const stored = await links();
      expect(stored).toBeGreaterThanOrEqual(39);
      // No retry can store it as it is: nothing is left to fail into five more receives.
      expect(response.batchItemFailures).toEqual([]);
      if (stored === 39) {
        const [parked] = await receiveMessages(p.sqs, p.queues.dlqUrl, 10);
        expect(parked?.MessageAttributes?.[DLQ_REASON_ATTRIBUTE]?.StringValue).toBeTruthy();
      }
    },
  );

  it('through the queue: the neighbours are stored, and the poison is parked by triage with its reason, not by the redrive', async () => {
    const bodies = Array.from({ length: 40 }, (_, i) =>
      i === 5 ? JSON.stringify({ ...sampleEvent({ id: 'q-5' }), tags: { '': 'x' } }) : body({ id: `q-${i}` }),
    );
    await p.send(bodies);
    const started = Date.now();
    await p.source.drain(60_000);
    const dlq = await takeAll(p.sqs, p.queues.dlqUrl);
    const stored = await links();
    process.stdout.write(
      `poison via queue: ${stored} of 40 stored, ${dlq.length} in the DLQ, drained in ${Date.now() - started} ms\n`,
    );
    expect(stored + dlq.length).toBe(40);
    expect(stored).toBeGreaterThanOrEqual(39);
    // Parked by triage with its reason, not by the redrive after five failed receives without one.
    for (const m of dlq) expect(m.MessageAttributes?.[DLQ_REASON_ATTRIBUTE]?.StringValue).toBeTruthy();
  });
});
