/**
 * Faults that must stay with the one record they concern: an event DynamoDB cannot store is parked
 * with its reason while the rest of its batch is stored; a receive that fails part-way still hands
 * over what it received; a table scan does not change how the store marshals its writes.
 */
import { DLQ_REASON_ATTRIBUTE } from '../../lib/definitions';
import { scanDocuments, scanItems } from '../../local/table-scan';
import { type Pipeline, startPipeline } from '../support/pipeline';
import { receiveMessages } from '../support/queues';
import { sampleEventBody as body } from '../support/samples';
import { sqsEvent, sqsRecord } from '../support/sqs-records';

describe('triage, faults of one record in a batch', () => {
  let p: Pipeline;
  beforeEach(async () => {
    p = await startPipeline();
  });
  afterEach(() => p.close());

  const links = async () => (await scanItems(p.dynamo, p.config.tableName, 'LINK#')).length;

  it.each([
    ['an integer above 2^53', '12345678901234567890'],
    ['a number too large for DynamoDB', '1e300'],
    ['a number too small for DynamoDB', '1e-200'],
  ])('parks an event holding %s with its reason and stores the other 19', async (_, raw) => {
    const bad = body({ id: 'bad', context: { n: 0 } }).replace('"n":0', `"n":${raw}`);
    const records = Array.from({ length: 20 }, (_, i) =>
      i === 7 ? sqsRecord('bad', bad) : sqsRecord(`ok-${i}`, body({ id: `ok-${i}` })),
    );
    const response = await p.handler(sqsEvent(...records));
    expect(response.batchItemFailures).toEqual([]); // parked, not retried
    expect(await links()).toBe(19);
    const [group] = await scanItems(p.dynamo, p.config.tableName, 'GROUP#');
    expect(group?.count).toEqual({ N: '19' });
    const dead = await receiveMessages(p.sqs, p.queues.dlqUrl, 10);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.MessageAttributes?.['headsup-source-message-id']?.StringValue).toBe('bad');
    expect(dead[0]?.MessageAttributes?.[DLQ_REASON_ATTRIBUTE]?.StringValue).toMatch(
      /cannot be stored: event\.context\.n: the number/,
    );
  });

  it('handles the messages already received when a later receive of the batch fails', async () => {
    await p.send(Array.from({ length: 15 }, (_, i) => body({ id: `r-${i}` })));
    let receives = 0;
    p.sqs.middlewareStack.add(
      (next) => async (args) => {
        if (args.input && 'MaxNumberOfMessages' in (args.input as object) && ++receives === 2) {
          throw Object.assign(new Error('injected: receive failed'), { name: 'InjectedFault' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failSecondReceive' },
    );
    try {
      expect(await p.source.pollOnce(0)).toBe(10);
    } finally {
      p.sqs.middlewareStack.remove('failSecondReceive');
    }
    expect(await links()).toBe(10); // handled (and deleted) now, not left in flight
    await p.source.drain();
    expect(await links()).toBe(15);
  });

  it('stores events with unset fields after a table scan built a document client on the same client', async () => {
    await scanDocuments(p.dynamo, p.config.tableName, 'GROUP#');
    const response = await p.handler(sqsEvent(sqsRecord('m-1', body({ id: 'e-1', user: undefined }))));
    expect(response.batchItemFailures).toEqual([]);
    expect(await links()).toBe(1);
  });
});
