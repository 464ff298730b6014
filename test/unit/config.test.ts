import { ConfigError } from '../../functions/config/error';
import { loadNotifyConfig, loadTriageConfig, loadWebConfig } from '../../functions/config/functions';
import { Setting } from '../../functions/config/setting';
import * as settings from '../../functions/config/settings';
import { HELP_SCOUT_SIGNING, SLACK_SIGNING } from '../../functions/web/middleware/signing-schemes';
import { SECRETS } from '../../lib/definitions';
import { DEV_INGEST_KEY, localIngestKey } from '../../local/dev-key';

const good = {
  HEADSUP_TABLE: 'headsup',
  HEADSUP_ERRORS_QUEUE_URL: 'http://localhost:4566/000000000000/errors',
  HEADSUP_ERRORS_DLQ_URL: 'http://localhost:4566/000000000000/errors-dlq',
  SLACK_BOT_TOKEN: 'xoxb-1',
  SLACK_CHANNEL: 'C0123456789',
  HEADSUP_PUBLIC_URL: 'https://headsup.example.com/',
  HEADSUP_NOTIFY_QUEUE_URL: 'http://localhost:4566/000000000000/notify',
};

type Loader = (env: Record<string, string | undefined>) => unknown;

function errorFor(env: Record<string, string | undefined>, load: Loader = loadTriageConfig): string {
  try {
    load(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a configuration error');
}

const INGEST_KEYS_RULE =
  'expected comma-separated keys of 16 to 512 printable ASCII characters each (no spaces, no commas inside a key)';

/** The environments of the web app and of notify, beside triage's `good`. */
const webEnv = {
  HEADSUP_TABLE: 't1',
  HEADSUP_ERRORS_QUEUE_URL: good.HEADSUP_ERRORS_QUEUE_URL,
  HEADSUP_NOTIFY_QUEUE_URL: good.HEADSUP_NOTIFY_QUEUE_URL,
  HEADSUP_INGEST_KEYS: 'key-one-0123456789',
};
const notifyEnv = {
  HEADSUP_TABLE: 't1',
  INTERCOM_TOKEN: 'dG9rOmFiYw==',
  INTERCOM_ADMIN_ID: '991',
  SLACK_BOT_TOKEN: 'xoxb-1',
  HEADSUP_PUBLIC_URL: 'https://h.example.com',
  HEADSUP_NOTIFY_QUEUE_URL: good.HEADSUP_NOTIFY_QUEUE_URL,
};

/** Every configuration error is one line and never prints the value when it is secret (or may hold one). */
function expectOneLineWithout(message: string, value: string): void {
  expect(message).not.toMatch(/[\r\n]/);
  expect(message).not.toContain(value.trim());
}

describe('configuration', () => {
  it('reads a good environment, with defaults and normalised URLs', () => {
    const config = loadTriageConfig({ ...good, SLACK_API_URL: 'http://127.0.0.1:9/api' });
    expect(config.linkTtlSeconds).toBe(86400);
    expect(config.messages.publicUrl).toBe('https://headsup.example.com');
    expect(config.templatesDir).toBe('templates');
    expect(config.slack.apiUrl).toBe('http://127.0.0.1:9/api/');
    expect(loadTriageConfig({ ...good, HEADSUP_LINK_TTL: '15m' }).linkTtlSeconds).toBe(900);
  });

  it.each([
    [
      { SLACK_CHANNEL: undefined },
      'Configuration error: SLACK_CHANNEL missing — expected a Slack channel id',
    ],
    [{ SLACK_CHANNEL: '#alerts' }, 'Configuration error: SLACK_CHANNEL expected a Slack channel id'],
    [{ SLACK_BOT_TOKEN: '' }, 'Configuration error: SLACK_BOT_TOKEN empty — expected a Slack bot token'],
    [
      { HEADSUP_LINK_TTL: '1 day' },
      'Configuration error: HEADSUP_LINK_TTL "1 day" is not a duration — expected e.g. 24h',
    ],
    [
      { HEADSUP_PUBLIC_URL: 'headsup.example.com' },
      'Configuration error: HEADSUP_PUBLIC_URL expected the base URL',
    ],
  ])('fails with one line naming the variable: %j', (override, message) => {
    const text = errorFor({ ...good, ...override });
    expect(text.startsWith(message)).toBe(true);
    expect(text).not.toContain('\n');
  });

  it('reads the web app’s ingest keys, several at once for rotation', () => {
    const web = {
      HEADSUP_TABLE: 't1',
      HEADSUP_ERRORS_QUEUE_URL: good.HEADSUP_ERRORS_QUEUE_URL,
      HEADSUP_NOTIFY_QUEUE_URL: good.HEADSUP_NOTIFY_QUEUE_URL,
    };
    expect(
      loadWebConfig({ ...web, HEADSUP_INGEST_KEYS: ' key-one-0123456789 , key-two-0123456789 ' }),
    ).toMatchObject({
      tableName: 't1',
      errorsQueueUrl: good.HEADSUP_ERRORS_QUEUE_URL,
      notifyQueueUrl: good.HEADSUP_NOTIFY_QUEUE_URL,
      ingestKeys: ['key-one-0123456789', 'key-two-0123456789'],
      linkTtlSeconds: 86400,
    });
    expect(() => loadWebConfig(web)).toThrow(
      'Configuration error: HEADSUP_INGEST_KEYS missing — expected comma-separated ingest keys',
    );
    expect(() => loadWebConfig({ ...web, HEADSUP_INGEST_KEYS: 'short,key-two-0123456789' })).toThrow(
      `Configuration error: HEADSUP_INGEST_KEYS key 1 of 2 is shorter than 16 characters — ${INGEST_KEYS_RULE}`,
    );
  });

  it('reads the notify configuration and names a bad Intercom admin id', () => {
    const notify = notifyEnv;
    expect(loadNotifyConfig(notify)).toMatchObject({
      templatesDir: 'templates',
      notifyQueueUrl: good.HEADSUP_NOTIFY_QUEUE_URL,
      intercom: { adminId: '991' },
      messages: { publicUrl: 'https://h.example.com' },
    });
    expect(() => loadNotifyConfig({ ...notify, INTERCOM_ADMIN_ID: 'fred' })).toThrow(
      'Configuration error: INTERCOM_ADMIN_ID expected the numeric id of an Intercom admin',
    );
    expect(() => loadNotifyConfig({ ...notify, INTERCOM_TOKEN: undefined })).toThrow(
      'Configuration error: INTERCOM_TOKEN missing — expected an Intercom access token',
    );
  });

  it('gives the local stack’s first ingest key by the web app’s rule, the dev key when none is set', () => {
    expect(localIngestKey({})).toBe(DEV_INGEST_KEY);
    expect(localIngestKey({ HEADSUP_INGEST_KEYS: ' key-one-0123456789 , key-two-0123456789' })).toBe(
      'key-one-0123456789',
    );
    expect(() => localIngestKey({ HEADSUP_INGEST_KEYS: 'short' })).toThrow(
      new ConfigError(
        `Configuration error: HEADSUP_INGEST_KEYS key 1 of 1 is shorter than 16 characters — ${INGEST_KEYS_RULE}`,
      ),
    );
  });
});

describe('URL settings', () => {
  const url = 'the base URL of detail links, e.g. https://…';
  it.each([
    ['https://my host.example/path', `contains a space, line break or control character — expected ${url}`],
    ['https://h.example\nevil', `contains a space, line break or control character — expected ${url}`],
    ['https://h.example\tevil', `contains a space, line break or control character — expected ${url}`],
    ['https://user:PW-s3cret@h.example', `has a user name or password in it — expected ${url}`],
    ['https://PW-s3cret@h.example/base', `has a user name or password in it — expected ${url}`],
    ['https://h.example/?a=1', `has a query or fragment (?… or #…) — expected ${url}`],
    ['https://h.example/base?', `has a query or fragment (?… or #…) — expected ${url}`],
    ['https://h.example/#top', `has a query or fragment (?… or #…) — expected ${url}`],
    ['javascript:alert(1)', `expected ${url}`],
    ['ftp://h.example', `expected ${url}`],
    // The URL parser would take these; the text is not what a link should be built on.
    ['https:h.example', `expected ${url}`],
    ['https:///h.example', `expected ${url}`],
    ['http://127.0.0.1:99999', `expected ${url}`],
    ['', `empty — expected ${url}`],
  ])('refuses %j with one line that does not quote it', (value, problem) => {
    const text = errorFor({ ...good, HEADSUP_PUBLIC_URL: value });
    expect(text).toBe(`Configuration error: HEADSUP_PUBLIC_URL ${problem}`);
    expectOneLineWithout(text, value || 'never');
  });

  it('holds every URL setting to the same rule', () => {
    expect(errorFor({ ...good, HEADSUP_ERRORS_QUEUE_URL: 'https://sqs /q' })).toBe(
      'Configuration error: HEADSUP_ERRORS_QUEUE_URL contains a space, line break or control character — expected the errors queue URL, e.g. https://…',
    );
    expect(errorFor({ ...good, SLACK_API_URL: 'https://slack.com/api?x=1' })).toBe(
      'Configuration error: SLACK_API_URL has a query or fragment (?… or #…) — expected the Slack Web API base URL, e.g. https://…',
    );
    expect(
      errorFor({ ...notifyEnv, INTERCOM_API_URL: 'https://u:PW-s3cret@api.intercom.io' }, loadNotifyConfig),
    ).toBe(
      'Configuration error: INTERCOM_API_URL has a user name or password in it — expected the Intercom API base URL, e.g. https://…',
    );
  });

  it('reads a base URL with a path or a port, without its trailing slash', () => {
    const read = (value: string) =>
      loadTriageConfig({ ...good, HEADSUP_PUBLIC_URL: value }).messages.publicUrl;
    expect(read('https://h.example/base/')).toBe('https://h.example/base');
    expect(read('http://127.0.0.1:3000')).toBe('http://127.0.0.1:3000');
    expect(read('HTTPS://H.example')).toBe('HTTPS://H.example');
  });
});

describe('HEADSUP_LINK_TTL', () => {
  const ttl = (value: string) => loadTriageConfig({ ...good, HEADSUP_LINK_TTL: value }).linkTtlSeconds;
  const rule = 'expected from 1m to 30d, e.g. 24h, 15m or 90s';

  it('reads lifetimes from 1 minute to 30 days', () => {
    expect(ttl('1m')).toBe(60);
    expect(ttl('90s')).toBe(90);
    expect(ttl('30d')).toBe(30 * 86400);
    expect(ttl('720h')).toBe(30 * 86400);
  });

  it.each([
    ['0s', 'is too short'],
    ['000m', 'is too short'],
    ['59s', 'is too short'],
    ['31d', 'is too long'],
    ['721h', 'is too long'],
    ['99999d', 'is too long'],
    // Beyond what a Date can hold: every detail page would have thrown a RangeError.
    ['9999999999d', 'is too long'],
    ['99999999999999999999999s', 'is too long'],
  ])('refuses %j: it %s', (value, problem) => {
    expect(errorFor({ ...good, HEADSUP_LINK_TTL: value })).toBe(
      `Configuration error: HEADSUP_LINK_TTL "${value}" ${problem} — ${rule}`,
    );
  });

  it('quotes a value that is no duration as JSON, clipped: a line break cannot break the line', () => {
    const text = errorFor({ ...good, HEADSUP_LINK_TTL: 'x\n'.repeat(50) });
    expect(text).toBe(
      `Configuration error: HEADSUP_LINK_TTL "${'x\\n'.repeat(19)}x…" is not a duration — expected e.g. 24h, 15m or 90s, from 1m to 30d`,
    );
    expect(text).not.toMatch(/\n/);
  });
});

describe('HEADSUP_INAPP_SEEN_WITHIN', () => {
  const within = (value?: string) =>
    loadNotifyConfig({ ...notifyEnv, HEADSUP_INAPP_SEEN_WITHIN: value }).intercom.inappSeenWithinSeconds;

  it('reads 30 minutes when unset, and durations from 1 minute to 30 days', () => {
    expect(within()).toBe(30 * 60);
    expect(within('1m')).toBe(60);
    expect(within('2h')).toBe(7200);
    expect(within('30d')).toBe(30 * 86400);
  });

  it.each([
    ['30 minutes', 'is not a duration — expected e.g. 30m, 2h or 1d, from 1m to 30d'],
    ['', 'is not a duration — expected e.g. 30m, 2h or 1d, from 1m to 30d'],
    ['30s', 'is too short — expected from 1m to 30d, e.g. 30m, 2h or 1d'],
    ['31d', 'is too long — expected from 1m to 30d, e.g. 30m, 2h or 1d'],
  ])('stops start-up on %j with one line naming the variable', (value, problem) => {
    const message = errorFor({ ...notifyEnv, HEADSUP_INAPP_SEEN_WITHIN: value }, loadNotifyConfig);
    expect(message).toBe(
      `Configuration error: HEADSUP_INAPP_SEEN_WITHIN ${JSON.stringify(value)} ${problem}`,
    );
  });
});

describe('ingest keys', () => {
  const keysError = (value: string) => errorFor({ ...webEnv, HEADSUP_INGEST_KEYS: value }, loadWebConfig);

  it.each([
    ['ключ-ключ-ключ-ключ-ключ', 'key 1 of 1 contains a space, a control or a non-ASCII character'],
    ['ingest-key-0123456789\u0000abc', 'key 1 of 1 contains a space, a control or a non-ASCII character'],
    [
      'key-one-0123456789,ingest key 0123456789',
      'key 2 of 2 contains a space, a control or a non-ASCII character',
    ],
    ['A'.repeat(513), 'key 1 of 1 is longer than 512 characters'],
    [' , ,', 'has no key'],
  ])('refuses %j without quoting a key', (value, problem) => {
    const text = keysError(value);
    expect(text).toBe(`Configuration error: HEADSUP_INGEST_KEYS ${problem} — ${INGEST_KEYS_RULE}`);
    for (const key of value.split(',').filter((k) => k.trim())) expectOneLineWithout(text, key);
  });

  it('refuses a key listed twice, by position', () => {
    const text = keysError('key-one-0123456789, key-two-0123456789 ,key-one-0123456789');
    expect(text).toBe(
      `Configuration error: HEADSUP_INGEST_KEYS key 3 of 3 repeats key 1 — ${INGEST_KEYS_RULE}, each once`,
    );
    expectOneLineWithout(text, 'key-one-0123456789');
  });

  it('reads keys of 16 and of 512 printable ASCII characters, punctuation included', () => {
    const keys = ['!"#$%&\'()*+-./:;', `~${'z'.repeat(511)}`];
    expect(loadWebConfig({ ...webEnv, HEADSUP_INGEST_KEYS: keys.join(',') }).ingestKeys).toEqual(keys);
  });
});

describe('tokens and secrets', () => {
  const secret = 'PW-s3cret-value-0123456789';

  it.each([
    ['SLACK_BOT_TOKEN', 'a Slack bot token (xoxb-…)', loadTriageConfig, good],
    ['INTERCOM_TOKEN', 'an Intercom access token', loadNotifyConfig, notifyEnv],
    ['SLACK_SIGNING_SECRET', 'the Slack app signing secret (Basic Information)', loadWebConfig, webEnv],
    [
      'HELPSCOUT_SECRET',
      'the Help Scout app secret, 8 to 40 characters (Help Scout allows at most 40)',
      loadWebConfig,
      webEnv,
    ],
  ] as const)(
    '%s: blank, or with whitespace or non-ASCII inside, is refused without quoting it',
    (variable, what, load, env) => {
      expect(errorFor({ ...env, [variable]: ' \t\n ' }, load)).toBe(
        `Configuration error: ${variable} blank — expected ${what}`,
      );
      for (const value of [
        `${secret.slice(0, 8)} ${secret.slice(8)}`,
        `${secret}\n${secret}`,
        `${secret}é`,
      ]) {
        const text = errorFor({ ...env, [variable]: value }, load);
        expect(text).toBe(
          `Configuration error: ${variable} contains a space, line break or non-ASCII character — expected ${what}`,
        );
        expectOneLineWithout(text, secret.slice(8));
      }
    },
  );

  it('drops whitespace around a token or secret (a pasted line break)', () => {
    expect(loadTriageConfig({ ...good, SLACK_BOT_TOKEN: ' xoxb-1\n' }).slack.token).toBe('xoxb-1');
    expect(loadNotifyConfig({ ...notifyEnv, INTERCOM_TOKEN: 'dG9rOmFiYw==\r\n' }).intercom.token).toBe(
      'dG9rOmFiYw==',
    );
    const web = loadWebConfig({
      ...webEnv,
      SLACK_SIGNING_SECRET: `${secret}\n`,
      HELPSCOUT_SECRET: ` ${secret}`,
    });
    expect(web).toMatchObject({ slackSigningSecret: secret, helpScoutSecret: secret });
  });

  it('keeps the length rules, counted without the surrounding whitespace', () => {
    expect(errorFor({ ...webEnv, SLACK_SIGNING_SECRET: ` ${'a'.repeat(15)} ` }, loadWebConfig)).toBe(
      'Configuration error: SLACK_SIGNING_SECRET expected the Slack app signing secret (Basic Information)',
    );
    expect(errorFor({ ...webEnv, HELPSCOUT_SECRET: `${'a'.repeat(7)}\n` }, loadWebConfig)).toMatch(
      /^Configuration error: HELPSCOUT_SECRET expected the Help Scout app secret, 8 to 40 characters/,
    );
  });

  it('refuses a blank table name or templates folder too', () => {
    expect(errorFor({ ...good, HEADSUP_TABLE: '   ' })).toBe(
      'Configuration error: HEADSUP_TABLE blank — expected the DynamoDB table name',
    );
    expect(errorFor({ ...good, HEADSUP_TEMPLATES: '' })).toBe(
      'Configuration error: HEADSUP_TEMPLATES empty — expected the folder of the fix templates',
    );
  });
});

/*
 * Names that live where a setting cannot be imported, held to the settings here: lib/definitions.ts is
 * plain data the runtime reads (and settings.ts reads it), the web middleware may not import the config.
 */
describe('setting names outside settings.ts', () => {
  const variables = Object.values(settings).flatMap((value) => (value instanceof Setting ? [value.env] : []));
  const secretKeys = Object.values(SECRETS).flatMap((secret) => secret.keys);

  it('every key of a secret is a setting’s variable, and every secret setting is held by a secret', () => {
    expect(secretKeys.filter((key) => !variables.includes(key))).toEqual([]);
    // A secret setting says so by its name, the convention the stack test's "no secret in a function's
    // environment" check relies on too.
    const secretLooking = variables.filter((name) => /TOKEN|SECRET|KEY/.test(name));
    expect(secretLooking.sort()).toEqual([...secretKeys].sort());
  });

  it('each signing scheme names the setting that holds its secret', () => {
    expect(SLACK_SIGNING.secretSetting).toBe(settings.slackSigningSecret.env);
    expect(HELP_SCOUT_SIGNING.secretSetting).toBe(settings.helpScoutSecret.env);
  });
});
