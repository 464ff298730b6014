import type { KnownBlock } from '@slack/types';
import { escapeHtml, escapeMrkdwn, mrkdwnCodeBlock, mrkdwnWithin } from '../../functions/core/escape';
import { type AlertStatus, OPEN_STATUS, type Paged } from '../../functions/core/records';
import { parseAlertActionValue } from '../../functions/core/slack/alert-actions';
import { BLOCK_LIMITS } from '../../functions/core/slack/message';
import { parentMessage } from '../../functions/core/slack/parent';
import { threadUpdateMessage } from '../../functions/core/slack/thread-update';
import { validateBlocks } from '../../local/fakes/slack-api';
import { sampleGroup } from '../support/samples';

const publicUrl = 'https://headsup.example.com';
const options = { publicUrl };
const hostile = '<!channel> <https://evil.example|click> <script>alert(1)</script> & ``` `` done';

/** Every text Slack would parse as mrkdwn in a message, plus the fallback. */
function mrkdwnTexts(message: { text: string; blocks: KnownBlock[] }): string[] {
  const texts = [message.text];
  for (const block of message.blocks) {
    const b = block as {
      text?: { type: string; text: string };
      fields?: { text: string }[];
      elements?: unknown[];
    };
    if (b.text?.type === 'mrkdwn') texts.push(b.text.text);
    for (const f of b.fields ?? []) texts.push(f.text);
    for (const e of (b.elements ?? []) as { type: string; text?: string }[])
      if (e.type === 'mrkdwn') texts.push(e.text!);
  }
  return texts;
}

/** Removes the control sequences we generate ourselves: dates and links to our own pages. */
function withoutOurMarkup(text: string): string {
  return text
    .replace(/<!date\^\d+\^[^|>]*\|[^>]*>/g, '')
    .replace(new RegExp(`<${publicUrl}/e/[\\w-]+\\|[^>]*>`, 'g'), '');
}

