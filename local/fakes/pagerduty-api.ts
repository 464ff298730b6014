/**
 * Loopback fake of PagerDuty's Events API v2 (`POST /v2/enqueue`), for tests and the local stack. Point
 * the adapter at it: `createPager({ routingKey: fake.routingKey, apiUrl: fake.url })`.
 *
 * It checks the v2 contract strictly — POST, the path, a JSON content type, the configured 32-character
 * routing key, `event_action`, `dedup_key` (≤ 255; required to acknowledge or resolve), a trigger's
 * `payload` (summary of 1 to 1024 characters, source, severity, an ISO timestamp, the optional
 * strings, `custom_details` an object), `links` ({ href, text? }), and no broken UTF-16 (a cut surrogate
 * pair) in any string — and answers a refusal with PagerDuty's 400 shape
 * `{ status, message, errors: [...] }`. Each refusal is also recorded in `violations`, so a test of our
 * code can assert it is empty; injected failures are not violations.
 *
 * Accepted events are kept in `events` and fold into incidents by dedup key, as PagerDuty does: a
 * trigger opens one or adds to the open one, acknowledge and resolve move it on (triggered →
 * acknowledged → resolved), and a trigger after a resolve opens a new one. Acknowledging or resolving
 * a key with no open incident is accepted (202) and changes nothing, as on PagerDuty.
 *
 * Shapes from PagerDuty's OpenAPI description of the Events API v2 and its documented answers; the texts
 * of refusals it does not document are the fake's own.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { DelaySpec, FakeControls, FakeRecord, FakeResponse, JsonObject } from './http-fake';
import { HttpFake, header, isObject, parseJson, readBody, send } from './http-fake';

export type PagerDutyFakeOptions = {
  /** The routing key the fake accepts (default DEFAULT_ROUTING_KEY); 32 characters. */
  routingKey?: string;
  /** Port on 127.0.0.1 (default: a free one). */
  port?: number;
};

export type PagerDutyAction = 'trigger' | 'acknowledge' | 'resolve';

/** A failure to inject into the next matching request(s); `action` restricts it to one event action. */
export type PagerDutyFailSpec = (
  | { status: 429 }
  /** `apply`: the event takes effect, then the error is answered (a gateway failing after the work). */
  | { status: 500 | 502 | 503 | 504; apply?: boolean; echoRoutingKey?: boolean }
  /** A refusal the contract check would not make; `echoRoutingKey`: its message quotes the key. */
  | { status: 400; echoRoutingKey?: boolean }
  /** The connection is dropped without an answer; `apply`: after the event took effect. */
  | { drop: true; apply?: boolean }
  | DelaySpec
) & { action?: PagerDutyAction };

export interface PagerDutyFakeRequest extends FakeRecord<PagerDutyFailSpec> {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON body (undefined when empty or not JSON). */
  body: unknown;
}

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export interface PagerDutyPayload {
  summary: string;
  source: string;
  severity: PagerDutySeverity;
  timestamp?: string;
  component?: string;
  group?: string;
  class?: string;
  custom_details?: JsonObject;
}

export interface PagerDutyEvent {
  /** `seq` of the request that carried it. */
  seq: number;
  action: PagerDutyAction;
  dedupKey: string;
  payload?: PagerDutyPayload;
  links?: Array<{ href: string; text?: string }>;
  /** The incident it opened or changed; undefined: none was open for the key. */
  incidentId?: string;
}

export interface PagerDutyIncident {
  id: string;
  dedupKey: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  /** The latest trigger's payload. */
  payload: PagerDutyPayload;
  /** Triggers folded into it, the first included. */
  triggers: number;
  /** `seq` of each event that opened or changed it. */
  events: number[];
}

export type PagerDutyViolationKind =
  | 'method_not_allowed'
  | 'unknown_route'
  | 'content_type'
  | 'invalid_json'
  | 'routing_key'
  | 'event_action'
  | 'dedup_key'
  | 'payload'
  | 'links'
  | 'broken_text';

