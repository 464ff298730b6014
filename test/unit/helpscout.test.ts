import { loadWebConfig } from '../../functions/config/functions';
import {
  MAX_CUSTOMER_ADDRESSES,
  MAX_EMAIL_ENTRIES,
  parseHelpScoutRequest,
} from '../../functions/core/helpscout/request';
import {
  formatWindow,
  helpScoutSidebar,
  newestFirst,
  SIDEBAR_MAX_ERRORS,
  type SidebarGroup,
} from '../../functions/core/helpscout/sidebar';
import { verifyHelpScoutSignature } from '../../functions/core/helpscout/signature';
import type { AlertStatus, DetailLink } from '../../functions/core/records';
import { sampleEvent, sampleStep } from '../support/samples';
import { sidebarRows } from '../support/sidebar';

describe('Help Scout signature', () => {
  // Help Scout's own example (developer docs, "Dynamic Content" apps).
  const vector = { secret: 'asdfasdf', body: '{"id":123}', signature: '7S2+kN8bZsrdAEADJ+yYfWWsf/4=' };
  const check = (over: Partial<typeof vector> = {}) => {
    const v = { ...vector, ...over };
    return verifyHelpScoutSignature({
      secret: v.secret,
      signature: v.signature,
      rawBody: Buffer.from(v.body),
    });
  };

  it('accepts Help Scout’s published example', () => expect(check()).toEqual({ ok: true }));

  it('refuses a wrong secret, a changed body, a truncated or altered signature, and none', () => {
    const refused = { ok: false, reason: 'signature does not match' };
    expect(check({ secret: 'asdfasdg' })).toEqual(refused);
    expect(check({ body: '{"id":124}' })).toEqual(refused);
    expect(check({ body: '{"id": 123}' })).toEqual(refused); // the raw bytes, not the JSON value
    expect(check({ signature: vector.signature.slice(0, -1) })).toEqual(refused);
    expect(check({ signature: vector.signature.slice(0, 10) })).toEqual(refused);
    expect(check({ signature: vector.signature.toLowerCase() })).toEqual(refused);
    expect(check({ signature: `${vector.signature}=` })).toEqual(refused);
    expect(check({ signature: '' })).toEqual({ ok: false, reason: 'missing X-HelpScout-Signature' });
    expect(
      verifyHelpScoutSignature({ secret: 'asdfasdf', signature: undefined, rawBody: Buffer.from('{}') }),
    ).toEqual({ ok: false, reason: 'missing X-HelpScout-Signature' });
  });
});

