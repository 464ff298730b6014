/**
 * Loopback fake of the Slack Web API, for tests and the local stack. Point the real `@slack/web-api`
 * WebClient at it (`slackApiUrl: fake.url`). It keeps the channel state Slack would hold (parent
 * messages, thread replies, edits), answers with Slack's own error codes, enforces the Block Kit limits
 * documented by Slack, and can inject the failures a Lambda meets in production (429, 5xx, slow answers).
 *
 * Every check that fails (and two that Slack only tolerates) is recorded in `violations`, so a test of
 * our code can assert `fake.violations` is empty. Failures injected with `failNext` are not violations.
 *
 * mrkdwn safety check (how tests prove user text is escaped): any `<…>` control sequence in the
 * top-level `text` (unless `mrkdwn: false`), a mrkdwn section text or field, or a mrkdwn context element
 * is a violation (`unsafe_mrkdwn`) when it is `<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^…>`,
 * a user mention `<@…>`, or a link `<http…>` / `<http…|label>` / `<mailto:…>` whose URL does not start
 * with one of `allowedLinkPrefixes`. The request still succeeds, as it would on Slack.
 *
 * Known simplifications: channels are whatever id the caller sends (no name → id resolution); text
 * lengths are counted in UTF-16 code units (at least as strict as Slack's "characters"); multipart
 * bodies (file uploads) are not supported.
 */
import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { DelaySpec, FakeControls, JsonObject } from './http-fake';
import { HttpFake, isObject, readBody, send } from './http-fake';

export type SlackFakeOptions = {
  /** Bot token the fake accepts (default `xoxb-test-token`). */
  token?: string;
  /** Secret used by `signRequest` / `clickButton` (default `test-signing-secret`). */
  signingSecret?: string;
  /** Port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** Link URLs our messages may contain, e.g. the detail-page base URL (default none). */
  allowedLinkPrefixes?: string[];
  /**
   * User ids our messages may mention on purpose (`<@U…>`), e.g. the teammate who pressed a button —
   * an id taken from Slack's own signed request, never from event text. Default: none.
   */
  allowedMentions?: string[];
};

/** A failure to inject into the next matching request(s); `method` restricts it to one API method. */
export type FailSpec = (
  | { status: 429; retryAfter?: number }
  | { status: 500 | 502 | 503 | 504 }
  /**
   * An `ok: false` answer; `needed` names the scope a `missing_scope` call lacked, as Slack does. `null`:
   * no `error` field at all (what a proxy or a broken answer may give). `apply`: the call takes effect
   * first — Slack documents `internal_error` and `fatal_error` as possibly partly done.
   */
  | { error: string | null; needed?: string; apply?: boolean }
  | DelaySpec
) & { method?: string };

export interface SlackFakeResponse {
  status: number;
  headers: Record<string, string>;
  body: JsonObject;
}

export interface SlackFakeRequest {
  /** 1-based arrival order. */
  seq: number;
  /** When it arrived (epoch ms): latency measurements (the benchmark). */
  receivedAt: number;
  /** API method from the path, e.g. `chat.postMessage` (`response_url/<n>` for interactivity responses). */
  method: string;
  httpMethod: string;
  headers: IncomingHttpHeaders;
  /** Decoded body; `blocks`, `attachments`, `metadata` parsed from JSON strings when they parse. */
  params: JsonObject;
  /** The failure injected into this request, if any. */
  injected?: FailSpec;
  /** What the fake answered (or would have, for a delayed request whose client left); undefined while held. */
  response?: SlackFakeResponse;
  /** The client closed the connection before the answer (e.g. its timeout fired). */
  clientGone: boolean;
}

export interface SlackMessageVersion {
  text: string;
  blocks: JsonObject[];
  attachments: JsonObject[];
}

export interface SlackFakeMessage extends SlackMessageVersion {
  channel: string;
  ts: string;
  /** Set on thread replies: the parent's ts. */
  thread_ts?: string;
  metadata?: unknown;
  reply_broadcast: boolean;
  unfurl_links?: boolean;
  unfurl_media?: boolean;
  /** `seq` of the request that posted it. */
  postedBy: number;
  /** Number of successful chat.update calls. */
  updatedCount: number;
  /** Earlier versions, oldest first (one per update). */
  history: SlackMessageVersion[];
}

