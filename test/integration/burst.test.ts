import { SLACK_COALESCE_MS } from '../../functions/core/slack/sync';
import { scanItems } from '../../local/table-scan';
import { countDynamoRequests } from '../support/dynamo-requests';
import { type Pipeline, startPipeline } from '../support/pipeline';
import { sampleEvent } from '../support/samples';

const EVENTS = 10_000;
const USERS = 500;
const ERRORS = [
  { type: 'CardExpiredError', message: 'Card ending 4242 expired' },
  { type: 'PlanLimitError', message: 'Seat limit of 5 reached' },
  { type: 'SamlResponseError', message: 'Clock skew of 301 seconds' },
];

/**
 * The README's bound on Slack calls for a burst: per group one parent post, then at most one update
 * (chat.update + thread reply) per coalescing window while the burst lasts, plus the final flush.
 */
function slackCallBound(groups: number, burstMs: number): number {
  return groups * (1 + 2 * (Math.ceil(burstMs / SLACK_COALESCE_MS) + 1));
}

describe('a burst of 10 000 events of 3 errors from 500 users', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ concurrency: 4 });
  });
  afterAll(() => p.close());

  it('yields 3 parent messages, a bounded number of Slack calls, and loses no event', async () => {
    const bodies = Array.from({ length: EVENTS }, (_, i) => {
      const u = i % USERS;
      return JSON.stringify(
        sampleEvent({
          id: `burst-${i}`,
          error: { ...ERRORS[i % ERRORS.length]!, message: `${ERRORS[i % ERRORS.length]!.message} (#${i})` },
          user: { id: `u${u}`, email: `user${u}@example.com`, name: `User ${u}` },
        }),
      );
    });
    await p.send(bodies);
    const requests = countDynamoRequests(p.dynamo);
    const started = Date.now();
    await p.source.drain(300_000);
    const burstMs = Date.now() - started;
    requests.stop();
    const perEvent = requests.total() / EVENTS;

    expect(p.slack.parents()).toHaveLength(3);
    const calls = p.slack.requests.filter((r) => r.method.startsWith('chat.')).length;
    expect(calls).toBeLessThanOrEqual(slackCallBound(3, burstMs));
    expect(p.slack.violations).toEqual([]);

    expect(await scanItems(p.dynamo, p.config.tableName, 'LINK#')).toHaveLength(EVENTS);
    const groups = await scanItems(p.dynamo, p.config.tableName, 'GROUP#');
    expect(groups.map((g) => Number((g.count as { N: string }).N)).sort()).toEqual([3333, 3333, 3334]);
    expect(groups.map((g) => (g.users as { SS: string[] }).SS.length).sort()).toEqual([500, 500, 500]);

    // After the last flush every parent shows its group's final count: the tail of a burst is not lost.
    const shown = p.slack
      .parents()
      .map((m) =>
        /\*Occurrences\*\\n(\d+) · (\d+) users/.exec(JSON.stringify(m.blocks))!.slice(1).map(Number),
      );
    expect(shown.sort()).toEqual([
      [3333, 500],
      [3333, 500],
      [3334, 500],
    ]);
    // Triage works a batch at once: one transaction and one read of its groups per batch of 10, and
    // the groups' Slack bookkeeping, about 0.2–0.3 DynamoDB requests per event.
    expect(perEvent).toBeLessThanOrEqual(0.5);
    process.stdout.write(
      `burst: ${EVENTS} events in ${burstMs} ms (${Math.round(EVENTS / (burstMs / 1000))}/s), ${calls} Slack calls, ` +
        `${perEvent.toFixed(3)} DynamoDB requests per event ${JSON.stringify(requests.byCommand())}\n`,
    );
    // A hang guard, not a speed check (that is `npm run bench`): 10 000 events take 70–110 s on two
    // cores, longer when the machine is busy.
  }, 300_000);
});
