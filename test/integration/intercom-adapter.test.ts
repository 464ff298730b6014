/**
 * The Intercom adapter through the real intercom-client against the loopback Intercom fake: what each
 * way a lookup or a send fails comes out as — the typed failures notify decides by — with the reason
 * shown in Slack and on the detail page, and whether a message was delivered all the same.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IntercomError } from 'intercom-client';
import { createIntercomClient, IntercomMessenger } from '../../functions/adapters/intercom';
import { DeliveryUncertainError, PermanentError, RetryableError } from '../../functions/services/failures';
import { type IntercomFake, startIntercomFake } from '../../local/fakes/intercom-api';
import { freePort } from '../../local/free-port';
import { rejectionOf as failureOf } from '../support/rejection';

let fake: IntercomFake;

beforeAll(async () => {
  fake = await startIntercomFake();
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

const FIXED = { channel: 'inapp', body: '<p>Fixed</p>' } as const;
const FIXED_EMAIL = { channel: 'email', subject: 'Your card has expired', body: '<p>Fixed</p>' } as const;

/** The adapter as wired for the functions (one SDK retry for lookups, none for the send). */
function messenger(options: { token?: string; timeoutSeconds?: number; apiUrl?: string } = {}) {
  const adminId = fake.adminIds[0]!;
  const client = createIntercomClient({
    token: options.token ?? fake.token,
    adminId,
    apiUrl: options.apiUrl ?? fake.url,
    timeoutSeconds: options.timeoutSeconds ?? 5,
  });
  return new IntercomMessenger(client, adminId);
}

describe('finding the user', () => {
  it('falls back to the email when the external id is unknown: a 404 there is no failure', async () => {
    const ann = fake.addContact({ email: 'ann@example.com', name: 'Ann' });
    const found = await messenger().findUser({ id: 'not-in-intercom', email: 'ann@example.com' });
    expect(found).toEqual({ id: ann.id, name: 'Ann', email: 'ann@example.com' });
  });

  it('hands on when Intercom last saw the contact (absent when never), by external id and by email', async () => {
    fake.addContact({ external_id: 'u_1', email: 'ann@example.com', last_seen_at: 1_700_000_000 });
    const bob = fake.addContact({ email: 'bob@example.com' });
    expect(await messenger().findUser({ id: 'u_1' })).toMatchObject({ lastSeenAt: 1_700_000_000 });
    const found = await messenger().findUser({ email: 'bob@example.com' });
    expect(found).toEqual({ id: bob.id, email: 'bob@example.com' });
    fake.setLastSeen(bob.id, 1_700_000_900);
    expect(await messenger().findUser({ email: 'bob@example.com' })).toMatchObject({
      lastSeenAt: 1_700_000_900,
    });
  });

  it('hands on what keeps Intercom from emailing the contact: unsubscribed, hard-bounced, marked spam', async () => {
    fake.addContact({ external_id: 'u_1', email: 'ann@example.com', unsubscribed_from_emails: true });
    fake.addContact({ external_id: 'u_2', email: 'bob@example.com', has_hard_bounced: true });
    fake.addContact({ external_id: 'u_3', email: 'cy@example.com', marked_email_as_spam: true });
    expect(await messenger().findUser({ id: 'u_1' })).toMatchObject({ unsubscribedFromEmails: true });
    expect(await messenger().findUser({ id: 'u_2' })).toMatchObject({ hasHardBounced: true });
    expect(await messenger().findUser({ email: 'cy@example.com' })).toMatchObject({
      markedEmailAsSpam: true,
    });
  });

  it('a 5xx is retryable (by the queue, not the SDK: its waits would outlast the round reserve)', async () => {
    fake.failNext({ status: 500, path: '/contacts' });
    const error = await failureOf(messenger().findUser({ id: 'u_1' }));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toBe('Intercom 500: server_error: Server Error');
    expect(error.cause).toBeInstanceOf(IntercomError);
    expect(fake.requests).toHaveLength(1);
  });

  it('a 503 on a lookup stays retryable: a lookup changes nothing', async () => {
    fake.failNext({ status: 503, path: '/contacts' });
    const error = await failureOf(messenger().findUser({ id: 'u_1' }));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toBe('Intercom 503: service_unavailable: Service Unavailable');
  });

  it('a timeout is retryable too, not uncertain', async () => {
    fake.failNext({ delayMs: 5000, path: '/contacts' });
    const error = await failureOf(messenger({ timeoutSeconds: 0.2 }).findUser({ id: 'u_1' }));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toBe('Intercom did not answer within the timeout');
  });

  it('a refused token is permanent, and says what to check', async () => {
    const error = await failureOf(messenger({ token: 'revoked' }).findUser({ id: 'u_1' }));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe(
      'Intercom refused (401): unauthorized: Access Token Invalid — check INTERCOM_TOKEN',
    );
  });
});