export type SlackViolationKind =
  | 'method_not_allowed'
  | 'missing_post_type'
  | 'invalid_post_type'
  | 'invalid_json'
  | 'not_authed'
  | 'invalid_auth'
  | 'unknown_method'
  | 'channel_not_found'
  | 'no_text'
  | 'invalid_blocks_format'
  | 'invalid_blocks'
  | 'thread_not_found'
  | 'message_not_found'
  | 'missing_fallback_text'
  | 'unsafe_mrkdwn';

export interface SlackViolation {
  seq: number;
  method: string;
  kind: SlackViolationKind;
  detail: string;
}

export interface ClickButtonOptions {
  channel: string;
  ts: string;
  actionId: string;
  userId?: string;
  /** Unix seconds for the signature (default now), to test stale-request rejection. */
  timestamp?: number;
}

export interface SlackFake extends FakeControls<FailSpec, SlackFakeRequest> {
  /** `slackApiUrl` for WebClient, e.g. `http://127.0.0.1:PORT/api/`. */
  readonly url: string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  readonly token: string;
  readonly signingSecret: string;
  readonly messages: readonly SlackFakeMessage[];
  readonly violations: readonly SlackViolation[];
  /** Messages that are not thread replies (optionally in one channel). */
  parents(channel?: string): SlackFakeMessage[];
  replies(channel: string, threadTs: string): SlackFakeMessage[];
  message(channel: string, ts: string): SlackFakeMessage | undefined;
  calls(method: string): SlackFakeRequest[];
  /** Forgets requests, messages, violations, queued failures and held requests (ts keep increasing). */
  reset(): void;
  /** Slack request-signing headers for a raw body (v0 HMAC-SHA256). */
  signRequest(
    rawBody: string,
    timestamp?: number,
  ): Record<'x-slack-request-timestamp' | 'x-slack-signature', string>;
  /** Posts a signed `block_actions` payload for a button of a stored message, as Slack does on a click. */
  clickButton(targetUrl: string, options: ClickButtonOptions): Promise<{ status: number; body: string }>;
}

export const DEFAULT_TOKEN = 'xoxb-test-token';
const DEFAULT_SIGNING_SECRET = 'test-signing-secret';
const BOT = {
  user_id: 'U0HEADSUP',
  bot_id: 'B0HEADSUP',
  app_id: 'A0HEADSUP',
  team_id: 'T0HEADSUP',
  team: 'Heads-up Test',
  user: 'headsup',
  domain: 'headsup-test',
};
/** `created` of the fake's channels. */
const TS_EPOCH = 1_700_000_000;

export async function startSlackFake(options: SlackFakeOptions = {}): Promise<SlackFake> {
  const fake = new SlackFakeServer(options);
  await fake.listen(options.port ?? 0);
  return fake;
}

type Handler = (fake: SlackFakeServer, rec: SlackFakeRequest) => SlackFakeResponse;

class SlackFakeServer extends HttpFake<FailSpec, SlackFakeRequest> implements SlackFake {
  url = '';
  origin = '';
  readonly token: string;
  readonly signingSecret: string;
  readonly messages: SlackFakeMessage[] = [];
  readonly violations: SlackViolation[] = [];
  private readonly allowedLinkPrefixes: string[];
  private readonly allowedMentions: string[];
  private lastTsMicros = 0;

  constructor(options: SlackFakeOptions) {
    super();
    this.token = options.token ?? DEFAULT_TOKEN;
    this.signingSecret = options.signingSecret ?? DEFAULT_SIGNING_SECRET;
    this.allowedLinkPrefixes = options.allowedLinkPrefixes ?? [];
    this.allowedMentions = options.allowedMentions ?? [];
  }

  async listen(port: number): Promise<void> {
    this.origin = await this.listenOn(port);
    this.url = `${this.origin}/api/`;
  }

  reset(): void {
    this.resetRequests();
    this.messages.length = 0;
    this.violations.length = 0;
    this.changed();
  }

  parents(channel?: string): SlackFakeMessage[] {
    return this.messages.filter(
      (m) => m.thread_ts === undefined && (channel === undefined || m.channel === channel),
    );
  }

  replies(channel: string, threadTs: string): SlackFakeMessage[] {
    return this.messages.filter((m) => m.channel === channel && m.thread_ts === threadTs);
  }