describe('Help Scout request', () => {
  const parse = (body: unknown) =>
    parseHelpScoutRequest(typeof body === 'string' ? body : JSON.stringify(body));

  it('reads the primary email and emails[] (strings or {value}), lower-cased and de-duplicated', () => {
    expect(
      parse({
        ticket: { id: 1, number: 2, subject: 'Card?' },
        customer: {
          id: 9,
          fname: 'Fred',
          email: ' Fred@Example.com ',
          emails: ['fred@example.com', { value: 'FRED@work.example' }, 'fred@EXAMPLE.com'],
        },
      }),
    ).toEqual({ ok: true, emails: ['fred@example.com', 'fred@work.example'] });
  });

  it('works for drafts (ticket: false) and for emails[] without a primary email', () => {
    expect(parse({ ticket: false, customer: { emails: ['ann@example.com'] } })).toEqual({
      ok: true,
      emails: ['ann@example.com'],
    });
  });

  it(`looks up at most ${MAX_CUSTOMER_ADDRESSES} addresses, skipping what is not one`, () => {
    const emails = [
      'a@x.io',
      'b@x.io',
      7,
      null,
      { value: 3 },
      'not an address',
      'c@x.io',
      'd@x.io',
      'e@x.io',
      'f@x.io',
    ];
    expect(parse({ customer: { email: null, emails } })).toEqual({
      ok: true,
      emails: ['a@x.io', 'b@x.io', 'c@x.io', 'd@x.io', 'e@x.io'],
    });
    expect(parse({ customer: { email: `${'a'.repeat(320)}@x.io` } })).toEqual({ ok: true, emails: [] });
  });

  it(`reads the first ${MAX_EMAIL_ENTRIES} entries of emails[] only, and ignores an overlong padded one`, () => {
    const junk = Array.from({ length: MAX_EMAIL_ENTRIES - 1 }, () => 'not an address');
    expect(parse({ customer: { emails: [...junk, 'last@x.io', 'past@x.io'] } })).toEqual({
      ok: true,
      emails: ['last@x.io'],
    });
    const padded = ` ${'a'.repeat(400)}@x.io `;
    expect(parse({ customer: { email: padded, emails: ['b@x.io'] } })).toEqual({
      ok: true,
      emails: ['b@x.io'],
    });
  });

  it('takes time linear in the body: 1 MB of distinct addresses costs no more than ~10× 100 KB', () => {
    // Every new address was compared with all earlier ones before the cap applied: 5–10 s at 1 MiB.
    const body = (bytes: number) => {
      const emails: string[] = [];
      for (let size = 0, i = 0; size < bytes; i++, size += 12) emails.push(`u${i}@x.io`);
      return JSON.stringify({ customer: { email: 'first@x.io', emails } });
    };
    const best = (text: string) => {
      let ms = Number.POSITIVE_INFINITY;
      for (let run = 0; run < 3; run++) {
        const started = performance.now();
        expect(parseHelpScoutRequest(text)).toMatchObject({ ok: true, emails: { length: 5 } });
        ms = Math.min(ms, performance.now() - started);
      }
      return ms;
    };
    const smallMs = best(body(100_000));
    const largeMs = best(body(1_000_000));
    // As in linear-time.test.ts: 30× the time for 10× the input, +200 ms of noise; 1 s at most.
    expect(largeMs).toBeLessThan(30 * smallMs + 200);
    expect(largeMs).toBeLessThan(1000);
  });

  it('a conversation without a customer names no address', () => {
    expect(parse({ ticket: false })).toEqual({ ok: true, emails: [] });
    expect(parse({ customer: null })).toEqual({ ok: true, emails: [] });
    expect(parse({ customer: {} })).toEqual({ ok: true, emails: [] });
  });

  it.each([
    ['not JSON', 'the body is not JSON'],
    ['', 'the body is not JSON'],
    [[1, 2], 'expected a JSON object with a customer'],
    [null, 'expected a JSON object with a customer'],
    ['"text"', 'expected a JSON object with a customer'],
    [{ customer: 'fred@example.com' }, 'customer must be an object'],
    [{ customer: { emails: 'fred@example.com' } }, 'customer.emails must be an array'],
  ])('refuses %j without throwing', (body, error) => {
    expect(parse(body)).toEqual({ ok: false, error });
  });
});

const NOW = Date.UTC(2026, 10, 21, 10, 0);
const MIN = 60_000;
const options = { publicUrl: 'https://headsup.example.com', now: NOW, windowSeconds: 86400 };

let seq = 0;
function link(minutesAgo: number, over: Partial<DetailLink> = {}): DetailLink {
  const receivedAt = NOW - minutesAgo * MIN;
  seq += 1;
  return {
    id: `link${String(seq).padStart(17, '0')}`,
    eventId: `evt-${seq}`,
    fingerprint: 'f1',
    event: sampleEvent(),
    receivedAt,
    expiresAt: receivedAt / 1000 + 86400,
    ...over,
  };
}

const cardGroup: SidebarGroup = {
  count: 37,
  userCount: 5,
  template: { id: 'card-expired', name: 'Expired card', auto: true },
};
const render = (links: DetailLink[], groups: Record<string, SidebarGroup> = { f1: cardGroup }) =>
  helpScoutSidebar({ emails: ['fred@example.com'], links, groups: new Map(Object.entries(groups)) }, options);

