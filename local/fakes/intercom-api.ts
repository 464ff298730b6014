/**
 * Loopback fake of the Intercom REST API (2.x), for tests and the local stack. Point the real
 * `intercom-client` at it: `new IntercomClient({ token: fake.token, baseUrl: fake.url })` — the SDK joins
 * paths like `contacts/search` onto `baseUrl`, so it is the bare origin (no `/api`, no version segment).
 *
 * It holds the contacts a test adds and the messages our code creates, answers with Intercom's status
 * codes and `error.list` bodies (shapes from Intercom's 2.14 OpenAPI description and reported real
 * answers), and injects the failures a Lambda meets in production (429, 5xx, 401, slow answers).
 *
 * Every misuse is recorded in `violations`, so a test of our code can assert `fake.violations` is empty:
 * a missing/wrong token, an `Intercom-Version` other than `2.14` (what the SDK sends), a non-JSON
 * `Accept`/`Content-Type`, an invalid `POST /messages`, an unknown route. Injected failures are not
 * violations.
 *
 * An email (`message_type: "email"`) must have a non-blank `subject` (else 422, as Intercom documents)
 * and a `template` of `plain` or `personal` (else 400), besides what every message needs (a body, an
 * admin `from`, a contact `to`). A body without HTML, or a contact without an email address, is recorded
 * (`email_not_html`, `no_email_address`) and the email still created: Intercom takes the first, and
 * what it does with the second is not documented; so is an email to a contact that is unsubscribed, has
 * hard-bounced or marked an email as spam (`email_opted_out`). Contacts carry `last_seen_at`
 * (`setLastSeen`) and those three flags (`addContact`, default false).
 *
 * HTML safety check (how tests prove interpolated values are escaped): a message `body` (or email
 * `subject`) containing `<script`, an `on…=` attribute inside a tag, or a `javascript:` href/src value
 * is recorded as `unsafe_html` (`javascript:` as text is not). The message is still created, as Intercom would.
 *
 * Known simplifications: search supports string fields (`id`, `email`, `external_id`, `role`, `name`,
 * `email_domain`, `phone`) with `=`, `!=`, `IN`, `NIN`, `~`, `!~`, `^`, `$` (emails compare
 * case-insensitively); anything else answers 400 and is recorded as `unsupported_search`. A contact added
 * with `searchable: false` is found by id and external id but not by search (Intercom's search index lags
 * new contacts by minutes). No rate limiting unless injected.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { DelaySpec, FakeControls, JsonObject } from './http-fake';
import { HttpFake, header, isObject, parseJson, readBody, send } from './http-fake';

export type IntercomFakeOptions = {
  /** Access token the fake accepts (default `intercom-test-token`). */
  token?: string;
  /** Port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** Admin ids `from.id` may use (default `['991']`). */
  adminIds?: string[];
  /** Workspace (app) id, used as `workspace_id` and in inbox links (default `fakeapp1`). */
  appId?: string;
};

/** A failure to inject into the next matching request(s); `method` (HTTP) and `path` (prefix) restrict it. */
export type IntercomFailSpec = (
  | {
      status: 429;
      /** Seconds until `X-RateLimit-Reset` (default: the next 10-second window, as Intercom counts). */
      resetInSeconds?: number;
    }
  | {
      status: 401;
      /**
       * The error's message quotes the request's Authorization header, as a proxy in front of Intercom
       * may: what our failure reasons must never pass on.
       */
      echoAuthorization?: boolean;
    }
  | {
      status: 500 | 502 | 503 | 504;
      /** true: the request takes effect, then the error is answered (a gateway failing after the write). */
      apply?: boolean;
    }
  | {
      /**
       * A proxy or load balancer answers instead of Intercom: its own multi-line HTML page of some 24 000
       * characters, no `error.list`; the request never reaches Intercom.
       */
      status: 502 | 504;
      html: true;
      /** The page quotes the request's Authorization header, as some proxies' diagnostics pages do. */
      echoAuthorization?: boolean;
    }
  | DelaySpec
) & { method?: string; path?: string };

export interface IntercomFakeResponse {
  status: number;
  headers: Record<string, string>;
  body: JsonObject;
  /** Sent as it is instead of `body` (a proxy's HTML page); `body` then sums it up for the log. */
  rawBody?: string;
}

