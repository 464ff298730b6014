/**
 * A faster clock for the local stack (`headsup start --clock 60`) and the tests: Heads-up's incident
 * time runs `speed` times faster than the machine's from `origin` on, and incident messages are held
 * back by SQS for 1/speed of their delay, so an escalation's 10-minute wait passes in 10 seconds at 60.
 * Only the incident flow reads it; Slack's coalescing and claims, item expiry, signatures and SQS
 * itself keep real time.
 */
import type { IncidentClock } from '../functions/services/incident-writes';

export function acceleratedClock(speed: number, origin = Date.now()): IncidentClock {
  if (speed === 1) return { clock: Date.now, timers: (queue) => queue };
  return {
    clock: () => origin + (Date.now() - origin) * speed,
    timers: (queue) => ({
      sendIncident: (body, delaySeconds) => queue.sendIncident(body, delaySeconds / speed),
    }),
  };
}