describe('escaping', () => {
  it('escapes & first, then < and >', () => {
    expect(escapeMrkdwn('a & <b> &amp;')).toBe('a &amp; &lt;b&gt; &amp;amp;');
    expect(escapeHtml(`<a href="x" onclick='y'>&`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;',
    );
  });

  it('never leaves half an entity at a cut', () => {
    const out = mrkdwnWithin(`${'a'.repeat(8)}&&&&`, 12);
    expect(out.length).toBeLessThanOrEqual(12);
    expect(out).toMatch(/^a{8}(&amp;)*…$/);
  });

  it('keeps code blocks closed whatever the text contains', () => {
    const block = mrkdwnCodeBlock('x ``` y', 100);
    expect(block.match(/```/g)).toHaveLength(2);
  });
});

describe('parentMessage', () => {
  it('shows the error, where, who, counts and the expiring link', () => {
    const group = sampleGroup({ count: 12, userCount: 3 });
    const message = parentMessage(group, options);
    const json = JSON.stringify(message.blocks);
    expect(message.text).toContain('[billing/production] CardExpiredError');
    expect(json).toContain('Fred Smith (fred@example.com)');
    expect(json).toContain('Acme · pro plan');
    expect(json).toContain('12 · 3 users');
    expect(json).toContain(`${publicUrl}/e/${group.latest.linkId}`);
    expect(json).toContain(`<!date^${group.latest.linkExpiresAt}^`);
  });

  it('escapes every piece of event text, in blocks and fallback', () => {
    const group = sampleGroup({
      errorType: hostile,
      message: hostile,
      errorCode: hostile,
      latest: {
        ...sampleGroup().latest,
        user: { name: hostile, email: hostile },
        company: { name: hostile },
      },
    });
    const message = parentMessage(group, options);
    for (const text of mrkdwnTexts(message)) {
      const rest = withoutOurMarkup(text);
      expect(rest).not.toMatch(/[<>]/);
      expect(rest).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
  });

  it('respects Block Kit limits with maximal input', () => {
    const huge = 'é&<'.repeat(5000);
    const group = sampleGroup({
      errorType: huge,
      message: huge,
      latest: {
        ...sampleGroup().latest,
        user: { name: huge, email: huge },
        company: { name: huge, plan: huge },
      },
    });
    const { text, blocks } = parentMessage(group, options);
    // Checked by the Slack fake's own Block Kit validator, not by the limits the builder declares.
    expect(validateBlocks(blocks)).toEqual([]);
    expect(text.length).toBeLessThanOrEqual(BLOCK_LIMITS.fallbackChars);
  });

  it('says 1000+ users once the distinct-user cap is reached', () => {
    expect(JSON.stringify(parentMessage(sampleGroup({ userCount: 1000 }), options).blocks)).toContain(
      '1000+ users',
    );
  });
});

describe('parentMessage: urgency, state and the alert buttons', () => {
  const high = { level: 'high' as const, reason: '≥ 5 users in 10 min', at: 0 };
  const tim: Paged = { id: 'tim', name: 'Tim', slack: 'U0TIM00001' };
  const ana: Paged = { id: 'ana', name: 'Ana', slack: 'U0ANA00002' };
  const at = Date.UTC(2026, 10, 21, 14, 2);
  const date = (ms: number) => `<!date^${ms / 1000}^{date_short_pretty} {time}|`;
  const status = (over: Partial<AlertStatus>): AlertStatus => ({ ...OPEN_STATUS, changedAt: at, ...over });
  const block = (message: { blocks: KnownBlock[] }, id: string) =>
    message.blocks.find((b) => b.block_id === id);
  const line = (message: { blocks: KnownBlock[] }, id: string) => JSON.stringify(block(message, id) ?? null);
  const actions = (message: { blocks: KnownBlock[] }) => {
    const found = block(message, 'actions');
    return found?.type === 'actions' ? found.elements : [];
  };
  const actionIds = (message: { blocks: KnownBlock[] }) => actions(message).map((e) => e.action_id);

  it('puts high urgency first, loud, with its reason escaped', () => {
    const message = parentMessage(sampleGroup({ urgency: high }), options);
    expect(message.blocks[1]?.block_id).toBe('urgency');
    expect(line(message, 'urgency')).toContain(':rotating_light: *High urgency* · ≥ 5 users in 10 min');
    const bad = parentMessage(sampleGroup({ urgency: { ...high, reason: hostile } }), options);
    expect(line(bad, 'urgency')).toContain('&lt;!channel&gt;');
    expect(block(bad, 'oncall')).toBeUndefined();
  });

  it('keeps low urgency quiet, with who will look and when if known', () => {
    expect(block(parentMessage(sampleGroup(), options), 'urgency')).toBeUndefined();
    expect(block(parentMessage(sampleGroup(), options), 'oncall')).toBeUndefined();
    const note = 'next in working hours: Ana, Mon 09:00 Toronto — in 5 h';
    const message = parentMessage(sampleGroup(), { ...options, oncallNote: note });
    expect(line(message, 'oncall')).toContain(`Low urgency · ${note}`);
    const bad = parentMessage(sampleGroup(), { ...options, oncallNote: hostile });
    expect(line(bad, 'oncall')).toContain('&lt;!channel&gt; &lt;https://evil.example|click&gt;');
    expect(
      block(parentMessage(sampleGroup({ urgency: high }), { ...options, oncallNote: note }), 'oncall'),
    ).toBe(undefined);
  });

  it.each<[string, AlertStatus | undefined, string]>([
    ['no status', undefined, ':large_orange_circle: Open"'],
    ['open', status({}), ':large_orange_circle: Open"'],
    ['regressed', status({ regressed: true }), 'Open · :repeat: Regressed'],
    [
      'escalated',
      status({
        steps: [{ step: 1, at, to: [tim, ana], why: 'not acknowledged in 10 min', claimedAt: 0, told: true }],
      }),
      'Escalated to Tim, Ana (step 2)',
    ],
    [
      'acknowledged',
      status({ state: 'acknowledged', by: { id: 'U0TIM00001', name: 'tim' } }),
      `:eyes: Acknowledged by <@U0TIM00001> · ${date(at)}`,
    ],
    [
      'snoozed',
      status({ state: 'snoozed', by: { id: 'W0ANA00002' }, snoozedUntil: at + 3600_000 }),
      `:zzz: Snoozed until ${date(at + 3600_000)}`,
    ],
    [
      'resolved',
      status({ state: 'resolved', by: { id: 'U0TIM00001' } }),
      `:white_check_mark: Resolved by <@U0TIM00001> · ${date(at)}`,
    ],
  ])('shows the state in place: %s', (_name, alertStatus, expected) => {
    const message = parentMessage(sampleGroup({ urgency: high, status: alertStatus }), options);
    expect(line(message, 'state')).toContain(expected);
    const clicker = alertStatus?.by?.id;
    // Only the clicker, never the people paged: their pings come from the thread and DMs.
    expect(JSON.stringify(message.blocks).match(/<@/g) ?? []).toHaveLength(clicker ? 1 : 0);
  });

  it('names the clicker when Slack did not give a user id, escaped', () => {
    const message = parentMessage(
      sampleGroup({ status: status({ state: 'acknowledged', by: { id: '<!channel>', name: hostile } }) }),
      options,
    );
    const text = line(message, 'state');
    expect(text).toContain('Acknowledged by &lt;!channel&gt; &lt;https://evil.example|click&gt;');
    expect(text).not.toContain('<@');
    const named = parentMessage(
      sampleGroup({
        status: status({
          steps: [{ step: 0, at, to: [{ ...tim, name: hostile }], why: '', claimedAt: 0, told: true }],
        }),
      }),
      options,
    );
    expect(line(named, 'state')).toContain('Escalated to &lt;!channel&gt;');
    for (const text of mrkdwnTexts(named)) expect(withoutOurMarkup(text)).not.toMatch(/[<>]/);
  });

  it.each<[AlertStatus['state'] | undefined, string[]]>([
    [undefined, ['open_details', 'ack', 'snooze', 'resolve']],
    ['open', ['open_details', 'ack', 'snooze', 'resolve']],
    ['acknowledged', ['open_details', 'snooze', 'resolve']],
    ['snoozed', ['open_details', 'ack', 'resolve']],
    ['resolved', ['open_details']],
  ])('offers the buttons the state allows: %s', (state, ids) => {
    const message = parentMessage(
      sampleGroup({ status: state ? status({ state, round: 2 }) : undefined }),
      options,
    );
    expect(actionIds(message)).toEqual(ids);
    for (const e of actions(message)) {
      if (e.type === 'button' && e.value) {
        expect(parseAlertActionValue(e.action_id!, e.value)?.round).toBe(state ? 2 : 0);
      }
    }
  });

  it('keeps Send fix and Open in Intercom beside them, within Block Kit limits', () => {
    const group = sampleGroup({
      urgency: high,
      template: { id: 'card-expired', name: 'Card expired', auto: false },
      fix: { status: 'sent', linkId: 'other', userName: 'Fred', at, contactId: 'c1' },
    });
    const message = parentMessage(group, { ...options, intercomAppId: 'app1' });
    const ids = actionIds(message);
    expect(ids).toEqual(['open_details', 'ack', 'snooze', 'resolve', 'send_fix', 'open_intercom']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeLessThanOrEqual(25);
    expect(message.blocks.length).toBeLessThanOrEqual(BLOCK_LIMITS.blocks);
    for (const e of actions(message)) {
      if (e.type === 'button') expect(e.text.text.length).toBeLessThanOrEqual(BLOCK_LIMITS.buttonChars);
    }
    const resolve = actions(message).find((e) => e.action_id === 'resolve');
    expect(resolve?.type === 'button' && resolve.confirm?.title?.text).toBe('Resolve this alert?');
    expect(validateBlocks(message.blocks)).toEqual([]);
  });

  it('respects Block Kit limits with maximal urgency, note and names', () => {
    const huge = 'é&<'.repeat(5000);
    const many = Array.from({ length: 500 }, (_, i): Paged => ({ id: `p${i}`, name: huge, slack: `U${i}` }));
    const message = parentMessage(
      sampleGroup({
        urgency: { ...high, reason: huge },
        status: status({
          steps: [{ step: 4, at, to: many, why: huge, claimedAt: 0, told: true }],
          regressed: true,
        }),
      }),
      { ...options, oncallNote: huge },
    );
    expect(validateBlocks(message.blocks)).toEqual([]);
    expect(line(message, 'state')).toMatch(/… \(step 5\) · :repeat: Regressed"/);
  });
});

describe('threadUpdateMessage', () => {
  it('tells what is new since the last update, with the latest link', () => {
    const group = sampleGroup({ count: 40, userCount: 7 });
    const { text, blocks } = threadUpdateMessage(group, 25, options);
    expect(text).toBe('15 more occurrences of CardExpiredError (40 in total)');
    const body = JSON.stringify(blocks);
    expect(body).toContain('40 in total · 7 users');
    expect(body).toContain(`<${publicUrl}/e/${group.latest.linkId}|open details>`);
  });
});

describe('the parent counts automatic fixes', () => {
  it('names every reason a fix is not sent: no email address or unsubscribed among them', () => {
    const group = sampleGroup({
      template: { id: 'card-expired', name: 'Expired card', auto: true },
      fixesSent: 3,
      fixesNotSent: 2,
      fix: { status: 'sent', linkId: 'l', userName: 'Fred Smith', at: 1 },
    });
    expect(mrkdwnTexts(parentMessage(group, options)).join('\n')).toContain(
      ':white_check_mark: Fixes sent to 3 users · 2 not sent (not in Intercom, no email address or unsubscribed, cooldown or refused) · latest to Fred Smith',
    );
  });
});
