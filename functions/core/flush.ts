import { parseJsonText } from '../../common/json-text';
import * as z from './zod';

/**
 * Triage's own delayed message that brings a group's Slack alert up to date. It carries the token
 * stored with the pending flush, so only the message that triage queued can act on it.
 */
const flushBodySchema = z.strictObject({
  fingerprint: z.string().check(z.regex(/^[0-9a-f]{32}$/)),
  token: z.uuid(),
});

export type FlushBody = z.output<typeof flushBodySchema>;

/** The flush a message body holds, or undefined when it holds something else (e.g. an event). */
export function parseFlushBody(body: string): FlushBody | undefined {
  const json = parseJsonText(body);
  const parsed = json.ok ? flushBodySchema.safeParse(json.value) : undefined;
  return parsed?.success ? parsed.data : undefined;
}
