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

function errorFor(env: Record<string, string | undefined>): string {
  try {
    loadTriageConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a configuration error');
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
      'Configuration error: HEADSUP_INGEST_KEYS expected comma-separated keys of at least 16 characters each',
    );
  });

  it('reads the notify configuration and names a bad Intercom admin id', () => {
    const notify = {
      HEADSUP_TABLE: 't1',
      INTERCOM_TOKEN: 'dG9rOmFiYw==',
      INTERCOM_ADMIN_ID: '991',
      SLACK_BOT_TOKEN: 'xoxb-1',
      HEADSUP_PUBLIC_URL: 'https://h.example.com',
    };
    expect(loadNotifyConfig(notify)).toMatchObject({
      templatesDir: 'templates',
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
        'Configuration error: HEADSUP_INGEST_KEYS expected comma-separated keys of at least 16 characters each',
      ),
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