describe('Help Scout sidebar', () => {
  it('shows each error: type and app, when (relative and UTC), how often, the fix sent, the link', () => {
    const sent = link(5, {
      templateId: 'card-expired',
      notify: {
        status: 'sent',
        at: NOW - 4 * MIN,
        contactId: 'c1',
        messageId: 'm1',
        templateId: 'card-expired',
        reported: true,
      },
    });
    const html = render([sent]);
    expect(html).toBe(
      '<div class="c-sb-section"><p><strong>Errors in the last 24 hours</strong></p>' +
        '<p><span class="badge">Acme</span> <span class="badge">pro</span></p>' +
        '<ul class="c-sb-list c-sb-list--two-line"><li class="c-sb-list-item"><span class="c-sb-list-item__label">' +
        '<strong>CardExpiredError</strong> · billing' +
        '<span class="c-sb-list-item__text">Card ending 4242 expired</span>' +
        '<span class="c-sb-list-item__text">5 minutes ago (2026-11-21 09:55 UTC) · 37 times for 5 users</span>' +
        '<span class="c-sb-list-item__text">Low · open</span>' +
        '<span class="c-sb-list-item__text">Fix sent: “Expired card” 4 minutes ago (2026-11-21 09:56 UTC)</span>' +
        `<span class="c-sb-list-item__text"><a href="https://headsup.example.com/e/${sent.id}" target="_blank" rel="noopener noreferrer">Open details</a> · link expires in 23 hours</span>` +
        '</span></li></ul></div>',
    );
  });

  it('says so when there are no errors, or no address to look up', () => {
    expect(render([])).toBe('<div class="c-sb-section"><p>No errors in the last 24 hours</p></div>');
    expect(
      helpScoutSidebar(
        { emails: ['a@x.io'], links: [], groups: new Map() },
        { ...options, windowSeconds: 900 },
      ),
    ).toContain('No errors in the last 15 minutes');
    expect(helpScoutSidebar({ emails: [], links: [], groups: new Map() }, options)).toBe(
      '<div class="c-sb-section"><p>No customer email address on this conversation to look up errors for.</p></div>',
    );
  });

  it(`shows the ${SIDEBAR_MAX_ERRORS} newest and says when older ones are left out`, () => {
    const links = Array.from({ length: SIDEBAR_MAX_ERRORS + 1 }, (_, i) => link(i));
    const html = render(links);
    expect(sidebarRows(html)).toHaveLength(SIDEBAR_MAX_ERRORS);
    expect(html).toContain(`/e/${links[0]!.id}"`);
    expect(html).not.toContain(`/e/${links[SIDEBAR_MAX_ERRORS]!.id}"`);
    expect(html).toContain(`<p>Showing the ${SIDEBAR_MAX_ERRORS} most recent.</p>`);
    expect(render(links.slice(0, SIDEBAR_MAX_ERRORS))).not.toContain('most recent');
  });

  it('names the fix by the group’s template, else by its id; a cooldown means it was sent before', () => {
    const notify = { contactId: 'c', messageId: 'm', templateId: 'card-expired', reported: true };
    const cooldown = link(1, {
      notify: { ...notify, status: 'cooldown', at: NOW - MIN, lastSentAt: NOW - 120 * MIN, until: NOW },
    });
    expect(render([cooldown])).toContain('Fix sent: “Expired card” 2 hours ago (2026-11-21 08:00 UTC)');
    const other = link(1, { fingerprint: 'f2', notify: { ...notify, status: 'sent', at: NOW - MIN } });
    expect(render([other], { f2: { count: 2, userCount: 1 } })).toContain(
      'Fix sent: “card-expired” 1 minute ago',
    );
    const uncertain = link(1, {
      notify: { ...notify, status: 'uncertain', at: NOW - MIN, reason: 'timeout' },
    });
    expect(render([uncertain])).toContain('Fix may have been sent: “Expired card”');
    // By email: said, since the customer will look in their inbox; in-app (or an older record) is not.
    const emailed = link(1, { notify: { ...notify, status: 'sent', at: NOW - MIN, channel: 'email' } });
    expect(render([emailed])).toContain('Fix sent by email: “Expired card” 1 minute ago');
    const inApp = link(1, { notify: { ...notify, status: 'sent', at: NOW - MIN, channel: 'inapp' } });
    expect(render([inApp])).toContain('Fix sent: “Expired card” 1 minute ago');
    const maybeEmailed = link(1, {
      notify: { ...notify, status: 'uncertain', at: NOW - MIN, reason: 'timeout', channel: 'email' },
    });
    expect(render([maybeEmailed])).toContain('Fix may have been sent by email: “Expired card”');
    // A template that promised a reply: the agent sees by when, to answer by the same time.
    const promised = link(1, {
      notify: { ...notify, status: 'sent', at: NOW - MIN, promisedBy: NOW + 25 * MIN },
    });
    expect(render([promised])).toContain(
      'Fix sent: “Expired card” 1 minute ago (2026-11-21 09:59 UTC) · promised a reply by 2026-11-21 10:25 UTC (in 25 minutes)',
    );
    expect(render([inApp])).not.toContain('promised');
    for (const status of ['failed', 'not-in-intercom', 'expired'] as const) {
      const html = render([
        link(1, { notify: { ...notify, status, at: NOW, reason: 'x' } as DetailLink['notify'] }),
      ]);
      expect(html).not.toContain('Fix');
    }
  });

  it('counts: once, several times, capped users; nothing when the group is gone', () => {
    expect(render([link(1)], { f1: { count: 1, userCount: 1 } })).toContain('UTC) · once</span>');
    expect(render([link(1)], { f1: { count: 4, userCount: 1 } })).toContain('UTC) · 4 times</span>');
    expect(render([link(1)], { f1: { count: 5000, userCount: 1000 } })).toContain(
      '5000 times for 1000+ users',
    );
    expect(render([link(1)], {})).toContain('(2026-11-21 09:59 UTC)</span>');
  });

  it('badges each distinct company (name, plan) once; the environment shows when not production', () => {
    const html = render([
      link(1),
      link(2),
      link(3, { event: sampleEvent({ app: 'api', environment: 'staging', company: { slug: 'beta-co' } }) }),
      link(4, { event: sampleEvent({ company: undefined }) }),
    ]);
    expect(html).toContain(
      '<p><span class="badge">Acme</span> <span class="badge">pro</span> <span class="badge">beta-co</span></p>',
    );
    expect(html).toContain('<strong>CardExpiredError</strong> · api (staging)');
  });

  it('links nowhere once a link has expired', () => {
    const expired = link(2000);
    expect(expired.expiresAt * 1000).toBeLessThan(NOW);
    expect(render([expired])).toContain('<span class="c-sb-list-item__text">Details expired</span>');
    expect(render([expired])).not.toContain('href');
  });

  it('escapes every value from an event', () => {
    const hostile = '<script>alert(1)</script> "><img src=x onerror=alert(1)> \'&amp;';
    const html = render(
      [
        link(1, {
          event: sampleEvent({
            app: hostile,
            environment: hostile,
            error: { type: hostile, message: hostile },
            company: { name: hostile, plan: hostile },
          }),
          notify: {
            status: 'sent',
            at: NOW,
            contactId: 'c',
            messageId: 'm',
            templateId: hostile,
            reported: true,
          },
        }),
      ],
      { f1: { count: 2, userCount: 1, template: { id: hostile, name: hostile, auto: false } } },
    );
    expect(html).not.toMatch(/<script|<img|"><img|onerror=alert\(1\)>|'&amp;/);
    expect(html).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(1)&gt; &#39;&amp;amp;',
    );
    // Every tag is one of ours: what survives is the markup the function writes.
    expect(new Set([...html.matchAll(/<\/?([a-z]+)/g)].map((m) => m[1]))).toEqual(
      new Set(['div', 'p', 'strong', 'span', 'ul', 'li', 'a']),
    );
  });

  describe('urgency and alert state', () => {
    const at = NOW - 30 * MIN;
    const status = (over: Partial<AlertStatus>): AlertStatus => ({
      state: 'open',
      round: 1,
      token: 't',
      toldState: true,
      changedAt: at,
      steps: [],
      ...over,
    });
    const high = { level: 'high', reason: '≥ 5 users in 10 min', at } as const;
    const ana = { id: 'U0ANA00001', name: 'ana' };
    /** The alert line of the only row: the text line right after the counts. */
    const alertLine = (group: SidebarGroup) =>
      /· 37 times for 5 users<\/span><span class="c-sb-list-item__text">([^<]*)<\/span>/.exec(
        render([link(1)], { f1: group }),
      )?.[1];

    it.each<[string, Partial<SidebarGroup>, string]>([
      ['low and open when neither is stored', {}, 'Low · open'],
      [
        'high, acknowledged by name',
        { urgency: high, status: status({ state: 'acknowledged', by: ana }) },
        'High · acknowledged by ana',
      ],
      [
        'resolved by a Slack id when the name is unknown',
        { urgency: high, status: status({ state: 'resolved', by: { id: 'U0BOB00002' } }) },
        'High · resolved by U0BOB00002',
      ],
      [
        'resolved by nobody named (Heads-up itself)',
        { urgency: high, status: status({ state: 'resolved' }) },
        'High · resolved',
      ],
      [
        'snoozed until a time',
        { status: status({ state: 'snoozed', by: ana, snoozedUntil: NOW + 60 * MIN }) },
        'Low · snoozed until 2026-11-21 11:00 UTC',
      ],
      ['snoozed without an end', { status: status({ state: 'snoozed', by: ana }) }, 'Low · snoozed by ana'],
      [
        'open again after a regression',
        { urgency: high, status: status({ regressed: true }) },
        'High · open again after Resolve',
      ],
      [
        'escalated but open',
        {
          urgency: high,
          status: status({
            steps: [sampleStep(at)],
          }),
        },
        'High · open',
      ],
    ])('%s', (_, over, expected) => {
      expect(alertLine({ ...cardGroup, ...over })).toBe(expected);
    });

    it('shows no alert line when the group is gone', () => {
      const html = render([link(1)], {});
      expect(html).not.toContain('Low ·');
      expect(html).not.toContain('open</span>');
    });

    it('clips and escapes a hostile name of 1 MB', () => {
      const name = `<script>alert(1)</script>${'x'.repeat(1024 * 1024)}`;
      const html = render([link(1)], {
        f1: {
          ...cardGroup,
          urgency: high,
          status: status({ state: 'acknowledged', by: { id: 'U1', name } }),
        },
      });
      expect(html).not.toContain('<script');
      expect(html).toContain('High · acknowledged by &lt;script&gt;alert(1)&lt;/script&gt;xxx');
      expect(html).toMatch(/x…<\/span>/);
      expect(html.length).toBeLessThan(5000);
    });
  });

  it('clips a long message to a line', () => {
    const html = render([
      link(1, { event: sampleEvent({ error: { type: 'E', message: 'x'.repeat(5000) } }) }),
    ]);
    expect(html).toMatch(/>x{159}…<\/span>/);
  });
});

