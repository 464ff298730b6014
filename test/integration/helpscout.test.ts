import { createHmac } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/adapters/dynamo-store';
import { groupKey } from '../../functions/adapters/table-items';
import type { ErrorEvent } from '../../functions/core/event-schema';
import type { AlertStatus } from '../../functions/core/records';
import { scanItems } from '../../local/table-scan';
import { HELPSCOUT_SECRET, type Pipeline, PUBLIC_URL, startPipeline } from '../support/pipeline';
import { sampleEvent } from '../support/samples';
import { sidebarRows } from '../support/sidebar';

const MIN = 60_000;

/** Help Scout's signing, written out independently of the code under test. */
const sign = (raw: string, secret = HELPSCOUT_SECRET) =>
  createHmac('sha1', secret).update(raw).digest('base64');

/** What Help Scout sends when an agent opens a conversation (fields from its documentation). */
function helpScoutBody(
  customer: Record<string, unknown>,
  ticket: unknown = { id: 1, number: 1001, subject: 'Help' },
) {
  return JSON.stringify({
    ticket,
    customer: { id: 77, fname: 'Fred', lname: 'Smith', ...customer },
    user: { id: 5, fname: 'Agent', lname: 'Smith', role: 'user' },
    mailbox: { id: 9, email: 'support@example.com' },
  });
}

/** Only the sidebar style guide's markup (Help Scout's dynamic-app docs): these tags, classes and attributes. */
const TAGS = new Set(['div', 'p', 'span', 'strong', 'ul', 'li', 'a']);
const CLASSES = new Set([
  'c-sb-section',
  'c-sb-list',
  'c-sb-list--two-line',
  'c-sb-list-item',
  'c-sb-list-item__label',
  'c-sb-list-item__text',
  'badge',
]);
const ATTRIBUTES = new Set(['class', 'href', 'target', 'rel']);
const TAG = /<(\/?)([a-zA-Z][\w-]*)([^<>]*)>/g;

