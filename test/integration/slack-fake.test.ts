/**
 * Proves the loopback Slack fake answers the real @slack/web-api WebClient the way Slack does, so the
 * adapter tests that rely on it mean something. Error shapes asserted here were observed with 8.2.0.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ErrorCode,
  type Logger,
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  WebClient,
} from '@slack/web-api';
import { type SlackFake, startSlackFake } from '../../local/fakes/slack-api';
import { rejectionOf } from '../support/rejection';

const CHANNEL = 'C0ALERTS';
const DETAIL_PREFIX = 'https://headsup.example/e/';

const silent: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

let fake: SlackFake;

beforeAll(async () => {
  fake = await startSlackFake({ allowedLinkPrefixes: [DETAIL_PREFIX] });
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

/** The configuration the project uses on Lambda: no SDK retries, rate limits surface, a timeout. */
function client(options: { token?: string; timeout?: number } = {}): WebClient {
  return new WebClient(options.token ?? fake.token, {
    slackApiUrl: fake.url,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeout ?? 2000,
    logger: silent,
  });
}

async function platformError(promise: Promise<unknown>): Promise<WebAPIPlatformError> {
  const error = await rejectionOf(promise);
  if (!(error instanceof WebAPIPlatformError)) throw error;
  expect(error.code).toBe(ErrorCode.PlatformError);
  return error;
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

describe('messages and threads', () => {
  it('records a parent, a thread reply and updates the way Slack holds them', async () => {
    const slack = client();
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'TypeError in api' } },
      section('first'),
    ];
    const parent = await slack.chat.postMessage({
      channel: CHANNEL,
      text: 'TypeError in api',
      blocks,
      unfurl_links: false,
    });
    expect(parent.ok).toBe(true);
    expect(parent.channel).toBe(CHANNEL);
    expect(parent.ts).toMatch(/^\d{10}\.\d{6}$/);
    const parentTs = parent.ts!;

    const reply = await slack.chat.postMessage({
      channel: CHANNEL,
      thread_ts: parentTs,
      text: '2 more',
      reply_broadcast: false,
    });
    expect(Number(reply.ts)).toBeGreaterThan(Number(parentTs));

    await slack.chat.update({
      channel: CHANNEL,
      ts: parentTs,
      text: 'seen 3 times',
      blocks: [section('3 times')],
    });
    const updated = await slack.chat.update({ channel: CHANNEL, ts: parentTs, text: 'seen 4 times' });
    expect(updated).toMatchObject({ ok: true, channel: CHANNEL, ts: parentTs, text: 'seen 4 times' });

    expect(fake.parents(CHANNEL)).toHaveLength(1);
    expect(fake.replies(CHANNEL, parentTs).map((m) => m.text)).toEqual(['2 more']);
    const stored = fake.message(CHANNEL, parentTs)!;
    expect(stored.updatedCount).toBe(2);
    expect(stored.history.map((v) => v.text)).toEqual(['TypeError in api', 'seen 3 times']);
    expect(stored.text).toBe('seen 4 times');
    expect(stored.blocks).toEqual([section('3 times')]); // omitted blocks are kept, as on Slack
    expect(stored.unfurl_links).toBe(false);
    expect(fake.replies(CHANNEL, parentTs)[0]?.reply_broadcast).toBe(false);

    expect(fake.requests.map((r) => r.method)).toEqual([
      'chat.postMessage',
      'chat.postMessage',
      'chat.update',
      'chat.update',
    ]);
    const first = fake.requests[0]!;
    expect(first.httpMethod).toBe('POST');
    expect(first.headers.authorization).toBe(`Bearer ${fake.token}`);
    expect(first.params.blocks).toEqual(blocks); // form field decoded from its JSON string
    expect(first.response).toMatchObject({ status: 200, body: { ok: true, ts: parentTs } });
    expect(fake.violations).toEqual([]);
  });

  it('gives unique, increasing ts strings', async () => {
    const slack = client();
    const ts: string[] = [];
    for (let i = 0; i < 5; i++)
      ts.push((await slack.chat.postMessage({ channel: CHANNEL, text: `m${i}` })).ts!);
    expect(new Set(ts).size).toBe(5);
    expect([...ts].sort()).toEqual(ts);
  });

  it('answers thread_not_found, message_not_found, channel_not_found and no_text like Slack', async () => {
    const slack = client();
    const { ts } = await slack.chat.postMessage({ channel: CHANNEL, text: 'parent' });
    const reply = await slack.chat.postMessage({ channel: CHANNEL, thread_ts: ts!, text: 'reply' });

    const cases: Array<[Promise<unknown>, string]> = [
      [
        slack.chat.postMessage({ channel: CHANNEL, thread_ts: '1600000000.000100', text: 'x' }),
        'thread_not_found',
      ],
      [slack.chat.postMessage({ channel: 'C0OTHER', thread_ts: ts!, text: 'x' }), 'thread_not_found'],
      [slack.chat.postMessage({ channel: CHANNEL, thread_ts: reply.ts!, text: 'x' }), 'thread_not_found'],
      [slack.chat.update({ channel: CHANNEL, ts: '1600000000.000100', text: 'x' }), 'message_not_found'],
      [slack.chat.postMessage({ channel: '', text: 'x' }), 'channel_not_found'],
      [slack.apiCall('chat.postMessage', { channel: CHANNEL }), 'no_text'],
      [slack.apiCall('chat.delete', { channel: CHANNEL, ts }), 'unknown_method'],
    ];
    for (const [call, expected] of cases) {
      expect((await platformError(call)).data.error).toBe(expected);
    }
    expect(fake.messages).toHaveLength(2);
    expect(fake.violations.map((v) => v.kind)).toEqual(cases.map(([, expected]) => expected));
  });

  it('answers auth.test and conversations.info for a bot starting up', async () => {
    const slack = client();
    await expect(slack.auth.test()).resolves.toMatchObject({
      ok: true,
      user_id: expect.any(String),
      team: expect.any(String),
    });
    await expect(slack.conversations.info({ channel: CHANNEL })).resolves.toMatchObject({
      ok: true,
      channel: { id: CHANNEL, is_member: true },
    });
  });
});

