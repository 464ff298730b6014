import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { withSecrets } from '../../functions/adapters/secrets';
import { depsFollowingSecrets } from '../../functions/handlers/lambda-support';

/**
 * Secrets Manager cannot run here, so a loopback stand-in answers GetSecretValue (its JSON protocol);
 * the real SDK client (through Powertools Parameters) talks to it.
 */
describe('secrets from Secrets Manager', () => {
  let server: Server;
  const calls: { target?: string; body: { SecretId?: string } }[] = [];
  const secrets: Record<string, Record<string, string>> = {
    'arn:tokens': {
      SLACK_BOT_TOKEN: 'xoxb-from-secret',
      INTERCOM_TOKEN: 'ic-token',
      SLACK_SIGNING_SECRET: 'misplaced',
    },
    'arn:webhooks': { SLACK_SIGNING_SECRET: 'sig-from-webhooks', HELPSCOUT_SECRET: 'REPLACE_ME' },
    'arn:ingest': { HEADSUP_INGEST_KEYS: 'generated-key-0123456789', OTHER: 'ignored' },
  };

  beforeAll(async () => {
    server = createServer(async (req: IncomingMessage, res) => {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const body = JSON.parse(raw) as { SecretId: string };
      calls.push({ target: req.headers['x-amz-target'] as string, body });
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      res.end(
        JSON.stringify({
          ARN: body.SecretId,
          Name: body.SecretId,
          SecretString: JSON.stringify(secrets[body.SecretId]),
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('takes from each secret only the keys it is for, and reads each once while cached', async () => {
    const env = {
      HEADSUP_SECRET_ARN: 'arn:tokens',
      HEADSUP_WEBHOOK_SECRET_ARN: 'arn:webhooks',
      HEADSUP_INGEST_SECRET_ARN: 'arn:ingest',
      SLACK_BOT_TOKEN: 'old',
    };
    const merged = await withSecrets(env);
    expect(merged).toMatchObject({
      SLACK_BOT_TOKEN: 'xoxb-from-secret',
      INTERCOM_TOKEN: 'ic-token',
      SLACK_SIGNING_SECRET: 'sig-from-webhooks', // not the copy misplaced in the tokens secret
      HEADSUP_INGEST_KEYS: 'generated-key-0123456789',
    });
    expect(merged.OTHER).toBeUndefined();
    // A placeholder left from the deploy counts as missing, so start-up names the variable to set.
    expect(merged.HELPSCOUT_SECRET).toBeUndefined();
    await withSecrets(env);
    expect(calls).toHaveLength(3);
    expect(calls.every((c) => c.target === 'secretsmanager.GetSecretValue')).toBe(true);
    expect(calls.map((c) => c.body.SecretId).sort()).toEqual(['arn:ingest', 'arn:tokens', 'arn:webhooks']);
  });

  it('leaves the environment alone when no secret is configured (the local stack)', async () => {
    expect(await withSecrets({ SLACK_BOT_TOKEN: 'xoxb-local' })).toEqual({ SLACK_BOT_TOKEN: 'xoxb-local' });
  });

  it('rebuilds a warm container’s collaborators when a secret value changes, and only then', async () => {
    const builds: (string | undefined)[] = [];
    const getDeps = depsFollowingSecrets((env) => {
      builds.push(env.HEADSUP_INGEST_KEYS);
      return { keys: env.HEADSUP_INGEST_KEYS };
    });
    process.env.HEADSUP_INGEST_SECRET_ARN = 'arn:ingest';
    try {
      clearCaches();
      expect(await getDeps()).toEqual({ keys: 'generated-key-0123456789' });
      expect(await getDeps()).toEqual({ keys: 'generated-key-0123456789' });
      secrets['arn:ingest'] = { HEADSUP_INGEST_KEYS: 'rotated-key-0123456789' };
      clearCaches(); // the secret's cache age has passed
      expect(await getDeps()).toEqual({ keys: 'rotated-key-0123456789' });
      expect(builds).toEqual(['generated-key-0123456789', 'rotated-key-0123456789']);
    } finally {
      delete process.env.HEADSUP_INGEST_SECRET_ARN;
    }
  });
});
