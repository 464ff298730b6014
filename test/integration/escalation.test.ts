import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { statusOf } from '../../functions/core/oncall/incident';
import { INCIDENT_KIND } from '../../functions/core/oncall/incident-message';
import { INTERNAL_MESSAGE_ATTRIBUTE } from '../../lib/definitions';
import type { SlackFakeMessage } from '../../local/fakes/slack-api';
import { type Pipeline, startPipeline } from '../support/pipeline';
import { sampleEventBody as body } from '../support/samples';
import { writeTeamFile } from '../support/team-file';

const TIM = 'U0TIM00001';
const ANA = 'U0ANA00001';

/** Two people on a rotation, high urgency for fatal errors and outages, two steps 10 minutes apart. */
function teamFile(): string {
  return writeTeamFile([
    'timezone: Australia/Sydney',
    'people:',
    '  - { id: tim, name: Tim, slack: U0TIM00001, timezone: Australia/Sydney, hours: Mon-Fri 09:00-17:00 }',
    '  - { id: ana, name: Ana, slack: U0ANA00001, timezone: America/Toronto, hours: Mon-Fri 09:00-17:00 }',
    'oncall: { rotation: [tim, ana], handoff: Mon 09:00, every: 1w, respond: 30m }',
    'urgency:',
    '  - match: { level: fatal }',
    '  - match: { users: 5, within: 10m }',
    'escalation:',
    '  - { notify: oncall, wait: 10m }',
    '  - { notify: everyone }',
  ]);
}

/** How often each person was mentioned in a message's text. */
const mentions = (messages: SlackFakeMessage[], id: string) =>
  messages.reduce((n, m) => n + (m.text.split(`<@${id}>`).length - 1), 0);

