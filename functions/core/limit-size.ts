import { clip } from '../../common/clip';
import { EVENT_LIMITS } from '../../common/event';
import type { ErrorEvent, ErrorInfo } from './event-schema';

/**
 * Caps what is stored so a detail item fits DynamoDB's 400 KB (UTF-8 bytes) whatever a producer sends.
 * Character caps alone do not bound bytes (a character is up to 3 bytes, up to 6 JSON-escaped), so
 * headers have a byte budget and the whole event is measured at the end: over `eventBytes`, tighter
 * profiles are applied, the last of which fits by construction.
 */
export const STORE_LIMITS = {
  stackChars: 16 * 1024,
  urlChars: 2000,
  headerCount: 50,
  headerNameChars: 200,
  headerValueChars: 1000,
  headerArrayValues: 10,
  /** All headers together, JSON-encoded UTF-8. */
  headerBytes: 16 * 1024,
  tagCount: 50,
  tagKeyChars: 200,
  tagValueChars: 200,
  contextBytes: 32 * 1024,
  contextStringChars: 2000,
  contextDepth: 8,
  contextArrayItems: 100,
  /** The limited event, JSON-encoded UTF-8: leaves room under 400 KB for the item's other attributes. */
  eventBytes: 300 * 1024,
} as const;

/** Field caps of one pass; `context: false` replaces the context by a marker. */
type Profile = {
  messageChars: number;
  stackChars: number;
  urlChars: number;
  headerValueChars: number;
  headerBytes: number;
  tagKeyChars: number;
  tagValueChars: number;
  contextBytes: number;
  contextStringChars: number;
  previewChars: number;
  context: boolean;
};

const NORMAL: Profile = {
  messageChars: EVENT_LIMITS.messageChars,
  stackChars: STORE_LIMITS.stackChars,
  urlChars: STORE_LIMITS.urlChars,
  headerValueChars: STORE_LIMITS.headerValueChars,
  headerBytes: STORE_LIMITS.headerBytes,
  tagKeyChars: STORE_LIMITS.tagKeyChars,
  tagValueChars: STORE_LIMITS.tagValueChars,
  contextBytes: STORE_LIMITS.contextBytes,
  contextStringChars: STORE_LIMITS.contextStringChars,
  previewChars: 4000,
  context: true,
};

const scaled = (by: number, context: boolean): Profile => ({
  ...(Object.fromEntries(
    Object.entries(NORMAL).map(([k, v]) => [k, typeof v === 'number' ? Math.floor(v / by) : v]),
  ) as Profile),
  context,
});

/**
 * Worst case of the last profile, JSON-escaped at 6 bytes a character: 6 errors × (200 type + 100 code +
 * 125 message + 1 KiB stack) + 20 × 200 fingerprint + 50 tags × 25 + 1 KiB headers + ~1 000 other
 * characters ≈ 110 KB, well under `eventBytes`.
 */
const PROFILES: Profile[] = [NORMAL, scaled(4, true), scaled(16, false)];

/**
 * Keeps the header lines of a stack and its first `stackFrames` frames, then `maxChars`. Reads line by
 * line and stops once the kept text is past `maxChars` (the rest, and the dropped count, would be cut).
 */
export function limitStack(stack: string, maxChars: number = STORE_LIMITS.stackChars): string {
  const kept: string[] = [];
  let keptChars = 0;
  let frames = 0;
  let dropped = 0;
  for (let start = 0; start <= stack.length && keptChars <= maxChars; ) {
    const newline = stack.indexOf('\n', start);
    const end = newline < 0 ? stack.length : newline;
    // Only the line's head is tested: a frame line is recognised by its start.
    if (isFrameLine(stack.slice(start, Math.min(end, start + 1100)))) {
      if (frames >= EVENT_LIMITS.stackFrames) {
        dropped++;
        start = end + 1;
        continue;
      }
      frames++;
    }
    const line = stack.slice(start, Math.min(end, start + maxChars + 1));
    kept.push(line);
    keptChars += line.length + 1;
    start = end + 1;
  }
  if (dropped > 0 && keptChars <= maxChars) kept.push(`    … ${dropped} more frames`);
  return clip(kept.join('\n'), maxChars);
}

/**
 * JS (`at f (file:1:2)`), Python (`File "x.py", line 3`), JVM/Ruby/Go-ish frame lines. Anchored, and
 * the path run is bounded, so a 200 KB line costs one bounded attempt.
 */
