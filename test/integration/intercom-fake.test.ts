/**
 * Proves the loopback Intercom fake answers the real intercom-client (7.0.3) the way Intercom does, so the
 * adapter tests that rely on it mean something. Error classes and shapes asserted here were observed with
 * 7.0.3 on Node 20: HTTP errors throw `IntercomError` (a subclass only where the endpoint declares one)
 * with `statusCode` and the `error.list` body. Its own timeout does NOT throw `IntercomTimeoutError`: it
 * aborts fetch with the string reason "timeout", which the SDK wraps as a plain `IntercomError` without
 * `statusCode` — so callers must treat "IntercomError without statusCode" as an unknown outcome.
 */
import { Intercom, IntercomClient, IntercomError, IntercomTimeoutError } from 'intercom-client';
import { type IntercomFake, startIntercomFake } from '../../local/fakes/intercom-api';
import { rejectionOf } from '../support/rejection';

let fake: IntercomFake;

beforeAll(async () => {
  fake = await startIntercomFake();
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

/** The configuration the project uses for the send: no SDK retries, a short timeout. */
function client(options: { token?: string; maxRetries?: number; timeoutInSeconds?: number } = {}) {
  return new IntercomClient({
    token: options.token ?? fake.token,
    baseUrl: fake.url,
    maxRetries: options.maxRetries ?? 0,
    timeoutInSeconds: options.timeoutInSeconds ?? 5,
  });
}

const ADMIN = 991;

function inapp(to: string, body = '<p>We fixed it</p>'): Intercom.CreateMessageRequest {
  return {
    message_type: 'inapp',
    body,
    template: 'plain',
    from: { type: 'admin', id: ADMIN },
    to: { type: 'user', id: to },
  };
}

function email(to: string, overrides: Record<string, unknown> = {}): Intercom.CreateMessageRequest {
  return {
    message_type: 'email',
    subject: 'Your card has expired',
    body: '<p>We fixed it</p>',
    template: 'personal',
    from: { type: 'admin', id: ADMIN },
    to: { type: 'user', id: to },
    ...overrides,
  } as Intercom.CreateMessageRequest;
}

async function intercomError(promise: Promise<unknown>): Promise<IntercomError> {
  const error = await rejectionOf(promise);
  if (!(error instanceof IntercomError)) throw error;
  return error;
}

const errorList = (code: string, message: string) => ({
  type: 'error.list',
  request_id: expect.any(String),
  errors: [{ code, message }],
});

describe('contacts', () => {
  it('finds a user by external id (path-encoded) and answers the 2.14 contact model', async () => {
    const user = fake.addContact({ external_id: 'user/42 ä', email: 'ada@example.com', name: 'Ada' });

    const { data, rawResponse } = await client()
      .contacts.showContactByExternalId({ external_id: 'user/42 ä' })
      .withRawResponse();

    expect(data).toMatchObject({
      type: 'contact',
      id: user.id,
      workspace_id: fake.appId,
      external_id: 'user/42 ä',
      role: 'user',
      email: 'ada@example.com',
      name: 'Ada',
      phone: null,
    });
    expect(user.id).toMatch(/^[0-9a-f]{24}$/);
    expect(rawResponse.status).toBe(200);
    const request = fake.requests[0]!;
    expect(request.method).toBe('GET');
    expect(request.path).toBe('/contacts/find_by_external_id/user%2F42%20%C3%A4');
    expect(request.headers.authorization).toBe(`Bearer ${fake.token}`);
    expect(request.headers['intercom-version']).toBe('2.14');
    expect(fake.violations).toEqual([]);
  });

  it('answers 404 "User Not Found" for an unknown external id and for leads, as a plain IntercomError', async () => {
    fake.addContact({ external_id: 'lead-1', role: 'lead' });
    for (const externalId of ['nobody', 'lead-1']) {
      const error = await intercomError(
        client().contacts.showContactByExternalId({ external_id: externalId }),
      );
      expect(error.statusCode).toBe(404);
      expect(error.body).toEqual(errorList('not_found', 'User Not Found'));
      expect(error).not.toBeInstanceOf(Intercom.NotFoundError); // the SDK maps only 401 for this call
    }
    expect(fake.violations).toEqual([]);
  });

  it('searches by email (every match, case-insensitive) and by external_id with OR', async () => {
    const user = fake.addContact({ external_id: 'u-1', email: 'Shared@Example.com' });
    const lead = fake.addContact({ email: 'shared@example.com', role: 'lead' });
    const other = fake.addContact({ external_id: 'u-2', email: 'other@example.com' });

    const byEmail = await client().contacts.search({
      query: { field: 'email', operator: '=', value: 'shared@example.com' },
    });
    expect(byEmail.data.map((c) => c.id)).toEqual([user.id, lead.id]);
    expect(byEmail.response).toMatchObject({
      type: 'list',
      total_count: 2,
      pages: { page: 1, total_pages: 1 },
    });

    const byEither = await client().contacts.search({
      query: {
        operator: 'OR',
        value: [
          { field: 'external_id', operator: '=', value: 'u-2' },
          { field: 'email', operator: '=', value: 'nobody@example.com' },
        ],
      },
    });
    expect(byEither.data.map((c) => c.id)).toEqual([other.id]);

    const both = await client().contacts.search({
      query: {
        operator: 'AND',
        value: [
          { field: 'email', operator: '=', value: 'shared@example.com' },
          { field: 'role', operator: '=', value: 'user' },
        ],
      },
    });
    expect(both.data.map((c) => c.id)).toEqual([user.id]);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(Array(3).fill('POST /contacts/search'));
    expect(fake.violations).toEqual([]);
  });

  it('leaves a not-yet-indexed contact out of search but finds it by external id', async () => {
    const fresh = fake.addContact({ external_id: 'new-1', email: 'new@example.com', searchable: false });
    const page = await client().contacts.search({
      query: { field: 'email', operator: '=', value: 'new@example.com' },
    });
    expect(page.data).toEqual([]);
    const found = await client().contacts.showContactByExternalId({ external_id: 'new-1' });
    expect(found.id).toBe(fresh.id);
  });

  it('refuses a search it cannot answer with 400 and records it', async () => {
    const error = await intercomError(
      client().contacts.search({ query: { field: 'custom_attributes.plan', operator: '=', value: 'pro' } }),
    );
    expect(error.statusCode).toBe(400);
    expect(fake.violations).toEqual([expect.objectContaining({ kind: 'unsupported_search' })]);
  });

  it('answers last_seen_at: null for a contact never seen, then the time a test sets', async () => {
    const user = fake.addContact({ external_id: 'u-1' });
    const seen = fake.addContact({ external_id: 'u-2', last_seen_at: 1_700_000_000 });
    expect((await client().contacts.find({ contact_id: user.id })).last_seen_at).toBeNull();
    expect((await client().contacts.find({ contact_id: seen.id })).last_seen_at).toBe(1_700_000_000);

    fake.setLastSeen(user.id, 1_700_000_600);
    const found = await client().contacts.showContactByExternalId({ external_id: 'u-1' });
    expect(found.last_seen_at).toBe(1_700_000_600);
    fake.setLastSeen(seen.id, undefined);
    const page = await client().contacts.search({
      query: { field: 'external_id', operator: '=', value: 'u-2' },
    });
    expect(page.data[0]?.last_seen_at).toBeNull();
    expect(() => fake.setLastSeen('nobody', 1)).toThrow('setLastSeen: no contact nobody');
  });

  it('shows a contact by id, or 404 "Contact Not Found"', async () => {
    const user = fake.addContact({ external_id: 'u-9' });
    expect(await client().contacts.find({ contact_id: user.id })).toMatchObject({ id: user.id });
    const error = await intercomError(client().contacts.find({ contact_id: '000000000000000000000000' }));
    expect(error.statusCode).toBe(404);
    expect(error.body).toEqual(errorList('not_found', 'Contact Not Found'));
  });
});

describe('messages', () => {
  it('creates an in-app admin message to a contact id', async () => {
    const user = fake.addContact({ external_id: 'u-1' });

    const sent = await client().messages.create(inapp(user.id));

    expect(sent).toEqual({
      type: 'admin_message',
      id: expect.any(String),
      created_at: expect.any(Number),
      body: '<p>We fixed it</p>',
      message_type: 'inapp',
      owner: expect.objectContaining({ type: 'admin', id: String(ADMIN) }),
    });
    expect(sent.conversation_id).toBeUndefined(); // no conversation until the user replies
    expect(fake.messagesFor(user.id)).toEqual([
      expect.objectContaining({
        id: sent.id,
        message_type: 'inapp',
        body: '<p>We fixed it</p>',
        template: 'plain',
        from: { type: 'admin', id: '991' },
        to: { type: 'user', id: user.id },
      }),
    ]);
    expect(fake.requests[0]?.body).toMatchObject({ from: { type: 'admin', id: ADMIN } }); // a number, per the SDK type
    expect(fake.violations).toEqual([]);
  });

  it('answers unknown admins and contacts with 404 "Resource Not Found" and creates nothing', async () => {
    const user = fake.addContact();
    const badAdmin = await intercomError(
      client().messages.create({ ...inapp(user.id), from: { type: 'admin', id: 12345 } }),
    );
    const badContact = await intercomError(client().messages.create(inapp('6762f0df1bb69f9f2193bb84')));
    for (const error of [badAdmin, badContact]) {
      expect(error.statusCode).toBe(404);
      expect(error.body).toEqual(errorList('not_found', 'Resource Not Found'));
    }
    expect(fake.messages).toEqual([]);
    expect(fake.violations.map((v) => v.kind)).toEqual(['unknown_admin', 'unknown_contact']);
  });

  it('answers 400 for an empty body and 422 for an email without subject, with the SDK subclasses', async () => {
    const user = fake.addContact();
    const empty = await intercomError(client().messages.create(inapp(user.id, '  ')));
    expect(empty).toBeInstanceOf(Intercom.BadRequestError);
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toEqual(errorList('parameter_invalid', 'Body is required'));

    const email = await intercomError(
      client().messages.create({ ...inapp(user.id), message_type: 'email', subject: '', template: 'plain' }),
    );
    expect(email).toBeInstanceOf(Intercom.UnprocessableEntityError);
    expect(email.statusCode).toBe(422);
    expect(email.body).toEqual(errorList('parameter_not_found', 'No subject supplied for email message'));
    expect(fake.messages).toEqual([]);
  });

  it('creates an email with its subject and template, and answers the subject back', async () => {
    const user = fake.addContact({ email: 'ada@example.com' });
    const sent = await client().messages.create(email(user.id));
    expect(sent).toMatchObject({
      type: 'admin_message',
      id: expect.any(String),
      message_type: 'email',
      subject: 'Your card has expired',
      body: '<p>We fixed it</p>',
    });
    expect(fake.messagesFor(user.id)).toEqual([
      expect.objectContaining({
        id: sent.id,
        message_type: 'email',
        subject: 'Your card has expired',
        template: 'personal',
        from: { type: 'admin', id: '991' },
        to: { type: 'user', id: user.id },
      }),
    ]);
    await client().messages.create(email(user.id, { template: 'plain' }));
    expect(fake.messagesFor(user.id).map((m) => m.template)).toEqual(['personal', 'plain']);
    expect(fake.violations).toEqual([]);
  });

  it('refuses an email with a blank subject (422) or without a known template (400), and creates nothing', async () => {
    const user = fake.addContact({ email: 'ada@example.com' });
    for (const subject of ['   ', undefined]) {
      const error = await intercomError(client().messages.create(email(user.id, { subject })));
      expect(error).toBeInstanceOf(Intercom.UnprocessableEntityError);
      expect(error.body).toEqual(errorList('parameter_not_found', 'No subject supplied for email message'));
    }
    const noTemplate = await intercomError(client().messages.create(email(user.id, { template: undefined })));
    expect(noTemplate).toBeInstanceOf(Intercom.BadRequestError);
    expect(noTemplate.body).toEqual(errorList('parameter_invalid', 'template is required for email'));
    const fancy = await intercomError(client().messages.create(email(user.id, { template: 'company' })));
    expect(fancy.statusCode).toBe(400);
    expect(fancy.body).toEqual(
      errorList('parameter_invalid', 'template company; expected plain or personal'),
    );
    const fromUser = await intercomError(
      client().messages.create(email(user.id, { from: { type: 'user', id: user.id } })),
    );
    expect(fromUser.statusCode).toBe(400);
    expect(fromUser.body).toEqual(errorList('parameter_invalid', 'from is invalid'));
    const toEmail = await intercomError(
      client().messages.create(email(user.id, { to: { type: 'user', email: 'ada@example.com' } })),
    );
    expect(toEmail.statusCode).toBe(400);
    expect(fake.messages).toEqual([]);
    expect(fake.violations.map((v) => v.detail)).toEqual([
      'email with a blank subject',
      'email without subject',
      'email without template; expected plain or personal',
      'template company; expected plain or personal',
      'from must be { type: "admin", id }',
      'to must be { type: "user" | "lead", id: <Intercom contact id> }',
    ]);
  });

  it('records an email body without HTML and an email to a contact without an address (created anyway)', async () => {
    const ada = fake.addContact({ email: 'ada@example.com' });
    const anonymous = fake.addContact();
    await client().messages.create(email(ada.id, { body: 'We fixed it' }));
    await client().messages.create(email(anonymous.id));
    expect(fake.violations.map((v) => [v.kind, v.detail])).toEqual([
      ['email_not_html', 'email body has no HTML element'],
      ['no_email_address', `contact ${anonymous.id} has no email address`],
    ]);
    expect(fake.messages).toHaveLength(2);
    // An in-app message to the same contact is fine: it needs no address.
    fake.reset({ keepContacts: true });
    await client().messages.create(inapp(anonymous.id, 'We fixed it'));
    expect(fake.violations).toEqual([]);
  });

  it("answers a contact's email flags as set, and records an email to one that opted out (created anyway)", async () => {
    const ada = fake.addContact({
      email: 'ada@example.com',
      unsubscribed_from_emails: true,
      has_hard_bounced: true,
    });
    const bob = fake.addContact({ email: 'bob@example.com' });
    expect(await client().contacts.find({ contact_id: ada.id })).toMatchObject({
      unsubscribed_from_emails: true,
      has_hard_bounced: true,
      marked_email_as_spam: false,
    });
    expect(await client().contacts.find({ contact_id: bob.id })).toMatchObject({
      unsubscribed_from_emails: false,
      has_hard_bounced: false,
      marked_email_as_spam: false,
    });
    await client().messages.create(email(ada.id));
    await client().messages.create(inapp(ada.id));
    expect(fake.violations.map((v) => [v.kind, v.detail])).toEqual([
      ['email_opted_out', `contact ${ada.id}: unsubscribed_from_emails, has_hard_bounced`],
    ]);
    expect(fake.messagesFor(ada.id)).toHaveLength(2);
  });

  it('records raw markup in an email subject', async () => {
    const user = fake.addContact({ email: 'ada@example.com' });
    await client().messages.create(email(user.id, { subject: 'Fixed <script>x()</script>' }));
    expect(fake.violations.map((v) => [v.kind, v.detail])).toEqual([['unsafe_html', '<script> in subject']]);
  });

  it('refuses 1.x-style recipients (user_id instead of the contact id)', async () => {
    fake.addContact({ external_id: 'u-1' });
    const error = await intercomError(
      client().messages.create({ ...inapp('x'), to: { type: 'user', user_id: 'u-1' } } as never),
    );
    expect(error.statusCode).toBe(400);
    expect(fake.violations).toEqual([expect.objectContaining({ kind: 'invalid_message' })]);
  });

  it('records a user-typed recipient that is a lead (sent anyway)', async () => {
    const lead = fake.addContact({ role: 'lead' });
    await client().messages.create(inapp(lead.id));
    expect(fake.messagesFor(lead.id)).toHaveLength(1);
    expect(fake.violations.map((v) => v.kind)).toEqual(['recipient_type_mismatch']);
  });

  it('records raw <script>, on…= handlers and javascript: URLs, but not escaped text', async () => {
    const user = fake.addContact();
    await client().messages.create(
      inapp(user.id, '<p><script>x()</script><img src=x onerror="y()"><a href="JavaScript:z()">a</a></p>'),
    );
    expect(fake.violations.map((v) => [v.kind, v.detail])).toEqual([
      ['unsafe_html', '<script> in body'],
      ['unsafe_html', '<img src=x onerror= in body'],
      ['unsafe_html', 'href="JavaScript: in body'],
    ]);
    expect(fake.messagesFor(user.id)).toHaveLength(1); // Intercom would store it: the fake only records

    fake.reset({ keepContacts: true });
    await client().messages.create(
      inapp(user.id, '<p>&lt;script&gt;x()&lt;/script&gt; onerror=1 conversation_id=2 javascript&#58;</p>'),
    );
    expect(fake.violations).toEqual([]);
  });
  it('records javascript: only in an href or src value, however quoted or spaced', async () => {
    const user = fake.addContact();
    await client().messages.create(
      inapp(
        user.id,
        '<p><a title=x href = \' javascript:z()\'>a</a><img alt="y" SRC=javascript:w()><a href="https://example.com">ok</a></p>',
      ),
    );
    expect(fake.violations.map((v) => [v.kind, v.detail])).toEqual([
      ['unsafe_html', "href = ' javascript: in body"],
      ['unsafe_html', 'SRC=javascript: in body'],
    ]);
  });

  it('does not record javascript: as text: escaped, in a sentence, in another attribute, in a subject', async () => {
    const user = fake.addContact({ email: 'ada@example.com' });
    await client().messages.create(
      inapp(
        user.id,
        '<p>see javascript:void(0) in the log</p><p title="javascript:x">&lt;a href="javascript:y"&gt;</p>',
      ),
    );
    await client().messages.create(email(user.id, { subject: 'About javascript:void(0)' }));
    expect(fake.violations).toEqual([]);
    expect(fake.messagesFor(user.id)).toHaveLength(2);
  });
});

describe('auth and headers', () => {
  it('answers a wrong token with 401 UnauthorizedError (an IntercomError) and records it', async () => {
    const user = fake.addContact();
    const error = await intercomError(client({ token: 'wrong' }).messages.create(inapp(user.id)));
    expect(error).toBeInstanceOf(Intercom.UnauthorizedError);
    expect(error.statusCode).toBe(401);
    expect(error.body).toEqual(errorList('unauthorized', 'Access Token Invalid'));
    expect(fake.messages).toEqual([]);
    expect(fake.violations).toEqual([expect.objectContaining({ kind: 'unauthorized' })]);
  });

  it('records an Intercom-Version other than 2.14 but still answers', async () => {
    const user = fake.addContact({ external_id: 'u-1' });
    const old = new IntercomClient({ token: fake.token, baseUrl: fake.url, version: '2.11', maxRetries: 0 });
    await old.contacts.showContactByExternalId({ external_id: 'u-1' });
    expect(fake.violations).toEqual([
      expect.objectContaining({ kind: 'intercom_version', detail: '2.11, expected 2.14' }),
    ]);
    expect(fake.requests[0]?.response?.body).toMatchObject({ id: user.id });
  });

  it('answers 406 to a non-JSON Accept and records a non-JSON Content-Type', async () => {
    const headers = { authorization: `Bearer ${fake.token}`, 'intercom-version': '2.14' };
    const html = await fetch(`${fake.url}/contacts/search`, {
      method: 'POST',
      headers: { ...headers, accept: 'text/html', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(html.status).toBe(406);
    const form = await fetch(`${fake.url}/contacts/search`, {
      method: 'POST',
      headers: { ...headers, accept: 'application/json', 'content-type': 'text/plain' },
      body: JSON.stringify({ query: { field: 'email', operator: '=', value: 'a@b.c' } }),
    });
    expect(form.status).toBe(200);
    expect(fake.violations.map((v) => v.kind)).toEqual(['accept_header', 'content_type']);
  });
});

describe('injected failures', () => {
  it('surfaces 429 with the X-RateLimit headers and rate_limit_exceeded when retries are off', async () => {
    fake.failNext({ status: 429, resetInSeconds: 7 });
    const error = await intercomError(
      client().contacts.search({ query: { field: 'email', operator: '=', value: 'a@b.c' } }),
    );
    expect(error.statusCode).toBe(429);
    expect(error.body).toEqual(errorList('rate_limit_exceeded', expect.any(String)));
    const headers = error.rawResponse?.headers;
    expect(headers?.get('x-ratelimit-limit')).toBe('10000');
    expect(headers?.get('x-ratelimit-remaining')).toBe('0');
    const reset = Number(headers?.get('x-ratelimit-reset'));
    expect(reset - Date.now() / 1000).toBeGreaterThan(5);
    expect(fake.requests).toHaveLength(1); // maxRetries: 0 → no second attempt
    expect(fake.violations).toEqual([]);
  });

  it('surfaces a 500 on POST /messages only (path-restricted) and creates nothing', async () => {
    const user = fake.addContact({ external_id: 'u-1' });
    fake.failNext({ status: 500, path: '/messages' });
    await client().contacts.showContactByExternalId({ external_id: 'u-1' }); // not affected
    const error = await intercomError(client().messages.create(inapp(user.id)));
    expect(error.statusCode).toBe(500);
    expect(error.body).toEqual(errorList('server_error', 'Server Error'));
    expect(fake.messages).toEqual([]);
    expect(fake.requests.map((r) => r.response?.status)).toEqual([200, 500]);
  });

  it('answers for a proxy: a large multi-line HTML 502 page, optionally quoting the Authorization header', async () => {
    const user = fake.addContact();
    fake.failNext({ status: 502, html: true, echoAuthorization: true, path: '/messages' });
    const error = await rejectionOf(client().messages.create(inapp(user.id)));
    if (!(error instanceof IntercomError)) throw error;
    expect(error.statusCode).toBe(502);
    // Not JSON: the SDK keeps the page as the body, as it would a real gateway's.
    expect(typeof error.body).toBe('string');
    expect(String(error.body)).toContain('<title>502 Bad Gateway</title>');
    expect(String(error.body)).toContain(`Authorization: Bearer ${fake.token}`);
    expect(String(error.body).split('\n').length).toBeGreaterThan(100);
    expect(fake.messages).toEqual([]);

    fake.failNext({ status: 401, echoAuthorization: true });
    const echoed = await rejectionOf(client().contacts.find({ contact_id: user.id }));
    if (!(echoed instanceof IntercomError)) throw echoed;
    expect(echoed.body).toMatchObject({
      errors: [{ code: 'unauthorized', message: `Access Token Invalid (got Bearer ${fake.token})` }],
    });
    expect(fake.violations).toEqual([]);
  });

  it('injects a 401 (revoked token) without recording a violation', async () => {
    fake.failNext({ status: 401, method: 'GET' });
    const error = await intercomError(client().contacts.showContactByExternalId({ external_id: 'x' }));
    expect(error).toBeInstanceOf(Intercom.UnauthorizedError);
    expect(error.statusCode).toBe(401);
    expect(fake.violations).toEqual([]);
  });

  it('shows why the product turns SDK retries off: a retried 500 on POST /messages duplicates the message', async () => {
    const user = fake.addContact();
    // Intercom stored the message, then the gateway answered 500: the SDK (maxRetries 2) posts it again.
    fake.failNext({ status: 500, path: '/messages', apply: true });
    const sent = await client({ maxRetries: 2 }).messages.create(inapp(user.id));
    expect(fake.requests.map((r) => r.response?.status)).toEqual([500, 200]);
    const delivered = fake.messagesFor(user.id);
    expect(delivered).toHaveLength(2);
    expect(delivered[1]?.id).toBe(sent.id);
  });

  /** What the SDK throws when `timeoutInSeconds` fires (see the file comment). */
  async function timeoutError(promise: Promise<unknown>): Promise<IntercomError> {
    const error = await intercomError(promise);
    expect(error).not.toBeInstanceOf(IntercomTimeoutError);
    expect(error.statusCode).toBeUndefined();
    expect(error.message).toBe('"timeout"');
    expect(error.rawResponse?.status).toBe(0);
    return error;
  }

  it('times out without a statusCode when the answer is late; with apply the message was still sent', async () => {
    const user = fake.addContact();
    fake.failNext({ delayMs: 5000, apply: true, path: '/messages' });
    await timeoutError(client({ timeoutInSeconds: 0.2 }).messages.create(inapp(user.id)));
    await fake.waitFor((f) => f.requests[0]?.clientGone);
    expect(fake.messagesFor(user.id)).toHaveLength(1); // the caller cannot tell: a blind retry duplicates
  });

  it('a held request whose client gave up never takes effect (apply false)', async () => {
    const user = fake.addContact();
    fake.failNext({ delayMs: 5000, path: '/messages' });
    await timeoutError(client({ timeoutInSeconds: 0.2 }).messages.create(inapp(user.id)));
    await fake.waitFor((f) => f.requests[0]?.clientGone);
    expect(fake.requests[0]?.response).toBeUndefined();
    expect(fake.messages).toEqual([]);
  });

  it('a slow answer within the timeout is processed once', async () => {
    const user = fake.addContact();
    fake.failNext({ delayMs: 100, path: '/messages' });
    const sent = await client({ timeoutInSeconds: 5 }).messages.create(inapp(user.id));
    expect(fake.messagesFor(user.id).map((m) => m.id)).toEqual([sent.id]);
    expect(fake.requests[0]?.clientGone).toBe(false);
  });
});

describe('waiting and reset', () => {
  it('waitFor resolves with the predicate value on activity', async () => {
    const user = fake.addContact();
    const waiting = fake.waitFor((f) => f.messagesFor(user.id)[0]);
    await client().messages.create(inapp(user.id, 'hello'));
    await expect(waiting).resolves.toMatchObject({ body: 'hello' });
  });

  it('waitFor rejects with a summary when the condition never holds', async () => {
    await expect(fake.waitFor((f) => f.messages.length > 0, 20)).rejects.toThrow(
      /not met within 20 ms; 0 contacts, 0 messages/,
    );
  });

  it('reset forgets contacts (unless kept) and queued failures', async () => {
    const kept = fake.addContact({ external_id: 'keep' });
    fake.failNext({ status: 500 });
    fake.reset({ keepContacts: true });
    expect(fake.contacts).toEqual([kept]);
    await client().contacts.showContactByExternalId({ external_id: 'keep' });
    expect(fake.requests[0]?.response?.status).toBe(200);
    fake.reset();
    expect(fake.contacts).toEqual([]);
    expect(fake.inboxUrl(kept.id)).toBe(`https://app.intercom.com/a/apps/${fake.appId}/users/${kept.id}`);
  });
});
