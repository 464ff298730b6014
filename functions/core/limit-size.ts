import { type ErrorEvent, type ErrorInfo, EVENT_LIMITS } from './event-schema';

/**
 * Caps what is stored so a detail item stays far below DynamoDB's 400 KB whatever a producer sends:
 * 6 errors × (2 000 message + 16 KiB stack) + 32 KiB context + small fields ≈ 140 KB at worst.
 */
export const STORE_LIMITS = {
  stackChars: 16 * 1024,
  urlChars: 2000,
  headerCount: 50,
  headerValueChars: 1000,
  tagCount: 50,
  tagValueChars: 200,
  contextBytes: 32 * 1024,
  contextStringChars: 2000,
  contextDepth: 8,
  contextArrayItems: 100,
} as const;

const ELLIPSIS = '…';

/** Cuts text to `max` characters (code points stay whole), marking the cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - ELLIPSIS.length;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1; // do not split a surrogate pair
  return text.slice(0, end) + ELLIPSIS;
}

/** Keeps the header lines of a stack and its first `stackFrames` frames. */
export function limitStack(stack: string): string {
  const lines = stack.split('\n');
  const kept: string[] = [];
  let frames = 0;
  let dropped = 0;
  for (const line of lines) {
    if (isFrameLine(line)) {
      if (frames >= EVENT_LIMITS.stackFrames) {
        dropped++;
        continue;
      }
      frames++;
    }
    kept.push(line);
  }
  if (dropped > 0) kept.push(`    … ${dropped} more frames`);
  return clip(kept.join('\n'), STORE_LIMITS.stackChars);
}

/** JS (`at f (file:1:2)`), Python (`File "x.py", line 3`), JVM/Ruby/Go-ish frame lines. */
export function isFrameLine(line: string): boolean {
  return /^\s*(at\s|File\s"|from\s|\S+\.(?:rb|go|java|kt|php):\d+)/.test(line);
}

function limitErrorInfo(info: ErrorInfo): ErrorInfo {
  return {
    ...info,
    message: info.message === undefined ? undefined : clip(info.message, EVENT_LIMITS.messageChars),
    stack: info.stack === undefined ? undefined : limitStack(info.stack),
    cause: info.cause === undefined ? undefined : limitErrorInfo(info.cause),
  };
}

function limitJson(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return clip(value, STORE_LIMITS.contextStringChars);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= STORE_LIMITS.contextDepth) return '[nested too deep]';
  if (Array.isArray(value)) {
    const items = value.slice(0, STORE_LIMITS.contextArrayItems).map((v) => limitJson(v, depth + 1));
    if (value.length > items.length) items.push(`[${value.length - items.length} more items]`);
    return items;
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [clip(k, 200), limitJson(v, depth + 1)]));
}

function limitContext(context: Record<string, unknown>): Record<string, unknown> {
  const limited = limitJson(context, 0) as Record<string, unknown>;
  const json = JSON.stringify(limited);
  if (Buffer.byteLength(json, 'utf8') <= STORE_LIMITS.contextBytes) return limited;
  return { _truncated: `context was ${json.length} characters`, preview: clip(json, 4000) };
}

function limitEntries<T>(record: Record<string, T>, count: number, map: (v: T) => T): Record<string, T> {
  return Object.fromEntries(
    Object.entries(record)
      .slice(0, count)
      .map(([k, v]) => [clip(k, 200), map(v)]),
  );
}

/** Returns the event with every free-size field capped (design §3). */
export function limitEventSize(event: ErrorEvent): ErrorEvent {
  const headerValue = (v: string | string[]) =>
    Array.isArray(v)
      ? v.slice(0, 10).map((s) => clip(s, STORE_LIMITS.headerValueChars))
      : clip(v, STORE_LIMITS.headerValueChars);
  return {
    ...event,
    error: limitErrorInfo(event.error),
    request: event.request && {
      ...event.request,
      url: event.request.url === undefined ? undefined : clip(event.request.url, STORE_LIMITS.urlChars),
      headers:
        event.request.headers && limitEntries(event.request.headers, STORE_LIMITS.headerCount, headerValue),
    },
    context: event.context && limitContext(event.context),
    tags:
      event.tags &&
      limitEntries(event.tags, STORE_LIMITS.tagCount, (v) => clip(v, STORE_LIMITS.tagValueChars)),
  };
}
