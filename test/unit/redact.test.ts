import {
  CUT_MARGIN_CHARS,
  isSensitiveKey,
  MAX_NODES,
  REDACT_WINDOW_CHARS,
  REDACTED,
  redactEvent,
  redactRawBody,
  redactText,
  redactValue,
} from '../../common/redact';
import type { ErrorEvent } from '../../functions/core/event-schema';
import { limitEventSize, STORE_LIMITS } from '../../functions/core/limit-size';

describe('redactText', () => {
  it.each([
    ['login failed & password=hunter2', 'hunter2'],
    ['GET /api?token=abc123&page=2', 'abc123'],
    ['header Authorization: Bearer abc.def', 'abc.def'],
    ['connect postgres://app:s3cr3t@db.internal/prod', 's3cr3t'],
    ['charged 4242 4242 4242 4242 twice', '4242 4242 4242 4242'],
    ['{"api_key": "AKIA123"}', 'AKIA123'],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig_nature here', 'eyJhbGciOiJIUzI1NiJ9'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----', 'MIIEow'],
    // connection strings
    ['cache redis://:hunter2@cache.internal:6379/0', 'hunter2'],
    ['db postgres://u:p@ss@db.internal/app', 'p@ss'],
    ['mongo mongodb+srv://user:pw1234@cluster0.x.mongodb.net/test', 'pw1234'],
    ['queue amqp://u:pw42@h', 'pw42'],
    // AWS
    ['key AKIAIOSFODNN7EXAMPLE in use', 'AKIAIOSFODNN7EXAMPLE'],
    ['temp ASIAIOSFODNN7EXAMPL2 in use', 'ASIAIOSFODNN7EXAMPL2'],
    ['aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI'],
    // Stripe
    ['Invalid API Key provided: sk_live_4eC39HqLyjWDarjtT1zdp7dc', '4eC39HqLyjWDarjtT1zdp7dc'],
    ['Invalid API Key provided: sk_live_********************7dc2', '7dc2'],
    ['restricted rk_live_51HabcdefghIJKLmnop', 'rk_live_51Habcdefgh'],
    ['test key sk_test_4eC39HqLyjWDarjtT1zdp7dc', 'sk_test_4eC39'],
    ['publishable pk_live_51HabcdefghIJKLmnop', 'pk_live_51Habcdefgh'],
    // Slack
    ['slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx failed', 'AbCdEfGhIjKl'],
    ['user xoxp-123456789012-1234567890123-abcdef', 'xoxp-1234'],
    ['app xapp-1-A0123ABCD-4567890123-abcdef0123456789', 'xapp-1-A0123'],
    ['POST https://hooks.slack.com/services/T0000AAAA/B0000BBBB/XXXXXXXXXXXXXXXXXXXXXXXX 404', 'T0000AAAA'],
    // secret query parameters
    ['GET https://maps.test/api?key=abcd1234 200', 'abcd1234'],
    ['GET https://x.test/a?page=2&api_key=abcd1234', 'abcd1234'],
    ['GET https://x.test/cb#access_token=abcd1234&state=1', 'abcd1234'],
    ['GET https://blob.test/f?sv=1&sig=abcd1234%3D&se=2', 'abcd1234'],
    ['GET https://x.test/hook?signature=abcd1234', 'abcd1234'],
    [
      'GET https://s3.test/o?X-Amz-Credential=AKIDEXAMPLE%2F2026&X-Amz-Signature=fe5f80f77d5f',
      'fe5f80f77d5f',
    ],
    ['GET https://s3.test/o?X-Amz-Credential=KIDEXAMPLE%2F2026', 'KIDEXAMPLE'],
    // vendor tokens
    ['gh ghp_abcdefghijklmnopqrstuvwxyz0123456789', 'ghp_abcdefghij'],
    ['gh gho_abcdefghijklmnopqrstuvwxyz0123456789', 'gho_abcdefghij'],
    ['gh ghs_abcdefghijklmnopqrstuvwxyz0123456789', 'ghs_abcdefghij'],
    ['gh ghu_abcdefghijklmnopqrstuvwxyz0123456789', 'ghu_abcdefghij'],
    ['gh ghr_abcdefghijklmnopqrstuvwxyz0123456789', 'ghr_abcdefghij'],
    ['gh github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'github_pat_11ABC'],
    ['gl glpat-abcdefghij0123456789', 'glpat-abcdef'],
    ['google AIzaSyA1234567890abcdefghijklmnopqrstuv', 'AIzaSyA12345'],
    ['sendgrid SG.abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyz0123456789abcdefg', 'SG.abcdefghij'],
    ['npm npm_abcdefghijklmnopqrstuvwxyz0123456789', 'npm_abcdefghij'],
    ['openai sk-abcdefghijklmnopqrstuvwxyz012345', 'sk-abcdefghij'],
    ['openai sk-proj-abcdefghijklmnopqrstuvwxyz012345', 'abcdefghijklmnop'],
    // auth schemes
    ['Basic dXNlcjpwYXNz sent', 'dXNlcjpwYXNz'],
    ['using Token abc123def456', 'abc123def456'],
    ['bearer eyJabc', 'eyJabc'],
    // PEM cut off before its END line
    ['key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nMIIEvQ', 'MIIEvQIBADANBg'],
    ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA', 'b3BlbnNzaC1rZXkt'],
    // cards (Luhn), with dashes
    ['card 4111-1111-1111-1111 declined', '4111-1111-1111-1111'],
    ['amex 378282246310005 ok', '378282246310005'],
  ])('removes the secret from %j', (text, secret) => {
    const out = redactText(text);
    expect(out).not.toContain(secret);
    expect(out).toMatch(/REDACTED/);
  });

  it.each([
    ['password=hunter2', 'password'],
    ['passwd: hunter2', 'passwd'],
    ['pwd=hunter2', 'pwd'],
    ['pass=hunter2', 'pass'],
    ['passphrase="hunter 2"', 'passphrase'],
    ['client_secret=hunter2', 'client_secret'],
    ['apikey=hunter2', 'apikey'],
    ['x-api-key: hunter2', 'x-api-key'],
    ['accessKey=hunter2', 'accessKey'],
    ['aws_access_key_id=hunter2', 'aws_access_key_id'],
    ['X-Access-Key: hunter2', 'X-Access-Key'],
    ['auth=hunter2', 'auth'],
    ['credentials: hunter2', 'credentials'],
    ['Cookie: sid=hunter2; theme=dark', 'Cookie'],
    ['Set-Cookie: sid=hunter2; Path=/', 'Set-Cookie'],
    ['sessionid=hunter2', 'sessionid'],
    ['refresh_token=hunter2', 'refresh_token'],
    ['private_key=hunter2', 'private_key'],
    ['MYSQL_PWD=hunter2', 'MYSQL_PWD'],
    ['csrf=hunter2', 'csrf'],
    ['XSRF-TOKEN=hunter2', 'XSRF-TOKEN'],
    ['dsn=hunter2', 'dsn'],
    ['otp: hunter2', 'otp'],
    ['pin=hunter2', 'pin'],
    ['ssn=hunter2', 'ssn'],
    ['connectionString=hunter2', 'connectionString'],
    ["{'password': 'hunter2'}", 'password'],
    ['{\\"password\\":\\"hunter2\\"}', 'password'],
    ['user[password]=hunter2&x=1', 'password'],
  ])('removes the value of %j in text', (text, key) => {
    const out = redactText(text);
    expect(out).not.toContain('hunter2');
    expect(out).toContain(key);
    expect(out).toContain(REDACTED);
  });

  it('keeps the user of a connection string and everything after the host', () => {
    expect(redactText('postgres://u:p@ss@db.internal/app?sslmode=require')).toBe(
      `postgres://u:${REDACTED}@db.internal/app?sslmode=require`,
    );
    expect(redactText('redis://:pw@cache:6379')).toBe(`redis://:${REDACTED}@cache:6379`);
    expect(redactText('https://hooks.slack.com/services/T0/B0/XYZ')).toBe(
      `https://hooks.slack.com/services/${REDACTED}`,
    );
  });

  it('leaves ordinary text, stacks, ids, emails, dates and URLs alone', () => {
    const ordinary = [
      'order 1234567890123 failed for passenger Ann (ref 4242)',
      'TypeError: Cannot read properties of undefined (reading "author")',
      'TokenExpiredError: jwt expired',
      'Token expired for the Basic plan; session timed out',
      '    at getToken (/srv/app/src/auth/token.js:10:5)\n    at Session.save (/srv/app/session.ts:99:1)',
      'commit 9f1c2d3e4b5a6978abcdef0123456789abcdef01 deployed',
      'request 123e4567-e89b-12d3-a456-426614174000 by fred.smith+billing@example.com',
      'at 2026-11-21T09:00:00.000Z (timestamp 1764619200000, 1764619200123)',
      'GET https://example.com/api/v1/users?page=2&sort=name#top 200',
      'git clone ssh://git@github.com/acme/app.git',
      'author=Ann authorName=Bo keys=3 monkey=4 bypass=5',
      'phone +49 30 1234 5678, ip 10.0.0.1, port :8080, ratio 3:2',
      'duration 12:30:00 and C++ Foo::bar and a => b and a == b',
    ];
    for (const text of ordinary) expect(redactText(text)).toBe(text);
  });

  it('can skip the card rule, for numeric ids', () => {
    expect(redactText('4242424242424242', { cards: false })).toBe('4242424242424242');
    expect(redactText('4242424242424242')).toBe('[REDACTED card]');
  });
});