  message(channel: string, ts: string): SlackFakeMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  calls(method: string): SlackFakeRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  signRequest(rawBody: string, timestamp = Math.floor(Date.now() / 1000)) {
    const hex = createHmac('sha256', this.signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex');
    return { 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': `v0=${hex}` };
  }

  async clickButton(
    targetUrl: string,
    options: ClickButtonOptions,
  ): Promise<{ status: number; body: string }> {
    const message = this.message(options.channel, options.ts);
    if (!message) throw new Error(`clickButton: no message ${options.channel}/${options.ts}`);
    const found = findAction(message.blocks, options.actionId);
    if (!found)
      throw new Error(`clickButton: no element with action_id ${options.actionId} in ${options.ts}`);
    const payload = this.blockActionsPayload(message, found, options.userId ?? 'U0FAKEUSER');
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const response = await fetch(targetUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...this.signRequest(body, options.timestamp),
      },
      body,
    });
    return { status: response.status, body: await response.text() };
  }

  /** Post a message (shared by the chat.postMessage handler). */
  addMessage(rec: SlackFakeRequest, channel: string, threadTs: string | undefined): SlackFakeMessage {
    const p = rec.params;
    const message: SlackFakeMessage = {
      channel,
      ts: this.nextTs(),
      ...(threadTs ? { thread_ts: threadTs } : {}),
      text: str(p.text) ?? '',
      blocks: objects(p.blocks),
      attachments: objects(p.attachments),
      ...(p.metadata !== undefined ? { metadata: p.metadata } : {}),
      reply_broadcast: bool(p.reply_broadcast) ?? false,
      unfurl_links: bool(p.unfurl_links),
      unfurl_media: bool(p.unfurl_media),
      postedBy: rec.seq,
      updatedCount: 0,
      history: [],
    };
    this.messages.push(message);
    return message;
  }

  /** Answers a Slack error (HTTP 200, ok:false) and records it as a violation. */
  reject(
    rec: SlackFakeRequest,
    kind: SlackViolationKind,
    detail: string,
    extra: JsonObject = {},
  ): SlackFakeResponse {
    this.violate(rec, kind, detail);
    return reply({ ok: false, error: kind, ...extra });
  }

  violate(rec: SlackFakeRequest, kind: SlackViolationKind, detail: string): void {
    this.violations.push({ seq: rec.seq, method: rec.method, kind, detail });
  }

  /** Records violations for a missing fallback and for unintended mrkdwn control sequences. */
  checkContent(rec: SlackFakeRequest, text: string | undefined): void {
    const blocks = objects(rec.params.blocks);
    const attachments = objects(rec.params.attachments);
    if (!text && (blocks.length > 0 || attachments.length > 0)) {
      this.violate(rec, 'missing_fallback_text', 'blocks/attachments without the top-level text fallback');
    }
    for (const { path, value } of mrkdwnTexts(rec.params, blocks)) {
      for (const sequence of unsafeSequences(value, this.allowedLinkPrefixes, this.allowedMentions)) {
        this.violate(rec, 'unsafe_mrkdwn', `${sequence} in ${path}`);
      }
    }
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', this.origin).pathname;
    if (path.startsWith('/response_url/')) return this.answerResponseUrl(req, res, path, raw);
    if (!path.startsWith('/api/')) return send(res, reply({ ok: false, error: 'not_found' }, 404));
    const decoded = decodeBody(req.headers['content-type'], raw);
    const rec = this.recordCall(req, path.slice('/api/'.length), decoded.params);
    const injected = this.takeFailure(rec, (spec) => spec.method === undefined || spec.method === rec.method);
    if (injected) return this.inject(rec, injected, res, decoded.error);
    this.answer(res, rec, this.process(rec, decoded.error));
  }

  private recordCall(req: IncomingMessage, method: string, params: JsonObject): SlackFakeRequest {
    return this.record((seq) => ({
      seq,
      receivedAt: Date.now(),
      method,
      httpMethod: req.method ?? 'GET',
      headers: req.headers,
      params,
      clientGone: false,
    }));
  }

