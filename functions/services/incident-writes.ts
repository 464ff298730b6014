import type { IncidentChange } from '../core/oncall/incident';
import type { ErrorGroup } from '../core/records';
import type { AlertStore, IncidentQueue, IncidentStore } from './ports';

/*
 * How the incident flow writes a group's incident: decided on the group as read, written conditional
 * on its revision, decided again when another writer came first. Apart from ./incidents.ts so that the
 * http function (the alert buttons) carries none of the escalation's Slack and roster code.
 */

/** What a conditional incident write needs. */
export type IncidentWriteDeps = {
  store: Pick<AlertStore, 'getGroup'>;
  incidents: IncidentStore;
  /** The machine's time: item expiry is judged by it. */
  now: () => number;
  /** The incident flow's time (escalation waits, snoozes, the outage window): `now`, or faster locally. */
  clock: () => number;
};

/**
 * The time the incident flow runs on and how its messages are delayed: the machine's on AWS; the local
 * stack may run it faster (local/clock.ts) so an escalation can be watched without waiting.
 */
export type IncidentClock = { clock: () => number; timers: (queue: IncidentQueue) => IncidentQueue };

/** The queue as the clock delays it. */
export const timersOn = (clock: IncidentClock | undefined, queue: IncidentQueue): IncidentQueue =>
  clock ? clock.timers(queue) : queue;

/** Concurrent writers (pollers, a button, a timer) rarely collide more than once on one group. */
const WRITE_ATTEMPTS = 5;

/**
 * Decides on the group as read and writes the decision, conditional on the revision it saw; when
 * another writer came first, reads again and decides anew. Undefined from `decide`: nothing to write.
 */
export async function decideAndWrite(
  fingerprint: string,
  group: ErrorGroup,
  decide: (group: ErrorGroup) => IncidentChange | undefined,
  deps: IncidentWriteDeps,
): Promise<{ group: ErrorGroup; written: boolean }> {
  let current: ErrorGroup | undefined = group;
  for (let attempt = 0; attempt < WRITE_ATTEMPTS && current; attempt++) {
    const change = decide(current);
    if (!change) return { group: current, written: false };
    const written = await deps.incidents.writeIncident(fingerprint, current.revision, change);
    if (written) return { group: written, written: true };
    current = await deps.store.getGroup(fingerprint, deps.now());
  }
  if (!current) throw new Error('the group is gone');
  throw new Error(`the group's incident kept changing under ${WRITE_ATTEMPTS} attempts; retried later`);
}

/** The change that keeps the urgency as it is. */
export const kept = (g: ErrorGroup) => ({ urgency: g.urgency });
