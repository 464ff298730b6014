import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanItems } from '../../local/table-scan';
import { countDynamoRequests } from '../support/dynamo-requests';
import { type Pipeline, startPipeline } from '../support/pipeline';
import { sampleEventBody as body } from '../support/samples';
import { writeTeamFile } from '../support/team-file';

const TIM = 'U0TIM00001';
/** Saturday 14 March 2026, 12:00 in Sydney (AEDT), 01:00 in London (GMT). */
const SATURDAY_NOON_SYDNEY = Date.parse('2026-03-14T01:00:00Z');

/**
 * Tim alone, in Sydney on weekdays; fatal errors are high urgency, and on call (Tim) is paged once. A
 * fix template that promises a reply, as a template author would write it.
 */
function setup(): { teamFile: string; templatesDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'response-'));
  const teamFile = writeTeamFile(
    [
      'timezone: Australia/Sydney',
      'people:',
      `  - { id: tim, name: Tim, slack: ${TIM}, timezone: Australia/Sydney, hours: Mon-Fri 08:00-18:00 }`,
      'oncall: { rotation: [tim], handoff: Mon 09:00, respond: 30m }',
      'urgency:',
      '  - match: { level: fatal }',
      'escalation:',
      '  - { notify: oncall }',
    ],
    dir,
  );

  const templatesDir = join(dir, 'templates');
  mkdirSync(templatesDir);
  writeFileSync(
    join(templatesDir, 'card-expired.md'),
    [
      '---',
      'id: card-expired',
      'name: Expired card',
      'match: { code: card_expired }',
      'auto: true',
      '---',
      'Hi {{user.firstName}}, {{response.who}} will reply {{response.within}} ({{response.at}}).',
      '',
    ].join('\n'),
  );
  return { teamFile, templatesDir };
}

describe('fix messages promising a reply (response.*)', () => {
  let p: Pipeline;
  beforeEach(async () => {
    const { teamFile, templatesDir } = setup();
    // 600×: the incident flow's check message (61 s after a step) comes in a tenth of a second.
    p = await startPipeline({
      templatesDir,
      clockSpeed: 600,
      env: { HEADSUP_ONCALL: teamFile },
      allowedMentions: [TIM],
    });
    p.notifyDeps.now = () => SATURDAY_NOON_SYDNEY;
  });
  afterEach(() => p.close());

  /** The promised reply times recorded on the detail items' fix outcomes. */
  async function promisedTimes(): Promise<number[]> {
    const links = await scanItems(p.dynamo, p.config.tableName, 'LINK#');
    return links.flatMap((item) => {
      const n = item.notify as { M?: { promisedBy?: { N: string } } } | undefined;
      return n?.M?.promisedBy ? [Number(n.M.promisedBy.N)] : [];
    });
  }

  async function process(event: string) {
    await p.send([event]);
    await p.source.drain();
    await p.notifySource.drain();
  }

  it('low urgency on a weekend: Monday’s working hours, in the user’s own zone, escaped, at no extra request', async () => {
    const fred = p.intercom.addContact({ external_id: 'u_1', name: 'Fred' });
    await p.send([
      body({
        id: 'low-1',
        user: { id: 'u_1', name: '<b>Fred</b>', timezone: 'europe/london' },
      }),
    ]);
    await p.source.drain();
    const requests = countDynamoRequests(p.dynamo);
    await p.notifySource.drain();
    requests.stop();

    const [message] = p.intercom.messagesFor(fred.id);
    // Monday 08:30 in Sydney is Sunday 21:30 in London: the weekday is London's.
    expect(message?.body).toBe(
      '<p>Hi &lt;b&gt;Fred&lt;/b&gt;, our developer team will reply within 45 hours (by Sun 21:30 your time).</p>',
    );
    expect(p.intercom.violations).toEqual([]);
    // As before the variables: the group's urgency and state come with the guards' read.
    expect(requests.byCommand()).toEqual({ BatchGetItemCommand: 3, TransactWriteItemsCommand: 3 });
    // What it promised is kept with the outcome, for support: Monday 08:00 Sydney + 30 minutes.
    expect(await promisedTimes()).toEqual([SATURDAY_NOON_SYDNEY + 44.5 * 3600_000]);
  });

  it('high urgency: on call’s 30 minutes in the team’s zone, then, acknowledged, the developer on it', async () => {
    const fred = p.intercom.addContact({ external_id: 'u_1', name: 'Fred' });
    const ann = p.intercom.addContact({ external_id: 'u_2', name: 'Ann' });
    await process(body({ id: 'high-1', level: 'fatal' }));
    expect(p.intercom.messagesFor(fred.id).map((m) => m.body)).toEqual([
      '<p>Hi Fred, our on-call engineer will reply within 30 minutes (by 12:30 Sydney time).</p>',
    ]);

    const base = await p.serveWeb();
    const parent = p.slack.parents('C0HEADSUP1')[0]!;
    const click = await p.slack.clickButton(`${base}/slack/actions`, {
      channel: parent.channel,
      ts: parent.ts,
      actionId: 'ack',
      userId: TIM,
    });
    expect(click.status).toBe(200);
    await process(body({ id: 'high-2', level: 'fatal', user: { id: 'u_2', name: 'Ann Lee' } }));
    expect(p.intercom.messagesFor(ann.id).map((m) => m.body)).toEqual([
      '<p>Hi Ann, the developer looking into it will reply within 30 minutes (by 12:30 Sydney time).</p>',
    ]);
  });
});
