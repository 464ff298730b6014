import { type Intercom, IntercomClient, IntercomError } from 'intercom-client';
import { REDACTED } from '../../common/redact';
import type { ErrorEvent } from '../core/event-schema';
import type { Contact, Messenger, OutgoingMessage } from '../services/ports';
import { connectionCheckedFetch, translatingFailures } from './errors';
import { intercomFailure } from './intercom-failures';

export type IntercomOptions = { token: string; adminId: string; apiUrl?: string; timeoutSeconds?: number };

/** Each request's timeout unless the options say otherwise (notify's round reserve is made of it). */
export const INTERCOM_TIMEOUT_SECONDS = 5;

/**
 * The SDK retries nothing. A send it retried (408/429/5xx on POST /messages) could deliver a message
 * twice; a lookup it retried waits out a 429's reset (up to a minute) past notify's round reserve, which
 * counts each call cut at its timeout. SQS and our guards retry instead.
 */
export function createIntercomClient({
  token,
  apiUrl,
  timeoutSeconds = INTERCOM_TIMEOUT_SECONDS,
}: IntercomOptions): IntercomClient {
  return new IntercomClient({
    token,
    baseUrl: apiUrl,
    timeoutInSeconds: timeoutSeconds,
    maxRetries: 0,
    fetch: intercomFetch(token),
  });
}

/** Shorter tokens (tests' stand-ins) would blank out ordinary words of an answer. */
const SCRUBBED_TOKEN_MIN_CHARS = 8;

/**
 * fetch as the SDK's, with two changes to what failures carry:
 * - a request that never got a connection fails as a NotConnectedError (connectionCheckedFetch), whose
 *   message is all the SDK keeps of it;
 * - an error answer has our token cut out of its body before the SDK reads it: a proxy that echoes the
 *   Authorization header would otherwise put it into a reason shown in Slack and on the detail page.
 */
function intercomFetch(token: string): typeof fetch {
  const scrub = token.length >= SCRUBBED_TOKEN_MIN_CHARS;
  return async (input, init) => {
    const response = await connectionCheckedFetch(input, init);
    // Only error answers reach a reason; a 3xx or 1xx may not be rebuilt with a body.
    if (response.status < 400 || !scrub) return response;
    const body = await response.text();
    const { status, statusText, headers } = response;
    return new Response(body.split(token).join(REDACTED), { status, statusText, headers });
  };
}

/**
 * What notify needs of an Intercom contact: who, their address and whether Intercom will email it, and
 * when they were last in the product.
 */
function contactOf(c: Intercom.Contact): Contact {
  return {
    id: c.id,
    name: c.name ?? undefined,
    email: c.email ?? undefined,
    // Intercom answers null for someone never seen: absent here.
    lastSeenAt: c.last_seen_at ?? undefined,
    // What keeps Intercom from emailing them, only when set (a missing flag reads as no objection).
    ...(c.unsubscribed_from_emails === true ? { unsubscribedFromEmails: true } : {}),
    ...(c.has_hard_bounced === true ? { hasHardBounced: true } : {}),
    ...(c.marked_email_as_spam === true ? { markedEmailAsSpam: true } : {}),
  };
}

/** Finds users and sends them fix messages (in-app or email) from one admin. */
export class IntercomMessenger implements Messenger {
  constructor(
    private readonly client: IntercomClient,
    private readonly adminId: string,
  ) {}

  /** By external id (our `user.id`) first; else by email, preferring a user over a lead. */
  findUser(user: ErrorEvent['user']): Promise<Contact | undefined> {
    return translatingFailures(
      async () => {
        if (user?.id) {
          try {
            const c = await this.client.contacts.showContactByExternalId({ external_id: user.id });
            return contactOf(c);
          } catch (err) {
            if (!(err instanceof IntercomError && err.statusCode === 404)) throw err;
          }
        }
        if (!user?.email) return undefined;
        const page = await this.client.contacts.search({
          query: { field: 'email', operator: '=', value: user.email },
          pagination: { per_page: 10 },
        });
        const found = page.data.find((c) => c.role === 'user') ?? page.data[0];
        return found && contactOf(found);
      },
      (err) => intercomFailure(err, 'read'),
    );
  }

  /** One `POST /messages`, never retried by the SDK: a second send could deliver it twice. */
  send(contactId: string, message: OutgoingMessage): Promise<{ messageId: string }> {
    return translatingFailures(
      async () => {
        const created = await this.client.messages.create(this.request(contactId, message));
        return { messageId: String((created as { id?: string | number }).id ?? '') };
      },
      (err) => intercomFailure(err, 'write'),
    );
  }

  private request(contactId: string, message: OutgoingMessage): Intercom.CreateMessageRequest {
    const from = { type: 'admin', id: Number(this.adminId) } as const;
    const to = { type: 'user', id: contactId } as const;
    if (message.channel === 'inapp') {
      return { message_type: 'inapp', body: message.body, template: 'plain', from, to };
    }
    // Intercom's `personal` style: a one-to-one email from the sending teammate, which a fix is.
    const { subject, body } = message;
    return { message_type: 'email', subject, body, template: EMAIL_TEMPLATE, from, to };
  }
}

/** Intercom's email styles are `plain` and `personal` (README → Fix templates). */
export const EMAIL_TEMPLATE = 'personal';