export interface IntercomFakeRequest {
  /** 1-based arrival order. */
  seq: number;
  /** When it arrived (epoch ms): latency measurements (the benchmark). */
  receivedAt: number;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined when empty or not JSON). */
  body: unknown;
  rawBody: string;
  injected?: IntercomFailSpec;
  /** What the fake answered (or would have, for a delayed request whose client left); undefined while held. */
  response?: IntercomFakeResponse;
  /** The client closed the connection before the answer (e.g. its timeout fired). */
  clientGone: boolean;
}

export interface IntercomContact {
  id: string;
  external_id?: string;
  email?: string;
  name?: string;
  role: 'user' | 'lead';
  /** false: not yet in Intercom's search index (found by id and external id only). */
  searchable: boolean;
  created_at: number;
  /** When Intercom last saw them in the product (epoch seconds); absent: never (answered as null). */
  last_seen_at?: number;
  /** What Intercom holds against emailing them (absent: false, as Intercom answers for a new contact). */
  unsubscribed_from_emails?: boolean;
  has_hard_bounced?: boolean;
  marked_email_as_spam?: boolean;
}

/** What `addContact` takes: defaults are a generated id, role `user`, searchable. */
export type NewContact = Partial<Omit<IntercomContact, 'created_at'>>;

export interface IntercomFakeMessage {
  id: string;
  message_type: 'inapp' | 'email';
  body: string;
  subject?: string;
  template?: string;
  from: { type: 'admin'; id: string };
  to: { type: string; id: string };
  created_at: number;
  conversation_id?: string;
  /** `seq` of the request that created it. */
  createdBy: number;
}

export type IntercomViolationKind =
  | 'unauthorized'
  | 'intercom_version'
  | 'accept_header'
  | 'content_type'
  | 'invalid_json'
  | 'unknown_route'
  | 'invalid_message'
  | 'unknown_admin'
  | 'unknown_contact'
  | 'recipient_type_mismatch'
  | 'unsupported_search'
  | 'unsafe_html'
  | 'email_not_html'
  | 'no_email_address'
  | 'email_opted_out';

export interface IntercomViolation {
  seq: number;
  method: string;
  path: string;
  kind: IntercomViolationKind;
  detail: string;
}

export interface IntercomFake extends FakeControls<IntercomFailSpec, IntercomFakeRequest> {
  /** `baseUrl` for IntercomClient: `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly token: string;
  readonly appId: string;
  readonly adminIds: readonly string[];
  readonly contacts: readonly IntercomContact[];
  readonly messages: readonly IntercomFakeMessage[];
  readonly violations: readonly IntercomViolation[];
  /** Adds a contact (default role `user`); throws on a duplicate id or user external_id. */
  addContact(contact?: NewContact): IntercomContact;
  /** Sets when the contact was last seen (epoch seconds; undefined: never), as their next visit would. */
  setLastSeen(contactId: string, at: number | undefined): void;
  messagesFor(contactId: string): IntercomFakeMessage[];
  /** The Intercom inbox page of a contact (the link format seen in public code). */
  inboxUrl(contactId: string): string;
  /** Forgets requests, messages, violations, queued failures, held requests and (unless kept) contacts. */
  reset(options?: { keepContacts?: boolean }): void;
}

const DEFAULT_INTERCOM_TOKEN = 'intercom-test-token';
const INTERCOM_VERSION = '2.14';
const DEFAULT_ADMIN_IDS = ['991'];
const DEFAULT_APP_ID = 'fakeapp1';
const RATE_LIMIT = 10_000;
const WINDOW_SECONDS = 10;
const SEARCH_FIELDS = new Set(['id', 'email', 'external_id', 'role', 'name', 'email_domain', 'phone']);

export async function startIntercomFake(options: IntercomFakeOptions = {}): Promise<IntercomFake> {
  const fake = new IntercomFakeServer(options);
  await fake.listen(options.port ?? 0);
  return fake;
}

type Rec = IntercomFakeRequest;
type Res = IntercomFakeResponse;

class IntercomFakeServer extends HttpFake<IntercomFailSpec, Rec> implements IntercomFake {
  url = '';
  readonly token: string;
  readonly appId: string;
  readonly adminIds: readonly string[];
  readonly contacts: IntercomContact[] = [];
  readonly messages: IntercomFakeMessage[] = [];
  readonly violations: IntercomViolation[] = [];
  private contactCounter = 0;
  private messageCounter = 0;

