import { execFileSync } from 'node:child_process';

/** The SDK's warning about an old Node (this machine's 20, not Lambda's 24) is no part of the cost. */
const QUIET_ENV = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/** One fresh Node process that loads `file`: the milliseconds its `require` took. */
function initSample(file: string, nodeArgs: readonly string[]): number {
  return Number(
    execFileSync(
      process.execPath,
      [
        ...nodeArgs,
        '-e',
        `const t=process.hrtime.bigint();require(${JSON.stringify(file)});console.log(Number(process.hrtime.bigint()-t)/1e6)`,
      ],
      { encoding: 'utf8', env: QUIET_ENV },
    ).trim(),
  );
}

const tenth = (ms: number) => Math.round(ms * 10) / 10;

/**
 * How long Node takes to load a bundled Lambda (its module init: what a cold start pays before the
 * handler runs), in milliseconds to a tenth: the fastest of `runs` fresh processes, because a busy
 * machine only ever adds to it.
 */
export function moduleInitMs(file: string, runs = 5): number {
  return fastestModuleInits([file], runs)[0]!;
}

/**
 * `moduleInitMs` of several bundles that are to be compared, taken in turns (one process of each, then
 * the next round) so that a load burst on a shared machine falls on all of them alike instead of on
 * whichever was measured at the time. `nodeArgs` go before the script, e.g. `--enable-source-maps`,
 * which Lambda is given in NODE_OPTIONS.
 */
export function fastestModuleInits(
  files: readonly string[],
  runs = 5,
  nodeArgs: readonly string[] = [],
): number[] {
  const fastest = files.map(() => Number.POSITIVE_INFINITY);
  for (let run = 0; run < runs; run++) {
    files.forEach((file, i) => {
      fastest[i] = Math.min(fastest[i]!, initSample(file, nodeArgs));
    });
  }
  return fastest.map(tenth);
}
