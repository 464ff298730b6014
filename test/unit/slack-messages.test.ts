import type { KnownBlock } from '@slack/types';
import { escapeHtml, escapeMrkdwn, mrkdwnCodeBlock, mrkdwnWithin } from '../../functions/core/escape';
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