describe('escalation through the local pipeline', () => {
  let p: Pipeline;
  let base: string;
  // 600×: a 10-minute wait passes in 1 s, an hour's snooze in 6 s.
  beforeEach(async () => {
    p = await startPipeline({
      clockSpeed: 600,
      env: { HEADSUP_ONCALL: teamFile() },
      allowedMentions: [TIM, ANA],
    });
    base = await p.serveWeb();
  });
  afterEach(() => p.close());

  const parent = () => p.slack.parents('C0HEADSUP1')[0]!;
  const thread = () => {
    const first = p.slack.parents('C0HEADSUP1')[0];
    return first ? p.slack.replies(first.channel, first.ts) : [];
  };
  const dms = (id: string) => p.slack.messages.filter((m) => m.channel === id);
  const group = async () =>
    (await p.store.getGroup(
      JSON.parse(JSON.stringify(parent().metadata)).event_payload.fingerprint,
      p.deps.now(),
    ))!;
  const click = (actionId: string, userId = ANA) =>
    p.slack.clickButton(`${base}/slack/actions`, {
      channel: parent().channel,
      ts: parent().ts,
      actionId,
      userId,
    });

  it('walks the ladder when nobody acknowledges: on call, then everyone, once each, with DMs', async () => {
    await p.send([body({ id: 'f1', level: 'fatal' })]);
    await p.source.drain();

    const replies = thread().map((m) => m.text);
    expect(replies).toHaveLength(2);
    expect(replies[0]).toMatch(/^:rotating_light: High urgency \(level: fatal\): <@U0(TIM|ANA)00001>/);
    expect(replies[1]).toMatch(
      /^:arrow_double_up: Escalated to .*not acknowledged in 10 min \(step 2 of 2\)$/,
    );
    expect(mentions([thread()[1]!], TIM)).toBe(1);
    expect(mentions([thread()[1]!], ANA)).toBe(1);
    // At most one mention per person per step; the on-call person got two steps, the other one.
    expect(mentions(thread(), TIM) + mentions(thread(), ANA)).toBe(3);
    expect(dms(TIM).length + dms(ANA).length).toBe(3);
    expect(JSON.stringify(dms(ANA)[0]!.blocks)).toContain('https://headsup.test/e/');
    const status = statusOf(await group());
    expect(status.steps.map((s) => [s.step, s.told])).toEqual([
      [0, true],
      [1, true],
    ]);
    expect(JSON.stringify(parent().blocks)).toContain('Escalated to');
    expect(p.slack.violations).toEqual([]);
    // PagerDuty: one incident for the group, triggered once, with a link to the detail page.
    const [incident, ...more] = p.pagerDuty.incidents();
    expect(more).toEqual([]);
    expect(incident).toMatchObject({
      dedupKey: (await group()).fingerprint,
      status: 'triggered',
      triggers: 1,
    });
    expect(p.pagerDuty.events[0]!.links?.[0]?.href).toMatch(/^https:\/\/headsup\.test\/e\//);
    expect(p.pagerDuty.violations).toEqual([]);
  });

  it('hands high urgency to PagerDuty through a 429: retried through the queue, one incident', async () => {
    p.pagerDuty.failNext({ status: 429 });
    await p.send([body({ id: 'pd1', level: 'fatal' })]);
    await p.source.drain();
    expect(p.pagerDuty.requests.length).toBeGreaterThanOrEqual(2);
    expect(p.pagerDuty.incidents()).toEqual([expect.objectContaining({ status: 'triggered', triggers: 1 })]);
    // The retry did not repeat what was told: one mention of the first step, one DM.
    expect(thread().filter((m) => m.text.startsWith(':rotating_light:'))).toHaveLength(1);
    expect(await p.store.getGroup((await group()).fingerprint, Date.now())).toMatchObject({ count: 1 });
  });

  it('pages Slack while PagerDuty is down, and triggers PagerDuty once it is back', async () => {
    for (let i = 0; i < 4; i++) p.pagerDuty.failNext({ status: 503 });
    await p.send([body({ id: 'pd3', level: 'fatal' })]);
    while (thread().length === 0) await p.source.pollOnce(1);
    expect(thread()[0]!.text).toMatch(/^:rotating_light:/);
    await p.source.drain();
    expect(p.pagerDuty.requests.filter((r) => r.response?.status === 503)).toHaveLength(4);
    expect(p.pagerDuty.incidents()).toEqual([expect.objectContaining({ status: 'triggered', triggers: 1 })]);
    expect(statusOf(await group()).paged).toBe('trigger');
  });

  it('does not retry a 400 from PagerDuty (it is logged), and Slack still pages', async () => {
    p.pagerDuty.failNext({ status: 400 });
    await p.send([body({ id: 'pd2', level: 'fatal' })]);
    await p.source.drain();
    expect(p.pagerDuty.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(thread().filter((m) => m.text.startsWith(':rotating_light:'))).toHaveLength(1);
  });

  it('stops escalating once someone acknowledges, and says so in place and in the thread', async () => {
    await p.send([body({ id: 'f2', level: 'fatal' })]);
    // Slack pages first; PagerDuty hears it from a message of its own.
    while (p.pagerDuty.incidents().length === 0) await p.source.pollOnce(1);
    const res = await click('ack');
    expect(res.status).toBe(200);
    await p.source.drain(); // past step 2's due time: the timer finds the alert acknowledged

    const replies = thread().map((m) => m.text);
    expect(replies).toHaveLength(2);
    expect(replies[1]).toMatch(/Acknowledged by .*escalation stops/);
    expect(statusOf(await group())).toMatchObject({ state: 'acknowledged', by: { id: ANA } });
    expect(statusOf(await group()).steps).toHaveLength(1);
    expect(JSON.stringify(parent().blocks)).toContain('Acknowledged by');
    expect(JSON.stringify(parent().blocks)).not.toContain('"action_id":"ack"');
    expect(p.pagerDuty.incidents()).toEqual([expect.objectContaining({ status: 'acknowledged' })]);
  });

  it('escalates once for a timer delivered five times, and ignores a forged one', async () => {
    await p.send([body({ id: 'f3', level: 'fatal' })]);
    while (thread().length === 0) await p.source.pollOnce(1);
    const g = await group();
    const { token } = statusOf(g);
    const send = (b: object) =>
      p.sqs.send(
        new SendMessageCommand({
          QueueUrl: p.queues.queueUrl,
          MessageBody: JSON.stringify(b),
          MessageAttributes: {
            [INTERNAL_MESSAGE_ATTRIBUTE]: { DataType: 'String', StringValue: INCIDENT_KIND },
          },
        }),
      );
    const due = p.deps.now() + 10 * 60_000 + 1000;
    await Promise.all(Array.from({ length: 5 }, () => send({ incident: g.fingerprint, token, dueAt: due })));
    await send({ incident: g.fingerprint, token: randomUUID(), dueAt: 0 });
    await p.source.drain();
    expect(thread().filter((m) => m.text.startsWith(':arrow_double_up:'))).toHaveLength(1);
    expect(statusOf(await group()).steps).toHaveLength(2);
  });

  it('refuses a tampered or stale signature on each new button', async () => {
    await p.send([body({ id: 'f4', level: 'fatal' })]);
    while (thread().length === 0) await p.source.pollOnce(1);
    for (const actionId of ['ack', 'resolve', 'snooze']) {
      const stale = await p.slack.clickButton(`${base}/slack/actions`, {
        channel: parent().channel,
        ts: parent().ts,
        actionId,
        timestamp: Math.floor(Date.now() / 1000) - 600,
      });
      expect(stale.status).toBe(401);
      const payload = new URLSearchParams({
        payload: JSON.stringify({
          type: 'block_actions',
          user: { id: ANA },
          actions: [{ action_id: actionId, value: `${(await group()).fingerprint}|1` }],
        }),
      }).toString();
      const forged = await fetch(`${base}/slack/actions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...p.slack.signRequest(`${payload}x`),
        },
        body: payload,
      });
      expect(forged.status).toBe(401);
    }
    expect(statusOf(await group()).state).toBe('open');
  });

  it('reopens a resolved alert as a regression when the error comes back, and escalates again', async () => {
    await p.send([body({ id: 'f5', level: 'fatal' })]);
    while (p.pagerDuty.incidents().length === 0) await p.source.pollOnce(1);
    expect((await click('resolve')).status).toBe(200);
    while (statusOf(await group()).toldState === false) await p.source.pollOnce(1);
    expect(statusOf(await group()).state).toBe('resolved');
    expect(JSON.stringify(parent().blocks)).toContain('Resolved by');
    expect(p.pagerDuty.incidents()).toEqual([expect.objectContaining({ status: 'resolved' })]);

    await p.send([body({ id: 'f6', level: 'fatal' })]);
    while (!thread().some((m) => /regress/i.test(m.text))) await p.source.pollOnce(1);
    const status = statusOf(await group());
    expect(status).toMatchObject({ state: 'open', round: 2, regressed: true });
    expect(p.slack.parents('C0HEADSUP1')).toHaveLength(1); // the same alert, reopened
    while (thread().filter((m) => m.text.startsWith(':rotating_light:')).length < 2)
      await p.source.pollOnce(1);
    expect(JSON.stringify(parent().blocks)).toContain('Regressed');
    // The regression pages again: a trigger after a resolve opens a new PagerDuty incident.
    await p.source.drain();
    expect(p.pagerDuty.incidents().map((i) => i.status)).toEqual(['resolved', 'triggered']);
  });

  it('reopens an alert whose error came back within seconds of Resolve, while a flush was ahead', async () => {
    await p.send([body({ id: 'w1', level: 'fatal' })]);
    while (thread().length === 0) await p.source.pollOnce(1);
    await p.send([body({ id: 'w2', level: 'fatal' })]);
    await p.source.pollOnce(1); // a flush is now ahead and the group known high: the next skip the read
    expect((await click('resolve')).status).toBe(200);
    await p.send([body({ id: 'w3', level: 'fatal' }), body({ id: 'w4', level: 'fatal' })]);
    await p.source.drain(); // the flush, 10 s on, finds the count past the one Resolve saw
    expect(statusOf(await group())).toMatchObject({ state: 'open', round: 2, regressed: true });
  });

  it('answers a signed click of any shape with 200 and changes nothing it should not', async () => {
    await p.send([body({ id: 'odd', level: 'fatal' })]);
    while (thread().length === 0) await p.source.pollOnce(1);
    const fp = (await group()).fingerprint;
    const shapes = [
      { action_id: 'resolve', value: null },
      { action_id: 'ack', value: [`${fp}|1`] },
      { action_id: { a: 1 }, value: `${fp}|1` },
      { action_id: 'snooze', value: `${fp}|1|-3600` },
    ];
    for (const action of shapes) {
      const payload = new URLSearchParams({
        payload: JSON.stringify({
          type: 'block_actions',
          user: { id: ANA, username: { x: 1 } },
          actions: [action],
        }),
      }).toString();
      const res = await fetch(`${base}/slack/actions`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...p.slack.signRequest(payload) },
        body: payload,
      });
      expect(res.status).toBe(200);
    }
    expect(statusOf(await group()).state).toBe('open');
  });

  it('wakes a snoozed alert when the snooze runs out and escalates it again', async () => {
    await p.send([body({ id: 'f7', level: 'fatal' })]);
    while (thread().length === 0) await p.source.pollOnce(1);
    expect((await click('snooze')).status).toBe(200);
    await p.source.drain(); // the hour passes in 6 s
    const texts = thread().map((m) => m.text);
    expect(texts.some((t) => t.startsWith(':zzz: Snoozed by'))).toBe(true);
    expect(texts.filter((t) => t.startsWith(':rotating_light:'))).toHaveLength(2);
    expect(statusOf(await group())).toMatchObject({ state: 'open', round: 2 });
  });
});

describe('escalation under contention and faults', () => {
  let p: Pipeline;
  beforeEach(async () => {
    p = await startPipeline({
      clockSpeed: 600,
      concurrency: 2,
      env: { HEADSUP_ONCALL: teamFile() },
      allowedMentions: [TIM, ANA],
    });
  });
  afterEach(() => p.close());

  const fingerprint = () =>
    (p.slack.parents('C0HEADSUP1')[0]!.metadata as { event_payload: { fingerprint: string } }).event_payload
      .fingerprint;

  it('escalates a group that turned high while another container was posting its parent', async () => {
    // Container A: a low-urgency occurrence whose parent post is slow…
    p.slack.failNext({ delayMs: 3000, apply: true, method: 'chat.postMessage' });
    await p.send([body({ id: 'low1' })]);
    const a = p.source.pollOnce(0);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // …container B: a fatal one of the same group while A holds the post claim: it can only defer.
    await p.send([body({ id: 'fatal1', level: 'fatal' })]);
    await p.source.pollOnce(0);
    await a;
    await p.source.drain();
    const group = (await p.store.getGroup(fingerprint(), Date.now()))!;
    expect(group.urgency?.reason).toBe('level: fatal');
    expect(statusOf(group).steps.map((s) => [s.step, s.told])).toEqual([
      [0, true],
      [1, true],
    ]);
  });

  it('judges an occurrence again when its urgency write failed and the record was retried', async () => {
    const { incidents } = p.deps;
    const write = incidents.writeIncident.bind(incidents);
    let calls = 0;
    incidents.writeIncident = async (...args) => {
      if (calls++ === 0) throw new Error('ProvisionedThroughputExceededException (injected)');
      return write(...args);
    };
    await p.send([body({ id: 'fatal-retry', level: 'fatal' })]);
    await p.source.drain();
    const group = (await p.store.getGroup(fingerprint(), Date.now()))!;
    expect(group.count).toBe(1);
    expect(group.urgency?.reason).toBe('level: fatal');
    expect(statusOf(group).steps.length).toBe(2);
  });
});