describe('authentication and transport', () => {
  it('rejects a wrong token with invalid_auth and changes nothing', async () => {
    const error = await platformError(
      client({ token: 'xoxb-wrong' }).chat.postMessage({ channel: CHANNEL, text: 'x' }),
    );
    expect(error.data.error).toBe('invalid_auth');
    expect(fake.messages).toEqual([]);
    expect(fake.violations).toEqual([
      expect.objectContaining({ kind: 'invalid_auth', method: 'chat.postMessage' }),
    ]);
  });

  it('accepts the token as a body field and JSON bodies, and refuses GET', async () => {
    const form = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: fake.token, channel: CHANNEL, text: 'form' }).toString(),
    });
    expect(await form.json()).toMatchObject({ ok: true, channel: CHANNEL });

    const json = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${fake.token}` },
      body: JSON.stringify({ channel: CHANNEL, text: 'json', blocks: [section('json')] }),
    });
    expect(await json.json()).toMatchObject({ ok: true });
    expect(fake.parents(CHANNEL).map((m) => m.text)).toEqual(['form', 'json']);

    const get = await fetch(`${fake.url}auth.test`, { headers: { authorization: `Bearer ${fake.token}` } });
    expect(await get.json()).toEqual({ ok: false, error: 'method_not_allowed' });
    const anonymous = await fetch(`${fake.url}auth.test`, { method: 'POST' });
    expect(await anonymous.json()).toEqual({ ok: false, error: 'not_authed' });
  });
});

describe('injected failures', () => {
  it('429 → WebAPIRateLimitedError with retryAfter, once, and nothing posted', async () => {
    const slack = client();
    fake.failNext({ status: 429, retryAfter: 7 });
    const error = await rejectionOf(slack.chat.postMessage({ channel: CHANNEL, text: 'x' }));
    expect(error).toBeInstanceOf(WebAPIRateLimitedError);
    expect(error).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    expect(fake.requests[0]?.response).toMatchObject({
      status: 429,
      headers: { 'retry-after': '7' },
      body: { ok: false, error: 'ratelimited' },
    });
    expect(fake.messages).toEqual([]);

    await slack.chat.postMessage({ channel: CHANNEL, text: 'after' });
    expect(fake.parents()).toHaveLength(1);
    expect(fake.violations).toEqual([]); // injected failures are not our code's fault
  });

  it('restricts a failure to one API method and repeats it `times` times', async () => {
    const slack = client();
    fake.failNext({ status: 429, method: 'chat.update' }, 2);
    const { ts } = await slack.chat.postMessage({ channel: CHANNEL, text: 'v1' });
    for (let i = 0; i < 2; i++) {
      await expect(slack.chat.update({ channel: CHANNEL, ts: ts!, text: 'v2' })).rejects.toBeInstanceOf(
        WebAPIRateLimitedError,
      );
    }
    expect(fake.message(CHANNEL, ts!)?.updatedCount).toBe(0);
    await slack.chat.update({ channel: CHANNEL, ts: ts!, text: 'v2' });
    expect(fake.message(CHANNEL, ts!)).toMatchObject({ text: 'v2', updatedCount: 1 });
  });

  it.each([500, 503] as const)('%i → WebAPIHTTPError with the status and parsed body', async (status) => {
    fake.failNext({ status });
    const error = await rejectionOf(client().chat.postMessage({ channel: CHANNEL, text: 'x' }));
    expect(error).toBeInstanceOf(WebAPIHTTPError);
    expect(error).toMatchObject({ code: ErrorCode.HTTPError, statusCode: status, body: { ok: false } });
    expect(fake.messages).toEqual([]);
  });

  it('an injected Slack error (HTTP 200 ok:false) → WebAPIPlatformError, not a violation', async () => {
    fake.failNext({ error: 'channel_not_found' });
    const error = await platformError(client().chat.postMessage({ channel: CHANNEL, text: 'x' }));
    expect(error.data.error).toBe('channel_not_found');
    expect(fake.messages).toEqual([]);
    expect(fake.violations).toEqual([]);
  });

  it('an injected error can follow the effect (apply), or come without an error field (null)', async () => {
    fake.failNext({ error: 'internal_error', apply: true });
    const partly = await platformError(client().chat.postMessage({ channel: CHANNEL, text: 'posted' }));
    expect(partly.data.error).toBe('internal_error');
    expect(fake.parents(CHANNEL).map((m) => m.text)).toEqual(['posted']);

    fake.failNext({ error: null });
    const bare = await platformError(client().chat.postMessage({ channel: CHANNEL, text: 'not posted' }));
    expect(bare.data.ok).toBe(false);
    expect(bare.data.error).toBeUndefined();
    expect(fake.parents(CHANNEL)).toHaveLength(1);
    expect(fake.violations).toEqual([]);
  });

  it('an answer later than the client timeout → WebAPIRequestError (TimeoutError) and no effect', async () => {
    fake.failNext({ delayMs: 60_000 });
    const error = await rejectionOf(
      client({ timeout: 200 }).chat.postMessage({ channel: CHANNEL, text: 'x' }),
    );
    if (!(error instanceof WebAPIRequestError)) throw error;
    expect(error.code).toBe(ErrorCode.RequestError);
    // fetch's AbortSignal.timeout. Under Jest the DOMException comes from another realm, so the client
    // re-wraps it as a plain Error ('TimeoutError: …'); in plain Node original.name is 'TimeoutError'.
    expect(error.original.message).toMatch(/aborted due to timeout/);
    await fake.waitFor((f) => f.requests[0]?.clientGone);
    expect(fake.requests[0]?.response).toBeUndefined();
    expect(fake.messages).toEqual([]);
  });

  it('posted-then-timed-out (apply: true) leaves the message, so a retry duplicates it', async () => {
    const slack = client({ timeout: 200 });
    fake.failNext({ delayMs: 60_000, apply: true });
    await expect(slack.chat.postMessage({ channel: CHANNEL, text: 'boom' })).rejects.toBeInstanceOf(
      WebAPIRequestError,
    );
    expect(fake.parents()).toHaveLength(1);
    await slack.chat.postMessage({ channel: CHANNEL, text: 'boom' });
    expect(fake.parents().map((m) => m.text)).toEqual(['boom', 'boom']);
  });

  it('a delay shorter than the timeout is just a slow success', async () => {
    fake.failNext({ delayMs: 50 });
    const result = await client({ timeout: 5000 }).chat.postMessage({ channel: CHANNEL, text: 'slow' });
    expect(result.ok).toBe(true);
    expect(fake.parents()).toHaveLength(1);
  });

  it('without rejectRateLimitedCalls, a 429 with retries 0 surfaces as a request error without retryAfter', async () => {
    const slack = new WebClient(fake.token, {
      slackApiUrl: fake.url,
      retryConfig: { retries: 0 },
      logger: silent,
    });
    fake.failNext({ status: 429, retryAfter: 0 });
    const error = await rejectionOf(slack.chat.postMessage({ channel: CHANNEL, text: 'x' }));
    expect(error).toBeInstanceOf(WebAPIRequestError);
    expect(error).not.toHaveProperty('retryAfter');
  });
});

describe('Block Kit limits', () => {
  const button = (extra: Record<string, unknown> = {}) => ({
    type: 'button',
    action_id: 'open',
    text: { type: 'plain_text', text: 'Open details' },
    url: `${DETAIL_PREFIX}abc`,
    ...extra,
  });
  const many = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

  it('accepts exactly 50 blocks and refuses 51 with invalid_blocks', async () => {
    const slack = client();
    await slack.chat.postMessage({ channel: CHANNEL, text: 'ok', blocks: many(50, (i) => section(`b${i}`)) });
    const error = await platformError(
      slack.chat.postMessage({ channel: CHANNEL, text: 'no', blocks: many(51, (i) => section(`b${i}`)) }),
    );
    expect(error.data).toMatchObject({
      error: 'invalid_blocks',
      errors: ['must be less than 51 items [json-pointer:/blocks]'],
    });
    expect(fake.parents().map((m) => m.text)).toEqual(['ok']);
    expect(fake.violations).toEqual([expect.objectContaining({ kind: 'invalid_blocks' })]);
  });

  const limitCases: Array<[string, unknown[], string]> = [
    [
      'header over 150',
      [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
      '/blocks/0/text/text',
    ],
    ['mrkdwn header', [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }], '/blocks/0/text/type'],
    ['section over 3000', [section('s'.repeat(3001))], '/blocks/0/text/text'],
    [
      '11 fields',
      [{ type: 'section', fields: many(11, () => ({ type: 'mrkdwn', text: 'f' })) }],
      '/blocks/0/fields',
    ],
    [
      'field over 2000',
      [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] }],
      '/blocks/0/fields/0/text',
    ],
    [
      '11 context elements',
      [{ type: 'context', elements: many(11, () => ({ type: 'mrkdwn', text: 'c' })) }],
      '/blocks/0/elements',
    ],
    [
      '26 actions',
      [{ type: 'actions', elements: many(26, (i) => button({ action_id: `a${i}` })) }],
      '/blocks/0/elements',
    ],
    [
      'button text over 75',
      [{ type: 'actions', elements: [button({ text: { type: 'plain_text', text: 'b'.repeat(76) } })] }],
      '/blocks/0/elements/0/text/text',
    ],
    [
      'button url over 3000',
      [{ type: 'actions', elements: [button({ url: `${DETAIL_PREFIX}${'u'.repeat(3000)}` })] }],
      '/blocks/0/elements/0/url',
    ],
    [
      'button value over 2000',
      [{ type: 'actions', elements: [button({ value: 'v'.repeat(2001) })] }],
      '/blocks/0/elements/0/value',
    ],
    [
      'action_id over 255',
      [{ type: 'actions', elements: [button({ action_id: 'a'.repeat(256) })] }],
      '/blocks/0/elements/0/action_id',
    ],
    [
      'duplicate action_id',
      [{ type: 'actions', elements: [button(), button()] }],
      '/blocks/0/elements/1/action_id',
    ],
    ['block_id over 255', [{ ...section('x'), block_id: 'b'.repeat(256) }], '/blocks/0/block_id'],
    ['missing type', [{ text: { type: 'mrkdwn', text: 'x' } }], '/blocks/0'],
  ];

  it.each(limitCases)('refuses %s', async (_name, blocks, pointer) => {
    const error = await platformError(
      client().chat.postMessage({ channel: CHANNEL, text: 'fallback', blocks: blocks as never }),
    );
    expect(error.data.error).toBe('invalid_blocks');
    const errors = (error.data as { errors?: string[] }).errors ?? [];
    expect(errors.some((e) => e.endsWith(`[json-pointer:${pointer}]`))).toBe(true);
    expect(fake.messages).toEqual([]);
  });

  it('accepts a message at every limit', async () => {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(150) } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: 's'.repeat(3000) },
        fields: many(10, () => ({ type: 'mrkdwn', text: 'f'.repeat(2000) })),
      },
      { type: 'context', elements: many(10, () => ({ type: 'mrkdwn', text: 'c' })) },
      { type: 'divider' },
      {
        type: 'actions',
        block_id: 'b'.repeat(255),
        elements: [
          button({
            text: { type: 'plain_text', text: 'b'.repeat(75) },
            url: `${DETAIL_PREFIX}${'u'.repeat(3000 - DETAIL_PREFIX.length)}`,
          }),
          button({ action_id: 'a'.repeat(255), value: 'v'.repeat(2000), url: undefined }),
        ],
      },
    ];
    await client().chat.postMessage({ channel: CHANNEL, text: 'fallback', blocks: blocks as never });
    expect(fake.violations).toEqual([]);
  });

  it('refuses invalid blocks on chat.update too, keeping the message as it was', async () => {
    const slack = client();
    const { ts } = await slack.chat.postMessage({ channel: CHANNEL, text: 'v1', blocks: [section('v1')] });
    const error = await platformError(
      slack.chat.update({ channel: CHANNEL, ts: ts!, text: 'v2', blocks: [section('s'.repeat(3001))] }),
    );
    expect(error.data.error).toBe('invalid_blocks');
    expect(fake.message(CHANNEL, ts!)).toMatchObject({
      text: 'v1',
      blocks: [section('v1')],
      updatedCount: 0,
    });
  });
});

describe('content checks (violations tests assert empty)', () => {
  it('records <!channel>, mentions and foreign links, but not escaped text or allowed links', async () => {
    const slack = client();
    await slack.chat.postMessage({ channel: CHANNEL, text: 'hey <!channel> look' });
    await slack.chat.postMessage({
      channel: CHANNEL,
      text: 'fallback',
      blocks: [
        section('<https://evil.example|a safe label> and <@U123ABC>'),
        { type: 'section', fields: [{ type: 'mrkdwn', text: '<!here>' }] },
        { type: 'context', elements: [{ type: 'mrkdwn', text: '<!everyone>' }] },
      ],
    });
    expect(fake.parents()).toHaveLength(2); // Slack would post them: the fake only records
    expect(fake.violations.map((v) => [v.kind, v.detail])).toEqual([
      ['unsafe_mrkdwn', '<!channel> in text'],
      ['unsafe_mrkdwn', '<https://evil.example|a safe label> in /blocks/0/text'],
      ['unsafe_mrkdwn', '<@U123ABC> in /blocks/0/text'],
      ['unsafe_mrkdwn', '<!here> in /blocks/1/fields/0'],
      ['unsafe_mrkdwn', '<!everyone> in /blocks/2/elements/0'],
    ]);
  });

  it('leaves escaped user text, plain_text and allowed links alone', async () => {
    await client().chat.postMessage({
      channel: CHANNEL,
      text: 'hey &lt;!channel&gt; &amp; &lt;https://evil|x&gt;',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '<!channel> is inert in plain_text' } },
        section(`<${DETAIL_PREFIX}abc|Open details>`),
      ],
    });
    expect(fake.violations).toEqual([]);
  });

  it('records blocks posted without the text fallback (Slack only warns)', async () => {
    const result = await client().chat.postMessage({
      channel: CHANNEL,
      blocks: [section('no fallback')],
    } as never);
    expect(result.ok).toBe(true);
    expect(fake.violations).toEqual([expect.objectContaining({ kind: 'missing_fallback_text' })]);
  });
});

describe('waiting and reset', () => {
  it('waitFor resolves on activity with the predicate value', async () => {
    const waiting = fake.waitFor((f) => f.replies(CHANNEL, f.parents(CHANNEL)[0]!.ts)[0]);
    const slack = client();
    const { ts } = await slack.chat.postMessage({ channel: CHANNEL, text: 'parent' });
    await slack.chat.postMessage({ channel: CHANNEL, thread_ts: ts!, text: 'reply' });
    await expect(waiting).resolves.toMatchObject({ text: 'reply', thread_ts: ts });
  });

  it('waitFor rejects with a summary when the condition never holds', async () => {
    await expect(fake.waitFor((f) => f.messages.length > 0, 20)).rejects.toThrow(
      /not met within 20 ms; 0 parents/,
    );
  });

  it('reset forgets state and queued failures', async () => {
    fake.failNext({ status: 500 });
    fake.reset();
    await client().chat.postMessage({ channel: CHANNEL, text: 'fresh' });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.response?.status).toBe(200);
  });
});

describe('interactivity helpers', () => {
  it('signs like Slack (published test vector)', async () => {
    const signer = await startSlackFake({ signingSecret: '8f742231b10e8888abcd99yyyzzz85a5' });
    try {
      const body =
        'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
      expect(signer.signRequest(body, 1531420618)).toEqual({
        'x-slack-request-timestamp': '1531420618',
        'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
      });
    } finally {
      await signer.close();
    }
  });

  it('clickButton posts a signed block_actions payload for a stored button', async () => {
    const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.end('');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const actions = {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: 'send_fix',
            value: 'tpl-1',
            text: { type: 'plain_text', text: 'Send fix' },
          },
        ],
      };
      const { ts } = await client().chat.postMessage({ channel: CHANNEL, text: 'alert', blocks: [actions] });
      const { port } = receiver.address() as AddressInfo;
      const result = await fake.clickButton(`http://127.0.0.1:${port}/slack/actions`, {
        channel: CHANNEL,
        ts: ts!,
        actionId: 'send_fix',
      });

      expect(result.status).toBe(200);
      const [request] = received;
      const timestamp = Number(request?.headers['x-slack-request-timestamp']);
      expect(request?.headers['x-slack-signature']).toBe(
        fake.signRequest(request!.body, timestamp)['x-slack-signature'],
      );
      const payload = JSON.parse(new URLSearchParams(request!.body).get('payload')!) as Record<
        string,
        unknown
      >;
      expect(payload).toMatchObject({
        type: 'block_actions',
        channel: { id: CHANNEL },
        message: { ts },
        actions: [{ action_id: 'send_fix', value: 'tpl-1' }],
      });
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
