/**
 * The chaos run's traffic, fixed in advance by the seed: what is sent in each 100 ms tick. Mostly
 * repeats of a few dozen known errors (half of the sample kinds match fix templates, three of them
 * `auto`) across a few hundred users, about one new error kind per second, a share of events
 * delivered twice (same id, a little later, as a retrying producer does), a share of valid events put
 * on the errors queue directly, and a share of invalid messages put there directly.
 */
import type { EventInput } from '../../functions/core/event-schema';
import { sampleEvents, seededRandom } from '../../local/samples';
import type { WorkloadShares } from './options';

export const TICK_MS = 100;

/** A valid event with its own id: the unit `accepted`, `stored` and `lost` count. */
export type ChaosEvent = EventInput & { id: string; app: string; environment: string };

export type InvalidFlavour = 'bad schema' | 'not JSON' | 'too large';

export type Delivery =
  | { kind: 'post'; event: ChaosEvent; repeat: boolean }
  | { kind: 'direct'; event: ChaosEvent; repeat: boolean }
  | { kind: 'invalid'; marker: string; flavour: InvalidFlavour; body: string };

export type Workload = {
  ticks: Delivery[][];
  /** Distinct valid events (each sent once or twice). */
  events: ChaosEvent[];
  invalid: Array<Extract<Delivery, { kind: 'invalid' }>>;
  /** Users that exist in Intercom (the rest get "not in Intercom"). */
  intercomUsers: NonNullable<EventInput['user']>[];
};

export function buildWorkload(options: {
  rate: number;
  seconds: number;
  seed: number;
  shares: WorkloadShares;
}): Workload {
  const { rate, seconds, seed, shares } = options;
  const random = seededRandom(seed);
  const slots = Math.round(rate * seconds);
  const samples = sampleEvents({
    count: slots,
    distinctErrors: shares.knownErrors,
    users: shares.users,
    random: seededRandom(seed + 1),
  });
  const tickCount = Math.ceil((seconds * 1000) / TICK_MS);
  const ticks: Delivery[][] = Array.from({ length: tickCount }, () => []);
  const events: ChaosEvent[] = [];
  const invalid: Workload['invalid'] = [];
  const newEvery = Math.max(1, Math.round(rate / shares.newErrorsPerSecond));

  samples.forEach((sample, i) => {
    const tick = Math.min(tickCount - 1, Math.floor((i / slots) * tickCount));
    const draw = random();
    if (draw < shares.invalid) {
      const delivery = invalidMessage(`c${seed}-bad-${invalid.length}`, random());
      invalid.push(delivery);
      ticks[tick]!.push(delivery);
      return;
    }
    const event: ChaosEvent = {
      ...sample,
      ...(i % newEvery === 0 ? newErrorKind(i / newEvery) : {}),
      id: `c${seed}-${i}`,
      app: sample.app,
      environment: sample.environment ?? 'production',
    };
    events.push(event);
    const kind = draw < shares.invalid + shares.directToQueue ? 'direct' : 'post';
    ticks[tick]!.push({ kind, event, repeat: false });
    if (random() < shares.duplicate) {
      const later = Math.min(tickCount - 1, tick + 3 + Math.floor(random() * 30));
      ticks[later]!.push({ kind, event, repeat: true });
    }
  });
  return { ticks, events, invalid, intercomUsers: intercomUsers(events, shares.notInIntercomEvery) };
}

/** A group nobody saw before: its own fingerprint, no template. */
function newErrorKind(k: number): Pick<EventInput, 'error' | 'fingerprint'> {
  return {
    error: {
      type: `ChaosNew${k}Error`,
      message: `A failure first seen in this run (#${k})`,
      stack: `ChaosNew${k}Error: first seen\n    at chaos (/srv/app/dist/chaos.js:${k + 1}:1)`,
    },
    fingerprint: ['chaos-new', String(k)],
  };
}

/** One of the three kinds of message a producer writing to SQS itself might get wrong. */
function invalidMessage(marker: string, draw: number): Extract<Delivery, { kind: 'invalid' }> {
  if (draw < 0.45) {
    return { kind: 'invalid', marker, flavour: 'bad schema', body: JSON.stringify({ id: marker, app: '' }) };
  }
  if (draw < 0.9) {
    return { kind: 'invalid', marker, flavour: 'not JSON', body: `{"id":"${marker}","app":"web","error":{` };
  }
  const event = { id: marker, app: 'web', error: { type: 'HugeError', message: 'x'.repeat(300 * 1024) } };
  return { kind: 'invalid', marker, flavour: 'too large', body: JSON.stringify(event) };
}

/** Distinct users in order of first appearance, every n-th left out. */
function intercomUsers(events: ChaosEvent[], missingEvery: number): Workload['intercomUsers'] {
  const seen = new Map<string, NonNullable<EventInput['user']>>();
  for (const e of events) if (e.user?.id !== undefined) seen.set(String(e.user.id), e.user);
  return [...seen.values()].filter((_, n) => n % missingEvery !== missingEvery - 1);
}