describe('isSensitiveKey', () => {
  it('matches secret words by segment, and short words only whole', () => {
    for (const key of [
      'password',
      'userPassword',
      'DB_PASS',
      'x-api-key',
      'authToken',
      'X-Auth',
      'oauth_code',
    ])
      expect(isSensitiveKey(key)).toBe(true);
    for (const key of [
      'author',
      'authorName',
      'passenger',
      'bypass',
      'spin',
      'key',
      'keys',
      'monkey',
      'name',
    ])
      expect(isSensitiveKey(key)).toBe(false);
    expect(isSensitiveKey('key', true)).toBe(true); // `?key=` in a URL
  });
});

describe('redactValue', () => {
  it('drops whole values under sensitive keys, at any depth', () => {
    const out = redactValue({ user: { password: 'x', profile: { apiKey: { nested: 1 } } }, Cookie: 'sid=1' });
    expect(out).toEqual({ user: { password: REDACTED, profile: { apiKey: REDACTED } }, Cookie: REDACTED });
  });

  it('redacts header lists by the name next to the value', () => {
    const out = redactValue({
      har: [
        { name: 'Authorization', value: 'Bearer-ish secret1' },
        { name: 'Accept', value: 'application/json' },
      ],
      fetch: [{ key: 'x-api-key', value: 'secret2' }],
      pairs: [
        ['cookie', 'secret3'],
        ['host', 'example.com'],
      ],
      rawHeaders: ['Host', 'example.com', 'Set-Cookie', 'secret4'],
      author: 'Ann',
    });
    const json = JSON.stringify(out);
    for (const secret of ['secret1', 'secret2', 'secret3', 'secret4']) expect(json).not.toContain(secret);
    expect(json).toContain('application/json');
    expect(json).toContain('"host","example.com"');
    expect(json).toContain('"Host","example.com"');
    expect(json).toContain('"author":"Ann"');
  });

  it('bounds its work on shared and cyclic object graphs', () => {
    let shared: Record<string, unknown> = { leaf: 'password=x' };
    for (let i = 0; i < 40; i++) shared = { a: shared, b: shared }; // 2^40 paths, 41 objects
    const cyclic: Record<string, unknown> = { note: 'ok' };
    cyclic.self = cyclic;
    expect(JSON.stringify(redactValue(shared)).length).toBeLessThan(5_000_000);
    expect(JSON.stringify(redactValue(cyclic))).toContain('nested too deep');
  });
});

