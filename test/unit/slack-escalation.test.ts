import { measureScaling } from '../../bench/hostile-corpus';
import {
  type AlertStatus,
  type ErrorGroup,
  type EscalationRecord,
  OPEN_STATUS,
  type Paged,
} from '../../functions/core/records';
import { parseAlertActionValue } from '../../functions/core/slack/alert-actions';
import {
  directMessage,
  escalationReply,
  peopleWithin,
  stateReply,
} from '../../functions/core/slack/escalation';
import { BLOCK_LIMITS, type SlackMessage } from '../../functions/core/slack/message';
import { parentMessage } from '../../functions/core/slack/parent';
import { validateBlocks } from '../../local/fakes/slack-api';
import { sampleGroup } from '../support/samples';

const publicUrl = 'https://headsup.example.com';
const options = { publicUrl };
const hostile = '<!channel> <!here> <@U123> <#C999|x> <https://evil.example|click> & ``` done';
const huge = `${hostile}é&<`.repeat(20_000); // ~1.5 MB
const tim: Paged = { id: 'tim', name: 'Tim', slack: 'U0TIM00001' };
const ana: Paged = { id: 'ana', name: 'Ana', slack: 'U0ANA00002' };
const high = { level: 'high' as const, reason: '≥ 5 users in 10 min', at: 0 };

const step = (n: number, to: Paged[], why: string): EscalationRecord => ({
  step: n,
  at: 0,
  claimedAt: 0,
  to,
  why,
  told: false,
});
const withStatus = (status: Partial<AlertStatus>, over: Partial<ErrorGroup> = {}): ErrorGroup =>
  sampleGroup({ urgency: high, status: { ...OPEN_STATUS, ...status }, ...over });

/** Every text Slack parses as mrkdwn, wherever it sits, plus the notification fallback. */
function mrkdwnTexts(message: SlackMessage): string[] {
  const texts = [message.text];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') texts.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(message.blocks);
  return texts;
}

const mentions = (text: string) => text.match(/<@[^>]*>/g) ?? [];
const allMentions = (message: SlackMessage) => mrkdwnTexts(message).flatMap(mentions);

/** Fails on any control sequence but ours: dates, our detail links, the allowed mentions and channels. */
function expectInert(message: SlackMessage, allowed: { mentions?: string[]; channels?: string[] } = {}) {
  for (const text of mrkdwnTexts(message)) {
    let rest = text
      .replace(/<!date\^\d+\^[^|>]*\|[^>]*>/g, '')
      .replace(new RegExp(`<${publicUrl}/e/[\\w-]+\\|[^>]*>`, 'g'), '');
    for (const id of allowed.mentions ?? []) rest = rest.split(`<@${id}>`).join('');
    for (const id of allowed.channels ?? []) rest = rest.split(`<#${id}>`).join('');
    expect(rest).not.toMatch(/[<>]/);
    expect(rest).not.toMatch(/&(?!amp;|lt;|gt;)/);
  }
}

function expectWithinLimits(message: SlackMessage) {
  expect(validateBlocks(message.blocks)).toEqual([]);
  expect(message.blocks.length).toBeLessThanOrEqual(BLOCK_LIMITS.blocks);
  expect(message.text.length).toBeLessThanOrEqual(BLOCK_LIMITS.fallbackChars);
  for (const text of mrkdwnTexts(message)) expect(text.length).toBeLessThanOrEqual(BLOCK_LIMITS.sectionChars);
}

