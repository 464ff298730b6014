import { CONSOLE_TOKEN_HEADER, consoleTokenFrom } from '../../local/console/page';
import { type IntercomFake, startIntercomFake } from '../../local/fakes/intercom-api';
import { type PagerDutyFake, startPagerDutyFake } from '../../local/fakes/pagerduty-api';
import { type SlackFake, startSlackFake } from '../../local/fakes/slack-api';
import { DEV_INGEST_KEY } from '../../local/stack';
import { type StackProcess, startStackProcess } from '../support/local-stack-process';
import { eventually } from '../support/recording-server';

const planLimitEvent = (user: { id: string; email: string; name: string }) => ({
  app: 'web',
  error: { type: 'PlanLimitError', code: 'plan_limit_reached', message: 'Project limit of 3 reached' },
  user,
  company: { name: 'Acme Corp', plan: 'starter' },
});

async function postError(url: string, event: unknown): Promise<string> {
  const res = await fetch(`${url}/v1/errors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${DEV_INGEST_KEY}` },
    body: JSON.stringify(event),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { accepted: string[] }).accepted[0]!;
}

type ConsoleState = {
  slack: { parents: { channel: string; ts: string; blocks: unknown[]; replies: { text: string }[] }[] };
  intercom: {
    contacts: {
      email?: string;
      lastSeenAt?: number;
      localTime?: string;
      messages: { body: string; channel: string; subject?: string }[];
    }[];
  };
};