describe('keys that scrub alike', () => {
  const db = (pw: string) => `postgres://app:${pw}@db.internal/x`;
  const DB = db(REDACTED);

  it('stay apart as #2, #3, …, each text counted on its own, skipping a name the input already holds', () => {
    const out = redactValue({
      [db('pw1')]: 1,
      'sk-abcdefghijklmnopqrstuvwxyz012345': 2,
      [`${DB} #3`]: 3, // scrubs to itself: kept, so the next clash must skip #3
      [db('pw2')]: 4,
      'sk-abcdefghijklmnopqrstuvwxyz012346': 5,
      [db('pw3')]: 6,
      [db('pw4')]: 7,
    });
    expect(Object.entries(out as Record<string, unknown>)).toEqual([
      [DB, 1],
      [REDACTED, 2],
      [`${DB} #3`, 3],
      [`${DB} #2`, 4],
      [`${REDACTED} #2`, 5],
      [`${DB} #4`, 6],
      [`${DB} #5`, 7],
    ]);
  });

  it('thousands of them each keep their value under the next number', () => {
    const input: Record<string, number> = {};
    for (let i = 1; i <= 5000; i++) input[db(`pw${i}`)] = i;
    const out = redactValue(input) as Record<string, number>;
    const names = Array.from({ length: 5000 }, (_, i) => (i === 0 ? DB : `${DB} #${i + 1}`));
    expect(Object.keys(out)).toEqual(names);
    expect(Object.values(out)).toEqual(Object.values(input));
  });

  it('in header names and tag keys too', () => {
    const sk = (n: number) => `x-sk-abcdefghijklmnopqrstuvwxyz01234${n}`;
    const out = redactEvent(
      event({ request: { headers: { [sk(1)]: 'a', [sk(2)]: 'b' } }, tags: { [sk(1)]: 'c', [sk(2)]: 'd' } }),
    );
    expect(out.request?.headers).toEqual({ [`x-${REDACTED}`]: 'a', [`x-${REDACTED} #2`]: 'b' });
    expect(out.tags).toEqual({ [`x-${REDACTED}`]: 'c', [`x-${REDACTED} #2`]: 'd' });
  });
});

