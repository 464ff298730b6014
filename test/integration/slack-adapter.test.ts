/**
 * The Slack adapter through the real @slack/web-api client against the loopback Slack fake: what each
 * way a Web API call fails comes out as — the typed failures triage and notify decide by — with the
 * reason they log, and what Slack holds afterwards.
 */
import { WebAPIRateLimitedError } from '@slack/web-api';
import { createSlackClient, SlackChannel } from '../../functions/adapters/slack';
import type { SlackMessage } from '../../functions/core/slack/message';
import { DeliveryUncertainError, PermanentError, RetryableError } from '../../functions/services/failures';
import { type SlackFake, startSlackFake } from '../../local/fakes/slack-api';
import { freePort } from '../../local/free-port';
import { rejectionOf as failureOf } from '../support/rejection';

const CHANNEL = 'C0ALERTS';
const FINGERPRINT = 'fp-adapter';
const alert: SlackMessage = {
  text: 'TypeError in api',
  blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'TypeError in api' } }],
};

let fake: SlackFake;

beforeAll(async () => {
  fake = await startSlackFake();
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

/** The adapter as wired for the functions, with a short timeout so lost answers come quickly. */
const channel = (timeoutMs = 2000, apiUrl = fake.url) =>
  new SlackChannel(createSlackClient({ token: fake.token, apiUrl, timeoutMs }), CHANNEL);

describe('posting a parent', () => {
  it('a rate limit is retryable: Slack did nothing', async () => {
    fake.failNext({ status: 429, retryAfter: 7, method: 'chat.postMessage' });
    const error = await failureOf(channel().post(alert, FINGERPRINT));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toBe('Slack rate limit: retry after 7 s');
    expect(error.cause).toBeInstanceOf(WebAPIRateLimitedError);
    expect(fake.parents()).toEqual([]);
  });

  it('a refusal is permanent, and says what to set up', async () => {
    fake.failNext({ error: 'not_in_channel', method: 'chat.postMessage' });
    const error = await failureOf(channel().post(alert, FINGERPRINT));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe(
      'Slack refused the call: not_in_channel — invite the Heads-up app to the channel (/invite @Heads-up)',
    );
    expect(fake.parents()).toEqual([]);
  });

  it.each([500, 503] as const)('a %i may have been carried out: delivery uncertain', async (status) => {
    fake.failNext({ status, method: 'chat.postMessage' });
    const error = await failureOf(channel().post(alert, FINGERPRINT));
    expect(error).toBeInstanceOf(DeliveryUncertainError);
    expect(error.message).toBe(`Slack unreachable: An HTTP protocol error occurred: statusCode = ${status}`);
  });

  it('a lost answer is uncertain, and the post it made is found again by its metadata', async () => {
    const since = Date.now() - 60_000;
    fake.failNext({ delayMs: 60_000, apply: true, method: 'chat.postMessage' });
    const error = await failureOf(channel(200).post(alert, FINGERPRINT));
    expect(error).toBeInstanceOf(DeliveryUncertainError);
    expect(error.message).toMatch(/^Slack unreachable: .*timeout/i);
    expect(fake.parents()).toHaveLength(1);
    const found = await channel().findPosted(FINGERPRINT, since);
    expect(found).toEqual({ channel: CHANNEL, ts: fake.parents()[0]!.ts });
    expect(await channel().findPosted('fp-never-posted', since)).toBeUndefined();
  });
});

describe('updating and replying', () => {
  it('translates their failures the same way', async () => {
    const ref = await channel().post(alert, FINGERPRINT);
    fake.failNext({ status: 429, method: 'chat.update' });
    expect(await failureOf(channel().update(ref, alert))).toBeInstanceOf(RetryableError);
    fake.failNext({ status: 500, method: 'chat.postMessage' });
    expect(await failureOf(channel().reply(ref, alert))).toBeInstanceOf(DeliveryUncertainError);
    fake.failNext({ error: 'message_not_found', method: 'chat.update' });
    expect(await failureOf(channel().update(ref, alert))).toBeInstanceOf(PermanentError);
    expect(fake.message(CHANNEL, ref.ts)?.updatedCount).toBe(0);
    expect(fake.replies(CHANNEL, ref.ts)).toEqual([]);
  });
});

describe('looking for an earlier post', () => {
  it('a read that failed in passing is retryable, even when its answer was lost', async () => {
    fake.failNext({ status: 500, method: 'conversations.history' });
    expect(await failureOf(channel().findPosted(FINGERPRINT, 0))).toBeInstanceOf(RetryableError);
    fake.failNext({ delayMs: 60_000, method: 'conversations.history' });
    expect(await failureOf(channel(200).findPosted(FINGERPRINT, 0))).toBeInstanceOf(RetryableError);
    fake.failNext({ status: 429, method: 'conversations.history' });
    expect(await failureOf(channel().findPosted(FINGERPRINT, 0))).toBeInstanceOf(RetryableError);
  });

  it('a channel the app may not read is permanent, and names the scope Slack says it needs', async () => {
    fake.failNext({ error: 'missing_scope', needed: 'channels:history', method: 'conversations.history' });
    const error = await failureOf(channel().findPosted(FINGERPRINT, 0));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe(
      'Slack refused the call: missing_scope — add the channels:history scope to the app and reinstall it',
    );
    // Without Slack's `needed`, the scope posting needs.
    fake.failNext({ error: 'missing_scope', method: 'conversations.history' });
    expect((await failureOf(channel().findPosted(FINGERPRINT, 0))).message).toBe(
      'Slack refused the call: missing_scope — add the chat:write scope to the app and reinstall it',
    );
  });
});

describe('ok: false answers that are not refusals', () => {
  // Slack documents both as "it's possible some aspect of the operation succeeded".
  it.each(['internal_error', 'fatal_error'])(
    'a post answered %s may exist: uncertain, and the lookup finds it',
    async (error) => {
      const since = Date.now() - 60_000;
      fake.failNext({ error, apply: true, method: 'chat.postMessage' });
      const failure = await failureOf(channel().post(alert, FINGERPRINT));
      expect(failure).toBeInstanceOf(DeliveryUncertainError);
      expect(failure.message).toBe(`Slack failed partway: ${error} (the call may have taken effect)`);
      expect(fake.parents()).toHaveLength(1);
      expect(await channel().findPosted(FINGERPRINT, since)).toEqual({
        channel: CHANNEL,
        ts: fake.parents()[0]!.ts,
      });
    },
  );

  it.each(['internal_error', 'fatal_error'])('a read answered %s is retryable', async (error) => {
    fake.failNext({ error, method: 'conversations.history' });
    expect(await failureOf(channel().findPosted(FINGERPRINT, 0))).toBeInstanceOf(RetryableError);
  });

  it.each(['service_unavailable', 'ratelimited', 'request_timeout', 'team_added_to_org'])(
    '%s means "not now": retryable, nothing posted',
    async (error) => {
      fake.failNext({ error, method: 'chat.postMessage' });
      const failure = await failureOf(channel().post(alert, FINGERPRINT));
      expect(failure).toBeInstanceOf(RetryableError);
      expect(failure.message).toBe(`Slack is not taking the call now: ${error}`);
      expect(fake.parents()).toEqual([]);
    },
  );

  it('an ok: false without an error code is a refusal that says so', async () => {
    fake.failNext({ error: null, method: 'chat.postMessage' });
    const failure = await failureOf(channel().post(alert, FINGERPRINT));
    expect(failure).toBeInstanceOf(PermanentError);
    expect(failure.message).toBe('Slack refused the call without an error code');
  });
});

describe('a connection never made', () => {
  it('is retryable even for a post (a closed loopback port): nothing was sent', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/api/`;
    const failure = await failureOf(channel(2000, closed).post(alert, FINGERPRINT));
    expect(failure).toBeInstanceOf(RetryableError);
    expect(failure.message).toBe('Slack not reached (ECONNREFUSED): nothing was sent');
  });
});
