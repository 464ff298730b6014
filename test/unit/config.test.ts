import { loadNotifyConfig, loadTriageConfig, loadWebConfig } from '../../functions/adapters/config';
import { ConfigError } from '../../functions/config/error';

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
});