describe('the node budget counts keys', () => {
  it('one object of many keys keeps the first ones and says how many it dropped', () => {
    const input = Object.fromEntries(Array.from({ length: 3 * MAX_NODES }, (_, i) => [`k${i}`, i]));
    const out = redactValue(input) as Record<string, unknown>;
    const kept = Object.keys(out);
    // The object itself is one node, each key one more.
    expect(kept).toHaveLength(MAX_NODES);
    expect(kept.slice(0, 3)).toEqual(['k0', 'k1', 'k2']);
    expect(out[kept.at(-2)!]).toBe(MAX_NODES - 2);
    expect(out['[too many values]']).toBe(`${2 * MAX_NODES + 1} more keys`);
  });

  it('keys spend the budget of what comes after them', () => {
    const wide = Object.fromEntries(Array.from({ length: MAX_NODES }, (_, i) => [`k${i}`, 1]));
    const inObject = redactValue({ wide, after: { note: 'x' }, last: 1 }) as Record<string, unknown>;
    expect(Object.keys(inObject)).toEqual(['wide', '[too many values]']);
    expect(inObject['[too many values]']).toBe('2 more keys');
    // Arrays keep their length: containers past the budget are replaced, strings still scrubbed.
    expect((redactValue([wide, { note: 'x' }, 'token=abc']) as unknown[]).slice(1)).toEqual([
      '[too many values]',
      `token=${REDACTED}`,
    ]);
  });

  it('a name already in the object is not overwritten by the marker', () => {
    const input: Record<string, unknown> = { '[too many values]': 'mine' };
    for (let i = 0; i < MAX_NODES; i++) input[`k${i}`] = i;
    const out = redactValue(input) as Record<string, unknown>;
    expect(out['[too many values]']).toBe('mine');
    expect(out['[too many values] #2']).toBe('2 more keys');
  });
});

