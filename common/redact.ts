import type { ErrorEvent, ErrorInfo } from './event';
import { parseJsonText } from './json-text';
import {
  AUTH_SCHEMES,
  CARD_CANDIDATE,
  isSensitiveKey,
  JWT_CANDIDATE,
  PEM_PRIVATE_KEY,
  REDACTED,
  redactCard,
  redactJwt,
  redactKeyValues,
  redactUrlPasswords,
  SLACK_WEBHOOK,
  VENDOR_TOKEN,
} from './secret-patterns';

/**
 * Secret scrubbing before anything is stored or shown. Two nets: keys that name a secret (the whole
 * value goes) and values that look like one wherever they appear (free text, URLs, stacks). The rules
 * live in secret-patterns.ts; this file walks values and events.
 */
export { isSensitiveKey, REDACTED };

type RedactOptions = {
  /** The Luhn card-number rule; off for numeric ids (`user.id`, `error.code`), which are often 13–19 digits. */
  cards?: boolean;
};

/**
 * redactEvent scrubs at most this much of any one string: limit-size keeps far less (16 KiB stacks at
 * most), and the rest of an oversized field would be cut anyway. It bounds the work per event.
 */
export const REDACT_WINDOW_CHARS = 32 * 1024;
/** Longer than any token: a secret cut by the window lies wholly within the last this-many characters. */
export const CUT_MARGIN_CHARS = 256;

/**
 * Objects, arrays and object keys of one value that are scrubbed; past it, containers are replaced and
 * an object's remaining keys are dropped (a shared or cyclic object graph, or one object of 100 000
 * keys). Stored context is at most 32 KiB of JSON, a few thousand values: no more are worth scrubbing.
 */
export const MAX_NODES = 10_000;
const MAX_DEPTH = 32;
const TOO_DEEP = '[nested too deep]';
const TOO_MANY = '[too many values]';

/** Scrubs secrets that appear inside a piece of text. Linear in the text's length. */
export function redactText(text: string, options: RedactOptions = {}): string {
  let out = text.replace(PEM_PRIVATE_KEY, '[REDACTED private key]');
  out = redactUrlPasswords(out);
  out = out.replace(SLACK_WEBHOOK, REDACTED);
  out = out.replace(VENDOR_TOKEN, REDACTED);
  out = out.replace(JWT_CANDIDATE, redactJwt);
  for (const [pattern, replacement] of AUTH_SCHEMES) out = out.replace(pattern, replacement);
  out = redactKeyValues(out);
  if (options.cards !== false) out = out.replace(CARD_CANDIDATE, redactCard);
  return out;
}

/**
 * Scrubs an oversized string through a window: the first REDACT_WINDOW_CHARS + margin are scrubbed,
 * then the margin is dropped. A secret cut at the window's edge is shorter than the margin, and text
 * after the last replacement is kept verbatim, so whatever is left of it sits in the dropped tail.
 */
function redactField(text: string, options?: RedactOptions): string {
  if (text.length <= REDACT_WINDOW_CHARS + CUT_MARGIN_CHARS) return redactText(text, options);
  const scrubbed = redactText(sliceWhole(text, REDACT_WINDOW_CHARS + CUT_MARGIN_CHARS), options);
  return `${sliceWhole(scrubbed, scrubbed.length - CUT_MARGIN_CHARS)}…`;
}

/** `text.slice(0, end)` without leaving half a surrogate pair. */
function sliceWhole(text: string, end: number): string {
  const code = text.charCodeAt(end - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? end - 1 : end);
}

/**
 * Scrubs any JSON value: sensitive keys lose their whole value, strings are scrubbed as text, and
 * header lists (`[{name, value}]`, `[{key, value}]`, `[[name, value]]`, Node's flat `rawHeaders`) lose
 * the values of sensitive names. Bounded in depth and in nodes, so its work is linear in the input.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  return walk(value, depth, { nodes: 0 });
}

type Budget = { nodes: number };

function walk(value: unknown, depth: number, budget: Budget): unknown {
  if (typeof value === 'string') return redactField(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_DEPTH) return TOO_DEEP;
  if (++budget.nodes > MAX_NODES) return TOO_MANY;
  if (Array.isArray(value)) {
    if (value.length === 2 && typeof value[0] === 'string' && isSensitiveKey(value[0])) {
      return [redactField(value[0]), value[1] === null || value[1] === undefined ? value[1] : REDACTED];
    }
    return value.map((v) => walk(v, depth + 1, budget));
  }
  const record = value as Record<string, unknown>;
  const name = typeof record.name === 'string' ? record.name : record.key;
  const namedSecret = typeof name === 'string' && isSensitiveKey(name);
  const out: Record<string, unknown> = {};
  const names = new KeyNames(out);
  const keys = Object.keys(record);
  for (const [i, key] of keys.entries()) {
    // Each key costs a scrub of its own: counted, so a single wide object is bounded like a deep one.
    if (++budget.nodes > MAX_NODES) {
      out[names.unique(TOO_MANY)] = `${keys.length - i} more keys`;
      break;
    }
    const v = record[key];
    const safeKey = names.forKey(key);
    if (v === null || v === undefined) out[safeKey] = v;
    else if (isSensitiveKey(key) || (namedSecret && key === 'value')) out[safeKey] = REDACTED;
    else if (key.toLowerCase() === 'rawheaders' && Array.isArray(v)) out[safeKey] = redactRawHeaders(v);
    else out[safeKey] = walk(v, depth + 1, budget);
  }
  return out;
}

/**
 * Names for the keys of one output object. Keys are scrubbed like text (caches keyed by a token or a
 * connection string are common), and two keys that scrub alike stay apart (`[REDACTED] #2`). Each
 * name is assigned to `taken` before the next is asked for.
 */