  constructor(options: IntercomFakeOptions) {
    super();
    this.token = options.token ?? DEFAULT_INTERCOM_TOKEN;
    this.appId = options.appId ?? DEFAULT_APP_ID;
    this.adminIds = options.adminIds ?? DEFAULT_ADMIN_IDS;
  }

  async listen(port: number): Promise<void> {
    this.url = await this.listenOn(port);
  }

  reset(options: { keepContacts?: boolean } = {}): void {
    this.resetRequests();
    this.messages.length = 0;
    this.violations.length = 0;
    if (!options.keepContacts) this.contacts.length = 0;
    this.changed();
  }

  addContact(input: NewContact = {}): IntercomContact {
    this.contactCounter += 1;
    // 24 hex characters, like Intercom's ids; deterministic and unique for the life of the fake.
    const id = input.id ?? `66fa0000${this.contactCounter.toString(16).padStart(16, '0')}`;
    const role = input.role ?? 'user';
    if (this.contact(id)) throw new Error(`addContact: duplicate id ${id}`);
    if (role === 'user' && input.external_id !== undefined && this.userByExternalId(input.external_id)) {
      throw new Error(`addContact: a user with external_id ${input.external_id} exists`);
    }
    const contact: IntercomContact = {
      ...input,
      id,
      role,
      searchable: input.searchable ?? true,
      created_at: nowSeconds(),
    };
    this.contacts.push(contact);
    this.changed();
    return contact;
  }

  contact(id: string): IntercomContact | undefined {
    return this.contacts.find((c) => c.id === id);
  }

  userByExternalId(externalId: string): IntercomContact | undefined {
    return this.contacts.find((c) => c.role === 'user' && c.external_id === externalId);
  }

  setLastSeen(contactId: string, at: number | undefined): void {
    const contact = this.contact(contactId);
    if (!contact) throw new Error(`setLastSeen: no contact ${contactId}`);
    if (at === undefined) delete contact.last_seen_at;
    else contact.last_seen_at = at;
    this.changed();
  }

  messagesFor(contactId: string): IntercomFakeMessage[] {
    return this.messages.filter((m) => m.to.id === contactId);
  }

  inboxUrl(contactId: string): string {
    return `https://app.intercom.com/a/apps/${this.appId}/users/${contactId}`;
  }

  /** Stores a message from a validated request (shared by the POST /messages handler). */
  addMessage(rec: Rec, fields: Omit<IntercomFakeMessage, 'id' | 'createdBy'>): IntercomFakeMessage {
    this.messageCounter += 1;
    const message: IntercomFakeMessage = { id: String(this.messageCounter), ...fields, createdBy: rec.seq };
    this.messages.push(message);
    return message;
  }

  /** Answers an Intercom error and records it as a violation. */
  reject(rec: Rec, kind: IntercomViolationKind, detail: string, [status, code, message]: ErrorAnswer): Res {
    this.violate(rec, kind, detail);
    return errorReply(rec, status, code, message);
  }

