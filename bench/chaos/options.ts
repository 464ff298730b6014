import { parseArgs } from 'node:util';
import type { RandomFailure } from '../../local/fakes/http-fake';
import type { IntercomFailSpec } from '../../local/fakes/intercom-api';
import type { FailSpec } from '../../local/fakes/slack-api';
import type { DynamoFaultShares } from './dynamo-faults';

/**
 * Everything a chaos run is told. The failure shares are chosen so that every fault is survivable by
 * the retry budget (5 receives): a triage attempt makes ~8 DynamoDB calls and at most two Slack calls,
 * so one attempt fails with ~10 % at worst and five failed attempts in a row are ~1e-5 per event.
 */
export type ChaosOptions = {
  rate: number;
  seconds: number;
  seed: number;
  /**
   * Errors queue visibility timeout: longer than a handler can take (two 5 s client timeouts in a
   * row). The notify queue takes at least 30 s (see stack.ts).
   */
  visibilitySeconds: number;
  /** Kill the handlers process after a random uptime within this range (ms). */
  killEveryMs: [number, number];
  /** Give up waiting for the queues to empty after this long (ms). */
  settleTimeoutMs: number;
  workload: WorkloadShares;
  dynamo: DynamoFaultShares;
  slack: RandomFailure<FailSpec>[];
  intercom: RandomFailure<IntercomFailSpec>[];
};

export type WorkloadShares = {
  /** Distinct known errors the repeats are drawn from. */
  knownErrors: number;
  users: number;
  /** Every n-th user (n = this) is missing from Intercom: "not in Intercom" outcomes. */
  notInIntercomEvery: number;
  /** New error kinds (groups) per second. */
  newErrorsPerSecond: number;
  /** Share of events delivered a second time (same id), a little later, as a retrying producer. */
  duplicate: number;
  /** Share of valid events a producer puts on the errors queue directly (SendMessage). */
  directToQueue: number;
  /** Share of invalid messages (bad schema, not JSON, too large) put on the errors queue directly. */
  invalid: number;
};

/** Past the clients' 5 s timeouts: the work is done, the answer never arrives in time. */
const HANG_MS = 6000;

export function parseChaosOptions(argv: string[]): ChaosOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      rate: { type: 'string' },
      seconds: { type: 'string' },
      seed: { type: 'string', default: '1' },
      short: { type: 'boolean', default: false },
      calm: { type: 'boolean', default: false },
      visibility: { type: 'string', default: '15' },
      'settle-timeout': { type: 'string', default: '300' },
      'kill-every': { type: 'string', default: '3-8' },
    },
  });
  const short = values.short ?? false;
  const options: ChaosOptions = {
    rate: positive('--rate', values.rate ?? (short ? '25' : '50')),
    seconds: positive('--seconds', values.seconds ?? (short ? '40' : '60')),
    seed: Math.floor(positive('--seed', values.seed ?? '1')),
    visibilitySeconds: positive('--visibility', values.visibility ?? '15'),
    killEveryMs: killRange(values['kill-every'] ?? '3-8'),
    settleTimeoutMs: positive('--settle-timeout', values['settle-timeout'] ?? '300') * 1000,
    workload: {
      knownErrors: 35,
      users: 300,
      notInIntercomEvery: 3,
      newErrorsPerSecond: 1,
      duplicate: 0.05,
      directToQueue: 0.03,
      invalid: 0.02,
    },
    dynamo: { throttle: 0.05, serverError: 0.004, lostAnswer: 0.004 },
    slack: [
      { share: 0.04, spec: { status: 429, retryAfter: 1 } },
      { share: 0.03, spec: { status: 500 } },
      { share: 0.02, spec: { delayMs: HANG_MS, apply: true, method: 'chat.postMessage' } },
    ],
    intercom: [
      { share: 0.03, spec: { status: 429, resetInSeconds: 1 } },
      { share: 0.03, spec: { status: 500 } },
      { share: 0.03, spec: { delayMs: HANG_MS, apply: true, method: 'POST', path: '/messages' } },
    ],
  };
  // --calm: the same run without faults or kills, the baseline to compare a chaos run with.
  if (!values.calm) return options;
  return {
    ...options,
    killEveryMs: [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
    dynamo: { throttle: 0, serverError: 0, lostAnswer: 0 },
    slack: [],
    intercom: [],
  };
}

/** "3-8" → [3000, 8000] ms. */
function killRange(text: string): [number, number] {
  const [min, max] = text.split('-').map((part) => positive('--kill-every', part));
  if (min === undefined || max === undefined || max < min)
    throw new Error(`--kill-every expects <min>-<max> seconds, e.g. 3-8, got "${text}"`);
  return [min * 1000, max * 1000];
}

function positive(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} expects a positive number, got "${text}"`);
  return n;
}