describe('sending the message', () => {
  it('a 429 is a refusal before any work: retryable, nothing sent', async () => {
    const user = fake.addContact();
    fake.failNext({ status: 429, path: '/messages' });
    const error = await failureOf(messenger().send(user.id, FIXED));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toBe('Intercom 429: rate_limit_exceeded: Exceeded rate limit');
    expect(fake.messages).toEqual([]);
    expect(fake.requests).toHaveLength(1); // the SDK never retries the send
  });

  it.each([
    [500, 'server_error: Server Error'],
    [502, 'server_error: Server Error'],
    [503, 'service_unavailable: Service Unavailable'],
    [504, 'server_error: Server Error'],
  ] as const)('a %i may have been delivered: uncertain', async (status, detail) => {
    const user = fake.addContact();
    fake.failNext({ status, apply: true, path: '/messages' });
    const error = await failureOf(messenger().send(user.id, FIXED));
    expect(error).toBeInstanceOf(DeliveryUncertainError);
    expect(error.message).toBe(`Intercom ${status} while sending: ${detail}`);
    expect(fake.messagesFor(user.id)).toHaveLength(1); // why it is never sent again
    expect(fake.requests).toHaveLength(1);
  });

  it('a timeout is uncertain: the message may have arrived', async () => {
    const user = fake.addContact();
    fake.failNext({ delayMs: 5000, apply: true, path: '/messages' });
    const error = await failureOf(messenger({ timeoutSeconds: 0.2 }).send(user.id, FIXED));
    expect(error).toBeInstanceOf(DeliveryUncertainError);
    expect(error.message).toBe('Intercom did not answer within the timeout');
    await fake.waitFor((f) => f.requests[0]?.clientGone);
    expect(fake.messagesFor(user.id)).toHaveLength(1);
  });

  it('a recipient Intercom does not know is permanent, and nothing is sent', async () => {
    const error = await failureOf(messenger().send('no-such-contact', FIXED));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe('Intercom refused (404): not_found: Resource Not Found');
    expect(fake.messages).toEqual([]);
  });

  it('hands back the id of the message Intercom created', async () => {
    const user = fake.addContact();
    const { messageId } = await messenger().send(user.id, FIXED);
    expect(fake.messagesFor(user.id).map((m) => String(m.id))).toEqual([messageId]);
  });
});

