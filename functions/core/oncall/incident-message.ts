import { parseJsonText } from '../../../common/json-text';
import * as z from '../zod';

/** PagerDuty is retried this often (backing off from 5 s to 15 min: about 2 h) before it is given up. */
export const MAX_PAGER_ATTEMPTS = 12;

/**
 * Triage's delayed message that brings a group's incident up to date when something falls due: the
 * next escalation step, a snooze that ends, a change of state to tell. It carries the round's token, so
 * only Heads-up's own messages act (a reporter may write to the same queue, never read the table).
 * SQS delays a message 15 minutes at most: one due later is sent on again (chained).
 */
const incidentBodySchema = z.strictObject({
  incident: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
  token: z.uuid(),
  dueAt: z.number().check(z.int(), z.nonnegative()),
  /** How many times PagerDuty failed this alert's change so far (its retries back off). */
  attempt: z.optional(z.number().check(z.int(), z.gte(1), z.lte(MAX_PAGER_ATTEMPTS))),
});

export type IncidentBody = z.output<typeof incidentBodySchema>;

/** The message attribute value that marks an incident message on the events queue. */
export const INCIDENT_KIND = 'incident';

/** SQS's longest delay, in seconds. */
export const MAX_DELAY_SECONDS = 900;

export function parseIncidentBody(body: string): IncidentBody | undefined {
  const json = parseJsonText(body);
  const parsed = json.ok ? incidentBodySchema.safeParse(json.value) : undefined;
  return parsed?.success ? parsed.data : undefined;
}

/** How long to hold a message due at `dueAt` back: at most SQS's limit, so a later one is chained. */
export function delayFor(dueAt: number, now: number): number {
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((dueAt - now) / 1000)));
}
