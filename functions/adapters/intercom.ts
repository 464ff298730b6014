import { IntercomClient, IntercomError } from 'intercom-client';
import type { ErrorEvent } from '../core/event-schema';
import type { Contact, Messenger } from '../services/ports';
import { translatingFailures } from './errors';
import { intercomFailure } from './intercom-failures';

export type IntercomOptions = { token: string; adminId: string; apiUrl?: string; timeoutSeconds?: number };

/**
 * Lookups may be retried once by the SDK (they change nothing); the send never is: the SDK retries
 * 408/429/5xx on POST /messages too, which can deliver a message twice. SQS and our guard retry instead.
 */
export function createIntercomClient({ token, apiUrl, timeoutSeconds = 5 }: IntercomOptions): IntercomClient {
  return new IntercomClient({ token, baseUrl: apiUrl, timeoutInSeconds: timeoutSeconds, maxRetries: 1 });
}

/** Finds users and sends them in-app messages from one admin. */
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
            return { id: c.id, name: c.name ?? undefined, email: c.email ?? undefined };
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
        return found && { id: found.id, name: found.name ?? undefined, email: found.email ?? undefined };
      },
      (err) => intercomFailure(err, 'read'),
    );
  }

  sendInApp(contactId: string, body: string): Promise<{ messageId: string }> {
    return translatingFailures(
      async () => {
        const message = await this.client.messages.create(
          {
            message_type: 'inapp',
            body,
            template: 'plain',
            from: { type: 'admin', id: Number(this.adminId) },
            to: { type: 'user', id: contactId },
          },
          { maxRetries: 0 },
        );
        return { messageId: String((message as { id?: string | number }).id ?? '') };
      },
      (err) => intercomFailure(err, 'write'),
    );
  }
}
