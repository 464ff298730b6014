import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');

/** Node's arguments that run the `headsup` CLI from source, as `npm start` does (through tsx). */
export function headsupArgs(...args: string[]): string[] {
  return [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'bin/headsup.ts'), ...args];
}

/** Runs the CLI to its end from the repository root: its exit status and what it printed. */
export function runHeadsup(args: string[], options: { env?: NodeJS.ProcessEnv; timeout?: number } = {}) {
  return spawnSync(process.execPath, headsupArgs(...args), { cwd: ROOT, encoding: 'utf8', ...options });
}
