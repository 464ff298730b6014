import { IntercomClient, IntercomError, IntercomTimeoutError } from 'intercom-client';
import type { ErrorEvent } from '../core/event-schema';

export type IntercomOptions = { token: string; adminId: string; apiUrl?: string; timeoutSeconds?: number };
export type IntercomContact = { id: string; name?: string; email?: string };

/**
 * Lookups may be retried once by the SDK (they change nothing); the send never is: the SDK retries
 * 408/429/5xx on POST /messages too, which can deliver a message twice. SQS and our guard retry instead.
 */
export function createIntercomClient({ token, apiUrl, timeoutSeconds = 5 }: IntercomOptions): IntercomClient {
  return new IntercomClient({ token, baseUrl: apiUrl, timeoutInSeconds: timeoutSeconds, maxRetries: 1 });
}

/** How a failed Intercom call should be treated. */
export type IntercomFailure = { kind: 'retry' | 'uncertain' | 'permanent'; reason: string };

/**
 * `call` is what failed: a lookup changes nothing, so any passing failure is retried; a send that
 * failed without Intercom saying it did nothing (a timeout, a 500/502/504, a dropped connection) may
 * have been delivered, so it is never sent again. Only 429 and 503 (refused before any work) are.
 */
export function classifyIntercomError(err: unknown, call: 'lookup' | 'send'): IntercomFailure {
  // intercom-client 7 reports its own timeout as a plain IntercomError without a status (it aborts
  // fetch with the string "timeout"), not as IntercomTimeoutError: both mean "may have been delivered".
  if (
    err instanceof IntercomTimeoutError ||
    (err instanceof IntercomError && err.statusCode === undefined && /timeout/i.test(err.message))
  ) {
    return { kind: 'uncertain', reason: 'Intercom did not answer within the timeout' };
  }
  if (err instanceof IntercomError) {
    const status = err.statusCode ?? 0;
    const detail = intercomErrorMessage(err.body) ?? err.message;
    const refusedBeforeWork = status === 429 || status === 503;
    if (call === 'send' && !refusedBeforeWork && (status >= 500 || status === 408 || status === 0))
      return { kind: 'uncertain', reason: `Intercom ${status || 'error'} while sending: ${detail}` };
    if (refusedBeforeWork || status >= 500 || status === 408 || status === 0)
      return { kind: 'retry', reason: `Intercom ${status || 'error'}: ${detail}` };
    const hint =
      status === 401 ? ' — check INTERCOM_TOKEN' : status === 403 ? ' — the token lacks a permission' : '';
    return { kind: 'permanent', reason: `Intercom refused (${status}): ${detail}${hint}` };
  }
  const reason = `Intercom unreachable: ${(err as Error)?.message ?? String(err)}`;
  return { kind: call === 'send' && !neverConnected(err) ? 'uncertain' : 'retry', reason };
}

/** A connection that was never made carried nothing: safe to try again. */
function neverConnected(err: unknown): boolean {
  const code =
    (err as { cause?: { code?: string }; code?: string })?.cause?.code ?? (err as { code?: string })?.code;
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}

function intercomErrorMessage(body: unknown): string | undefined {
  const errors = (body as { errors?: { code?: string; message?: string }[] } | undefined)?.errors;
  const first = errors?.[0];
  return first ? [first.code, first.message].filter(Boolean).join(': ') : undefined;
}

/** Finds users and sends them in-app messages from one admin. */
export class IntercomMessenger {
  constructor(
    private readonly client: IntercomClient,
    private readonly adminId: string,
  ) {}

  /** By external id (our `user.id`) first; else by email, preferring a user over a lead. */
  async findUser(user: ErrorEvent['user']): Promise<IntercomContact | undefined> {
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
  }

  async sendInApp(contactId: string, body: string): Promise<{ messageId: string }> {
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
  }
}