class KeyNames {
  /**
   * The lowest `#n` that may still be free, per scrubbed text. Names are never removed, so the search
   * resumes there: without it, the k-th of k keys scrubbing alike re-tested `#2 … #k` (quadratic).
   */
  private next: Map<string, number> | undefined;

  constructor(private readonly taken: Record<string, unknown>) {}

  /** The key scrubbed. One that scrubbing leaves alone is the producer's own name: kept as sent. */
  forKey(key: string): string {
    const scrubbed = redactField(key);
    return scrubbed === key ? key : this.unique(scrubbed);
  }

  /** `name`, or the first `name #n` (n ≥ 2) not yet taken. */
  unique(name: string): string {
    if (!Object.hasOwn(this.taken, name)) return name;
    this.next ??= new Map();
    let n = this.next.get(name) ?? 2;
    while (Object.hasOwn(this.taken, `${name} #${n}`)) n++;
    this.next.set(name, n + 1);
    return `${name} #${n}`;
  }
}

/** Node's `rawHeaders`: `[name, value, name, value, …]`. */
function redactRawHeaders(list: unknown[]): unknown[] {
  return list.map((v, i) => {
    if (typeof v !== 'string') return TOO_DEEP;
    const name = list[i - 1];
    return i % 2 === 1 && typeof name === 'string' && isSensitiveKey(name) ? REDACTED : redactField(v);
  });
}

const NO_CARDS: RedactOptions = { cards: false };

function redactOptional(text: string | undefined, options?: RedactOptions): string | undefined {
  return text === undefined ? undefined : redactField(text, options);
}

function redactErrorInfo(info: ErrorInfo, depth: number): ErrorInfo {
  return {
    ...info,
    type: redactOptional(info.type),
    message: redactOptional(info.message),
    code: redactOptional(info.code, NO_CARDS),
    stack: redactOptional(info.stack),
    // Validation keeps 5 causes; the bound only guards callers that skip it.
    cause:
      info.cause === undefined || depth >= MAX_DEPTH ? undefined : redactErrorInfo(info.cause, depth + 1),
  };
}

type Headers = Record<string, string | string[]>;

function redactHeaders(headers: Headers): Headers {
  const out: Headers = {};
  const names = new KeyNames(out);
  for (const [name, v] of Object.entries(headers)) {
    const safeName = names.forKey(name);
    if (isSensitiveKey(name)) out[safeName] = REDACTED;
    else out[safeName] = Array.isArray(v) ? v.map((s) => redactField(s)) : redactField(v);
  }
  return out;
}

/**
 * Returns a copy of the event with every user-influenced text scrubbed. Ids (`user.id`, `company.id`,
 * `error.code`) skip the card rule; an ordinary email address matches no rule and stays, as Intercom
 * needs it. `id`, `app`, `environment`, `level`, `occurredAt` and `user.timezone` (an IANA name) are
 * validated identifiers, kept as sent.
 */
export function redactEvent(event: ErrorEvent): ErrorEvent {
  const { user, company, request } = event;
  return {
    ...event,
    error: redactErrorInfo(event.error, 0),
    user: user && {
      ...user,
      id: redactOptional(user.id, NO_CARDS),
      email: redactOptional(user.email, NO_CARDS),
      name: redactOptional(user.name),
    },
    company: company && {
      ...company,
      id: redactOptional(company.id, NO_CARDS),
      name: redactOptional(company.name),
      slug: redactOptional(company.slug),
      plan: redactOptional(company.plan),
    },
    request: request && {
      ...request,
      method: redactOptional(request.method),
      url: redactOptional(request.url),
      headers: request.headers && redactHeaders(request.headers),
    },
    context: event.context && (redactValue(event.context) as Record<string, unknown>),
    tags: event.tags && redactTags(event.tags),
    fingerprint: event.fingerprint?.map((f) => redactField(f)),
  };
}

function redactTags(tags: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const names = new KeyNames(out);
  for (const [k, v] of Object.entries(tags))
    out[names.forKey(k)] = isSensitiveKey(k) ? REDACTED : redactField(v);
  return out;
}

/**
 * Scrubs a body that failed validation before it is parked (dead-letter queue). JSON is scrubbed as a
 * value, so secrets under sensitive keys go whole; anything else is scrubbed as text, which also
 * catches `"password":"x"` pairs.
 */
export function redactRawBody(text: string): string {
  const parsed = parseJsonText(text);
  if (parsed.ok) return JSON.stringify(redactValue(parsed.value));
  return redactText(text);
}