  /** Slack's own checks, in the order that matters for the error code, then the method itself. */
  private process(rec: SlackFakeRequest, decodeError: DecodeError | undefined): SlackFakeResponse {
    if (rec.httpMethod !== 'POST') {
      return this.reject(rec, 'method_not_allowed', `HTTP ${rec.httpMethod}; this fake takes POST only`);
    }
    if (decodeError) return this.reject(rec, decodeError.kind, decodeError.detail);
    const auth = this.checkAuth(rec);
    if (auth) return auth;
    const handler = HANDLERS[rec.method];
    if (!handler) return this.reject(rec, 'unknown_method', `${rec.method} is not implemented by the fake`);
    return handler(this, rec);
  }

  /** The header wins (WebClient sends it); a `token` body field is accepted as Slack does. */
  private checkAuth(rec: SlackFakeRequest): SlackFakeResponse | undefined {
    const header = rec.headers.authorization;
    const token = header?.match(/^Bearer (.+)$/)?.[1] ?? str(rec.params.token);
    if (!token) return this.reject(rec, 'not_authed', 'no token in the Authorization header or body');
    if (token !== this.token) return this.reject(rec, 'invalid_auth', 'token does not match');
    return undefined;
  }

  private inject(
    rec: SlackFakeRequest,
    spec: FailSpec,
    res: ServerResponse,
    decodeError?: DecodeError,
  ): void {
    if ('delayMs' in spec) {
      // See `DelaySpec.apply` for whether the request takes effect.
      this.hold(rec, spec, res, () => this.process(rec, decodeError));
      return;
    }
    if ('error' in spec) {
      if (spec.apply) this.process(rec, decodeError);
      const needed = spec.needed === undefined ? {} : { needed: spec.needed };
      const error = spec.error === null ? {} : { error: spec.error };
      this.answer(res, rec, reply({ ok: false, ...error, ...needed }));
      return;
    }
    if (spec.status === 429) {
      const headers = { 'retry-after': String(spec.retryAfter ?? 1) };
      this.answer(res, rec, { status: 429, headers, body: { ok: false, error: 'ratelimited' } });
      return;
    }
    this.answer(res, rec, reply({ ok: false, error: serverErrorCode(spec.status) }, spec.status));
  }

  /** Interactivity `response_url`: accepted and recorded, no effect on messages. */
  private answerResponseUrl(req: IncomingMessage, res: ServerResponse, path: string, raw: string): void {
    const rec = this.recordCall(req, path.slice(1), decodeBody(req.headers['content-type'], raw).params);
    this.answer(res, rec, reply({ ok: true }));
  }

  /** Like Slack's: the time of posting in µs (`oldest`/`latest` filters compare with it), unique and increasing. */
  private nextTs(): string {
    this.lastTsMicros = Math.max(Date.now() * 1000, this.lastTsMicros + 1);
    const micros = this.lastTsMicros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  protected summary(): string {
    const last = this.requests
      .slice(-5)
      .map((r) => `${r.method}→${r.response?.body.error ?? r.response?.status}`);
    return `${this.parents().length} parents, ${this.messages.length} messages, ${this.requests.length} requests (last: ${last.join(', ') || 'none'}), ${this.violations.length} violations`;
  }

  private blockActionsPayload(message: SlackFakeMessage, found: FoundAction, userId: string): JsonObject {
    const { element, blockId } = found;
    const threadTs = message.thread_ts ? { thread_ts: message.thread_ts } : {};
    return {
      type: 'block_actions',
      user: { id: userId, username: 'fake.user', name: 'fake.user', team_id: BOT.team_id },
      api_app_id: BOT.app_id,
      token: 'legacy-verification-token',
      container: {
        type: 'message',
        message_ts: message.ts,
        channel_id: message.channel,
        is_ephemeral: false,
      },
      trigger_id: `${this.seq}.${BOT.team_id}.fake`,
      team: { id: BOT.team_id, domain: BOT.domain },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: message.channel, name: `fake-${message.channel.toLowerCase()}` },
      message: {
        type: 'message',
        user: BOT.user_id,
        bot_id: BOT.bot_id,
        ts: message.ts,
        text: message.text,
        blocks: message.blocks,
        ...threadTs,
      },
      state: { values: {} },
      response_url: `${this.origin}/response_url/${this.seq + 1}`,
      actions: [
        {
          ...pick(element, ['type', 'action_id', 'text', 'value', 'url', 'style']),
          block_id: blockId,
          action_ts: (Date.now() / 1000).toFixed(6),
        },
      ],
    };
  }

  protected crash(res: ServerResponse, error: unknown): void {
    const detail = error instanceof Error ? error.message : String(error);
    if (!res.headersSent) send(res, reply({ ok: false, error: 'fake_internal_error', detail }, 500));
  }
}

