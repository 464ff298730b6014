import { verifySlackSignature } from '../../functions/core/slack/signature';

describe('Slack request signatures', () => {
  // Slack's published example (api.slack.com → Verifying requests from Slack).
  const vector = {
    signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
    timestamp: '1531420618',
    body: 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
    signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
  };
  const check = (over: Partial<typeof vector> & { now?: number } = {}) => {
    const v = { ...vector, ...over };
    return verifySlackSignature({
      signingSecret: v.signingSecret,
      timestamp: v.timestamp,
      signature: v.signature,
      rawBody: Buffer.from(v.body),
      nowSeconds: over.now ?? 1531420618 + 60,
    });
  };

  it('accepts the published test vector', () => expect(check()).toEqual({ ok: true }));
  it('refuses a wrong secret, a changed body, a 6-minute-old timestamp and missing headers', () => {
    expect(check({ signingSecret: 'wrong' }).ok).toBe(false);
    expect(check({ body: `${vector.body}&x=1` }).ok).toBe(false);
    expect(check({ now: 1531420618 + 6 * 60 })).toEqual({
      ok: false,
      reason: 'timestamp missing or more than 5 minutes off',
    });
    expect(check({ signature: '' }).ok).toBe(false);
    expect(check({ timestamp: '' }).ok).toBe(false);
  });
});
