import { clip } from '../common/clip';
import type { EventInput } from '../common/event';
import { stringifyWithin } from './bounded-json';

type ErrorInput = EventInput['error'];

/** Client-side caps, so an event stays under the 256 KiB the server accepts. */
const REPORT_LIMITS = { message: 8000, stack: 32_000, aggregated: 10, causeDepth: 5 } as const;

/**
 * Turns anything a program can throw into the event's `error` shape: name, message, stack, `code`, the
 * `cause` chain (5 deep, cycles cut). Never throws, whatever the value's getters do.
 */
export function serializeError(value: unknown, depth = 0, seen = new WeakSet<object>()): ErrorInput {
  try {
    if (isErrorLike(value)) {
      seen.add(value);
      const info: ErrorInput = {
        type: clip(errorName(value), 200),
        message: clip(String(value.message ?? ''), REPORT_LIMITS.message) || undefined,
        stack: typeof value.stack === 'string' ? clip(value.stack, REPORT_LIMITS.stack) : undefined,
      };
      const code = (value as { code?: unknown }).code;
      if (typeof code === 'string' || typeof code === 'number') info.code = clip(String(code), 100);
      const cause = (value as { cause?: unknown }).cause;
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

/** AggregateError's members, serialized, for the event's context (the schema has one `cause`). */
export function aggregatedErrors(value: unknown): ErrorInput[] | undefined {
  if (!(value instanceof AggregateError) || !Array.isArray(value.errors)) return undefined;
  return value.errors.slice(0, REPORT_LIMITS.aggregated).map((e) => serializeError(e, 1));
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

function isErrorLike(v: unknown): v is Error {
  return v instanceof Error || (isObject(v) && typeof (v as Error).message === 'string' && 'stack' in v);
}

/** Custom errors often keep the name "Error"; their class name says more. */
function errorName(e: Error): string {
  const ctor = (e as { constructor?: { name?: string } }).constructor?.name;
  if (e.name && e.name !== 'Error') return e.name;
  return ctor && ctor !== 'Object' ? ctor : 'Error';
}

function valueType(v: unknown): string {
  if (v === null) return 'null';
  if (isObject(v)) return (v as { constructor?: { name?: string } }).constructor?.name ?? 'Object';
  return typeof v;
}

/** A thrown non-Error as text, reading no more of it than the message can hold. */
function describe(v: unknown): string {
  if (!isObject(v)) return String(v);
  try {
    return (
      stringifyWithin(v, REPORT_LIMITS.message) ?? `${Object.prototype.toString.call(v)} (too large to show)`
    );
  } catch {
    return Object.prototype.toString.call(v);
  }
}
