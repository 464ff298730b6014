import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { type Pipeline, startPipeline } from '../support/pipeline';
import { sampleEvent } from '../support/samples';

const MESSAGE = '<!channel> <https://evil.example|click> <script>alert(1)</script> & password=hunter2';

describe('an event built to attack Slack, the page and the store', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
    const event = sampleEvent({
      error: { type: 'Error <!here>', message: MESSAGE, stack: `Error: ${MESSAGE}\n    at x (/a.js:1:1)` },
      user: { name: '<@U123> & co', email: 'fred@example.com' },
      request: { method: 'GET', url: '/x?token=abc.def', headers: { Authorization: 'Bearer abc.def' } },
      context: { note: 'Authorization: Bearer abc.def' },
    });
    // Its repeat makes the coalesced update and thread reply carry the text too.
    await p.send([JSON.stringify({ ...event, id: 'h1' }), JSON.stringify({ ...event, id: 'h2' })]);
    await p.source.drain();
  });
  afterAll(() => p.close());

  it('reaches Slack escaped: no control sequence from the event survives', () => {
    expect(p.slack.parents()).toHaveLength(1);
    expect(p.slack.violations).toEqual([]); // the fake flags <!channel>, <!here>, <@U…> and foreign links
    for (const request of p.slack.requests) {
      const sent = JSON.stringify(request.params);
      expect(sent).not.toContain('<!channel>');
      expect(sent).not.toContain('<https://evil.example');
      expect(sent).not.toContain('<script>');
    }
    const parent = JSON.stringify(p.slack.parents()[0]);
    expect(parent).toContain('&lt;!channel&gt; &lt;https://evil.example|click&gt;');
    expect(parent).toContain('Error &lt;!here&gt;');
  });

  it('stores no secret: not in Slack, not in the table, not on the page', async () => {
    const slackText = JSON.stringify(p.slack.requests.map((r) => r.params));
    const { Items = [] } = await p.dynamo.send(new ScanCommand({ TableName: p.config.tableName }));
    const tableText = JSON.stringify(Items);
    const linkItem = Items.find((i) => i.pk?.S?.startsWith('LINK#'))!;
    const res = await p.app.request(`/e/${linkItem.pk!.S!.slice('LINK#'.length)}`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('password=[REDACTED]');
    for (const text of [slackText, tableText, page]) {
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('abc.def');
    }
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;');
  });
});
