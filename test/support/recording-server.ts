import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Recorded = { path: string; headers: IncomingMessage['headers']; body: unknown };
export type Answer = { status: number; headers?: Record<string, string>; body?: unknown };
/** A fixed answer, or one computed from the request body (e.g. naming one of its event ids). */
export type Scripted = Answer | ((body: unknown) => Answer);

/**
 * A loopback HTTP server that records what it receives and answers from a script (then 202), for
 * testing a client's batching and retries against real sockets. One handle for many tests: each
 * `start` is a new server on a new port, with nothing received and no script.
 */
export class RecordingServer {
  url = '';
  received: Recorded[] = [];
  private script: Scripted[] = [];
  private server: Server | undefined;

  async start(): Promise<this> {
    // This server's own lists: one still closing from an earlier test records into its own.
    const received: Recorded[] = [];
    const script: Scripted[] = [];
    const server = createServer(async (req, res) => {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const body = raw ? JSON.parse(raw) : undefined;
      received.push({ path: req.url ?? '', headers: req.headers, body });
      const next = script.shift() ?? { status: 202, body: { accepted: [] } };
      const answer = typeof next === 'function' ? next(body) : next;
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(JSON.stringify(answer.body ?? {}));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    this.server = server;
    this.received = received;
    this.script = script;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  /** The next requests get these answers, in order. */
  answer(...answers: Scripted[]): void {
    this.script.push(...answers);
  }

  /** Every event received, across requests. */
  events(): { id: string }[] {
    return this.received.flatMap((r) => r.body as { id: string }[]);
  }

  close(): Promise<void> {
    const { server } = this;
    return new Promise((r) => (server ? server.close(() => r()) : r()));
  }
}

/** Polls until `check` returns (or resolves to) something truthy: no fixed sleeps in assertions. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
