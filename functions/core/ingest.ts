import { EVENT_LIMITS, type FieldIssue, parseErrorEvent } from './event-schema';

/** An accepted event, ready for the queue: its id (given or assigned) and its JSON. */
export type IngestEntry = { id: string; body: string };

export type IngestResult =
  | { ok: true; entries: IngestEntry[] }
  | { ok: false; status: 400 | 413; error: string; issues: FieldIssue[] };

/**
 * Validates a `POST /v1/errors` body: one event or an array of up to 100. All or nothing: when any
 * event is bad none is queued, and each problem is named by its path (`[3].error.type`).
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

  const entries: IngestEntry[] = [];
  const issues: FieldIssue[] = [];
  let tooLarge = 0;
  events.forEach((raw, index) => {
    const prefix = batch ? `[${index}]` : '';
    const json = JSON.stringify(raw);
    if (Buffer.byteLength(json, 'utf8') > EVENT_LIMITS.eventBytes) {
      tooLarge++;
      issues.push({ path: prefix || '(event)', message: 'event is larger than 256 KiB' });
      return;
    }
    const parsed = parseErrorEvent(raw);
    if (!parsed.ok) {
      const named = parsed.issues.length > 0 ? parsed.issues : [{ path: '(event)', message: parsed.reason }];
      for (const i of named) issues.push({ path: joinPath(prefix, i.path), message: i.message });
      return;
    }
    const id = parsed.event.id ?? newId();
    // The producer's JSON goes on unchanged but for the id: triage validates it again and applies defaults.
    entries.push({ id, body: JSON.stringify({ ...(raw as object), id }) });
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