  violate(rec: Rec, kind: IntercomViolationKind, detail: string): void {
    this.violations.push({ seq: rec.seq, method: rec.method, path: rec.path, kind, detail });
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const url = new URL(req.url ?? '/', this.url);
    const rec = this.record((seq) => ({
      seq,
      receivedAt: Date.now(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: parseJson(rawBody),
      rawBody,
      clientGone: false,
    }));
    const injected = this.takeFailure(
      rec,
      (spec) =>
        (spec.method === undefined || spec.method.toUpperCase() === rec.method) &&
        (spec.path === undefined || rec.path.startsWith(spec.path)),
    );
    if (injected) return this.inject(rec, injected, res);
    this.answer(res, rec, this.process(rec));
  }

  /** Intercom's checks in order (auth, headers), then the route itself. */
  private process(rec: Rec): Res {
    const token = rec.headers.authorization?.match(/^Bearer (.+)$/)?.[1];
    if (token !== this.token) {
      const detail = token === undefined ? 'no Bearer token in Authorization' : 'token does not match';
      return this.reject(rec, 'unauthorized', detail, UNAUTHORIZED);
    }
    const headerError = this.checkHeaders(rec);
    if (headerError) return headerError;
    const route = ROUTES.find((r) => r.method === rec.method && r.pattern.test(rec.path));
    if (!route) {
      return this.reject(rec, 'unknown_route', `${rec.method} ${rec.path} is not in the fake`, NOT_FOUND);
    }
    const param = rec.path.match(route.pattern)?.[1] ?? '';
    return route.handle(this, rec, safeDecode(param));
  }

  private checkHeaders(rec: Rec): Res | undefined {
    const version = header(rec.headers, 'intercom-version');
    if (version !== INTERCOM_VERSION) {
      this.violate(rec, 'intercom_version', `${version ?? '(missing)'}, expected ${INTERCOM_VERSION}`);
    }
    const accept = header(rec.headers, 'accept');
    if (!accept || !/(application\/json|application\/\*|\*\/\*)/i.test(accept)) {
      // Intercom answers 406 when Accept is missing or excludes JSON (the SDK sends `*/*`).
      return this.reject(rec, 'accept_header', `Accept ${accept ?? '(missing)'}`, [
        406,
        'client_error',
        'Not Acceptable',
      ]);
    }
    if (rec.rawBody === '') return undefined;
    const type = header(rec.headers, 'content-type') ?? '';
    if (!/^application\/json\b/i.test(type))
      this.violate(rec, 'content_type', `Content-Type ${type || '(missing)'}`);
    if (rec.body === undefined) {
      return this.reject(rec, 'invalid_json', 'body is not JSON', [400, 'parameter_invalid', 'Invalid JSON']);
    }
    return undefined;
  }

  private inject(rec: Rec, spec: IntercomFailSpec, res: ServerResponse): void {
    if ('delayMs' in spec) {
      // See `DelaySpec.apply` for whether the request takes effect.
      this.hold(rec, spec, res, () => this.process(rec));
      return;
    }
    if (spec.status === 429) {
      const response = errorReply(rec, 429, 'rate_limit_exceeded', 'Exceeded rate limit');
      const reset = spec.resetInSeconds === undefined ? windowEnd() : nowSeconds() + spec.resetInSeconds;
      response.headers = rateLimitHeaders(0, reset);
      this.answer(res, rec, response);
      return;
    }
    if (spec.status === 401) {
      const [status, code, message] = UNAUTHORIZED;
      const echoed = spec.echoAuthorization ? ` (got ${header(rec.headers, 'authorization')})` : '';
      this.answer(res, rec, errorReply(rec, status, code, `${message}${echoed}`));
      return;
    }
    if ('html' in spec) {
      this.answer(res, rec, proxyPage(rec, spec.status, spec.echoAuthorization === true));
      return;
    }
    if (spec.apply) this.process(rec);
    const [code, message] =
      spec.status === 503 ? ['service_unavailable', 'Service Unavailable'] : ['server_error', 'Server Error'];
    // A gateway error carries no X-RateLimit-* headers; with them the SDK would wait for the reset to retry.
    this.answer(res, rec, { ...errorReply(rec, spec.status, code, message), headers: {} });
  }

  protected summary(): string {
    const last = this.requests.slice(-5).map((r) => `${r.method} ${r.path}→${r.response?.status ?? 'held'}`);
    return `${this.contacts.length} contacts, ${this.messages.length} messages, ${this.requests.length} requests (last: ${last.join(', ') || 'none'}), ${this.violations.length} violations`;
  }

  protected crash(res: ServerResponse, error: unknown): void {
    const detail = error instanceof Error ? error.message : String(error);
    const body = {
      type: 'error.list',
      errors: [{ code: 'server_error', message: `fake crashed: ${detail}` }],
    };
    if (!res.headersSent) send(res, { status: 500, headers: {}, body });
  }
}

// ---- routes ----

type Handler = (fake: IntercomFakeServer, rec: Rec, param: string) => Res;

const ROUTES: Array<{ method: string; pattern: RegExp; handle: Handler }> = [
  { method: 'GET', pattern: /^\/contacts\/find_by_external_id\/([^/]+)$/, handle: findByExternalId },
  { method: 'POST', pattern: /^\/contacts\/search$/, handle: searchContacts },
  { method: 'GET', pattern: /^\/contacts\/([^/]+)$/, handle: showContact },
  { method: 'POST', pattern: /^\/messages$/, handle: createMessage },
];

type ErrorAnswer = readonly [status: number, code: string, message: string];
const UNAUTHORIZED: ErrorAnswer = [401, 'unauthorized', 'Access Token Invalid'];
const NOT_FOUND: ErrorAnswer = [404, 'not_found', 'Resource Not Found'];

/** Users only, as Intercom documents: a lead with that external id is "not found". */
function findByExternalId(fake: IntercomFakeServer, rec: Rec, externalId: string): Res {
  const contact = fake.userByExternalId(externalId);
  if (!contact) return errorReply(rec, 404, 'not_found', 'User Not Found');
  return ok(contactJson(fake, contact));
}

function showContact(fake: IntercomFakeServer, rec: Rec, id: string): Res {
  const contact = fake.contact(id);
  if (!contact) return errorReply(rec, 404, 'not_found', 'Contact Not Found');
  return ok(contactJson(fake, contact));
}

function searchContacts(fake: IntercomFakeServer, rec: Rec): Res {
  const body = isObject(rec.body) ? rec.body : {};
  let matches: Filter;
  try {
    matches = compileQuery(body.query, 0);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return fake.reject(rec, 'unsupported_search', detail, [400, 'parameter_invalid', detail]);
  }
  const pagination = isObject(body.pagination) ? body.pagination : {};
  const perPage = Math.min(typeof pagination.per_page === 'number' ? pagination.per_page : 50, 150);
  const all = fake.contacts.filter((c) => c.searchable && matches(c));
  // One page only: the fake holds few contacts; `total_pages` still tells a caller that more exist.
  return ok({
    type: 'list',
    data: all.slice(0, perPage).map((c) => contactJson(fake, c)),
    total_count: all.length,
    pages: { type: 'pages', page: 1, per_page: perPage, total_pages: Math.ceil(all.length / perPage) },
  });
}

type Filter = (c: IntercomContact) => boolean;

const STRING_OPERATORS: Record<string, (v: string, x: string) => boolean> = {
  '=': (v, x) => v === x,
  '!=': (v, x) => v !== x,
  '~': (v, x) => v.includes(x),
  '!~': (v, x) => !v.includes(x),
  '^': (v, x) => v.startsWith(x),
  $: (v, x) => v.endsWith(x),
};

/** Turns Intercom's (nested) query into a predicate; throws on what the fake or Intercom cannot answer. */
function compileQuery(query: unknown, depth: number): Filter {
  if (!isObject(query)) throw new Error('query must be an object');
  const { field, operator, value } = query;
  if (operator === 'AND' || operator === 'OR') {
    if (depth > 2) throw new Error('too many nested filters (Intercom allows 2 levels)');
    if (!Array.isArray(value) || value.length === 0 || value.length > 15) {
      throw new Error(`${operator} needs 1 to 15 filters`);
    }
    const parts = value.map((q) => compileQuery(q, depth + 1));
    return operator === 'AND' ? (c) => parts.every((p) => p(c)) : (c) => parts.some((p) => p(c));
  }
  if (typeof field !== 'string' || !SEARCH_FIELDS.has(field))
    throw new Error(`field ${String(field)} is not supported by the fake`);
  const fold = (x: unknown): string => (field === 'email' ? String(x).toLowerCase() : String(x));
  const read = (c: IntercomContact): string => {
    const v = field === 'email_domain' ? c.email?.split('@')[1] : (c as unknown as JsonObject)[field];
    return v === undefined ? '' : fold(v); // unset attributes match only `!=` / `!~` / `NIN`
  };
  if (operator === 'IN' || operator === 'NIN') {
    if (!Array.isArray(value)) throw new Error(`operator ${operator} needs an array value`);
    const list = value.map(fold);
    return (c) => list.includes(read(c)) === (operator === 'IN');
  }
  const test = typeof operator === 'string' ? STRING_OPERATORS[operator] : undefined;
  if (!test) throw new Error(`operator ${String(operator)} is not supported by the fake`);
  if (typeof value !== 'string' && typeof value !== 'number')
    throw new Error(`operator ${operator} needs a value`);
  return (c) => test(read(c), fold(value));
}

function createMessage(fake: IntercomFakeServer, rec: Rec): Res {
  const p = isObject(rec.body) ? rec.body : {};
  const invalid = (detail: string, message = detail): Res =>
    fake.reject(rec, 'invalid_message', detail, [400, 'parameter_invalid', message]);
  const type = p.message_type;
  if (type !== 'inapp' && type !== 'email')
    return invalid(`message_type ${String(type)}; expected inapp or email`);
  if (typeof p.body !== 'string' || p.body.trim() === '')
    return invalid('body is missing or empty', 'Body is required');
  if (type === 'email' && (typeof p.subject !== 'string' || p.subject.trim() === '')) {
    // Intercom's documented answer for this one is a 422, not a 400.
    const detail = typeof p.subject === 'string' ? 'email with a blank subject' : 'email without subject';
    return fake.reject(rec, 'invalid_message', detail, [
      422,
      'parameter_not_found',
      'No subject supplied for email message',
    ]);
  }
  // An email names its style (the API requires it); an in-app message may.
  if (type === 'email' && p.template === undefined)
    return invalid('email without template; expected plain or personal', 'template is required for email');
  if (p.template !== undefined && p.template !== 'plain' && p.template !== 'personal') {
    return invalid(`template ${String(p.template)}; expected plain or personal`);
  }
  const from = isObject(p.from) ? p.from : undefined;
  if (from?.type !== 'admin' || (typeof from.id !== 'string' && typeof from.id !== 'number')) {
    return invalid('from must be { type: "admin", id }', 'from is invalid');
  }
  const to = isObject(p.to) ? p.to : undefined;
  if ((to?.type !== 'user' && to?.type !== 'lead') || typeof to.id !== 'string') {
    // API 2.x addresses the Intercom contact id: user_id/email recipients are a 1.x habit.
    return invalid('to must be { type: "user" | "lead", id: <Intercom contact id> }', 'to is invalid');
  }
  const adminId = String(from.id);
  if (!fake.adminIds.includes(adminId))
    return fake.reject(rec, 'unknown_admin', `admin ${adminId}`, NOT_FOUND);
  const contact = fake.contact(to.id);
  if (!contact) return fake.reject(rec, 'unknown_contact', `contact ${to.id}`, NOT_FOUND);
  if (contact.role !== to.type) {
    fake.violate(
      rec,
      'recipient_type_mismatch',
      `to.type ${to.type} but contact ${contact.id} is a ${contact.role}`,
    );
  }
  if (type === 'email') {
    // Intercom takes plain text too; our emails are always rendered HTML, so text is our mistake.
    if (!/<[a-z][^>]*>/i.test(p.body)) fake.violate(rec, 'email_not_html', 'email body has no HTML element');
    // What Intercom then does is not documented: notify never sends one, so it is only recorded.
    if (!contact.email) fake.violate(rec, 'no_email_address', `contact ${contact.id} has no email address`);
    const optedOut = EMAIL_OPT_OUTS.filter((key) => contact[key] === true);
    if (optedOut.length > 0)
      fake.violate(rec, 'email_opted_out', `contact ${contact.id}: ${optedOut.join(', ')}`);
  }
  const subject = typeof p.subject === 'string' ? p.subject : undefined;
  for (const [where, text] of [
    ['body', p.body],
    ['subject', type === 'email' ? subject : undefined],
  ] as const) {
    for (const found of unsafeHtml(text ?? '')) fake.violate(rec, 'unsafe_html', `${found} in ${where}`);
  }
  const message = fake.addMessage(rec, {
    message_type: type,
    body: p.body,
    ...(subject !== undefined ? { subject } : {}),
    ...(typeof p.template === 'string' ? { template: p.template } : {}),
    from: { type: 'admin', id: adminId },
    to: { type: to.type, id: to.id },
    created_at: typeof p.created_at === 'number' ? p.created_at : nowSeconds(),
    // No conversation exists until the contact replies, unless one is opened explicitly.
    ...(p.create_conversation_without_contact_reply === true
      ? { conversation_id: `6461970000${rec.seq}` }
      : {}),
  });
  return ok({
    type: 'admin_message',
    id: message.id,
    created_at: message.created_at,
    ...(type === 'email' ? { subject: message.subject } : {}),
    body: message.body,
    message_type: message.message_type,
    ...(message.conversation_id ? { conversation_id: message.conversation_id } : {}),
    owner: {
      type: 'admin',
      id: adminId,
      name: `Admin ${adminId}`,
      email: `admin${adminId}@example.com`,
      away_mode_enabled: false,
      away_mode_reassign: false,
    },
  });
}

/** A contact with any of these set is not to be emailed: notify never does, so one is recorded. */
const EMAIL_OPT_OUTS = ['unsubscribed_from_emails', 'has_hard_bounced', 'marked_email_as_spam'] as const;

/**
 * The markup a message body must never carry when user values are escaped. `javascript:` only as an
 * href or src value (inside a tag): as text — escaped, or a sentence about it — it runs nothing.
 */
function unsafeHtml(html: string): string[] {
  const found: string[] = [];
  for (const pattern of [
    /<script\b[^>]*>?/gi,
    /<[^>]*?\son\w+\s*=/gi,
    /<[^>]*?\s((?:href|src)\s*=\s*["']?\s*javascript\s*:)/gi,
  ]) {
    // The URL pattern names its attribute (group 1), not the whole tag up to it.
    for (const match of html.matchAll(pattern)) found.push(match[1] ?? match[0]);
  }
  return found;
}

const NULL_CONTACT_FIELDS = ['phone', 'avatar', 'owner_id', 'last_replied_at', 'browser', 'os'];

/** The contact model as Intercom 2.14 returns it (unset attributes are null). */
function contactJson(fake: IntercomFakeServer, c: IntercomContact): JsonObject {
  const list = (what: string) => ({
    type: 'list',
    data: [],
    url: `/contacts/${c.id}/${what}`,
    total_count: 0,
    has_more: false,
  });
  return {
    type: 'contact',
    id: c.id,
    workspace_id: fake.appId,
    external_id: c.external_id ?? null,
    role: c.role,
    email: c.email ?? null,
    name: c.name ?? null,
    ...Object.fromEntries(NULL_CONTACT_FIELDS.map((key) => [key, null])),
    has_hard_bounced: c.has_hard_bounced ?? false,
    marked_email_as_spam: c.marked_email_as_spam ?? false,
    unsubscribed_from_emails: c.unsubscribed_from_emails ?? false,
    created_at: c.created_at,
    updated_at: c.created_at,
    last_seen_at: c.last_seen_at ?? null,
    signed_up_at: c.role === 'user' ? c.created_at : null,
    last_contacted_at: fake.messagesFor(c.id).at(-1)?.created_at ?? null,
    custom_attributes: {},
    tags: list('tags'),
    notes: list('notes'),
    companies: list('companies'),
    location: { type: 'location', country: null, region: null, city: null },
  };
}

// ---- HTTP and value helpers ----

/** A gateway's error page, as nginx or a load balancer sends it: HTML over many lines, and large. */
function proxyPage(rec: Rec, status: 502 | 504, echoAuthorization: boolean): Res {
  const title = status === 502 ? '502 Bad Gateway' : '504 Gateway Time-out';
  const echoed = echoAuthorization
    ? `<p>Request headers:</p>\n<pre>Authorization: ${header(rec.headers, 'authorization') ?? ''}</pre>\n`
    : '';
  const filler = '<!-- a padding to disable MSIE and Chrome friendly error page -->\n'.repeat(360);
  const rawBody = `<html>\n<head><title>${title}</title></head>\n<body>\n<center><h1>${title}</h1></center>\n${echoed}<hr><center>nginx</center>\n</body>\n</html>\n${filler}`;
  return {
    status,
    headers: { 'content-type': 'text/html' },
    body: { html: `${rawBody.length} characters` },
    rawBody,
  };
}

function ok(body: JsonObject): Res {
  return { status: 200, headers: rateLimitHeaders(RATE_LIMIT - 1), body };
}

function errorReply(rec: Rec, status: number, code: string, message: string): Res {
  return {
    status,
    headers: rateLimitHeaders(RATE_LIMIT - 1),
    body: { type: 'error.list', request_id: `fake-req-${rec.seq}`, errors: [{ code, message }] },
  };
}

/** Intercom sends these on every answer; `X-RateLimit-Reset` is Unix seconds. */
function rateLimitHeaders(remaining: number, reset = windowEnd()): Record<string, string> {
  return {
    'x-ratelimit-limit': String(RATE_LIMIT),
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(reset),
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Intercom counts in 10-second windows; `X-RateLimit-Reset` is the end of the current one. */
function windowEnd(): number {
  return (Math.floor(nowSeconds() / WINDOW_SECONDS) + 1) * WINDOW_SECONDS;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