export function isFrameLine(line: string): boolean {
  return /^\s{0,64}(?:at\s|File\s"|from\s|\S{1,1024}?\.(?:rb|go|java|kt|php):\d)/.test(line);
}

function limitErrorInfo(info: ErrorInfo, p: Profile, depth: number): ErrorInfo {
  return {
    ...info,
    type: info.type === undefined ? undefined : clip(info.type, 200),
    code: info.code === undefined ? undefined : clip(info.code, 100),
    message: info.message === undefined ? undefined : clip(info.message, p.messageChars),
    stack: info.stack === undefined ? undefined : limitStack(info.stack, p.stackChars),
    cause:
      info.cause === undefined || depth >= EVENT_LIMITS.causeDepth
        ? undefined
        : limitErrorInfo(info.cause, p, depth + 1),
  };
}

function limitJson(value: unknown, depth: number, p: Profile): unknown {
  if (typeof value === 'string') return clip(value, p.contextStringChars);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= STORE_LIMITS.contextDepth) return '[nested too deep]';
  if (Array.isArray(value)) {
    const items = value.slice(0, STORE_LIMITS.contextArrayItems).map((v) => limitJson(v, depth + 1, p));
    if (value.length > items.length) items.push(`[${value.length - items.length} more items]`);
    return items;
  }
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [clip(k, 200), limitJson(v, depth + 1, p)]),
  );
}

function limitContext(context: Record<string, unknown>, p: Profile): Record<string, unknown> {
  if (!p.context) return { _truncated: 'context dropped to fit the store limit' };
  const limited = limitJson(context, 0, p) as Record<string, unknown>;
  const json = JSON.stringify(limited);
  if (jsonBytes(json) <= p.contextBytes) return limited;
  return { _truncated: `context was ${json.length} characters`, preview: clip(json, p.previewChars) };
}

type Headers = Record<string, string | string[]>;

/** First `headerCount` headers, each capped, until their JSON reaches the byte budget. */
function limitHeaders(headers: Headers, p: Profile): Headers {
  const out: Headers = {};
  let bytes = 2; // `{}`
  let count = 0;
  for (const [name, v] of Object.entries(headers)) {
    if (count++ >= STORE_LIMITS.headerCount) break;
    const key = clip(name, STORE_LIMITS.headerNameChars);
    const value = Array.isArray(v)
      ? v.slice(0, STORE_LIMITS.headerArrayValues).map((s) => clip(s, p.headerValueChars))
      : clip(v, p.headerValueChars);
    bytes += jsonBytes(JSON.stringify(key)) + jsonBytes(JSON.stringify(value)) + 2; // `:` and `,`
    if (bytes > p.headerBytes) break;
    out[key] = value;
  }
  return out;
}

function limitTags(tags: Record<string, string>, p: Profile): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tags)
      .slice(0, STORE_LIMITS.tagCount)
      .map(([k, v]) => [clip(k, p.tagKeyChars), clip(v, p.tagValueChars)]),
  );
}

function applyProfile(event: ErrorEvent, p: Profile): ErrorEvent {
  return {
    ...event,
    error: limitErrorInfo(event.error, p, 0),
    request: event.request && {
      ...event.request,
      method: event.request.method === undefined ? undefined : clip(event.request.method, 16),
      url: event.request.url === undefined ? undefined : clip(event.request.url, p.urlChars),
      headers: event.request.headers && limitHeaders(event.request.headers, p),
    },
    context: event.context && limitContext(event.context, p),
    tags: event.tags && limitTags(event.tags, p),
    // Validation caps these; kept as they are (they decide grouping) unless a caller skipped it.
    fingerprint: event.fingerprint?.slice(0, 20).map((f) => clip(f, 200)),
  };
}

const jsonBytes = (json: string) => Buffer.byteLength(json, 'utf8');

/** UTF-8 bytes of the event as JSON: an upper bound for its size as a DynamoDB attribute. */
export function eventBytes(event: ErrorEvent): number {
  return jsonBytes(JSON.stringify(event));
}

/** Returns the event with every free-size field capped, under `STORE_LIMITS.eventBytes` in all. */
export function limitEventSize(event: ErrorEvent): ErrorEvent {
  let limited = event;
  for (const profile of PROFILES) {
    limited = applyProfile(event, profile);
    if (eventBytes(limited) <= STORE_LIMITS.eventBytes) break;
  }
  return limited;
}