describe('merging the lists of several addresses', () => {
  it('is newest first, each link once', () => {
    const [a, b, c] = [link(3), link(1), link(2)];
    expect(newestFirst([[b, a], [c, a], []]).map((l) => l.id)).toEqual([b.id, c.id, a.id]);
    expect(newestFirst([])).toEqual([]);
  });
});

describe('formatWindow', () => {
  it.each([
    [86400, '24 hours'],
    [3600, '1 hour'],
    [900, '15 minutes'],
    [90, '90 seconds'],
    [7 * 86400, '7 days'],
    [36 * 3600, '36 hours'],
  ])('%i s → %s', (seconds, text) => expect(formatWindow(seconds)).toBe(text));
});

describe('web configuration for Help Scout', () => {
  const web = {
    HEADSUP_TABLE: 't1',
    HEADSUP_ERRORS_QUEUE_URL: 'http://localhost:4566/000000000000/errors',
    HEADSUP_NOTIFY_QUEUE_URL: 'http://localhost:4566/000000000000/notify',
    HEADSUP_INGEST_KEYS: 'key-one-0123456789',
  };

  it('leaves the secret and the public URL optional, and defaults the link lifetime to 24 h', () => {
    const config = loadWebConfig(web);
    expect(config.helpScoutSecret).toBeUndefined();
    expect(config.publicUrl).toBeUndefined();
    expect(config.linkTtlSeconds).toBe(86400);
  });

  it('reads them when set', () => {
    expect(
      loadWebConfig({
        ...web,
        HELPSCOUT_SECRET: 'a'.repeat(40),
        HEADSUP_PUBLIC_URL: 'https://errors.example.com/',
        HEADSUP_LINK_TTL: '12h',
      }),
    ).toMatchObject({
      helpScoutSecret: 'a'.repeat(40),
      publicUrl: 'https://errors.example.com',
      linkTtlSeconds: 12 * 3600,
    });
    expect(loadWebConfig({ ...web, HELPSCOUT_SECRET: '12345678' }).helpScoutSecret).toBe('12345678');
  });

  it.each([
    [
      { HELPSCOUT_SECRET: '1234567' },
      'HELPSCOUT_SECRET expected the Help Scout app secret, 8 to 40 characters',
    ],
    [
      { HELPSCOUT_SECRET: 'a'.repeat(41) },
      'HELPSCOUT_SECRET expected the Help Scout app secret, 8 to 40 characters',
    ],
    [{ HELPSCOUT_SECRET: '' }, 'HELPSCOUT_SECRET expected the Help Scout app secret'],
    [
      { HEADSUP_PUBLIC_URL: 'errors.example.com' },
      'HEADSUP_PUBLIC_URL expected the base URL of detail links',
    ],
    [{ HEADSUP_LINK_TTL: '1 day' }, 'HEADSUP_LINK_TTL "1 day" is not a duration'],
  ])('fails start-up with one line naming the variable: %j', (override, message) => {
    let error: Error | undefined;
    try {
      loadWebConfig({ ...web, ...override });
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toContain(`Configuration error: ${message}`);
    expect(error?.message).not.toContain('\n');
    // Never the secret itself in the log line.
    if ('HELPSCOUT_SECRET' in override && override.HELPSCOUT_SECRET) {
      expect(error?.message).not.toContain(override.HELPSCOUT_SECRET);
    }
  });
});
