import { createHash } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { HTTPException } from 'hono/http-exception';
import { nanoid } from 'nanoid';
import { createDocumentClient } from '../../functions/adapters/dynamo-store';
import { groupKey } from '../../functions/adapters/table-items';
import type { AlertStatus, DetailLink, ErrorGroup } from '../../functions/core/records';
import type { OccurrenceStore } from '../../functions/services/ports';
import { createWebApp, type WebDeps } from '../../functions/web/app';
import { detailPage } from '../../functions/web/detail-page';
import { INGEST_KEY, type Pipeline, SIGNING_SECRET, startPipeline } from '../support/pipeline';
import { receiveMessages } from '../support/queues';
import { sampleEvent, sampleGroup, sampleStep } from '../support/samples';

describe('web app: detail pages', () => {
  let p: Pipeline;
  let store: OccurrenceStore;
  let base: string;
  // Whole seconds, like expiresAt: the page's relative expiry is then exact.
  const now = Math.floor(Date.now() / 1000) * 1000;

  beforeAll(async () => {
    p = await startPipeline();
    p.web.now = () => now;
    store = p.store;
    base = await p.serveWeb();
  });
  afterAll(() => p.close());

  /** The http function's environment, as the stack sets it, pointing at this pipeline. */
  const lambdaEnv = () =>
    Object.assign(process.env, {
      HEADSUP_TABLE: p.config.tableName,
      HEADSUP_ERRORS_QUEUE_URL: p.queues.queueUrl,
      HEADSUP_NOTIFY_QUEUE_URL: p.notifyQueues.queueUrl,
      HEADSUP_INGEST_KEYS: INGEST_KEY,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      AWS_ENDPOINT_URL_SQS: p.sqsEndpoint,
    });

  async function storeLink(over: Partial<DetailLink> = {}): Promise<DetailLink> {
    const link: DetailLink = {
      id: nanoid(),
      eventId: `evt-${nanoid(6)}`,
      fingerprint: 'a'.repeat(32),
      event: sampleEvent({
        error: {
          type: 'CardExpiredError',
          message: 'Card ending 4242 expired',
          stack: 'CardExpiredError: Card ending 4242 expired\n    at charge (/app/billing.js:10:5)',
          cause: { type: 'StripeError', message: 'card_declined: expired_card' },
        },
        request: {
          method: 'POST',
          url: 'https://app.example.com/billing',
          headers: { 'user-agent': 'Firefox' },
        },
        context: { invoice: 'in_123' },
        tags: { region: 'eu-west-1' },
      }),
      receivedAt: now,
      expiresAt: now / 1000 + 2 * 3600,
      ...over,
    };
    await store.recordOccurrences([{ fingerprint: link.fingerprint, link }], now);
    return link;
  }

  it('shows the whole occurrence with the expiry and the security headers', async () => {
    const link = await storeLink();
    const res = await fetch(`${base}/e/${link.id}`);
    expect(res.status).toBe(200);
    const page = await res.text();
    for (const text of [
      'CardExpiredError',
      'Card ending 4242 expired',
      'at charge (/app/billing.js:10:5)',
      'StripeError',
      'Fred Smith',
      'fred@example.com',
      'Acme',
      'https://app.example.com/billing',
      'Firefox',
      'in_123',
      'eu-west-1',
      'expires in 2 hours',
    ]) {
      expect(page).toContain(text);
    }
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-robots-tag')).toContain('noindex');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    // The inline stylesheet is allowed by its exact hash, so the page renders styled and nothing else runs.
    const css = /<style>([\s\S]*?)<\/style>/.exec(page)![1]!;
    expect(csp).toContain(`'sha256-${createHash('sha256').update(css).digest('base64')}'`);
  });

  it('answers 410 for an expired link that DynamoDB has not deleted yet, and shows none of it', async () => {
    const link = await storeLink({ expiresAt: Math.floor(now / 1000) - 1 });
    const item = await p.dynamo.send(
      new GetItemCommand({
        TableName: p.config.tableName,
        Key: { pk: { S: `LINK#${link.id}` }, sk: { S: 'LINK' } },
      }),
    );
    expect(item.Item).toBeDefined();
    const res = await fetch(`${base}/e/${link.id}`);
    expect(res.status).toBe(410);
    const page = await res.text();
    expect(page).toContain('This link has expired');
    expect(page).not.toContain('fred@example.com');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('answers 404 for unknown and malformed ids', async () => {
    expect((await fetch(`${base}/e/${nanoid()}`)).status).toBe(404);
    expect((await fetch(`${base}/e/short`)).status).toBe(404);
    expect((await fetch(`${base}/e/${'%3Cscript%3E'.repeat(3)}`)).status).toBe(404);
  });

  it('escapes every value on the page', async () => {
    const hostile = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`;
    const link = await storeLink({
      event: sampleEvent({
        error: {
          type: hostile,
          message: hostile,
          code: hostile,
          stack: hostile,
          cause: { message: hostile },
        },
        user: { name: hostile, email: hostile },
        company: { name: hostile, plan: hostile },
        request: { url: hostile, headers: { [hostile]: hostile } },
        context: { [hostile]: hostile },
        tags: { [hostile]: hostile },
      }),
    });
    const page = await (await fetch(`${base}/e/${link.id}`)).text();
    expect(page).not.toContain('<script>');
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  describe('the group’s urgency and alert state', () => {
    const at = Date.UTC(2026, 11, 2, 14, 2);
    const ana = { id: 'U0ANA00001', name: 'ana' };
    const high = { level: 'high', reason: '≥ 5 users in 10 min', at: at - 60_000 } as const;
    const status = (over: Partial<AlertStatus>): AlertStatus => ({
      state: 'open',
      round: 1,
      token: 't',
      toldState: true,
      changedAt: at,
      steps: [],
      ...over,
    });
    const pageOf = async (over: Partial<ErrorGroup>) => {
      const group = sampleGroup(over);
      const link: DetailLink = {
        id: group.latest.linkId,
        eventId: 'evt-1',
        fingerprint: group.fingerprint,
        event: sampleEvent(),
        receivedAt: group.lastSeenAt,
        expiresAt: group.latest.linkExpiresAt,
      };
      return String(await detailPage(link, group, group.lastSeenAt));
    };
    const row = (label: string, value: string) => `<tr><th>${label}</th><td>${value}</td></tr>`;

    it.each<[string, Partial<ErrorGroup>, string, string]>([
      ['low and open when neither is stored', {}, 'Low urgency', 'Open'],
      [
        'high and acknowledged',
        { urgency: high, status: status({ state: 'acknowledged', by: ana }) },
        'High urgency — ≥ 5 users in 10 min (since 2026-12-02 14:01 UTC)',
        'Acknowledged by ana · 2026-12-02 14:02 UTC',
      ],
      [
        'snoozed until a time',
        { status: status({ state: 'snoozed', by: ana, snoozedUntil: at + 3600_000 }) },
        'Low urgency',
        'Snoozed until 2026-12-02 15:02 UTC by ana',
      ],
      [
        'resolved by a Slack id when the name is unknown',
        { urgency: high, status: status({ state: 'resolved', by: { id: 'U0BOB00002' } }) },
        'High urgency — ≥ 5 users in 10 min (since 2026-12-02 14:01 UTC)',
        'Resolved by U0BOB00002 · 2026-12-02 14:02 UTC',
      ],
      [
        'regressed after Resolve',
        { urgency: high, status: status({ regressed: true }) },
        'High urgency — ≥ 5 users in 10 min (since 2026-12-02 14:01 UTC)',
        'Regressed after Resolve · 2026-12-02 14:02 UTC',
      ],
    ])('%s', async (_, over, urgency, state) => {
      const page = await pageOf(over);
      expect(page).toContain(`<h2>Alert</h2>`);
      expect(page).toContain(row('Urgency', urgency));
      expect(page).toContain(row('State', state));
      expect(page).not.toContain('<ol>'); // nobody was escalated to
    });

    it('lists the escalation steps oldest first: when, to whom, why', async () => {
      const page = await pageOf({
        urgency: high,
        status: status({
          steps: [
            sampleStep(at),
            {
              step: 1,
              at: at + 600_000,
              to: [
                { id: 'bo', name: 'Bo', slack: 'U2' },
                { id: 'cy', name: 'Cy', slack: 'U3' },
              ],
              why: 'not acknowledged in 10 min',
              claimedAt: 0,
              told: false,
            },
          ],
        }),
      });
      const steps = [...page.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]);
      expect(steps).toEqual([
        '2026-12-02 14:02 UTC · step 1 to ana — on call',
        '2026-12-02 14:12 UTC · step 2 to Bo, Cy — not acknowledged in 10 min (being notified)',
      ]);
      expect(page).not.toContain('U2'); // names, never Slack ids
    });

    it('shows no alert section once the group has expired', async () => {
      const group = sampleGroup({ urgency: high });
      const link: DetailLink = {
        id: group.latest.linkId,
        eventId: 'evt-1',
        fingerprint: group.fingerprint,
        event: sampleEvent(),
        receivedAt: group.lastSeenAt,
        expiresAt: group.latest.linkExpiresAt,
      };
      const page = String(await detailPage(link, undefined, group.lastSeenAt));
      expect(page).toContain('The group has expired.');
      expect(page).not.toContain('urgency');
    });

    it('clips and escapes hostile names, reasons and whys of 1 MB', async () => {
      const hostile = `<script>alert(1)</script>${'x'.repeat(1024 * 1024)}`;
      const page = await pageOf({
        urgency: { level: 'high', reason: hostile, at },
        status: status({
          state: 'acknowledged',
          by: { id: 'U1', name: hostile },
          steps: [
            {
              step: 0,
              at,
              to: [{ id: 'a', name: hostile, slack: 'U1' }],
              why: hostile,
              claimedAt: 0,
              told: true,
            },
          ],
        }),
      });
      expect(page).not.toContain('<script>');
      expect(page.match(/&lt;script&gt;alert\(1\)&lt;\/script&gt;x+…/g)).toHaveLength(4);
      expect(page.length).toBeLessThan(20_000);
    });

    it('shows what is stored on the group item in DynamoDB', async () => {
      const link = await storeLink({ fingerprint: nanoid(32).replace(/[^a-z0-9]/gi, 'a') });
      await createDocumentClient(p.dynamo).send(
        new UpdateCommand({
          TableName: p.config.tableName,
          Key: groupKey(link.fingerprint),
          UpdateExpression: 'SET urgency = :urgency, #status = :status',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':urgency': { ...high, reason: 'plan: <b>enterprise</b>' },
            ':status': status({
              state: 'acknowledged',
              by: { id: 'U1', name: '<img src=x onerror=alert(1)>' },
              steps: [sampleStep(at)],
            }),
          },
        }),
      );
      const page = await (await fetch(`${base}/e/${link.id}`)).text();
      expect(page).toContain(
        row('Urgency', 'High urgency — plan: &lt;b&gt;enterprise&lt;/b&gt; (since 2026-12-02 14:01 UTC)'),
      );
      expect(page).toContain(
        row('State', 'Acknowledged by &lt;img src=x onerror=alert(1)&gt; · 2026-12-02 14:02 UTC'),
      );
      expect(page).toContain('<li>2026-12-02 14:02 UTC · step 1 to ana — on call</li>');
      expect(page).not.toContain('<img');
      expect(page).not.toContain('<b>');
    });
  });

  describe('what nothing was written to expect', () => {
    type Logged = { level: 'warn' | 'error'; message: unknown; fields: unknown };
    /** The real app on this pipeline's collaborators, `over` replacing some; what it logs is kept. */
    function appWith(over: (deps: WebDeps) => Partial<WebDeps>) {
      const logged: Logged[] = [];
      const record =
        (level: Logged['level']) =>
        (message: unknown, ...fields: unknown[]): void =>
          void logged.push({ level, message, fields: fields[0] });
      const log = { warn: record('warn'), error: record('error') };
      const deps: WebDeps = { ...p.web, log, slackActions: { ...p.web.slackActions, log } };
      return { app: createWebApp({ ...deps, ...over(deps) }), logged };
    }

    const SERVER_FAILED = { error: 'the server could not handle this request: try again' };

    /** A request body that sends `first`, then fails, as a client that goes away mid-upload. */
    const failingBody = (first: string) => {
      let sent = false;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent) return controller.error(new Error('client went away'));
          sent = true;
          controller.enqueue(new TextEncoder().encode(first));
        },
      });
    };

    it('a store that fails answers a JSON 500 and logs the route, never the link id', async () => {
      const id = nanoid();
      const { app, logged } = appWith((deps) => ({
        store: {
          getLink: () => Promise.reject(new Error('DynamoDB: ProvisionedThroughputExceededException')),
          getGroup: (fingerprint, now) => deps.store.getGroup(fingerprint, now),
          linksForEmail: (email, now, limit) => deps.store.linksForEmail(email, now, limit),
        },
      }));
      const res = await app.request(`/e/${id}`);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toEqual(SERVER_FAILED);
      expect(logged).toEqual([
        {
          level: 'error',
          message: 'request failed',
          fields: {
            route: '/e/:id',
            method: 'GET',
            error: { name: 'Error', message: 'DynamoDB: ProvisionedThroughputExceededException' },
          },
        },
      ]);
      expect(JSON.stringify(logged)).not.toContain(id);
    });

    it('a body that fails mid-stream answers a JSON 500 and logs nothing of the body', async () => {
      const { app, logged } = appWith(() => ({}));
      const secret = '{"app":"billing","error":{"message":"card 4242424242424242 declined"';
      const res = await app.request('/v1/errors', {
        method: 'POST',
        headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json' },
        body: failingBody(secret),
        duplex: 'half',
      });
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual(SERVER_FAILED);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ level: 'error', fields: { route: '/v1/errors', method: 'POST' } });
      expect(JSON.stringify(logged)).not.toContain('4242');
    });

    it('a queue that throws answers a JSON 500 with its reason logged', async () => {
      const { app, logged } = appWith((deps) => ({
        ingest: { ...deps.ingest, queue: { enqueue: () => Promise.reject(new TypeError('socket hang up')) } },
      }));
      const res = await app.request('/v1/errors', {
        method: 'POST',
        headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ app: 'billing', error: { message: 'x' } }),
      });
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual(SERVER_FAILED);
      expect(logged.map((l) => l.fields)).toEqual([
        { route: '/v1/errors', method: 'POST', error: { name: 'TypeError', message: 'socket hang up' } },
      ]);
    });

    it('an HTTPException keeps its own answer and is not logged as a failure', async () => {
      const { app, logged } = appWith(() => ({}));
      app.get('/teapot', () => {
        throw new HTTPException(418, { message: 'short and stout' });
      });
      const res = await app.request('/teapot');
      expect(res.status).toBe(418);
      expect(await res.text()).toBe('short and stout');
      expect(logged).toEqual([]);
    });
  });

  it('answers /healthz', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('serves the same app through the Lambda Function URL handler', async () => {
    const link = await storeLink();
    lambdaEnv();
    const { handler } = await import('../../functions/handlers/http');
    const event = {
      version: '2.0',
      rawPath: `/e/${link.id}`,
      rawQueryString: '',
      headers: { host: 'abc.lambda-url.us-east-1.on.aws' },
      requestContext: {
        http: { method: 'GET', path: `/e/${link.id}`, sourceIp: '127.0.0.1' },
        domainName: 'x',
      },
      isBase64Encoded: false,
    } as unknown as LambdaFunctionURLEvent;
    const res = (await handler(event, {} as never)) as Exclude<LambdaFunctionURLResult, string>;
    expect(res.statusCode).toBe(200);
    expect(String(res.body)).toContain('Card ending 4242 expired');
    expect(res.headers?.['cache-control']).toBe('no-store');
  });

  it('verifies a Slack click that the Function URL hands over base64-encoded, over its exact bytes', async () => {
    lambdaEnv();
    const { handler } = await import('../../functions/handlers/http');
    // A payload with non-ASCII text: decoding base64 to a string instead of bytes would break the signature.
    const payload = {
      type: 'block_actions',
      user: { id: 'U0LAMBDA01', username: 'zoë' },
      actions: [{ action_id: 'send_fix', value: `${'L'.repeat(21)}|card-expired` }],
    };
    const raw = `payload=${encodeURIComponent(JSON.stringify(payload))}`;
    const signed = p.slack.signRequest(raw);
    const post = (body: string, headers: Record<string, string>) =>
      handler(
        {
          version: '2.0',
          rawPath: '/slack/actions',
          rawQueryString: '',
          headers: {
            host: 'abc.lambda-url.us-east-1.on.aws',
            'content-type': 'application/x-www-form-urlencoded',
            ...headers,
          },
          requestContext: {
            http: { method: 'POST', path: '/slack/actions', sourceIp: '127.0.0.1' },
            domainName: 'x',
          },
          body: Buffer.from(body, 'utf8').toString('base64'),
          isBase64Encoded: true,
        } as unknown as LambdaFunctionURLEvent,
        {} as never,
      ) as Promise<Exclude<LambdaFunctionURLResult, string>>;

    expect((await post(`${raw}&x=1`, signed)).statusCode).toBe(401);
    expect((await post(raw, signed)).statusCode).toBe(200);
    const messages = await receiveMessages(p.sqs, p.notifyQueues.queueUrl);
    expect(messages.map((m) => JSON.parse(m.Body!))).toEqual([
      {
        linkId: 'L'.repeat(21),
        templateId: 'card-expired',
        trigger: 'slack',
        requestedBy: { id: 'U0LAMBDA01', name: 'zoë' },
      },
    ]);
  });
});
