/**
 * Fix messages recover from failures around the send: nothing is lost when a step before the send
 * fails, nothing is sent twice when the answer after it is ambiguous. The notify handler is called
 * directly with the job triage queued; the clock is moved to where the queue's retry would come
 * (visibility timeout: 6 × 30 s on AWS).
 */
import { scanItems } from '../../local/table-scan';
import { type Pipeline, startPipeline } from '../support/pipeline';
import { sampleEventBody as body } from '../support/samples';
import { notifyEvent } from '../support/sqs-records';

const RETRY_AFTER_VISIBILITY_MS = 180_000;

describe('fix messages after failures', () => {
  let p: Pipeline;
  beforeEach(async () => {
    p = await startPipeline();
  });
  afterEach(() => p.close());

  function failOnce(name: string, match: (commandName: string, input: string) => boolean, id: string) {
    let failures = 1;
    p.dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        if (match(context.commandName ?? '', JSON.stringify(args.input)) && failures-- > 0) {
          throw Object.assign(new Error(`injected ${name}`), { name, $metadata: {} });
        }
        return next(args);
      },
      { step: 'initialize', name: id },
    );
  }

  it('a failed cooldown-guard write (nothing sent) does not cost the user their message', async () => {
    p.intercom.addContact({ external_id: 'u_1', name: 'Fred' });
    const job = await p.queuedNotifyJob(body({ id: 'claim-send-fails' }));
    // DynamoDB refuses the SENT# put (in the batch's claim) once (throttled after the SDK's own
    // retries, a timeout, a 500…).
    failOnce(
      'ProvisionedThroughputExceededException',
      (c, i) => c === 'TransactWriteItemsCommand' && i.includes('"Put"') && i.includes('SENT#'),
      'failClaimSend',
    );
    expect((await p.notifyHandler(notifyEvent(job))).batchItemFailures).toHaveLength(1); // thrown: a retry comes
    expect(p.intercom.messages).toHaveLength(0);
    const later = Date.now() + RETRY_AFTER_VISIBILITY_MS;
    p.notifyDeps.now = () => later;
    expect((await p.notifyHandler(notifyEvent(job))).batchItemFailures).toEqual([]);
    const [link] = await scanItems(p.dynamo, p.config.tableName, 'LINK#');
    expect(link!.notify).toMatchObject({ M: { status: { S: 'sent' } } });
    expect(p.intercom.messages).toHaveLength(1);
  });

  it('a 502 after Intercom created the message does not send it a second time', async () => {
    p.intercom.addContact({ external_id: 'u_1', name: 'Fred' });
    const job = await p.queuedNotifyJob(body({ id: 'gateway-502' }));
    // The gateway fails after the write: Intercom delivered the message, the client sees a 502.
    p.intercom.failNext({ status: 502, apply: true, method: 'POST', path: '/messages' });
    const first = await p.notifyHandler(notifyEvent(job));
    if (first.batchItemFailures.length > 0) {
      p.notifyDeps.now = () => Date.now() + RETRY_AFTER_VISIBILITY_MS;
      await p.notifyHandler(notifyEvent(job));
    }
    expect(p.intercom.messages).toHaveLength(1);
  });
});
