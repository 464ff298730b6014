import { JSON_DEPTH_LIMIT } from '../common/json-text';

// What stands in for a part of a value that cannot be sent as it is:
/** An object inside itself (a request's socket points back at the request). */
export const CIRCULAR = '[Circular]';
/** A getter, `toJSON` or Proxy trap that threw, or a revoked Proxy. */
export const UNREADABLE = '[Unreadable]';
/** Nesting past the depth limit, cut there rather than recursed into. */
export const TOO_DEEP = '[Too deep]';

/** A budget in characters of JSON text, shared by the calls that draw on it; negative once spent. */
export type Budget = { chars: number };

const overBudget = new Error('over budget');

/**
 * A copy of `value` as plain data, which JSON.stringify turns into the text it gives for the value
 * itself (toJSON called, BigInt as its digits): the reporter runs inside our users' servers, where a
 * context must cost bounded work and never throw. What cannot be read becomes a marker (`UNREADABLE`, …);
 * nothing deeper than `maxDepth` is read, so no recursion runs far. Each part draws a lower bound of
 * its share of the text from `budget`, and the copy stops as soon as it is spent: a 2-million-row
 * context costs its first 256 KiB, not 2 million reads. Undefined then, with `budget.chars` negative.
 */
export function jsonSafe(value: unknown, budget: Budget, maxDepth = JSON_DEPTH_LIMIT): unknown {
  // Only the objects on the way down: one reached twice along different paths is no cycle.
  const path = new Set<object>();

  const draw = (chars: number) => {
    budget.chars -= chars;
    if (budget.chars < 0) throw overBudget;
  };

  const text = (s: string) => {
    draw(s.length + 2); // its quotes; escapes only make it longer
    return s;
  };

  const read = (holder: object, key: string | number, depth: number): unknown => {
    let v: unknown;
    try {
      v = (holder as Record<string | number, unknown>)[key];
    } catch {
      return text(UNREADABLE);
    }
    return copy(v, key, depth + 1);
  };

  function copy(v: unknown, key: string | number, depth: number): unknown {
    try {
      if ((typeof v === 'object' && v !== null) || typeof v === 'bigint') {
        const toJSON = (v as { toJSON?: unknown }).toJSON;
        if (typeof toJSON === 'function') v = toJSON.call(v, String(key));
      }
      if (typeof v === 'string') return text(v);
      if (typeof v === 'bigint') return text(String(v));
      // A number as its digits; anything else 1, even what JSON leaves out: a million functions are a
      // million reads.
      draw(Number.isFinite(v) ? String(v).length : 1);
      if (typeof v !== 'object' || v === null) {
        return typeof v === 'function' || typeof v === 'symbol' ? undefined : v; // as JSON leaves them out
      }
      if (path.has(v)) return text(CIRCULAR);
      if (depth >= maxDepth) return text(TOO_DEEP);
      path.add(v);
      try {
        if (Array.isArray(v)) {
          const items: unknown[] = [];
          for (let i = 0, n = v.length; i < n; i++) {
            draw(1); // its comma
            items.push(read(v, i, depth));
          }
          return items;
        }
        // No prototype: a "__proto__" key is copied as data, as JSON.stringify writes it.
        const entries: Record<string, unknown> = Object.create(null);
        for (const k of Object.keys(v)) {
          draw(k.length);
          entries[k] = read(v, k, depth);
        }
        return entries;
      } finally {
        path.delete(v);
      }
    } catch (err) {
      if (err === overBudget) throw err;
      return text(UNREADABLE); // toJSON, a Proxy trap or the keys of a revoked Proxy threw
    }
  }

  try {
    return copy(value, '', 0);
  } catch (err) {
    // The budget, or a stack overflow in copy's own handler if the host called us nearly out of stack.
    return err === overBudget ? undefined : UNREADABLE;
  }
}