describe('sending an email', () => {
  it('posts one email from the admin to the contact, in the personal style, with the token', async () => {
    const user = fake.addContact({ email: 'ann@example.com' });
    const { messageId } = await messenger().send(user.id, FIXED_EMAIL);
    expect(fake.requests).toHaveLength(1);
    const request = fake.requests[0]!;
    expect([request.method, request.path]).toEqual(['POST', '/messages']);
    expect(request.headers.authorization).toBe(`Bearer ${fake.token}`);
    expect(request.body).toEqual({
      message_type: 'email',
      subject: 'Your card has expired',
      body: '<p>Fixed</p>',
      template: 'personal',
      from: { type: 'admin', id: Number(fake.adminIds[0]) },
      to: { type: 'user', id: user.id },
    });
    expect(fake.messagesFor(user.id).map((m) => [m.id, m.message_type])).toEqual([[messageId, 'email']]);
    expect(fake.violations).toEqual([]);
  });

  it('an in-app message stays in-app: no subject, the plain style', async () => {
    const user = fake.addContact();
    await messenger().send(user.id, FIXED);
    expect(fake.requests[0]?.body).toEqual({
      message_type: 'inapp',
      body: '<p>Fixed</p>',
      template: 'plain',
      from: { type: 'admin', id: Number(fake.adminIds[0]) },
      to: { type: 'user', id: user.id },
    });
  });

  it('a 429 on the email is a refusal before any work: retryable, nothing sent, not retried by the SDK', async () => {
    const user = fake.addContact({ email: 'ann@example.com' });
    fake.failNext({ status: 429, path: '/messages' });
    const error = await failureOf(messenger().send(user.id, FIXED_EMAIL));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toBe('Intercom 429: rate_limit_exceeded: Exceeded rate limit');
    expect(fake.messages).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('a 500 on the email may have been delivered: uncertain, and the SDK does not post it again', async () => {
    const user = fake.addContact({ email: 'ann@example.com' });
    fake.failNext({ status: 500, apply: true, path: '/messages' });
    const error = await failureOf(messenger().send(user.id, FIXED_EMAIL));
    expect(error).toBeInstanceOf(DeliveryUncertainError);
    expect(error.message).toBe('Intercom 500 while sending: server_error: Server Error');
    expect(fake.messagesFor(user.id).map((m) => m.message_type)).toEqual(['email']);
    expect(fake.requests).toHaveLength(1);
  });

  it('an email Intercom refuses (no subject) is permanent, with Intercom’s words', async () => {
    const user = fake.addContact({ email: 'ann@example.com' });
    const error = await failureOf(messenger().send(user.id, { ...FIXED_EMAIL, subject: ' ' }));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe(
      'Intercom refused (422): parameter_not_found: No subject supplied for email message',
    );
    expect(fake.messages).toEqual([]);
  });
});

describe('what a failure says', () => {
  /** A reason goes on the detail link, into the alert's thread and the detail page: one short line. */
  const expectShortLine = (reason: string) => {
    expect(reason).not.toMatch(/[\r\n]/);
    expect(reason.length).toBeLessThanOrEqual(260);
  };

  it('a proxy’s HTML 502 page is "HTTP 502", never the page, and never the token it echoes', async () => {
    const user = fake.addContact();
    fake.failNext({ status: 502, html: true, echoAuthorization: true, path: '/messages' });
    const send = await failureOf(messenger().send(user.id, FIXED));
    expect(send).toBeInstanceOf(DeliveryUncertainError);
    expect(send.message).toBe('Intercom 502 while sending: HTTP 502');
    // The page was what the fake sent: large, on many lines, with the header in it.
    expect(fake.requests[0]?.response?.rawBody).toContain(`Authorization: Bearer ${fake.token}`);
    expect(fake.requests[0]?.response?.rawBody?.length).toBeGreaterThan(20_000);

    fake.failNext({ status: 502, html: true, echoAuthorization: true, path: '/contacts' }, 2);
    const find = await failureOf(messenger().findUser({ id: 'u_1' }));
    expect(find).toBeInstanceOf(RetryableError);
    expect(find.message).toBe('Intercom 502: HTTP 502');
  });

  it('Intercom’s own words when it gives them, without a token echoed into them', async () => {
    fake.failNext({ status: 401, echoAuthorization: true });
    const error = await failureOf(messenger().findUser({ id: 'u_1' }));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/^Intercom refused \(401\): unauthorized: Access Token Invalid \(got /);
    expect(error.message).toMatch(/ — check INTERCOM_TOKEN$/);
    expect(error.message).not.toContain(fake.token);
    expectShortLine(error.message);

    // A token the redaction's patterns would only partly recognise is cut out whole, as sent.
    const odd = 'tok!en-0123456789';
    fake.failNext({ status: 401, echoAuthorization: true });
    const echoed = await failureOf(messenger({ token: odd }).findUser({ id: 'u_1' }));
    expect(echoed.message).toContain('Access Token Invalid (got Bearer [REDACTED])');
    expect(echoed.message).not.toContain('en-0123456789');
  });

  it('a connection never made (a closed loopback port) is retryable, even for the send: nothing left', async () => {
    const port = await freePort();
    // A short timeout: the SDK leaves its timer running when fetch throws, which would hold Jest open.
    const refusing = () => messenger({ apiUrl: `http://127.0.0.1:${port}`, timeoutSeconds: 1 });
    const send = await failureOf(refusing().send('c_1', FIXED));
    expect(send).toBeInstanceOf(RetryableError);
    expect(send.message).toBe('Intercom not reached (ECONNREFUSED): nothing was sent');
    const find = await failureOf(refusing().findUser({ id: 'u_1' }));
    expect(find).toBeInstanceOf(RetryableError);
    expect(find.message).toBe('Intercom not reached (ECONNREFUSED): nothing was sent');
  });

  it('a connection dropped after the request went out stays uncertain for the send', async () => {
    // Takes the request, then hangs up without an answer: Intercom may have acted on it.
    const server = createServer((req) => {
      req.on('data', () => undefined);
      req.on('end', () => req.socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const error = await failureOf(
        messenger({ apiUrl: `http://127.0.0.1:${port}`, timeoutSeconds: 1 }).send('c_1', FIXED),
      );
      expect(error).toBeInstanceOf(DeliveryUncertainError);
      expect(error.message).toMatch(/^Intercom unreachable: /);
    } finally {
      server.close();
    }
  });

  it('a token an HTTP header cannot carry is permanent, says so without quoting it, and nothing is sent', async () => {
    const token = 'tøkén✓-not-latin-1';
    const error = await failureOf(messenger({ token }).send('c_1', FIXED));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/^Intercom request not sent: INTERCOM_TOKEN cannot go in an HTTP header/);
    expect(error.message).not.toContain('tøkén');
    expect(fake.requests).toEqual([]);
  });
});