const event = (over: Partial<ErrorEvent>): ErrorEvent => ({
  app: 'a',
  environment: 'production',
  level: 'error',
  error: { type: 'E', message: 'm' },
  ...over,
});

describe('redactEvent', () => {
  it('scrubs message, stack, causes, request, context and tags but keeps the user', () => {
    const json = JSON.stringify(
      redactEvent(
        event({
          error: {
            type: 'E',
            message: 'password=one',
            stack: 'at f (token=two)',
            cause: { message: 'Bearer three' },
          },
          user: { email: 'fred@example.com' },
          request: {
            url: 'https://x.test/?secret=four',
            headers: { authorization: 'Bearer five', accept: 'json' },
          },
          context: { session: 'six', note: 'csrf=seven' },
          tags: { api_key: 'eight' },
        }),
      ),
    );
    for (const secret of ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight']) {
      expect(json).not.toContain(`${secret}"`);
      expect(json).not.toMatch(new RegExp(`[=: ]${secret}\\b`));
    }
    expect(json).toContain('fred@example.com');
    expect(json).toContain('"accept":"json"');
  });

  it('scrubs every text field, down the whole cause chain', () => {
    const secret = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
    let cause: ErrorEvent['error'] = { type: secret, message: secret, code: secret, stack: secret };
    for (let i = 0; i < 5; i++) cause = { message: 'wrapped', cause };
    const out = redactEvent(
      event({
        error: cause,
        user: { id: secret, email: 'ann@example.com', name: secret },
        company: { id: secret, name: secret, slug: secret, plan: secret },
        request: { method: secret, url: `https://x.test/${secret}`, headers: { 'x-note': [secret] } },
        context: { list: [{ deep: secret }] },
        tags: { release: secret, token: 'abc' },
        fingerprint: [secret],
      }),
    );
    expect(JSON.stringify(out)).not.toContain('4eC39');
    expect(out.tags?.token).toBe(REDACTED);
    expect(out.user?.email).toBe('ann@example.com');
  });

  it('does not take numeric ids for card numbers', () => {
    const id = '4242424242424242';
    const out = redactEvent(
      event({ error: { message: `card ${id}`, code: id }, user: { id }, company: { id } }),
    );
    expect(out.user?.id).toBe(id);
    expect(out.company?.id).toBe(id);
    expect(out.error.code).toBe(id);
    expect(out.error.message).toBe('card [REDACTED card]');
  });

  it('never keeps a fragment of a secret cut where an oversized field is windowed', () => {
    const secret = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
    const window = REDACT_WINDOW_CHARS + CUT_MARGIN_CHARS;
    // Every cut position through the token; a long redacted blob first makes the rest move forward.
    for (let offset = 0; offset <= secret.length; offset += 4) {
      const pem = `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(20_000)}\n-----END PRIVATE KEY-----\n`;
      const head = pem + 'x '.repeat((window - pem.length - offset) / 2);
      const stack = `${head}${secret} ${'y'.repeat(50_000)}`;
      const out = limitEventSize(redactEvent(event({ error: { message: 'm', stack } })));
      expect(out.error.stack?.length).toBeLessThanOrEqual(STORE_LIMITS.stackChars);
      expect(out.error.stack).not.toMatch(/ghp_|abcdefgh/);
    }
    expect(STORE_LIMITS.stackChars + CUT_MARGIN_CHARS).toBeLessThanOrEqual(REDACT_WINDOW_CHARS);
  });
});

describe('redactRawBody', () => {
  it('scrubs JSON bodies as values and other bodies as text', () => {
    const json = redactRawBody('{"app":"a","context":{"password":{"x":"y"},"note":"token=abc"}}');
    expect(JSON.parse(json)).toEqual({
      app: 'a',
      context: { password: REDACTED, note: `token=${REDACTED}` },
    });
    const broken = redactRawBody('{"app":"a","password":"hunter2","api_key": "k2", "error": ');
    expect(broken).not.toMatch(/hunter2|k2/);
    expect(broken).toContain('"password":"[REDACTED]"');
  });
});