export interface PagerDutyViolation {
  seq: number;
  kind: PagerDutyViolationKind;
  detail: string;
}

export interface PagerDutyFake extends FakeControls<PagerDutyFailSpec, PagerDutyFakeRequest> {
  /** The base URL (`apiUrl`): `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly routingKey: string;
  readonly events: readonly PagerDutyEvent[];
  readonly violations: readonly PagerDutyViolation[];
  /** All incidents, oldest first, or those of one dedup key. */
  incidents(dedupKey?: string): PagerDutyIncident[];
  /** Forgets requests, events, incidents, violations, queued failures and held requests. */
  reset(): void;
}

/** 32 letters and digits, as an integration key is. */
export const DEFAULT_ROUTING_KEY = 'headsupLocalPagerDutyRoutingKey1';
const ROUTING_KEY_CHARS = 32;
const SUMMARY_MAX = 1024;
const DEDUP_KEY_MAX = 255;
const ACTIONS: readonly string[] = ['trigger', 'acknowledge', 'resolve'];
const SEVERITIES: readonly string[] = ['critical', 'error', 'warning', 'info'];
const INVALID = { status: 'invalid event', message: 'Event object is invalid' };

export async function startPagerDutyFake(options: PagerDutyFakeOptions = {}): Promise<PagerDutyFake> {
  const fake = new PagerDutyFakeServer(options.routingKey ?? DEFAULT_ROUTING_KEY);
  await fake.listen(options.port ?? 0);
  return fake;
}

type Rec = PagerDutyFakeRequest;
type Refusal = { kind: PagerDutyViolationKind; detail: string };

class PagerDutyFakeServer extends HttpFake<PagerDutyFailSpec, Rec> implements PagerDutyFake {
  url = '';
  readonly events: PagerDutyEvent[] = [];
  readonly violations: PagerDutyViolation[] = [];
  private readonly all: PagerDutyIncident[] = [];
  private incidentCounter = 0;

  constructor(readonly routingKey: string) {
    super();
    if (routingKey.length !== ROUTING_KEY_CHARS) throw new Error('the routing key must be 32 characters');
  }

  async listen(port: number): Promise<void> {
    this.url = await this.listenOn(port);
  }

  incidents(dedupKey?: string): PagerDutyIncident[] {
    return this.all.filter((i) => dedupKey === undefined || i.dedupKey === dedupKey);
  }

  reset(): void {
    this.resetRequests();
    this.events.length = 0;
    this.violations.length = 0;
    this.all.length = 0;
    this.changed();
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const rec = this.record((seq) => ({
      seq,
      receivedAt: Date.now(),
      method: req.method ?? 'GET',
      path: new URL(req.url ?? '/', this.url).pathname,
      headers: req.headers,
      rawBody,
      body: parseJson(rawBody),
      clientGone: false,
    }));
    const action = isObject(rec.body) ? rec.body.event_action : undefined;
    const spec = this.takeFailure(rec, (s) => s.action === undefined || s.action === action);
    if (spec) return this.inject(rec, spec, res);
    this.answer(res, rec, this.process(rec));
  }

  /** Checks the request, then applies the event: the answer PagerDuty would give. */
  private process(rec: Rec): FakeResponse {
    if (rec.path !== '/v2/enqueue') {
      return this.refuse(rec, 404, [{ kind: 'unknown_route', detail: `${rec.method} ${rec.path}` }]);
    }
    if (rec.method !== 'POST') {
      return this.refuse(rec, 405, [{ kind: 'method_not_allowed', detail: `${rec.method}, expected POST` }]);
    }
    const type = header(rec.headers, 'content-type') ?? '';
    if (!/^application\/json\b/i.test(type)) {
      return this.refuse(rec, 400, [{ kind: 'content_type', detail: `Content-Type ${type || '(missing)'}` }]);
    }
    if (!isObject(rec.body)) {
      // PagerDuty's documented answer to a body it cannot read.
      this.violate(rec, { kind: 'invalid_json', detail: 'body is not a JSON object' });
      return reply(400, {
        status: 'Unrecognized object',
        message: 'Event object format is unrecognized',
        errors: ['JSON parse error'],
      });
    }
    const refusals = checkEvent(rec.body, this.routingKey);
    if (refusals.length > 0) return this.refuse(rec, 400, refusals);
    const event = this.apply(rec, rec.body);
    return reply(202, { status: 'success', message: 'Event processed', dedup_key: event.dedupKey });
  }

