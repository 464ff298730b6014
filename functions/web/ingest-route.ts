import type { Logger } from '@aws-lambda-powertools/logger';
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { parseJsonText } from '../../common/json-text';
import { matchesAnyKey } from '../core/constant-time';
import { parseIngestBody } from '../core/ingest';
import type { EventIntake } from '../services/ports';
import { ingestKeyAuth } from './middleware/ingest-key';

export type IngestDeps = {
  keys: readonly string[];
  queue: EventIntake;
  newId: () => string;
  log: Pick<Logger, 'warn'>;
};

/** A whole request: a full batch of maximal events would not fit a Function URL (6 MB) anyway. */
const REQUEST_BYTES = 5 * 1024 * 1024;

/** `POST /v1/errors`: producers' HTTPS door to the errors queue. */
export function registerIngestRoute(app: Hono, deps: IngestDeps): void {
  app.post(
    '/v1/errors',
    ingestKeyAuth({ verifyToken: (key) => matchesAnyKey(key, deps.keys) }),
    async (c, next) => {
      if (!/^application\/(?:[\w.+-]*\+)?json\b/i.test(c.req.header('content-type') ?? '')) {
        return c.json({ error: 'send the events as JSON with "Content-Type: application/json"' }, 415);
      }
      await next();
    },
    bodyLimit({
      maxSize: REQUEST_BYTES,
      onError: (c) =>
        c.json({ error: `request larger than ${REQUEST_BYTES} bytes: send fewer events at once` }, 413),
    }),
    async (c) => {
      // Depth-checked before anything recurses over it; the reason never quotes the body (secrets).
      const json = parseJsonText(await c.req.text());
      if (!json.ok) return c.json({ error: json.reason, issues: [] }, 400);
      const parsed = parseIngestBody(json.value, deps.newId);
      if (!parsed.ok) return c.json({ error: parsed.error, issues: parsed.issues }, parsed.status);

      const { failedIds } = await deps.queue.enqueue(parsed.entries);
      const accepted = parsed.entries.map((e) => e.id).filter((id) => !failedIds.includes(id));
      if (failedIds.length > 0) {
        deps.log.warn('the errors queue refused events', {
          failed: failedIds.length,
          accepted: accepted.length,
        });
        c.header('Retry-After', '1');
        return c.json(
          { error: 'the queue did not take some events: send them again', accepted, failed: failedIds },
          503,
        );
      }
      return c.json({ accepted }, 202);
    },
  );
}
