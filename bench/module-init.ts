import { execFileSync } from 'node:child_process';

/**
 * How long Node takes to load a bundled Lambda (its module init: what a cold start pays before the
 * handler runs), in milliseconds to a tenth: the fastest of `runs` fresh processes, because a busy
 * machine only ever adds to it.
 */
export function moduleInitMs(file: string, runs = 5): number {
  const samples = Array.from({ length: runs }, () =>
    Number(
      execFileSync(
        process.execPath,
        [
          '-e',
          `const t=process.hrtime.bigint();require(${JSON.stringify(file)});console.log(Number(process.hrtime.bigint()-t)/1e6)`,
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
        },
      ).trim(),
    ),
  );
  return Math.round(Math.min(...samples) * 10) / 10;
}