  /** Records an accepted event and folds it into its key's incident. */
  private apply(rec: Rec, body: JsonObject): PagerDutyEvent {
    const action = body.event_action as PagerDutyAction;
    // PagerDuty makes up a key for a trigger without one and answers it.
    const dedupKey = typeof body.dedup_key === 'string' ? body.dedup_key : randomBytes(16).toString('hex');
    const event: PagerDutyEvent = {
      seq: rec.seq,
      action,
      dedupKey,
      ...(action === 'trigger' ? { payload: body.payload as PagerDutyPayload } : {}),
      ...(Array.isArray(body.links) ? { links: body.links as PagerDutyEvent['links'] } : {}),
    };
    let open = this.all.find((i) => i.dedupKey === dedupKey && i.status !== 'resolved');
    if (event.payload) {
      if (open) {
        open.triggers += 1;
        open.payload = event.payload;
      } else {
        this.incidentCounter += 1;
        open = {
          id: `PFAKE${this.incidentCounter}`,
          dedupKey,
          status: 'triggered',
          payload: event.payload,
          triggers: 1,
          events: [],
        };
        this.all.push(open);
      }
    } else if (open) {
      open.status = action === 'resolve' ? 'resolved' : 'acknowledged';
    }
    if (open) {
      open.events.push(rec.seq);
      event.incidentId = open.id;
    }
    this.events.push(event);
    return event;
  }

  private inject(rec: Rec, spec: PagerDutyFailSpec, res: ServerResponse): void {
    if ('delayMs' in spec) {
      // See `DelaySpec.apply` for whether the event takes effect.
      this.hold(rec, spec, res, () => this.process(rec));
      return;
    }
    if ('drop' in spec) {
      if (spec.apply) this.process(rec);
      res.socket?.destroy();
      this.changed();
      return;
    }
    if (spec.status === 429) {
      // PagerDuty's 429 has no documented body.
      this.answer(res, rec, { status: 429, headers: {}, body: {}, rawBody: '' });
      return;
    }
    if ('apply' in spec && spec.apply) this.process(rec);
    const echoed = spec.echoRoutingKey ? ` (routing_key ${this.routingKey})` : '';
    const body =
      spec.status === 400
        ? { ...INVALID, errors: [`Event rejected${echoed}`] }
        : { status: 'error', message: `Internal Server Error${echoed}`, errors: [] };
    this.answer(res, rec, reply(spec.status, body));
  }

  private refuse(rec: Rec, status: number, refusals: Refusal[]): FakeResponse {
    for (const refusal of refusals) this.violate(rec, refusal);
    return reply(status, { ...INVALID, errors: refusals.map((r) => r.detail) });
  }

  private violate(rec: Rec, { kind, detail }: Refusal): void {
    this.violations.push({ seq: rec.seq, kind, detail });
  }

  protected summary(): string {
    const last = this.requests.slice(-5).map((r) => `${r.seq}→${r.response?.status ?? 'none'}`);
    return `${this.events.length} events, ${this.all.length} incidents, ${this.requests.length} requests (last: ${last.join(', ') || 'none'}), ${this.violations.length} violations`;
  }

  protected crash(res: ServerResponse, error: unknown): void {
    const detail = error instanceof Error ? error.message : String(error);
    if (!res.headersSent) send(res, reply(500, { status: 'error', message: `fake crashed: ${detail}` }));
  }
}