describe('escalationReply', () => {
  it('pages the first step with why the alert is urgent, one mention each', () => {
    const message = escalationReply(withStatus({}), step(0, [tim], high.reason), 3, options);
    expect(message.text).toBe(
      ':rotating_light: High urgency (≥ 5 users in 10 min): <@U0TIM00001> (step 1 of 3)',
    );
    expect(JSON.stringify(message.blocks)).toContain(message.text);
    expect(mentions(message.text)).toEqual(['<@U0TIM00001>']);
    expect(allMentions(message)).toEqual(['<@U0TIM00001>', '<@U0TIM00001>']); // fallback + section: one message
    expectWithinLimits(message);
  });

  it('says why a later step went further, and which step of how many', () => {
    const message = escalationReply(
      withStatus({}),
      step(1, [tim, ana], 'not acknowledged in 10 min'),
      3,
      options,
    );
    expect(message.text).toBe(
      ':arrow_double_up: Escalated to <@U0TIM00001>, <@U0ANA00002>: not acknowledged in 10 min (step 2 of 3)',
    );
    expect(mentions(message.text)).toHaveLength(2);
  });

  it('mentions a person once per step, and says when nobody is reached', () => {
    const twice = escalationReply(
      withStatus({}),
      step(0, [tim, tim, { ...tim, id: 'tim2' }], 'x'),
      1,
      options,
    );
    expect(mentions(twice.text)).toEqual(['<@U0TIM00001>']);
    expect(escalationReply(withStatus({}), step(0, [], 'x'), 1, options).text).toContain('nobody to notify');
    expect(escalationReply(withStatus({}), step(2, [], 'x'), 3, options).text).toContain('reached nobody');
  });

  it('falls back to the urgency reason when the step has none', () => {
    expect(escalationReply(withStatus({}), step(0, [tim], ''), 1, options).text).toContain(
      `(${high.reason})`,
    );
  });

  it('never turns a name, an id or a reason into a mention or a link', () => {
    const people: Paged[] = [
      { id: hostile, name: hostile, slack: '<!channel>' },
      { id: 'x', name: '<@U0TIM00001>', slack: 'U123|<!here>' },
      { id: 'y', name: 'lower', slack: 'u0lower001' },
      { id: 'z', name: 'Tim', slack: `U0TIM00001${'A'.repeat(30)}` },
      tim,
    ];
    const group = withStatus(
      {},
      { urgency: { ...high, reason: hostile }, message: hostile, errorType: hostile },
    );
    for (const n of [0, 1]) {
      const message = escalationReply(group, step(n, people, hostile), 2, options);
      expect(mentions(message.text)).toEqual(['<@U0TIM00001>']);
      expect(message.text).toContain('&lt;@U0TIM00001&gt;');
      expectInert(message, { mentions: [tim.slack] });
      expectWithinLimits(message);
    }
  });

  it('keeps every mention whole when many people are paged, counting those that do not fit', () => {
    const many = Array.from(
      { length: 1000 },
      (_, i): Paged => ({
        id: `p${i}`,
        name: `P${i}`,
        slack: `U${String(i).padStart(9, '0')}`,
      }),
    );
    const message = escalationReply(withStatus({}), step(1, many, 'not acknowledged in 10 min'), 2, options);
    expectWithinLimits(message);
    for (const text of mrkdwnTexts(message)) {
      const shown = mentions(text);
      expect(shown.every((m) => /^<@U\d{9}>$/.test(m))).toBe(true);
      expect(text).toContain(`and ${1000 - shown.length} more`);
      expect(text).toMatch(/\(step 2 of 2\)$/);
    }
  });
});

describe('peopleWithin', () => {
  it('joins, de-duplicates and stays within its budget', () => {
    expect(peopleWithin([tim, ana, tim], 100)).toBe('<@U0TIM00001>, <@U0ANA00002>');
    expect(peopleWithin([], 100)).toBe('nobody');
    expect(peopleWithin([tim, ana], 20)).toBe('2 people');
    expect(peopleWithin([tim, ana], 34)).toBe('<@U0TIM00001> and 1 more');
  });
});

describe('stateReply', () => {
  const by = { id: 'U0TIM00001', name: 'tim' };

  it.each<[string, Partial<AlertStatus>, string]>([
    ['acknowledged', { state: 'acknowledged', by }, ':eyes: Acknowledged by tim: escalation stops'],
    ['resolved', { state: 'resolved', by }, ':white_check_mark: Resolved by tim'],
    ['reopened by a regression', { state: 'open', regressed: true }, ':repeat: Reopened: it happened again'],
    ['woken from a snooze', { state: 'open', round: 2 }, ':alarm_clock: The snooze ran out'],
  ])('tells %s', (_name, status, expected) => {
    const message = stateReply(withStatus(status), options);
    expect(message.text).toContain(expected);
    expect(allMentions(message)).toEqual([]); // the clicker is not pinged for their own click
    expectWithinLimits(message);
  });

  it('tells a snooze with its end as a date', () => {
    const until = Date.UTC(2026, 10, 21, 10, 0);
    const message = stateReply(withStatus({ state: 'snoozed', by, snoozedUntil: until }), options);
    expect(message.text).toBe(
      `:zzz: Snoozed by tim until <!date^${until / 1000}^{date_short_pretty} {time}|2026-11-21 10:00 UTC>`,
    );
  });

  it('takes the change it is given over the stored status', () => {
    const message = stateReply(withStatus({}), options, { state: 'resolved', by });
    expect(message.text).toBe(':white_check_mark: Resolved by tim');
  });

  it('mentions only a Slack user id, and escapes the rest', () => {
    expect(stateReply(withStatus({ state: 'resolved', by: { id: 'U0TIM00001' } })).text).toContain(
      'by <@U0TIM00001>',
    );
    expect(stateReply(withStatus({ state: 'resolved', by: { id: '<!channel>' } })).text).toContain(
      'by someone',
    );
    const message = stateReply(withStatus({ state: 'acknowledged', by: { id: hostile, name: huge } }));
    expectInert(message);
    expectWithinLimits(message);
    expect(allMentions(message)).toEqual([]);
  });
});

