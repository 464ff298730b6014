import { chooseChannel } from '../../functions/core/channel';

/** 30 minutes, HEADSUP_INAPP_SEEN_WITHIN's default. */
const WITHIN = 30 * 60;
const NOW_MS = 1_800_000_000_000;
const NOW_S = NOW_MS / 1000;
const email = 'fred@example.com';

describe('chooseChannel', () => {
  it('auto: in-app up to and at the boundary, email one second past it', () => {
    const auto = (lastSeenAt: number) => chooseChannel('auto', { email, lastSeenAt }, NOW_MS, WITHIN);
    expect(auto(NOW_S)).toEqual({ channel: 'inapp' });
    expect(auto(NOW_S - WITHIN)).toEqual({ channel: 'inapp' });
    expect(auto(NOW_S - WITHIN - 1)).toEqual({ channel: 'email' });
    expect(auto(NOW_S - 7 * 86400)).toEqual({ channel: 'email' });
  });

  it('auto: reads the boundary in seconds when the clock is between two', () => {
    // 29 min 59.5 s after the visit: still within 30 minutes.
    const lastSeenAt = NOW_S - WITHIN;
    expect(chooseChannel('auto', { email, lastSeenAt }, NOW_MS - 500, WITHIN)).toEqual({ channel: 'inapp' });
    expect(chooseChannel('auto', { email, lastSeenAt }, NOW_MS + 500, WITHIN)).toEqual({ channel: 'email' });
  });

  it('auto: a contact never seen gets email; one seen "in the future" (clock skew) in-app', () => {
    expect(chooseChannel('auto', { email }, NOW_MS, WITHIN)).toEqual({ channel: 'email' });
    expect(chooseChannel('auto', { email, lastSeenAt: NOW_S + 120 }, NOW_MS, WITHIN)).toEqual({
      channel: 'inapp',
    });
  });

  it('auto: follows the setting', () => {
    const lastSeenAt = NOW_S - 2 * 3600;
    expect(chooseChannel('auto', { email, lastSeenAt }, NOW_MS, WITHIN)).toEqual({ channel: 'email' });
    expect(chooseChannel('auto', { email, lastSeenAt }, NOW_MS, 3 * 3600)).toEqual({ channel: 'inapp' });
  });

  it('auto: without an email address, in-app is the only way, however long ago', () => {
    for (const contact of [{}, { email: '' }, { email: '  ', lastSeenAt: NOW_S - 86400 }])
      expect(chooseChannel('auto', contact, NOW_MS, WITHIN)).toEqual({ channel: 'inapp' });
  });

  it('inapp and email are what they say, whenever the user was seen', () => {
    for (const lastSeenAt of [undefined, NOW_S, NOW_S - 86400]) {
      expect(chooseChannel('inapp', { email, lastSeenAt }, NOW_MS, WITHIN)).toEqual({ channel: 'inapp' });
      expect(chooseChannel('email', { email, lastSeenAt }, NOW_MS, WITHIN)).toEqual({ channel: 'email' });
    }
    expect(chooseChannel('inapp', {}, NOW_MS, WITHIN)).toEqual({ channel: 'inapp' });
  });

  it('email to a contact without an address is unreachable, said in words', () => {
    expect(chooseChannel('email', { lastSeenAt: NOW_S }, NOW_MS, WITHIN)).toEqual({
      unreachable: 'the contact has no email address in Intercom',
    });
  });

  it('auto: last_seen_at up to 5 minutes ahead of our clock is "seen now"; further ahead is unknown (email)', () => {
    const auto = (lastSeenAt: number) => chooseChannel('auto', { email, lastSeenAt }, NOW_MS, WITHIN);
    expect(auto(NOW_S + 300)).toEqual({ channel: 'inapp' });
    expect(auto(NOW_S + 301)).toEqual({ channel: 'email' });
    expect(auto(NOW_S + 86400)).toEqual({ channel: 'email' });
    // Milliseconds sent as seconds: some fifty thousand years ahead.
    expect(auto(NOW_MS)).toEqual({ channel: 'email' });
    // The boundary read in seconds, as the past one is.
    const ahead = { email, lastSeenAt: NOW_S + 300 };
    expect(chooseChannel('auto', ahead, NOW_MS - 500, WITHIN)).toEqual({ channel: 'email' });
    expect(chooseChannel('auto', ahead, NOW_MS + 500, WITHIN)).toEqual({ channel: 'inapp' });
  });

  it('a contact Intercom will not email: auto sends in-app, email is unreachable and says why', () => {
    const lastSeenAt = NOW_S - 7 * 86400;
    const cases = [
      [{ unsubscribedFromEmails: true }, 'the contact has unsubscribed from email'],
      [{ hasHardBounced: true }, "the contact's email address has hard-bounced"],
      [{ markedEmailAsSpam: true }, 'the contact marked an email from you as spam'],
    ] as const;
    for (const [status, reason] of cases) {
      const contact = { email, lastSeenAt, ...status };
      expect(chooseChannel('auto', contact, NOW_MS, WITHIN)).toEqual({ channel: 'inapp' });
      expect(chooseChannel('email', contact, NOW_MS, WITHIN)).toEqual({ unreachable: reason });
      expect(chooseChannel('inapp', contact, NOW_MS, WITHIN)).toEqual({ channel: 'inapp' });
    }
    const ok = {
      email,
      lastSeenAt,
      unsubscribedFromEmails: false,
      hasHardBounced: false,
      markedEmailAsSpam: false,
    };
    expect(chooseChannel('auto', ok, NOW_MS, WITHIN)).toEqual({ channel: 'email' });
  });
});
