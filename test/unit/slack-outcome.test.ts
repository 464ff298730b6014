import type { NotifyOutcome } from '../../functions/core/records';
import { outcomeMessage } from '../../functions/core/slack/outcome';

const user = { id: 'u_1', name: 'Fred <Smith>' };
const auto = { requestedBy: undefined };
const text = (outcome: NotifyOutcome, name = 'Expired card') =>
  outcomeMessage(outcome, name, user, auto).text;
const sent = { status: 'sent', at: 1, contactId: 'c', messageId: 'm' } as const;

describe('the thread reply says how the fix went', () => {
  it('in-app or by email, escaped as the rest of the line', () => {
    expect(text({ ...sent, channel: 'inapp' })).toBe(
      ':white_check_mark: Sent “Expired card” to Fred &lt;Smith&gt; in Intercom, in-app · sent automatically',
    );
    expect(text({ ...sent, channel: 'email' }, 'Card & <b>')).toBe(
      ':white_check_mark: Sent “Card &amp; &lt;b&gt;” to Fred &lt;Smith&gt; in Intercom, by email · sent automatically',
    );
  });

  it('a record from before email existed was in-app', () => {
    expect(text(sent)).toContain('in Intercom, in-app · ');
  });

  it('"may have arrived" names the channel when the attempt knew it, and nothing when it died unknown', () => {
    const uncertain = { status: 'uncertain', at: 1, reason: 'Intercom 500 while sending' } as const;
    expect(text({ ...uncertain, channel: 'email' })).toMatch(
      /^:warning: Intercom did not confirm sending “Expired card” to Fred &lt;Smith&gt; by email; it may have arrived\./,
    );
    expect(text(uncertain)).toMatch(/to Fred &lt;Smith&gt;; it may have arrived\./);
  });

  it('outcomes that sent nothing name no channel', () => {
    const failed = text({ status: 'failed', at: 1, reason: 'the contact has no email address in Intercom' });
    expect(failed).toBe(
      ':x: Could not send “Expired card” to Fred &lt;Smith&gt;: the contact has no email address in Intercom',
    );
    expect(failed).not.toMatch(/in-app|by email/);
  });

  it('a send Intercom refused names the channel it was refused on', () => {
    const refused = { status: 'failed', at: 1, reason: 'Intercom refused (403): forbidden' } as const;
    expect(text({ ...refused, channel: 'email' })).toBe(
      ':x: Could not send “Expired card” to Fred &lt;Smith&gt; by email: Intercom refused (403): forbidden',
    );
    expect(text({ ...refused, channel: 'inapp' })).toBe(
      ':x: Could not send “Expired card” to Fred &lt;Smith&gt; in-app: Intercom refused (403): forbidden',
    );
  });
});
