import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withSecrets } from '../../functions/adapters/secrets';

/**
 * Secrets Manager cannot run here, so a loopback stand-in answers GetSecretValue (its JSON protocol);
 * the real SDK client (through Powertools Parameters) talks to it.
 */
describe('secrets from Secrets Manager', () => {
  let server: Server;
  const calls: { target?: string; body: { SecretId?: string } }[] = [];
  const secret = { SLACK_BOT_TOKEN: 'xoxb-from-secret', SLACK_SIGNING_SECRET: 'sig', OTHER: 'ignored' };

  beforeAll(async () => {
    server = createServer(async (req: IncomingMessage, res) => {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      calls.push({ target: req.headers['x-amz-target'] as string, body: JSON.parse(raw) });
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      res.end(JSON.stringify({ ARN: 'arn:x', Name: 'headsup', SecretString: JSON.stringify(secret) }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('merges the secret’s known keys over the environment, reading it once while cached', async () => {
    const env = {
      HEADSUP_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:headsup',
      SLACK_BOT_TOKEN: 'old',
    };
    const merged = await withSecrets(env);
    expect(merged.SLACK_BOT_TOKEN).toBe('xoxb-from-secret');
    expect(merged.SLACK_SIGNING_SECRET).toBe('sig');
    expect(merged.OTHER).toBeUndefined();
    await withSecrets(env);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual({
      target: 'secretsmanager.GetSecretValue',
      body: { SecretId: env.HEADSUP_SECRET_ARN },
    });
  });

  it('treats a placeholder left from the deploy as missing, so start-up names the variable', async () => {
    secret.SLACK_SIGNING_SECRET = 'REPLACE_ME';
    const merged = await withSecrets({
      HEADSUP_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:other',
    });
    expect(merged.SLACK_SIGNING_SECRET).toBeUndefined();
  });

  it('leaves the environment alone when no secret is configured (the local stack)', async () => {
    expect(await withSecrets({ SLACK_BOT_TOKEN: 'xoxb-local' })).toEqual({ SLACK_BOT_TOKEN: 'xoxb-local' });
  });
});
