/**
 * The Intercom adapter through the real intercom-client against the loopback Intercom fake: what each
 * way a lookup or a send fails comes out as — the typed failures notify decides by — with the reason
 * shown in Slack and on the detail page, and whether a message was delivered all the same.
 */
import { IntercomError } from 'intercom-client';
import { createIntercomClient, IntercomMessenger } from '../../functions/adapters/intercom';
import { DeliveryUncertainError, PermanentError, RetryableError } from '../../functions/services/failures';
import { type IntercomFake, startIntercomFake } from '../../local/fakes/intercom-api';
import { rejectionOf as failureOf } from '../support/rejection';

let fake: IntercomFake;

beforeAll(async () => {
  fake = await startIntercomFake();
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

/** The adapter as wired for the functions (one SDK retry for lookups, none for the send). */
function messenger(options: { token?: string; timeoutSeconds?: number } = {}) {
  const adminId = fake.adminIds[0]!;
  const client = createIntercomClient({
    token: options.token ?? fake.token,
    adminId,
    apiUrl: fake.url,
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

  it('a 5xx that outlasts the SDK’s one retry is retryable: a lookup changes nothing', async () => {
    fake.failNext({ status: 500, path: '/contacts' }, 2);
    const error = await failureOf(messenger().findUser({ id: 'u_1' }));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.message).toBe('Intercom 500: server_error: Server Error');
    expect(error.cause).toBeInstanceOf(IntercomError);
    expect(fake.requests).toHaveLength(2);
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
  it.each([429, 503] as const)(
    'a %i is a refusal before any work: retryable, nothing sent',
    async (status) => {
      const user = fake.addContact();
      fake.failNext({ status, path: '/messages' });
      const error = await failureOf(messenger().sendInApp(user.id, '<p>Fixed</p>'));
      expect(error).toBeInstanceOf(RetryableError);
      expect(error.message).toMatch(new RegExp(`^Intercom ${status}: \\w+: `));
      expect(fake.messages).toEqual([]);
      expect(fake.requests).toHaveLength(1); // the SDK never retries the send
    },
  );

  it.each([500, 502, 504] as const)('a %i may have been delivered: uncertain', async (status) => {
    const user = fake.addContact();
    fake.failNext({ status, apply: true, path: '/messages' });
    const error = await failureOf(messenger().sendInApp(user.id, '<p>Fixed</p>'));
    expect(error).toBeInstanceOf(DeliveryUncertainError);
    expect(error.message).toBe(`Intercom ${status} while sending: server_error: Server Error`);
    expect(fake.messagesFor(user.id)).toHaveLength(1); // why it is never sent again
    expect(fake.requests).toHaveLength(1);
  });

  it('a timeout is uncertain: the message may have arrived', async () => {
    const user = fake.addContact();
    fake.failNext({ delayMs: 5000, apply: true, path: '/messages' });
    const error = await failureOf(messenger({ timeoutSeconds: 0.2 }).sendInApp(user.id, '<p>Fixed</p>'));
    expect(error).toBeInstanceOf(DeliveryUncertainError);
    expect(error.message).toBe('Intercom did not answer within the timeout');
    await fake.waitFor((f) => f.requests[0]?.clientGone);
    expect(fake.messagesFor(user.id)).toHaveLength(1);
  });

  it('a recipient Intercom does not know is permanent, and nothing is sent', async () => {
    const error = await failureOf(messenger().sendInApp('no-such-contact', '<p>Fixed</p>'));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe('Intercom refused (404): not_found: Resource Not Found');
    expect(fake.messages).toEqual([]);
  });

  it('hands back the id of the message Intercom created', async () => {
    const user = fake.addContact();
    const { messageId } = await messenger().sendInApp(user.id, '<p>Fixed</p>');
    expect(fake.messagesFor(user.id).map((m) => String(m.id))).toEqual([messageId]);
  });
});