// ---- API methods ----

const HANDLERS: Record<string, Handler | undefined> = {
  'chat.postMessage': postMessage,
  'chat.update': updateMessage,
  'auth.test': () =>
    reply({
      ok: true,
      url: `https://${BOT.domain}.slack.com/`,
      team: BOT.team,
      user: BOT.user,
      team_id: BOT.team_id,
      user_id: BOT.user_id,
      bot_id: BOT.bot_id,
      is_enterprise_install: false,
    }),
  'conversations.info': conversationsInfo,
  'conversations.history': conversationsHistory,
  'conversations.replies': conversationsReplies,
};

function postMessage(fake: SlackFakeServer, rec: SlackFakeRequest): SlackFakeResponse {
  const p = rec.params;
  const channel = str(p.channel);
  if (!channel) return fake.reject(rec, 'channel_not_found', 'channel is missing or empty');
  const invalid = checkBlocks(fake, rec);
  if (invalid) return invalid;
  const text = str(p.text);
  if (!text && objects(p.blocks).length === 0 && objects(p.attachments).length === 0) {
    return fake.reject(rec, 'no_text', 'neither text, blocks nor attachments');
  }
  const threadTs = str(p.thread_ts);
  if (threadTs && !fake.parents(channel).some((m) => m.ts === threadTs)) {
    return fake.reject(rec, 'thread_not_found', `no parent message ${threadTs} in ${channel}`);
  }
  fake.checkContent(rec, text);
  const message = fake.addMessage(rec, channel, threadTs);
  return reply({ ok: true, channel, ts: message.ts, message: messageJson(message) });
}

/** Omitted text/blocks/attachments keep their previous value; an empty array clears (as on Slack). */
function updateMessage(fake: SlackFakeServer, rec: SlackFakeRequest): SlackFakeResponse {
  const p = rec.params;
  const channel = str(p.channel);
  if (!channel) return fake.reject(rec, 'channel_not_found', 'channel is missing or empty');
  const ts = str(p.ts);
  const message = ts ? fake.message(channel, ts) : undefined;
  if (!message) return fake.reject(rec, 'message_not_found', `no message ${ts ?? '(no ts)'} in ${channel}`);
  const invalid = checkBlocks(fake, rec);
  if (invalid) return invalid;
  const text = str(p.text);
  if (text === undefined && p.blocks === undefined && p.attachments === undefined) {
    return fake.reject(rec, 'no_text', 'neither text, blocks nor attachments');
  }
  fake.checkContent(rec, text);
  message.history.push({ text: message.text, blocks: message.blocks, attachments: message.attachments });
  if (text !== undefined) message.text = text;
  if (p.blocks !== undefined) message.blocks = objects(p.blocks);
  if (p.attachments !== undefined) message.attachments = objects(p.attachments);
  message.updatedCount += 1;
  return reply({ ok: true, channel, ts: message.ts, text: message.text, message: messageJson(message) });
}

/**
 * Parent messages of a channel, newest first, as Slack answers it: `oldest` (a ts, exclusive) and
 * `limit` honoured, metadata only with `include_all_metadata` (no paging: the fake holds little).
 */
function conversationsHistory(fake: SlackFakeServer, rec: SlackFakeRequest): SlackFakeResponse {
  const channel = str(rec.params.channel);
  if (!channel) return fake.reject(rec, 'channel_not_found', 'channel is missing or empty');
  const oldest = Number(str(rec.params.oldest) ?? 0);
  const limit = Number(str(rec.params.limit) ?? 100);
  const withMetadata = bool(rec.params.include_all_metadata) ?? false;
  const all = fake
    .parents(channel)
    .filter((m) => Number(m.ts) > oldest)
    .reverse();
  const messages = all.slice(0, limit).map((m) => ({
    ...messageJson(m),
    ...(withMetadata && m.metadata !== undefined ? { metadata: m.metadata } : {}),
  }));
  return reply({ ok: true, messages, has_more: all.length > limit });
}

