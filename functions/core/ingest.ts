import { EVENT_LIMITS } from '../../common/event';
import type { QueueEntry } from '../../common/sqs-batch';
import { type FieldIssue, parseErrorEvent } from './event-schema';

/** The accepted events, ready for the queue: each one's id (given or assigned) and its JSON. */
export type IngestResult =
  | { ok: true; entries: QueueEntry[] }
  | { ok: false; status: 400 | 413; error: string; issues: FieldIssue[] };

/**
 * Validates a `POST /v1/errors` body: one event or an array of up to 100. All or nothing: when any
 * event is bad none is queued, and each problem is named by its path (`[3].error.type`).
 *
 * Each event is checked as the body that will be queued (the producer's JSON plus its id), with the
 * very function triage applies to that body: what this accepts, triage accepts, limits included.
 */
export function parseIngestBody(value: unknown, newId: () => string): IngestResult {
  const batch = Array.isArray(value);
  const events: unknown[] = batch ? value : [value];
  if (events.length === 0) return fail(400, 'the array holds no events', []);
  if (events.length > EVENT_LIMITS.batchSize) {
    return fail(
      400,
      `at most ${EVENT_LIMITS.batchSize} events per request; this one has ${events.length}`,
      [],
    );
  }

  const entries: QueueEntry[] = [];
  const issues: FieldIssue[] = [];
  let tooLarge = 0;
  events.forEach((raw, index) => {
    const prefix = batch ? `[${index}]` : '';
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      issues.push({ path: prefix || '(event)', message: 'an event must be a JSON object' });
      return;
    }
    const given = (raw as { id?: unknown }).id;
    // The producer's JSON goes on unchanged but for the id: triage validates it again and applies defaults.
    const body = JSON.stringify(given === undefined ? { ...raw, id: newId() } : raw);
    const parsed = parseErrorEvent(body);
    if (parsed.ok) {
      entries.push({ id: parsed.event.id!, body });
      return;
    }
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > EVENT_LIMITS.eventBytes) {
      tooLarge++;
      issues.push({
        path: prefix || '(event)',
        message: `event is ${bytes} bytes with its id; the limit is ${EVENT_LIMITS.eventBytes} (256 KiB)`,
      });
      return;
    }
    const named = parsed.issues.length > 0 ? parsed.issues : [{ path: '(event)', message: parsed.reason }];
    for (const i of named) issues.push({ path: joinPath(prefix, i.path), message: i.message });
  });

  if (tooLarge > 0 && tooLarge === issues.length)
    return fail(413, 'event too large: the limit is 256 KiB', issues);
  if (issues.length > 0) return fail(400, 'invalid event: nothing was accepted', issues);
  return { ok: true, entries };
}

function joinPath(prefix: string, path: string): string {
  if (!prefix) return path;
  return path === '(event)' ? prefix : `${prefix}.${path}`;
}

function fail(status: 400 | 413, error: string, issues: FieldIssue[]): IngestResult {
  return { ok: false, status, error, issues };
}
