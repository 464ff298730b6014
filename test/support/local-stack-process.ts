import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { freePort } from '../../local/free-port';
import { withoutStackVariables } from '../../local/stack-env';
import { headsupArgs, ROOT } from './cli';

/** Java processes started, directly or not, by `pid`: the stack's own DynamoDB Local. */
export function javaDescendants(pid: number): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,comm='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .map(([p, pp, comm]) => ({ pid: Number(p), ppid: Number(pp), comm: comm ?? '' }));
  const family = new Set([pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of rows) {
      if (family.has(row.ppid) && !family.has(row.pid)) {
        family.add(row.pid);
        grew = true;
      }
    }
  }
  return rows.filter((r) => family.has(r.pid) && r.comm === 'java').map((r) => r.pid);
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export type StackProcess = {
  child: ChildProcess;
  port: number;
  url: string;
  readyMs: number;
  output: () => string;
  /** Ctrl-C, then the exit code (or the signal) once the process has ended. */
  interrupt: () => Promise<number | string>;
};

/** Starts `headsup start` (what `npm start` runs) as a child process and waits for its ready line. */
export async function startStackProcess(
  env: Record<string, string> = {},
  args: string[] = [],
  /** Working directory: where `--persist` keeps `.headsup/` (tests use a temporary one). */
  cwd = ROOT,
): Promise<StackProcess> {
  const port = await freePort();
  const started = Date.now();
  const child = spawn(process.execPath, headsupArgs('start', ...args), {
    cwd,
    env: { ...withoutStackOrJestVariables(process.env), PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal!)),
  );

  const readyMs = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready within 60 s:\n${output}`)), 60_000);
    child.stdout!.on('data', () => {
      if (output.includes('Heads-up is ready at')) {
        clearTimeout(timer);
        resolve(Date.now() - started);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before ready:\n${output}`));
    });
  });
  return {
    child,
    port,
    url: `http://localhost:${port}`,
    readyMs,
    output: () => output,
    interrupt: () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}

/** The stack builds its own resources, and is not a Jest worker. */
function withoutStackOrJestVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(withoutStackVariables(env)).filter(([k]) => !k.startsWith('JEST_')),
  );
}