describe('the whole flow in the local stack, with its built-in stand-ins (as the dev console shows it)', () => {
  let stack: StackProcess;
  let token: string;
  beforeAll(async () => {
    stack = await startStackProcess();
    // The console answers its own page only: the token is in the page.
    token = consoleTokenFrom(await (await fetch(`${stack.url}/`)).text())!;
  });
  afterAll(() => stack.interrupt());
  const state = async () =>
    (await (
      await fetch(`${stack.url}/console/state`, { headers: { [CONSOLE_TOKEN_HEADER]: token } })
    ).json()) as ConsoleState;

  it('alert in Slack, working detail link, signed "Send fix" click, message in the user’s messenger', async () => {
    const ann = { id: 'u_1002', email: 'ann.lee@acme.example', name: 'Ann Lee' }; // a seeded sample user
    await postError(stack.url, planLimitEvent(ann));

    const parent = await eventually(async () => (await state()).slack.parents[0], 20_000);
    const blocks = JSON.stringify(parent.blocks);
    expect(blocks).toContain('Send fix: Feature outside plan');
    const link = new RegExp(`${stack.url}/e/[\\w-]{21}`).exec(blocks)![0];
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Project limit of 3 reached');

    const click = await fetch(`${stack.url}/console/click`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CONSOLE_TOKEN_HEADER]: token },
      body: JSON.stringify({ channel: parent.channel, ts: parent.ts, actionId: 'send_fix' }),
    });
    expect(await click.json()).toEqual({ status: 200 });

    const messenger = await eventually(async () => {
      const contact = (await state()).intercom.contacts.find((c) => c.email === ann.email);
      return contact?.messages.length ? contact : undefined;
    }, 20_000);
    expect(messenger.messages).toHaveLength(1);
    expect(messenger.messages[0]!.body).toContain('Hi Ann,');
    // The shipped template is in-app (the default channel): the console shows it as such, no subject.
    expect(messenger.messages[0]).toMatchObject({ channel: 'inapp' });
    expect(messenger.messages[0]!.subject).toBeUndefined();
    // The seeded users were seen minutes or days ago: an auto template reaches both ways.
    const ago = (await state()).intercom.contacts.map((c) => Date.now() / 1000 - (c.lastSeenAt ?? 0));
    expect(ago.filter((s) => s < 30 * 60).length).toBeGreaterThan(0);
    expect(ago.filter((s) => s > 86400).length).toBeGreaterThan(0);
    // Each sample user's clock, in their own zone (the events carry it; Intercom keeps none).
    const clocks = new Map((await state()).intercom.contacts.map((c) => [c.email, c.localTime]));
    expect(clocks.get(ann.email)).toMatch(/^[A-Z][a-z]{2} \d\d:\d\d Toronto$/);
    expect(clocks.get('alice.abernathy@umbrella.example')).toMatch(/ Sydney$/);
    const replies = await eventually(async () => {
      const found = (await state()).slack.parents[0]!.replies;
      return found.length > 0 ? found : undefined;
    }, 10_000);
    expect(replies.map((r) => r.text)).toEqual([
      ':white_check_mark: Sent “Feature outside plan” to Ann Lee in Intercom, in-app · requested by <@U0DEVCONSOLE>',
    ]);
  });

  it('serves the dev console page', async () => {
    const res = await fetch(`${stack.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Heads-up · dev console');
  });
});

describe('the same flow against separate Slack and Intercom servers (the path with real tokens)', () => {
  let slack: SlackFake;
  let intercom: IntercomFake;
  let pagerDuty: PagerDutyFake;
  let stack: StackProcess;
  beforeAll(async () => {
    slack = await startSlackFake({
      allowedLinkPrefixes: ['http://localhost:', 'https://app.intercom.com/'],
      allowedMentions: ['U0REALUSER'],
    });
    intercom = await startIntercomFake({ appId: 'e2eapp' });
    pagerDuty = await startPagerDutyFake();
    stack = await startStackProcess({
      PAGERDUTY_ROUTING_KEY: pagerDuty.routingKey,
      PAGERDUTY_API_URL: pagerDuty.url,
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.url.replace(/\/$/, ''),
      SLACK_CHANNEL: 'C0E2EFLOW1',
      SLACK_SIGNING_SECRET: slack.signingSecret,
      INTERCOM_TOKEN: intercom.token,
      INTERCOM_API_URL: intercom.url,
      INTERCOM_ADMIN_ID: intercom.adminIds[0]!,
      INTERCOM_APP_ID: 'e2eapp',
    });
  });
  afterAll(async () => {
    await stack.interrupt();
    await slack.close();
    await intercom.close();
    await pagerDuty.close();
  });

  it('uses them instead of the stand-ins and completes the flow', async () => {
    expect(stack.output()).not.toContain('local stand-in');
    const zoe = intercom.addContact({ external_id: 'u_zoe', email: 'zoe@example.com', name: 'Zoe Park' });
    await postError(stack.url, planLimitEvent({ id: 'u_zoe', email: 'zoe@example.com', name: 'Zoe Park' }));

    const parent = await slack.waitFor((f) => f.parents('C0E2EFLOW1')[0], 20_000);
    expect(new RegExp(`${stack.url}/e/[\\w-]{21}`).test(JSON.stringify(parent.blocks))).toBe(true);
    const click = await slack.clickButton(`${stack.url}/slack/actions`, {
      channel: parent.channel,
      ts: parent.ts,
      actionId: 'send_fix',
      userId: 'U0REALUSER',
    });
    expect(click.status).toBe(200);

    await intercom.waitFor((f) => f.messagesFor(zoe.id).length === 1, 20_000);
    await slack.waitFor((f) => f.replies(parent.channel, parent.ts).length === 1, 10_000);
    expect(slack.replies(parent.channel, parent.ts)[0]!.text).toContain('requested by <@U0REALUSER>');
    // After the fix the alert itself is updated: who sent it, and a link to the contact in Intercom.
    const updated = await slack.waitFor((f) => {
      const blocks = JSON.stringify(f.message(parent.channel, parent.ts)!.blocks);
      return blocks.includes('Fix sent to Zoe Park') ? blocks : undefined;
    }, 10_000);
    expect(updated).toContain(`https://app.intercom.com/a/apps/e2eapp/users/${zoe.id}`);
    expect(slack.violations).toEqual([]);
    expect(intercom.violations).toEqual([]);
  });
});