/** A thread: the parent first, then its replies, oldest first. */
function conversationsReplies(fake: SlackFakeServer, rec: SlackFakeRequest): SlackFakeResponse {
  const channel = str(rec.params.channel);
  const ts = str(rec.params.ts);
  const parent = channel && ts ? fake.message(channel, ts) : undefined;
  if (!channel || !ts || !parent)
    return fake.reject(rec, 'thread_not_found', `no message ${ts} in ${channel}`);
  return reply({
    ok: true,
    messages: [parent, ...fake.replies(channel, ts)].map(messageJson),
    has_more: false,
  });
}

function conversationsInfo(fake: SlackFakeServer, rec: SlackFakeRequest): SlackFakeResponse {
  const channel = str(rec.params.channel);
  if (!channel) return fake.reject(rec, 'channel_not_found', 'channel is missing or empty');
  return reply({
    ok: true,
    channel: {
      id: channel,
      name: `fake-${channel.toLowerCase()}`,
      is_channel: true,
      is_private: false,
      is_archived: false,
      is_member: true,
      created: TS_EPOCH,
    },
  });
}

function checkBlocks(fake: SlackFakeServer, rec: SlackFakeRequest): SlackFakeResponse | undefined {
  const blocks = rec.params.blocks;
  if (blocks === undefined) return undefined;
  if (!Array.isArray(blocks)) return fake.reject(rec, 'invalid_blocks_format', 'blocks is not a JSON array');
  const errors = validateBlocks(blocks);
  if (errors.length === 0) return undefined;
  return fake.reject(rec, 'invalid_blocks', errors.join('; '), { errors });
}

function messageJson(m: SlackFakeMessage): JsonObject {
  return {
    type: 'message',
    user: BOT.user_id,
    bot_id: BOT.bot_id,
    app_id: BOT.app_id,
    team: BOT.team_id,
    text: m.text,
    ts: m.ts,
    ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
    ...(m.blocks.length > 0 ? { blocks: m.blocks } : {}),
    ...(m.attachments.length > 0 ? { attachments: m.attachments } : {}),
    ...(m.updatedCount > 0 ? { edited: { user: BOT.user_id, ts: m.ts } } : {}),
  };
}

// ---- Block Kit validation (limits from Slack's Block Kit reference) ----

const LIMITS = {
  blocks: 50,
  blockId: 255,
  header: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonUrl: 3000,
  buttonValue: 2000,
  actionId: 255,
  text: 3000,
};
const BLOCK_TYPES = new Set([
  'actions',
  'call',
  'context',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'markdown',
  'rich_text',
  'section',
  'table',
  'video',
]);

interface BlockContext {
  errors: string[];
  blockIds: Set<string>;
  actionIds: Set<string>;
}

type BlockCheck = (ctx: BlockContext, block: JsonObject, path: string) => void;

/** Returns Slack-style error strings (`… [json-pointer:/blocks/0/text/text]`); empty when valid. */
export function validateBlocks(blocks: unknown[]): string[] {
  const ctx: BlockContext = { errors: [], blockIds: new Set(), actionIds: new Set() };
  if (blocks.length > LIMITS.blocks) fail(ctx, `must be less than ${LIMITS.blocks + 1} items`, '/blocks');
  blocks.forEach((block, i) => {
    validateBlock(ctx, block, `/blocks/${i}`);
  });
  return ctx.errors;
}

const BLOCK_CHECKS: Record<string, BlockCheck | undefined> = {
  header: (ctx, b, path) =>
    checkText(ctx, b.text, `${path}/text`, LIMITS.header, { required: true, plainOnly: true }),
  section: checkSection,
  context: checkContext,
  actions: checkActions,
};

function validateBlock(ctx: BlockContext, block: unknown, path: string): void {
  if (!isObject(block)) {
    fail(ctx, 'must be an object', path);
    return;
  }
  if (typeof block.type !== 'string') {
    fail(ctx, 'missing required field: type', path);
    return;
  }
  checkUniqueId(ctx, ctx.blockIds, block.block_id, `${path}/block_id`, LIMITS.blockId);
  const check = BLOCK_CHECKS[block.type];
  if (check) {
    check(ctx, block, path);
    return;
  }
  if (!BLOCK_TYPES.has(block.type)) fail(ctx, `unsupported type: ${block.type}`, `${path}/type`);
}

