import { createHash } from 'node:crypto';
import { clip } from '../../common/clip';
import { REDACTED } from '../../common/redact';
import { PermanentError, RetryableError } from '../services/failures';
import type { PageIncident, Pager } from '../services/ports';
import { reasonText } from './errors';

/*
 * The Pager port over PagerDuty's Events API v2: one POST per call, never retried here (the queue
 * retries, with its backoff). The routing key travels in the body — it is the credential — so it is cut
 * out of every answer a reason is made from, and nothing here logs.
 */

export type PagerOptions = {
  /** The Events API v2 integration key. */
  routingKey: string;
  /** Default https://events.pagerduty.com; the loopback fake's URL in tests and the local stack. */
  apiUrl?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
};

export const PAGERDUTY_API_URL = 'https://events.pagerduty.com';
export const PAGERDUTY_TIMEOUT_MS = 5000;
/** The API's limits (Events API v2). */
export const SUMMARY_MAX_CHARS = 1024;
export const DEDUP_KEY_MAX_CHARS = 255;

type Action = 'trigger' | 'acknowledge' | 'resolve';

export function createPager({
  routingKey,
  apiUrl = PAGERDUTY_API_URL,
  timeoutMs = PAGERDUTY_TIMEOUT_MS,
  fetch: fetchImpl = globalThis.fetch,
}: PagerOptions): Pager {
  const endpoint = `${apiUrl.replace(/\/+$/, '')}/v2/enqueue`;
  const send = async (action: Action, dedupKey: string, fields: object = {}): Promise<void> => {
    const body = JSON.stringify({
      routing_key: routingKey,
      event_action: action,
      dedup_key: boundedDedupKey(dedupKey),
      ...fields,
    });
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        // A redirect would carry the key to wherever it points.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      // A timeout or a dropped connection may have delivered the event, yet a resend is safe:
      // PagerDuty folds events with the same dedup key into the same incident.
      const reason = isTimeout(err)
        ? `PagerDuty did not answer within ${timeoutMs} ms`
        : `PagerDuty unreachable: ${scrub(errorText(err), routingKey)}`;
      throw new RetryableError(reason, { cause: err });
    }
    const { status } = response;
    if (status >= 200 && status < 300) return;
    const detail = scrub(answerText(text) ?? `HTTP ${status}`, routingKey);
    if (status === 429) throw new RetryableError('PagerDuty 429: too many events, send again later');
    if (status >= 500 || status === 408) throw new RetryableError(`PagerDuty ${status}: ${detail}`);
    const hint = status === 400 ? '' : ' — check PAGERDUTY_API_URL';
    throw new PermanentError(`PagerDuty refused the event (${status}): ${detail}${hint}`);
  };
  return {
    trigger: (incident) => send('trigger', incident.dedupKey, triggerFields(incident)),
    acknowledge: (dedupKey) => send('acknowledge', dedupKey),
    resolve: (dedupKey) => send('resolve', dedupKey),
  };
}

function triggerFields({ summary, source, severity, details, links }: PageIncident): object {
  // Empty details would only add blank rows to the incident.
  const shown = Object.entries(details).filter(([, value]) => value !== '');
  return {
    payload: {
      // PagerDuty refuses an empty summary or source: a page with a plain one beats no page.
      summary: clip(summary.trim() || '(no summary)', SUMMARY_MAX_CHARS),
      source: source.trim() || 'heads-up',
      severity,
      ...(shown.length > 0 ? { custom_details: Object.fromEntries(shown) } : {}),
    },
    ...(links.length > 0 ? { links } : {}),
  };
}

/**
 * The key as it is when it fits; else a readable head and a hash of the whole, so two long keys that
 * share a head stay two incidents and every call for one key names the same one.
 */
export function boundedDedupKey(key: string): string {
  if (key.length <= DEDUP_KEY_MAX_CHARS) return key;
  const hash = createHash('sha256').update(key).digest('hex');
  return `${clip(key, DEDUP_KEY_MAX_CHARS - hash.length - 1)}#${hash}`;
}

/** PagerDuty's `message` and `errors` (its error shape); undefined for anything else (a proxy's page). */
function answerText(text: string): string | undefined {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null) {
      const { message, errors } = body as { message?: unknown; errors?: unknown };
      const list = Array.isArray(errors) ? errors.filter((e) => typeof e === 'string') : [];
      const parts = [typeof message === 'string' ? message : '', list.join('; ')].filter(Boolean);
      if (parts.length > 0) return parts.join(': ');
    }
  } catch {
    // not JSON
  }
  return undefined;
}

/** The key cut out before the text is shortened (a cut could leave part of it), then one short line. */
function scrub(text: string, routingKey: string): string {
  return reasonText(routingKey ? text.split(routingKey).join(REDACTED) : text);
}

/* By shape, not instanceof: fetch's errors are made in Node's realm, not a test runner's. */

function isTimeout(err: unknown): boolean {
  const name = field(err, 'name');
  return name === 'TimeoutError' || name === 'AbortError';
}

/** fetch says "fetch failed"; the why (ECONNREFUSED, a reset) is in its cause. */
function errorText(err: unknown): string {
  const message = field(err, 'message') ?? String(err);
  const cause: unknown =
    typeof err === 'object' && err !== null ? (err as { cause?: unknown }).cause : undefined;
  const why = field(cause, 'code') ?? field(cause, 'message');
  return why ? `${message} (${why})` : message;
}

function field(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const found: unknown = (value as Record<string, unknown>)[key];
  return typeof found === 'string' ? found : undefined;
}
