/**
 * Lambda's billing inputs, measured locally: invocations and handler durations per function (each
 * rounded up to the millisecond, as Lambda bills), the records they handled and how many ran at once.
 */

import { FUNCTIONS } from '../lib/definitions';
import type { FunctionName, InvocationHook } from '../local/handlers';
import type { Meter } from './measure-aws';

export type FunctionFigures = {
  invocations: number;
  records: number;
  /** Sum of each invocation's duration rounded up to 1 ms. */
  billedMs: number;
  memoryMb: number;
  gbSeconds: number;
  /** Most invocations of this function in progress at once. */
  peakConcurrency: number;
};

export type LambdaFigures = Record<FunctionName, FunctionFigures>;

const NAMES: FunctionName[] = ['triage', 'notify', 'http'];

export function meterLambda(): Meter<LambdaFigures> & { hook: InvocationHook } {
  const empty = () => ({ invocations: 0, records: 0, billedMs: 0, running: 0, peak: 0 });
  let f = Object.fromEntries(NAMES.map((n) => [n, empty()])) as Record<
    FunctionName,
    ReturnType<typeof empty>
  >;
  const hook: InvocationHook = (fn, records) => {
    const started = performance.now();
    const starting = f[fn];
    starting.running++;
    starting.peak = Math.max(starting.peak, starting.running);
    return () => {
      // Counted where it ends: one in flight at a reset belongs to the new window.
      const c = f[fn];
      c.running--;
      c.invocations++;
      c.records += records;
      c.billedMs += Math.max(1, Math.ceil(performance.now() - started));
    };
  };
  return {
    hook,
    read: () =>
      Object.fromEntries(
        NAMES.map((n) => {
          const c = f[n];
          const memoryMb = FUNCTIONS[n].memoryMb;
          return [
            n,
            {
              invocations: c.invocations,
              records: c.records,
              billedMs: c.billedMs,
              memoryMb,
              gbSeconds: (c.billedMs / 1000) * (memoryMb / 1024),
              peakConcurrency: c.peak,
            },
          ];
        }),
      ) as LambdaFigures,
    reset: () => {
      const running = Object.fromEntries(NAMES.map((n) => [n, f[n].running]));
      f = Object.fromEntries(
        NAMES.map((n) => [n, { ...empty(), running: running[n]!, peak: running[n]! }]),
      ) as typeof f;
    },
  };
}
