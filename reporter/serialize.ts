import { clip } from '../common/clip';
import type { EventInput } from '../common/event';
import { jsonSafe } from './bounded-json';

type ErrorInput = EventInput['error'];

/** Client-side caps, so an event stays under the 256 KiB the server accepts. */
const REPORT_LIMITS = { message: 8000, stack: 32_000, aggregated: 10, causeDepth: 5 } as const;

/** A property, or undefined when reading it throws (a getter, a Proxy trap) or there is no object. */
function get(o: unknown, key: string): unknown {
  try {
    return (o as Record<string, unknown>)[key];
  } catch {
    return undefined;
  }
}

/**
 * Turns anything a program can throw into the event's `error` shape: name, message, stack, `code`, the
 * `cause` chain (5 deep, cycles cut). Never throws, whatever the value's getters do: each field is read
 * on its own, so a stack getter that throws costs the stack, not the message.
 */
export function serializeError(value: unknown, depth = 0, seen = new WeakSet<object>()): ErrorInput {
  try {
    if (isErrorLike(value)) {
      seen.add(value);
      const stack = get(value, 'stack');
      const info: ErrorInput = {
        type: clip(errorName(value), 200),
        message: clip(asText(get(value, 'message')), REPORT_LIMITS.message) || undefined,
        stack: typeof stack === 'string' ? clip(stack, REPORT_LIMITS.stack) : undefined,
      };
      const code = get(value, 'code');
      if (typeof code === 'string' || typeof code === 'number') info.code = clip(String(code), 100);
      const cause = get(value, 'cause');
      if (cause !== undefined && depth < REPORT_LIMITS.causeDepth && !(isObject(cause) && seen.has(cause))) {
        info.cause = serializeError(cause, depth + 1, seen);
      }
      if (!info.message && !info.type) info.message = '(no message)';
      return info;
    }
    if (typeof value === 'string')
      return { type: 'NonErrorThrown', message: clip(value, REPORT_LIMITS.message) };
    return { type: valueType(value), message: clip(describe(value), REPORT_LIMITS.message) };
  } catch {
    return { type: 'UnserializableError', message: 'the thrown value could not be read' };
  }
}

/**
 * AggregateError's members, serialized, for the event's context (the schema has one `cause`). Never
 * throws: the `instanceof` alone runs a Proxy's trap, and a thrown Proxy must not cost the event.
 */
export function aggregatedErrors(value: unknown): ErrorInput[] | undefined {
  try {
    const errors = value instanceof AggregateError ? get(value, 'errors') : undefined;
    if (!Array.isArray(errors)) return undefined;
    return errors.slice(0, REPORT_LIMITS.aggregated).map((e) => serializeError(e, 1));
  } catch {
    return undefined;
  }
}

/** A message as text; '' when there is none or its toString throws. */
function asText(v: unknown): string {
  try {
    return v == null ? '' : String(v);
  } catch {
    return '';
  }
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

function isErrorLike(v: unknown): v is Error {
  return v instanceof Error || (isObject(v) && typeof (v as Error).message === 'string' && 'stack' in v);
}

/** Custom errors often keep the name "Error"; their class name says more. */
function errorName(e: Error): string {
  const name = get(e, 'name');
  if (typeof name === 'string' && name && name !== 'Error') return name;
  const ctor = get(get(e, 'constructor'), 'name');
  return typeof ctor === 'string' && ctor && ctor !== 'Object' ? ctor : 'Error';
}

function valueType(v: unknown): string {
  if (v === null) return 'null';
  if (isObject(v)) {
    const name = get(get(v, 'constructor'), 'name');
    return typeof name === 'string' && name ? name : 'Object';
  }
  return typeof v;
}

/** A thrown non-Error as text, reading no more of it than the message can hold. */
function describe(v: unknown): string {
  if (!isObject(v)) return String(v);
  const budget = { chars: REPORT_LIMITS.message };
  const copy = jsonSafe(v, budget);
  return budget.chars < 0
    ? `${Object.prototype.toString.call(v)} (too large to show)`
    : (JSON.stringify(copy) ?? Object.prototype.toString.call(v));
}