function expectStyleGuideMarkup(html: string, linkBase = `${PUBLIC_URL}/e/`): void {
  const open: string[] = [];
  for (const [, closing, name, attrs] of html.matchAll(TAG)) {
    expect(TAGS).toContain(name);
    if (closing) {
      expect(open.pop()).toBe(name); // balanced: no value closed one of our tags early
      continue;
    }
    open.push(name!);
    const found = new Map([...attrs!.matchAll(/\s([a-z-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    expect(attrs!.replace(/\s([a-z-]+)="([^"]*)"/g, '').trim()).toBe(''); // nothing but quoted attributes
    for (const attribute of found.keys()) expect(ATTRIBUTES).toContain(attribute);
    for (const cls of found.get('class')?.split(' ') ?? []) expect(CLASSES).toContain(cls);
    if (name === 'a') {
      expect(found.get('href')).toMatch(new RegExp(`^${linkBase.replace(/[.]/g, '\\.')}[\\w-]{21}$`));
      expect(found.get('target')).toBe('_blank');
      expect(found.get('rel')).toBe('noopener noreferrer');
    } else {
      expect([...found.keys()].filter((a) => a !== 'class')).toEqual([]);
    }
  }
  expect(open).toEqual([]);
  // Outside our tags no `<` or `>` is left: every value's markup characters were escaped.
  expect(html.replace(TAG, '')).not.toMatch(/[<>]/);
}

describe('Help Scout sidebar (POST /helpscout)', () => {
  let p: Pipeline;
  let base: string;
  /** Every DynamoDB request the pipeline's real client sends, by command name. */
  const dynamoCalls: string[] = [];

  beforeAll(async () => {
    p = await startPipeline();
    base = await p.serveWeb();
    p.dynamo.middlewareStack.add(
      (next, context) => async (args) => {
        dynamoCalls.push(context.commandName ?? 'unknown');
        return next(args);
      },
      { step: 'initialize', name: 'countDynamoRequests' },
    );
  });
  afterAll(() => p.close());

  /** Runs events through triage, one at a time, each received `minutesAgo` before now. */
  async function seed(...events: Array<{ minutesAgo: number; event: Partial<ErrorEvent> }>) {
    for (const { minutesAgo, event } of events) {
      p.deps.now = () => Date.now() - minutesAgo * MIN;
      await p.send([JSON.stringify(sampleEvent(event))]);
      await p.source.drain();
    }
    p.deps.now = Date.now;
  }

  /** POSTs a raw body as Help Scout would (signed unless told otherwise); counts the reads it causes. */
  async function ask(raw: string, signature: string | null = sign(raw)) {
    dynamoCalls.length = 0;
    const res = await fetch(`${base}/helpscout`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(signature === null ? {} : { 'x-helpscout-signature': signature }),
      },
      body: raw,
    });
    return { res, calls: [...dynamoCalls] };
  }

  /** The sidebar of a 200 answer: valid JSON, `{ html }` only, only the style guide's markup. */
  async function sidebarOf(res: Response, linkBase?: string): Promise<string> {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = JSON.parse(await res.text()) as { html: string };
    expect(Object.keys(body)).toEqual(['html']);
    expect(typeof body.html).toBe('string');
    expectStyleGuideMarkup(body.html, linkBase);
    return body.html;
  }

  it('accepts Help Scout’s own signature example ({"id":123}, secret asdfasdf)', async () => {
    const secret = p.web.helpScout.secret;
    p.web.helpScout.secret = 'asdfasdf';
    try {
      const { res, calls } = await ask('{"id":123}', '7S2+kN8bZsrdAEADJ+yYfWWsf/4=');
      expect(await sidebarOf(res)).toContain('No customer email address');
      expect(calls).toEqual([]); // no customer, nothing to look up
      expect((await ask('{"id":123}', '7S2+kN8bZsrdAEADJ+yYfWWsf/4')).res.status).toBe(403);
    } finally {
      p.web.helpScout.secret = secret;
    }
  });

  it('answers 403 to a missing, wrong, truncated or foreign signature and reads nothing', async () => {
    await seed({ minutesAgo: 5, event: { user: { id: 'sig-1', email: 'sig@example.com' } } });
    const raw = helpScoutBody({ email: 'sig@example.com' });
    const good = sign(raw);
    const refusals = [
      null, // no header
      '',
      sign(raw, 'another-secret-entirely'),
      good.slice(0, -2),
      good.slice(0, 8),
      `${good}A`,
      sign(`${raw} `), // the signature of other bytes
      createHmac('sha256', HELPSCOUT_SECRET).update(raw).digest('base64'),
      createHmac('sha1', HELPSCOUT_SECRET).update(raw).digest('hex'),
    ];
    for (const signature of refusals) {
      const { res, calls } = await ask(raw, signature);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        error: expect.stringMatching(/^request not signed by Help Scout: /),
      });
      expect(calls).toEqual([]);
    }
    // A body altered after signing is refused too, and unsigned garbage is refused before it is parsed.
    expect((await ask(raw.replace('sig@', 'other@'), good)).res.status).toBe(403);
    const garbage = await ask('not json at all', 'bm9wZQ==');
    expect([garbage.res.status, garbage.calls]).toEqual([403, []]);
    // The counter is live: the correctly signed request reads the index.
    const { res, calls } = await ask(raw, good);
    expect(sidebarRows(await sidebarOf(res))).toHaveLength(1);
    expect(calls).toContain('QueryCommand');
  });

  it('refuses everything, signed or not, when HELPSCOUT_SECRET is not configured', async () => {
    const secret = p.web.helpScout.secret;
    p.web.helpScout.secret = undefined;
    try {
      const raw = helpScoutBody({ email: 'sig@example.com' });
      const { res, calls } = await ask(raw);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        error: 'request not signed by Help Scout: HELPSCOUT_SECRET is not configured',
      });
      expect(calls).toEqual([]);
    } finally {
      p.web.helpScout.secret = secret;
    }
  });

  it('answers 413 to a body over the Function URL’s 6 MiB, signed or not, and reads nothing', async () => {
    const raw = helpScoutBody({ email: 'sig@example.com', note: 'x'.repeat(6 * 1024 * 1024) });
    const { res, calls } = await ask(raw);
    expect([res.status, await res.json()]).toEqual([413, { error: 'request larger than 6291456 bytes' }]);
    expect(calls).toEqual([]);
  });

  it('shows a customer with two addresses the errors of both, newest first, with one query per address', async () => {
    await seed(
      {
        minutesAgo: 90,
        event: {
          app: 'exports',
          error: { type: 'ExportTimeoutError', message: 'Export took longer than 30 s' },
          user: { id: 'two-1', email: 'Two.Addresses@Work.example' },
          company: { name: 'Two Co', plan: 'enterprise' },
        },
      },
      {
        minutesAgo: 10,
        event: {
          error: { type: 'PlanLimitError', code: 'plan_limit_reached', message: 'Seat limit of 5 reached' },
          user: { id: 'two-1', email: 'two@example.com' },
          company: { name: 'Two Co', plan: 'enterprise' },
        },
      },
      // Someone else's error: never shown to this customer.
      {
        minutesAgo: 5,
        event: {
          error: { type: 'OtherError', message: 'not yours' },
          user: { email: 'someone@example.com' },
        },
      },
    );
    const raw = helpScoutBody({
      email: 'two@example.com',
      // The primary again (other case) and the second address as Help Scout's {value} objects.
      emails: [{ value: 'TWO@example.com' }, { value: 'two.addresses@work.example' }, 'two@example.com'],
    });
    const { res, calls } = await ask(raw);
    const html = await sidebarOf(res);
    const [first, second, ...rest] = sidebarRows(html);
    expect(rest).toEqual([]);
    expect(first).toContain('<strong>PlanLimitError</strong> · billing');
    expect(first).toMatch(/10 minutes ago \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\) · once/);
    expect(second).toContain('<strong>ExportTimeoutError</strong> · exports');
    expect(second).toContain('Export took longer than 30 s');
    expect(second).toMatch(/1 hour ago \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)/);
    expect(html).toContain('<span class="badge">Two Co</span> <span class="badge">enterprise</span>');
    expect(html).not.toContain('not yours');
    // Two distinct addresses: two index queries; two distinct errors: two group reads.
    expect(calls.filter((c) => c === 'QueryCommand')).toHaveLength(2);
    expect(calls.filter((c) => c === 'GetItemCommand')).toHaveLength(2);
    expect(calls).toHaveLength(4);
    // Each link opens that occurrence's detail page.
    const href = /href="([^"]+)"/.exec(first!)![1]!;
    const page = await p.app.request(href.replace(PUBLIC_URL, ''));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Seat limit of 5 reached');
  });

  it('does not show expired errors, though DynamoDB has not deleted them yet', async () => {
    await seed(
      {
        minutesAgo: 25 * 60,
        event: { error: { type: 'StaleError', message: 'a day old' }, user: { email: 'old@example.com' } },
      },
      {
        minutesAgo: 2,
        event: { error: { type: 'FreshError', message: 'just now' }, user: { email: 'old@example.com' } },
      },
    );
    const stored = await scanItems(p.dynamo, p.config.tableName, 'LINK#');
    const stale = stored.filter((item) => JSON.stringify(item).includes('a day old'));
    expect(stale).toHaveLength(1); // still in the table and the index
    expect(Number((stale[0]!.expiresAt as { N: string }).N) * 1000).toBeLessThan(Date.now());

    const html = await sidebarOf((await ask(helpScoutBody({ email: 'old@example.com' }))).res);
    expect(sidebarRows(html)).toHaveLength(1);
    expect(html).toContain('FreshError');
    expect(html).not.toContain('StaleError');
    expect(html).not.toContain('a day old');
  });

  it('works for a draft (ticket: false)', async () => {
    await seed({
      minutesAgo: 3,
      event: { error: { type: 'DraftError', message: 'x' }, user: { email: 'draft@example.com' } },
    });
    const { res } = await ask(helpScoutBody({ email: 'draft@example.com', emails: [] }, false));
    expect(sidebarRows(await sidebarOf(res))[0]).toContain('DraftError');
  });

  it('gives an unknown customer the "no errors" sidebar after one query', async () => {
    const { res, calls } = await ask(
      helpScoutBody({ email: 'nobody@example.com', emails: ['nobody@example.com'] }),
    );
    expect(await sidebarOf(res)).toBe(
      '<div class="c-sb-section"><p>No errors in the last 24 hours</p></div>',
    );
    expect(calls).toEqual(['QueryCommand']);
  });

  it('escapes <script> and "><img onerror=…> from an error message, and every other value', async () => {
    const hostile = '<script>alert(1)</script> "><img src=x onerror=alert(document.domain)>';
    await seed({
      minutesAgo: 1,
      event: {
        app: 'app"><img src=x onerror=alert(2)>',
        error: { type: '<b onmouseover=alert(3)>TypeError</b>', message: hostile },
        user: { email: 'hostile@example.com' },
        company: { name: '<script>alert(4)</script>', plan: '"><svg onload=alert(5)>' },
      },
    });
    const html = await sidebarOf((await ask(helpScoutBody({ email: 'hostile@example.com' }))).res);
    expect(html).not.toMatch(/<script|<img|<svg|<b /);
    expect(html).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(document.domain)&gt;',
    );
    expect(html).toContain('<strong>&lt;b onmouseover=alert(3)&gt;TypeError&lt;/b&gt;</strong>');
    expect(html).toContain('<span class="badge">&quot;&gt;&lt;svg onload=alert(5)&gt;</span>');
  });

  it('shows each error’s urgency and alert state as stored on its group, escaped and clipped', async () => {
    await seed(
      {
        minutesAgo: 20,
        event: {
          error: { type: 'QuietError', message: 'left alone' },
          user: { email: 'oncall@example.com' },
        },
      },
      {
        minutesAgo: 2,
        event: { error: { type: 'LoudError', message: 'paged' }, user: { email: 'oncall@example.com' } },
      },
    );
    const links = await p.web.helpScout.store.linksForEmail('oncall@example.com', Date.now(), 10);
    const loud = links.find((l) => l.event.error.type === 'LoudError')!;
    // A hostile Slack name, as large as a group item leaves room for (DynamoDB's 400 KB).
    const name = `<script>alert(1)</script>${'n'.repeat(100_000)}`;
    const changedAt = Date.now();
    // A plain update of the group item, as the incident writer leaves it (`status` is a reserved word).
    await createDocumentClient(p.dynamo).send(
      new UpdateCommand({
        TableName: p.config.tableName,
        Key: groupKey(loud.fingerprint),
        UpdateExpression: 'SET urgency = :urgency, #status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':urgency': { level: 'high', reason: '≥ 5 users in 10 min', at: changedAt },
          ':status': {
            state: 'acknowledged',
            round: 1,
            token: 'tok',
            toldState: true,
            changedAt,
            by: { id: 'U0ANA00001', name },
            steps: [],
          } satisfies AlertStatus,
        },
      }),
    );

    const { res, calls } = await ask(helpScoutBody({ email: 'oncall@example.com' }));
    const html = await sidebarOf(res);
    const [first, second] = sidebarRows(html);
    expect(first).toContain('LoudError');
    expect(first).toContain('High · acknowledged by &lt;script&gt;alert(1)&lt;/script&gt;nnn');
    expect(first).toMatch(/n…<\/span>/);
    expect(first!.length).toBeLessThan(2000);
    expect(second).toContain('QuietError');
    expect(second).toContain('<span class="c-sb-list-item__text">Low · open</span>');
    // Still one read per distinct group.
    expect(calls).toEqual(['QueryCommand', 'GetItemCommand', 'GetItemCommand']);
  });

  it('shows the fix message sent, by template name and when', async () => {
    const fred = p.intercom.addContact({ external_id: 'fix-1', email: 'fixed@example.com', name: 'Fixed' });
    await seed({
      minutesAgo: 0,
      event: { user: { id: 'fix-1', email: 'fixed@example.com', name: 'Fixed' } },
    });
    await p.notifySource.drain();
    expect(p.intercom.messagesFor(fred.id)).toHaveLength(1);
    const html = await sidebarOf((await ask(helpScoutBody({ email: 'fixed@example.com' }))).res);
    expect(html).toMatch(/Fix sent: “Expired card” (now|\d+ seconds? ago) \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)/);
  });

  it('shows the 10 newest, with one group read for the one error they share', async () => {
    await seed(
      ...Array.from({ length: 12 }, (_, i) => ({
        minutesAgo: 60 - i,
        event: {
          error: { type: 'RepeatError', message: `attempt ${i}` },
          user: { email: 'many@example.com' },
        },
      })),
    );
    const { res, calls } = await ask(helpScoutBody({ email: 'many@example.com' }));
    const html = await sidebarOf(res);
    const shown = sidebarRows(html);
    expect(shown).toHaveLength(10);
    expect(shown[0]).toContain('attempt 11');
    expect(shown[9]).toContain('attempt 2');
    expect(shown[0]).toContain('· 12 times');
    expect(html).toContain('<p>Showing the 10 most recent.</p>');
    expect(calls).toEqual(['QueryCommand', 'GetItemCommand']);
  });

  it('looks up at most 5 addresses, in one query each', async () => {
    const emails = Array.from({ length: 8 }, (_, i) => `cap${i}@example.com`);
    const { res, calls } = await ask(helpScoutBody({ email: emails[0], emails }));
    await sidebarOf(res);
    expect(calls).toEqual(Array(5).fill('QueryCommand'));
  });

  it('links to the request’s own origin when no public URL is configured (the Function URL on AWS)', async () => {
    const publicUrl = p.web.helpScout.publicUrl;
    p.web.helpScout.publicUrl = undefined;
    try {
      const html = await sidebarOf(
        (await ask(helpScoutBody({ email: 'draft@example.com' }))).res,
        `${base}/e/`,
      );
      const href = /href="([^"]+)"/.exec(html)![1]!;
      expect(href.startsWith(`${base}/e/`)).toBe(true);
      expect((await fetch(href)).status).toBe(200);
    } finally {
      p.web.helpScout.publicUrl = publicUrl;
    }
  });

  it.each([
    ['not json', 'the body is not JSON'],
    ['[]', 'expected a JSON object with a customer'],
    ['{"customer":"fred@example.com"}', 'customer must be an object'],
    ['{"customer":{"emails":"fred@example.com"}}', 'customer.emails must be an array'],
  ])('answers a signed but unreadable body %s with 400 and reads nothing', async (raw, error) => {
    const { res, calls } = await ask(raw);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: `unreadable Help Scout request: ${error}` });
    expect(calls).toEqual([]);
  });
});
