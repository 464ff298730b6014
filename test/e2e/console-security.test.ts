import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { GetQueueUrlCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { CONSOLE_TOKEN_HEADER, consoleTokenFrom } from '../../local/console/page';
import { queueDepth } from '../../local/queue-depth';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { eventually } from '../support/recording-server';

type Answer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/**
 * One raw HTTP request to the stack on 127.0.0.1, every header as given (fetch would not let a test
 * forge Host): the Host is `localhost:PORT` unless `headers.host` says otherwise.
 */
function send(
  stack: LocalStack,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  const { port } = stack.address;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { host: `localhost:${port}`, ...options.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** This machine's addresses other than loopback (a container usually has one, a laptop several). */
function otherLocalAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((nic) => nic ?? [])
    .filter((a) => !a.internal && a.family === 'IPv4')
    .map((a) => a.address);
}

/** Whether a TCP connection to `address:port` is accepted. */
function accepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

describe('the dev console answers only its own page, on this machine', () => {
  let stack: LocalStack;
  let token: string;
  let json: (extra?: Record<string, string>) => Record<string, string>;
  const log: string[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, env: {}, log: (line) => log.push(line) });
    const page = await send(stack, '/');
    expect(page.status).toBe(200);
    token = consoleTokenFrom(page.body)!;
    json = (extra = {}) => ({ 'content-type': 'application/json', [CONSOLE_TOKEN_HEADER]: token, ...extra });
  });
  afterAll(() => stack?.stop());

  /** What the pipeline received so far: messages on the errors queue (any state) and Slack calls. */
  async function received() {
    return {
      queued: await queueDepth(stack.aws.sqs, stack.aws.errorsQueueUrl),
      slackPosts: stack.slackFake!.calls('chat.postMessage').length,
    };
  }

  it('listens on 127.0.0.1 only, and so do the Slack and Intercom stand-ins', async () => {
    expect(stack.address.address).toBe('127.0.0.1');
    expect(log.join('\n')).not.toContain('reachable from the network');
    const ports = [
      stack.address.port,
      Number(new URL(stack.slackFake!.url).port),
      Number(new URL(stack.intercomFake!.url).port),
    ];
    for (const port of ports) expect(await accepts('127.0.0.1', port)).toBe(true);
    // Through any other interface of this machine the same ports are closed.
    for (const address of otherLocalAddresses())
      for (const port of ports) expect(await accepts(address, port)).toBe(false);
    expect(new URL(stack.slackFake!.url).hostname).toBe('127.0.0.1');
    expect(new URL(stack.intercomFake!.url).hostname).toBe('127.0.0.1');
  });

  it('refuses a cross-origin POST, even with the token, and nothing reaches the pipeline', async () => {
    const res = await send(stack, '/console/sample', {
      method: 'POST',
      headers: json({ origin: 'https://evil.example' }),
      body: '{"count":3}',
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error).toMatch(/^cross-origin request refused: .*"https:\/\/evil\.example"/);
    const event = await send(stack, '/console/event', {
      method: 'POST',
      headers: json({ origin: 'null' }),
      body: JSON.stringify({ app: 'x', error: { message: 'from a sandboxed frame' }, user: { id: 'u' } }),
    });
    expect(event.status).toBe(403);
    // An accepted event would be on the queue (ready or in flight) until triage has posted it to Slack.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await received()).toEqual({ queued: 0, slackPosts: 0 });
  });

  it('refuses a body that is not JSON (what a cross-origin form or beacon can send) with 415', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const res = await send(stack, '/console/sample', {
        method: 'POST',
        headers: json({ 'content-type': type }),
        body: '{"count":3}',
      });
      expect(res.status).toBe(415);
      expect(JSON.parse(res.body)).toEqual({
        error: 'the dev console accepts only Content-Type: application/json',
      });
    }
    const missing = await send(stack, '/console/sample', {
      method: 'POST',
      headers: { [CONSOLE_TOKEN_HEADER]: token },
      body: '{"count":3}',
    });
    expect(missing.status).toBe(415);
  });

  it('refuses a Host that is not this machine (DNS rebinding), on the page and on the API', async () => {
    const port = stack.address.port;
    for (const host of [
      `evil.example:${port}`,
      `localhost:${port + 1}`,
      'localhost',
      `127.0.0.1.evil.example:${port}`,
    ]) {
      const api = await send(stack, '/console/state', { headers: json({ host }) });
      expect(api.status).toBe(403);
      expect(JSON.parse(api.body).error).toBe(
        `the dev console answers only on this machine: Host ${JSON.stringify(host)} is not a loopback address with port ${port} (open http://127.0.0.1:${port}/)`,
      );
      const page = await send(stack, '/', { headers: { host } });
      expect(page.status).toBe(403);
      expect(page.body).not.toContain(token);
      expect(page.body).toContain('answers only on this machine');
    }
    for (const host of [`127.0.0.1:${port}`, `127.1.2.3:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`])
      expect((await send(stack, '/console/state', { headers: json({ host }) })).status).toBe(200);
  });

  it('refuses a call without this run’s token', async () => {
    const none = await send(stack, '/console/state');
    expect(none.status).toBe(403);
    expect(JSON.parse(none.body).error).toMatch(/^missing or wrong x-headsup-console token: reload/);
    const wrong = await send(stack, '/console/sample', {
      method: 'POST',
      headers: json({ [CONSOLE_TOKEN_HEADER]: `${token.slice(0, -1)}x` }),
      body: '{"count":3}',
    });
    expect(wrong.status).toBe(403);
    expect(await received()).toEqual({ queued: 0, slackPosts: 0 });
  });

  it('serves the page uncached and unframeable, each run with a new random token', async () => {
    const page = await send(stack, '/');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(consoleTokenFrom(page.body)).toBe(token);
    expect(token).toMatch(/^[\w-]{43}$/);
    // The page's own script sends the token and a JSON body on every call.
    expect(page.body).toContain(`'${CONSOLE_TOKEN_HEADER}': TOKEN`);
    expect(page.body).toContain("'content-type': 'application/json'");
  });

  it('does what the page asks: GET / → token → POST /console/sample from its own origin', async () => {
    const origin = `http://localhost:${stack.address.port}`;
    const res = await send(stack, '/console/sample', {
      method: 'POST',
      headers: json({ origin }),
      body: '{"count":3}',
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ accepted: 3 });
    await stack.slackFake!.waitFor((f) => f.parents().length > 0, 20_000);
    const state = await send(stack, '/console/state', { headers: json({ origin }) });
    expect(state.status).toBe(200);
    expect(JSON.parse(state.body).slack.parents.length).toBeGreaterThan(0);
  });

  it('shows dead letters scrubbed of secrets and cut to 4 000 characters', async () => {
    const { QueueUrl } = await stack.aws.sqs.send(
      new GetQueueUrlCommand({ QueueName: 'headsup-errors-dlq' }),
    );
    const long = JSON.stringify({
      app: 'billing',
      error: { message: 'login failed for url https://app.example/login?user=ann&password=hunter2' },
      padding: 'x'.repeat(6000),
    });
    const short = 'not JSON: db_password=hunter2 Authorization: Bearer abc.def-123';
    const keyed = JSON.stringify({
      app: 'web',
      user: { id: 'u_1', password: 'hunter2' },
      token: 's3cr3t-value',
    });
    for (const MessageBody of [long, short, keyed])
      await stack.aws.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody }));
    const dead = await eventually(async () => {
      const res = await send(stack, '/console/state', { headers: json() });
      const { dlq } = JSON.parse(res.body) as { dlq: { queue: string; body: string }[] };
      const found = dlq.filter((d) => d.queue === 'headsup-errors-dlq');
      return found.length === 3 ? found.map((d) => d.body) : undefined;
    }, 10_000);
    const [shownLong, shownShort, shownKeyed] = [long, short, keyed].map(
      (sent) => dead.find((b) => b.slice(0, 12) === sent.slice(0, 12))!,
    );
    expect(dead.join('\n')).not.toMatch(/hunter2|s3cr3t-value|abc\.def-123/);
    expect(shownLong).toContain('password=[REDACTED]');
    expect(shownLong).toHaveLength(4001);
    expect(shownLong!.endsWith('…')).toBe(true);
    expect(shownShort).toBe('not JSON: db_password=[REDACTED] Authorization: [REDACTED]');
    expect(JSON.parse(shownKeyed!)).toEqual({
      app: 'web',
      user: { id: 'u_1', password: '[REDACTED]' },
      token: '[REDACTED]',
    });
  });
});

describe('HOST set to a non-loopback address on purpose', () => {
  let stack: LocalStack;
  const log: string[] = [];
  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, host: '0.0.0.0', env: {}, log: (line) => log.push(line) });
  });
  afterAll(() => stack?.stop());

  it('warns that the console is reachable from the network, and answers Host headers naming this machine', async () => {
    expect(stack.address.address).toBe('0.0.0.0');
    expect(log.find((l) => l.startsWith('warning:'))).toMatch(
      /^warning: HOST=0\.0\.0\.0 is not a loopback address: the dev console and the API are reachable from the network/,
    );
    const page = await send(stack, '/');
    const token = consoleTokenFrom(page.body)!;
    const port = stack.address.port;
    const state = (host: string) =>
      send(stack, '/console/state', { headers: { host, [CONSOLE_TOKEN_HEADER]: token } });
    expect((await state(`localhost:${port}`)).status).toBe(200);
    for (const address of otherLocalAddresses()) expect((await state(`${address}:${port}`)).status).toBe(200);
    expect((await state(`evil.example:${port}`)).status).toBe(403);
  });
});
