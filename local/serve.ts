import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export type WebServer = { address: AddressInfo; close: () => Promise<void> };

/** Serves an app on `hostname:port` (0: a free one), turning "port taken" into a sentence instead of a stack trace. */
export function listen(
  fetch: Parameters<typeof serve>[0]['fetch'],
  port: number,
  hostname: string,
): Promise<WebServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname });
    server.once('listening', () =>
      resolve({
        address: server.address() as AddressInfo,
        close: () => new Promise((closed) => server.close(() => closed())),
      }),
    );
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} is already in use: stop what runs there or start with PORT=<another port>`
            : `cannot listen on ${hostname} port ${port}: ${err.message}`,
        ),
      ),
    );
  });
}
