import {
  type ErrorInfoInput,
  EVENT_LIMITS,
  type ErrorEvent as SharedErrorEvent,
  type ErrorInfo as SharedErrorInfo,
  type EventInput as SharedEventInput,
} from '../../common/event';
import { parseJsonText } from '../../common/json-text';
import { canonicalZone } from './time-zone';
import * as z from './zod';

/**
 * The user's own zone, an IANA name (`Europe/Paris`): fix messages give times in it. Stored canonical
 * (`europe/paris` → `Europe/Paris`). Anything else (`+02:00`, Rails' "Eastern Time (US & Canada)", a
 * zone newer than this runtime knows) is dropped rather than refused: it only words a time, the
 * team's zone words it instead, and an error report must not be lost over it. Not a string: refused.
 */
const userZone = z.pipe(
  z.string(),
  z.transform((name) => canonicalZone(name)),
);

/** Backends often have numeric ids; accept them and store strings. */
const idString = (max: number) =>
  z.pipe(z.union([z.string().check(z.maxLength(max)), z.number()]), z.transform(String));

// A recursive schema needs its type spelled out (TypeScript cannot infer a self-reference): the shared
// one, which the fields below are checked against at the end of this file.
type ErrorInfoSchema = z.ZodMiniType<SharedErrorInfo, ErrorInfoInput>;

const errorInfoFields = z.object({
  type: z.optional(z.string().check(z.maxLength(200))),
  message: z.optional(z.string()),
  code: z.optional(idString(100)),
  stack: z.optional(z.string()),
  // A lazy reference rather than a getter: mini's .check() below reads the shape (and so a getter) at
  // once, before errorInfo exists.
  cause: z.optional(z.lazy((): ErrorInfoSchema => errorInfo)),
});

const errorInfo: ErrorInfoSchema = errorInfoFields.check(
  z.refine((e) => Boolean(e.type || e.message), { message: 'either type or message is required' }),
);

/** How serious an event is: the event's `level` and a fix template's `match.level` take these. */
export const LEVELS = ['fatal', 'error', 'warning'] as const;

const errorEventSchema = z.object({
  id: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  occurredAt: z.optional(z.iso.datetime({ offset: true })),
  app: z.string().check(z.minLength(1), z.maxLength(100)),
  environment: z._default(z.string().check(z.minLength(1), z.maxLength(50)), 'production'),
  level: z._default(z.enum(LEVELS), 'error'),
  error: errorInfo,
  user: z.optional(
    z.object({
      id: z.optional(idString(200)),
      email: z.optional(z.string().check(z.maxLength(320))),
      name: z.optional(z.string().check(z.maxLength(200))),
      timezone: z.optional(userZone),
    }),
  ),
  company: z.optional(
    z.object({
      id: z.optional(idString(200)),
      name: z.optional(z.string().check(z.maxLength(200))),
      slug: z.optional(z.string().check(z.maxLength(200))),
      plan: z.optional(z.string().check(z.maxLength(100))),
    }),
  ),
  request: z.optional(
    z.object({
      method: z.optional(z.string().check(z.maxLength(16))),
      url: z.optional(z.string()),
      headers: z.optional(z.record(z.string(), z.union([z.string(), z.array(z.string())]))),
    }),
  ),
  context: z.optional(z.record(z.string(), z.unknown())),
  tags: z.optional(
    z.record(z.string(), z.pipe(z.union([z.string(), z.number(), z.boolean()]), z.transform(String))),
  ),
  fingerprint: z.optional(
    z.array(z.string().check(z.minLength(1), z.maxLength(200))).check(z.minLength(1), z.maxLength(20)),
  ),
});

/** An event as validated: defaults applied, ids as strings. */
export type ErrorEvent = z.output<typeof errorEventSchema>;
export type ErrorInfo = ErrorEvent['error'];
export type EventInput = z.input<typeof errorEventSchema>;

/** T with every level spelled out as one object type, so two ways of writing a shape compare alike. */
type Plain<T> = T extends object ? { [K in keyof T]: Plain<T[K]> } : T;
/** True only when A and B are the same shape: no property more, less or retyped, at any depth. */
type Same<A, B> =
  (<T>() => T extends Plain<A> ? 1 : 2) extends <T>() => T extends Plain<B> ? 1 : 2 ? true : false;
// The reporter and redaction compile against common/event.ts: a field added, removed or retyped on
// one side only stops the build here.
true satisfies Same<ErrorEvent, SharedErrorEvent> &
  Same<EventInput, SharedEventInput> &
  Same<z.output<typeof errorInfoFields>, SharedErrorInfo> &
  Same<z.input<typeof errorInfoFields>, ErrorInfoInput>;

export type FieldIssue = { path: string; message: string };
export type ParseResult =
  | { ok: true; event: ErrorEvent }
  | { ok: false; reason: string; issues: FieldIssue[] };

/**
 * Validates one event. `raw` is the JSON text when it is at hand (queue bodies), so the size limit is
 * checked on the bytes a producer actually sent; otherwise the already-parsed value.
 */
export function parseErrorEvent(raw: string | unknown): ParseResult {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    const bytes = Buffer.byteLength(raw, 'utf8');
    if (bytes > EVENT_LIMITS.eventBytes) {
      return invalid(`event is ${bytes} bytes; the limit is ${EVENT_LIMITS.eventBytes} bytes (256 KiB)`, []);
    }
    // Depth-checked before zod or redaction recurse over it; the reason never quotes the body.
    const json = parseJsonText(raw);
    if (!json.ok) return invalid(json.reason, []);
    value = json.value;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid('an event must be a JSON object', []);
  }
  const result = errorEventSchema.safeParse(trimMaps(cutCauseChain(value)));
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({
      path: i.path.join('.') || '(event)',
      message: i.message,
    }));
    return invalid(`invalid event: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return { ok: true, event: result.data };
}

function invalid(reason: string, issues: FieldIssue[]): ParseResult {
  return { ok: false, reason, issues };
}

/**
 * Keeps the first `mapEntries` tags, headers and top-level context keys before validation: no more
 * are ever stored, and validating, redacting and cutting 25 000 of them would cost a 256 KiB event
 * far more than its other fields together.
 */
function trimMaps(value: object): object {
  const root = value as { tags?: unknown; context?: unknown; request?: unknown };
  const trim = (map: unknown) =>
    isPlainObject(map) ? Object.fromEntries(Object.entries(map).slice(0, EVENT_LIMITS.mapEntries)) : map;
  const request = isPlainObject(root.request)
    ? { ...root.request, headers: trim(root.request.headers) }
    : root.request;
  return { ...root, tags: trim(root.tags), context: trim(root.context), request };
}

/**
 * Keeps the first `causeDepth` causes and drops deeper ones before validation: a long chain is the
 * producer's normal behaviour, not a reason to lose the event (and deep nesting must not recurse far).
 */
function cutCauseChain(value: object): object {
  const root = value as { error?: unknown };
  if (!isPlainObject(root.error)) return value;
  const copy = { ...root, error: { ...root.error } };
  let node: Record<string, unknown> = copy.error;
  for (let depth = 0; isPlainObject(node.cause); depth++) {
    if (depth === EVENT_LIMITS.causeDepth) {
      delete node.cause;
      break;
    }
    node.cause = { ...node.cause };
    node = node.cause as Record<string, unknown>;
  }
  return copy;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