describe('directMessage', () => {
  const group = withStatus({ round: 3 }, { slack: { channel: 'C0ALERTS01', ts: '1.2' } });

  it('says what, where and why, links the details and the channel, and offers Acknowledge', () => {
    const message = directMessage(group, step(0, [tim], high.reason), options);
    const json = JSON.stringify(message.blocks);
    expect(message.text).toBe('[billing/production] CardExpiredError: high urgency (≥ 5 users in 10 min)');
    expect(json).toContain('*billing/production*: *CardExpiredError*');
    expect(json).toContain('High urgency: ≥ 5 users in 10 min');
    expect(json).toContain(`<${publicUrl}/e/${group.latest.linkId}|Open details>`);
    expect(json).toContain('see the alert in <#C0ALERTS01>');
    const actions = message.blocks.find((b) => b.type === 'actions');
    const [ack] = actions && 'elements' in actions ? actions.elements : [];
    expect(ack && 'value' in ack && parseAlertActionValue('ack', ack.value)).toEqual({
      kind: 'ack',
      fingerprint: group.fingerprint,
      round: 3,
    });
    expect(allMentions(message)).toEqual([]);
    expectWithinLimits(message);
  });

  it('says why a later step reached them', () => {
    const message = directMessage(group, step(1, [ana], 'not acknowledged in 10 min'), options);
    expect(JSON.stringify(message.blocks)).toContain('escalated to you: not acknowledged in 10 min (step 2)');
  });

  it('points at the channel only when its id is one', () => {
    for (const channel of ['<!channel>', 'c0lower', 'D0DIRECT1', `C${'0'.repeat(40)}`]) {
      const message = directMessage(
        { ...group, slack: { channel, ts: '1.2' } },
        step(0, [tim], 'x'),
        options,
      );
      expect(JSON.stringify(message.blocks)).not.toContain('see the alert');
    }
    expect(JSON.stringify(directMessage(sampleGroup(), step(0, [tim], 'x'), options).blocks)).not.toContain(
      'see the alert',
    );
  });

  it('keeps hostile event text inert', () => {
    const bad = withStatus(
      {},
      {
        app: huge,
        environment: huge,
        errorType: huge,
        message: huge,
        urgency: { ...high, reason: huge },
        slack: { channel: 'G0PRIVATE1', ts: '1.2' },
      },
    );
    const message = directMessage(bad, step(1, [{ id: huge, name: huge, slack: huge }], huge), options);
    expectInert(message, { channels: ['G0PRIVATE1'] });
    expectWithinLimits(message);
    expect(allMentions(message)).toEqual([]);
  });
});

describe('on 1 MB input', () => {
  const messages = (text: string): SlackMessage[] => {
    const people: Paged[] = [{ id: text, name: text, slack: text }, tim];
    const group = withStatus(
      { state: 'acknowledged', by: { id: text, name: text }, steps: [step(1, people, text)] },
      { app: text, environment: text, errorType: text, message: text, urgency: { ...high, reason: text } },
    );
    return [
      escalationReply(group, step(0, people, text), 3, options),
      escalationReply(group, step(1, people, text), 3, options),
      stateReply(group, options),
      directMessage(group, step(1, people, text), options),
      // The schema caps app (100) and environment (50); the parent relies on it.
      parentMessage(
        {
          ...group,
          app: 'billing',
          environment: 'production',
          status: { ...OPEN_STATUS, steps: [step(1, people, text)] },
        },
        {
          ...options,
          oncallNote: text,
        },
      ),
    ];
  };

  it('builds messages whose size does not grow with the input', () => {
    const sizes = (text: string) => messages(text).map((m) => JSON.stringify(m).length);
    const small = sizes(hostile.repeat(1000));
    const large = sizes(huge);
    for (const [i, size] of large.entries()) {
      expect(size).toBeLessThanOrEqual(small[i]! * 1.1);
      expect(size).toBeLessThan(16_000);
    }
    for (const message of messages(huge)) expectWithinLimits(message);
  });

  it('takes linear time (10× the input costs well under 30× the time)', () => {
    const rows = measureScaling((text) => messages(text), 100_000, 1_000_000, 3000);
    const slow = rows.filter((r) => r.largeMs >= 30 * r.smallMs + 200 || r.largeMs >= 3000);
    expect(rows.length).toBeGreaterThan(0);
    expect(slow).toEqual([]);
  });
});
