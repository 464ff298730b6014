import type { EventInput } from '../functions/core/event-schema';

/**
 * Realistic sample errors for the dev console, `headsup send-sample` and the benchmark: several apps,
 * kinds of error (half of them matching the shipped fix templates), users and companies.
 */
const SAMPLE_COMPANIES = [
  { id: 'c_acme', name: 'Acme Corp', slug: 'acme', plan: 'pro' },
  { id: 'c_globex', name: 'Globex', slug: 'globex', plan: 'starter' },
  { id: 'c_initech', name: 'Initech', slug: 'initech', plan: 'enterprise' },
  { id: 'c_umbrella', name: 'Umbrella Health', slug: 'umbrella', plan: 'free' },
] as const;

/** Each sample user lives in a zone of their own, so messages that promise a reply show local times. */
export const SAMPLE_USERS = [
  {
    id: 'u_1001',
    email: 'fred.smith@acme.example',
    name: 'Fred Smith',
    timezone: 'Europe/London',
    company: 0,
  },
  { id: 'u_1002', email: 'ann.lee@acme.example', name: 'Ann Lee', timezone: 'America/Toronto', company: 0 },
  {
    id: 'u_2001',
    email: 'omar.haddad@globex.example',
    name: 'Omar Haddad',
    timezone: 'Asia/Dubai',
    company: 1,
  },
  { id: 'u_2002', email: 'mia.chen@globex.example', name: 'Mia Chen', timezone: 'Asia/Shanghai', company: 1 },
  {
    id: 'u_3001',
    email: 'peter.gibbons@initech.example',
    name: 'Peter Gibbons',
    timezone: 'America/Chicago',
    company: 2,
  },
  {
    id: 'u_3002',
    email: 'joanna@initech.example',
    name: 'Joanna Reyes',
    timezone: 'America/Mexico_City',
    company: 2,
  },
  {
    id: 'u_4001',
    email: 'alice.abernathy@umbrella.example',
    name: 'Alice Abernathy',
    timezone: 'Australia/Sydney',
    company: 3,
  },
  {
    id: 'u_4002',
    email: 'carlos@umbrella.example',
    name: 'Carlos Oliveira',
    timezone: 'America/Sao_Paulo',
    company: 3,
  },
] as const;

type Kind = {
  app: string;
  level?: EventInput['level'];
  error: (n: number) => EventInput['error'];
  url: string;
};

const frame = (fn: string, file: string, line: number) => `    at ${fn} (/srv/app/dist/${file}:${line}:17)`;

/** The kinds of error samples are drawn from; the first five match the shipped templates. */
const SAMPLE_KINDS: Kind[] = [
  {
    app: 'billing',
    url: '/billing/checkout',
    error: (n) => ({
      type: 'CardExpiredError',
      code: 'card_expired',
      message: `Card ending ${4000 + (n % 1000)} expired on 0${1 + (n % 9)}/2026`,
      stack: ['CardExpiredError: card expired', frame('chargeInvoice', 'billing/charge.js', 88)].join('\n'),
      cause: { type: 'StripeCardError', code: 'expired_card', message: 'Your card has expired.' },
    }),
  },
  {
    app: 'web',
    level: 'warning',
    url: '/projects/new',
    error: (n) => ({
      type: 'PlanLimitError',
      code: 'plan_limit_reached',
      message: `Project limit of ${3 + (n % 3)} reached for this plan`,
      stack: ['PlanLimitError: limit reached', frame('createProject', 'projects/create.js', 41)].join('\n'),
    }),
  },
  {
    app: 'auth',
    url: '/sso/saml/acs',
    error: (n) => ({
      type: 'SamlResponseError',
      code: 'saml_clock_skew',
      message: `SAML response not yet valid: clock skew of ${180 + (n % 200)} seconds`,
      stack: [
        'SamlResponseError: NotBefore in the future',
        frame('validateAssertion', 'sso/saml.js', 132),
      ].join('\n'),
    }),
  },
  {
    app: 'files',
    url: '/api/uploads',
    error: (n) => ({
      type: 'PayloadTooLargeError',
      code: 'file_too_large',
      message: `Upload of ${120 + (n % 400)} MB exceeds the 100 MB limit`,
      stack: ['PayloadTooLargeError: too large', frame('receiveUpload', 'uploads/receive.js', 57)].join('\n'),
    }),
  },
  {
    app: 'api',
    level: 'warning',
    url: '/v2/records',
    error: (n) => ({
      type: 'RateLimitError',
      code: 'rate_limited',
      message: `Rate limit of 600 requests/minute exceeded (${600 + (n % 90)} in the last minute)`,
      stack: ['RateLimitError: too many requests', frame('throttle', 'api/throttle.js', 23)].join('\n'),
    }),
  },
  {
    app: 'web',
    url: '/dashboard',
    error: () => ({
      type: 'TypeError',
      message: "Cannot read properties of undefined (reading 'widgets')",
      stack: [
        "TypeError: Cannot read properties of undefined (reading 'widgets')",
        frame('renderDashboard', 'web/dashboard.js', 214),
      ].join('\n'),
    }),
  },
  {
    app: 'api',
    level: 'fatal',
    url: '/v2/reports',
    error: (n) => ({
      type: 'KnexTimeoutError',
      code: 'ETIMEDOUT',
      message: `Knex: Timeout acquiring a connection after ${30000 + (n % 5) * 1000} ms. The pool is probably full.`,
      stack: [
        'KnexTimeoutError: Timeout acquiring a connection',
        frame('runReport', 'reports/run.js', 77),
      ].join('\n'),
    }),
  },
];

/** A small deterministic random source, so a benchmark run can be repeated exactly. */
export function seededRandom(seed = 42): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export type SampleOptions = {
  count: number;
  /** How many distinct errors to spread over (default: every kind once). */
  distinctErrors?: number;
  /** Synthetic users beyond the named ones (benchmark: 1 000). */
  users?: number;
  random?: () => number;
};

/** `count` events; distinct errors differ by app and fingerprint so each forms its own group. */
export function sampleEvents({
  count,
  distinctErrors,
  users,
  random = seededRandom(),
}: SampleOptions): EventInput[] {
  const groups = distinctErrors ?? SAMPLE_KINDS.length;
  return Array.from({ length: count }, (_, i) => {
    const g = Math.floor(random() * groups);
    const kind = SAMPLE_KINDS[g % SAMPLE_KINDS.length]!;
    const variant = Math.floor(g / SAMPLE_KINDS.length);
    const u = Math.floor(random() * (users ?? SAMPLE_USERS.length));
    const named = SAMPLE_USERS[u];
    const user = named
      ? { id: named.id, email: named.email, name: named.name, timezone: named.timezone }
      : { id: `u_bench_${u}`, email: `user${u}@bench.example`, name: `Bench User ${u}` };
    const company = SAMPLE_COMPANIES[named ? named.company : u % SAMPLE_COMPANIES.length]!;
    return {
      app: variant === 0 ? kind.app : `${kind.app}-${variant}`,
      environment: 'production',
      level: kind.level ?? 'error',
      error: kind.error(i),
      user,
      company: { ...company },
      request: {
        method: 'POST',
        url: `https://app.example.com${kind.url}?session=abc123`,
        headers: {
          'user-agent': 'Mozilla/5.0 (Macintosh) Firefox/133.0',
          authorization: 'Bearer live-token-xyz',
        },
      },
      context: { release: '2026.11.3', region: 'eu-west-1' },
      tags: { feature: kind.url.split('/')[1] ?? 'app' },
    };
  });
}