// ---- the contract ----

/** Every way the event breaks the v2 contract (empty: valid). Never quotes the routing key. */
function checkEvent(body: JsonObject, routingKey: string): Refusal[] {
  const found: Refusal[] = [];
  const add = (kind: PagerDutyViolationKind, detail: string) => found.push({ kind, detail });
  const key = body.routing_key;
  if (typeof key !== 'string' || key.length !== ROUTING_KEY_CHARS) {
    add('routing_key', "Length of 'routing_key' is incorrect (should be 32 characters)");
  } else if (key !== routingKey) add('routing_key', "'routing_key' is not a known integration key");
  const action = body.event_action;
  if (typeof action !== 'string' || !ACTIONS.includes(action)) {
    add('event_action', "'event_action' must be one of trigger, acknowledge, resolve");
  }
  const dedup = body.dedup_key;
  if (dedup === undefined) {
    if (action !== 'trigger') add('dedup_key', "'dedup_key' is required to acknowledge or resolve");
  } else if (typeof dedup !== 'string' || dedup === '' || dedup.length > DEDUP_KEY_MAX) {
    add('dedup_key', `'dedup_key' must be a string of 1 to ${DEDUP_KEY_MAX} characters`);
  }
  if (action === 'trigger') checkPayload(body.payload, add);
  if (body.links !== undefined) checkLinks(body.links, add);
  if (hasBrokenText(body)) add('broken_text', 'a string holds half of a surrogate pair (cut UTF-16)');
  return found;
}

function checkPayload(payload: unknown, add: (kind: PagerDutyViolationKind, detail: string) => void): void {
  if (!isObject(payload)) {
    add('payload', "'payload' is required to trigger and must be an object");
    return;
  }
  const { summary, source, severity, timestamp, custom_details } = payload;
  if (typeof summary !== 'string' || summary === '' || summary.length > SUMMARY_MAX) {
    add('payload', `'payload.summary' must be a string of 1 to ${SUMMARY_MAX} characters`);
  }
  if (typeof source !== 'string' || source === '') add('payload', "'payload.source' is required");
  if (typeof severity !== 'string' || !SEVERITIES.includes(severity)) {
    add('payload', "'payload.severity' must be one of critical, error, warning, info");
  }
  if (timestamp !== undefined && !isIsoTime(timestamp)) {
    add('payload', "'payload.timestamp' must be an ISO 8601 date-time");
  }
  for (const name of ['component', 'group', 'class'] as const) {
    if (payload[name] !== undefined && typeof payload[name] !== 'string') {
      add('payload', `'payload.${name}' must be a string`);
    }
  }
  if (custom_details !== undefined && !isObject(custom_details)) {
    add('payload', "'payload.custom_details' must be an object");
  }
}

function checkLinks(links: unknown, add: (kind: PagerDutyViolationKind, detail: string) => void): void {
  if (!Array.isArray(links)) {
    add('links', "'links' must be an array");
    return;
  }
  for (const [index, link] of links.entries()) {
    const ok =
      isObject(link) &&
      typeof link.href === 'string' &&
      /^https?:\/\/[^/\s]/i.test(link.href) &&
      (link.text === undefined || typeof link.text === 'string');
    if (!ok) add('links', `'links[${index}]' must be { href: an http(s) URL, text?: string }`);
  }
}

function isIsoTime(value: unknown): boolean {
  return (
    typeof value === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) &&
    !Number.isNaN(Date.parse(value))
  );
}

/** A lone surrogate anywhere in the body's strings (keys included): text cut mid code point. */
function hasBrokenText(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(hasBrokenText);
  if (isObject(value))
    return Object.entries(value).some(([k, v]) => LONE_SURROGATE.test(k) || hasBrokenText(v));
  return false;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// ---- HTTP helpers ----

function reply(status: number, body: JsonObject): FakeResponse {
  return { status, headers: {}, body };
}