function checkSection(ctx: BlockContext, block: JsonObject, path: string): void {
  checkText(ctx, block.text, `${path}/text`, LIMITS.sectionText, { required: false });
  if (block.text === undefined && block.fields === undefined) fail(ctx, 'must provide text or fields', path);
  if (block.fields !== undefined) {
    checkList(ctx, block.fields, `${path}/fields`, LIMITS.fields, (field, p) =>
      checkText(ctx, field, p, LIMITS.fieldText, { required: true }),
    );
  }
  if (block.accessory !== undefined) checkElement(ctx, block.accessory, `${path}/accessory`);
}

function checkContext(ctx: BlockContext, block: JsonObject, path: string): void {
  checkList(ctx, block.elements, `${path}/elements`, LIMITS.contextElements, (element, p) => {
    const type = isObject(element) ? element.type : undefined;
    if (type === 'plain_text' || type === 'mrkdwn')
      checkText(ctx, element, p, LIMITS.text, { required: true });
    else if (type !== 'image') fail(ctx, 'must be an image, plain_text or mrkdwn element', p);
  });
}

function checkActions(ctx: BlockContext, block: JsonObject, path: string): void {
  checkList(ctx, block.elements, `${path}/elements`, LIMITS.actionsElements, (element, p) =>
    checkElement(ctx, element, p),
  );
}

function checkElement(ctx: BlockContext, element: unknown, path: string): void {
  if (!isObject(element)) {
    fail(ctx, 'must be an object', path);
    return;
  }
  if (typeof element.type !== 'string') {
    fail(ctx, 'missing required field: type', path);
    return;
  }
  checkUniqueId(ctx, ctx.actionIds, element.action_id, `${path}/action_id`, LIMITS.actionId);
  if (element.type !== 'button') return;
  checkText(ctx, element.text, `${path}/text`, LIMITS.buttonText, { required: true, plainOnly: true });
  checkLength(ctx, element.url, `${path}/url`, LIMITS.buttonUrl);
  checkLength(ctx, element.value, `${path}/value`, LIMITS.buttonValue);
  if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') {
    fail(ctx, 'must be primary or danger', `${path}/style`);
  }
}

function checkText(
  ctx: BlockContext,
  value: unknown,
  path: string,
  max: number,
  rule: { required: boolean; plainOnly?: boolean },
): void {
  if (value === undefined) {
    if (rule.required) fail(ctx, 'missing required field: text', path);
    return;
  }
  if (!isObject(value)) {
    fail(ctx, 'must be a text object', path);
    return;
  }
  if (value.type !== 'plain_text' && (rule.plainOnly || value.type !== 'mrkdwn')) {
    fail(ctx, rule.plainOnly ? 'must be plain_text' : 'must be plain_text or mrkdwn', `${path}/type`);
    return;
  }
  if (typeof value.text !== 'string' || value.text.length === 0) {
    fail(ctx, 'must be at least 1 character', `${path}/text`);
    return;
  }
  checkLength(ctx, value.text, `${path}/text`, max);
}

function checkList(
  ctx: BlockContext,
  list: unknown,
  path: string,
  max: number,
  each: (item: unknown, path: string) => void,
): void {
  if (!Array.isArray(list) || list.length === 0) {
    fail(ctx, 'must provide a non-empty array', path);
    return;
  }
  if (list.length > max) fail(ctx, `must be less than ${max + 1} items`, path);
  list.forEach((item, i) => {
    each(item, `${path}/${i}`);
  });
}

function checkLength(ctx: BlockContext, value: unknown, path: string, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'string') {
    fail(ctx, 'must be a string', path);
    return;
  }
  if (value.length > max) fail(ctx, `must be less than ${max + 1} characters`, path);
}

function checkUniqueId(ctx: BlockContext, seen: Set<string>, id: unknown, path: string, max: number): void {
  if (id === undefined) return;
  checkLength(ctx, id, path, max);
  if (typeof id !== 'string') return;
  if (seen.has(id)) fail(ctx, `duplicate id: ${id}`, path);
  seen.add(id);
}

function fail(ctx: BlockContext, message: string, path: string): void {
  ctx.errors.push(`${message} [json-pointer:${path}]`);
}

// ---- mrkdwn safety ----

/** The texts Slack renders as mrkdwn, with where they came from. */
function mrkdwnTexts(params: JsonObject, blocks: JsonObject[]): Array<{ path: string; value: string }> {
  const found: Array<{ path: string; value: string }> = [];
  const text = str(params.text);
  if (text && bool(params.mrkdwn) !== false) found.push({ path: 'text', value: text });
  const addIfMrkdwn = (value: unknown, path: string): void => {
    if (isObject(value) && value.type === 'mrkdwn' && typeof value.text === 'string') {
      found.push({ path, value: value.text });
    }
  };
  blocks.forEach((block, i) => {
    const path = `/blocks/${i}`;
    addIfMrkdwn(block.text, `${path}/text`);
    for (const [key, list] of [
      ['fields', block.fields],
      ['elements', block.type === 'context' ? block.elements : undefined],
    ] as const) {
      if (!Array.isArray(list)) continue;
      list.forEach((item, j) => {
        addIfMrkdwn(item, `${path}/${key}/${j}`);
      });
    }
  });
  return found;
}

/** The `<…>` control sequences in `text` that ping people (but `allowedMentions`) or link outside `allowedPrefixes`. */
function unsafeSequences(
  text: string,
  allowedPrefixes: readonly string[],
  allowedMentions: readonly string[] = [],
): string[] {
  const unsafe: string[] = [];
  for (const match of text.matchAll(/<([^<>]*)>/g)) {
    const inner = match[1] ?? '';
    const mention = inner.startsWith('@') && !allowedMentions.includes(inner.slice(1).split('|')[0] ?? '');
    const ping = /^!(channel|here|everyone|subteam\^)/.test(inner) || mention;
    const url = /^(https?:|mailto:)/i.test(inner) ? (inner.split('|')[0] ?? '') : undefined;
    const foreignLink = url !== undefined && !allowedPrefixes.some((prefix) => url.startsWith(prefix));
    if (ping || foreignLink) unsafe.push(match[0]);
  }
  return unsafe;
}

// ---- interactivity ----

interface FoundAction {
  element: JsonObject;
  blockId: string;
}

function findAction(blocks: JsonObject[], actionId: string): FoundAction | undefined {
  for (const [i, block] of blocks.entries()) {
    const candidates =
      block.type === 'actions' && Array.isArray(block.elements) ? block.elements : [block.accessory];
    const element = candidates.find((e): e is JsonObject => isObject(e) && e.action_id === actionId);
    if (element) return { element, blockId: str(block.block_id) ?? `block-${i}` };
  }
  return undefined;
}

// ---- HTTP and value helpers ----

interface DecodeError {
  kind: 'missing_post_type' | 'invalid_post_type' | 'invalid_json';
  detail: string;
}

const JSON_FIELDS = ['blocks', 'attachments', 'metadata'];

/** Form-encoded (what WebClient sends) or JSON; JSON-string fields are parsed when they parse. */
function decodeBody(
  contentType: string | undefined,
  raw: string,
): { params: JsonObject; error?: DecodeError } {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (raw === '' && type === '') return { params: {} };
  if (type === 'application/x-www-form-urlencoded') {
    return { params: parseJsonFields(Object.fromEntries(new URLSearchParams(raw))) };
  }
  if (type === 'application/json') {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (isObject(parsed)) return { params: parseJsonFields(parsed) };
    } catch {
      // fall through to the error below
    }
    return { params: {}, error: { kind: 'invalid_json', detail: 'body is not a JSON object' } };
  }
  const kind = type === '' ? 'missing_post_type' : 'invalid_post_type';
  return { params: {}, error: { kind, detail: `content-type ${type || '(none)'}` } };
}

function parseJsonFields(params: JsonObject): JsonObject {
  const out: JsonObject = { ...params };
  for (const key of JSON_FIELDS) {
    const value = out[key];
    if (typeof value !== 'string') continue;
    try {
      out[key] = JSON.parse(value);
    } catch {
      // left as a string: the block check answers invalid_blocks_format
    }
  }
  return out;
}

function reply(body: JsonObject, status = 200): SlackFakeResponse {
  return { status, headers: {}, body };
}

function serverErrorCode(status: number): string {
  if (status === 500) return 'internal_error';
  if (status === 503) return 'service_unavailable';
  return 'fatal_error';
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Form bodies carry booleans as strings. */
function bool(value: unknown): boolean | undefined {
  if (value === true || value === 'true' || value === '1') return true;
  if (value === false || value === 'false' || value === '0') return false;
  return undefined;
}

function objects(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

function pick(source: JsonObject, keys: string[]): JsonObject {
  return Object.fromEntries(keys.filter((k) => source[k] !== undefined).map((k) => [k, source[k]]));
}
