import type { ErrorEvent, ErrorInfo } from './event-schema';

/**
 * Secret scrubbing before anything is stored or shown. Two nets: keys that name a secret (the whole
 * value goes) and values that look like one wherever they appear (free text, URLs, stacks).
 * The key list follows the common scrubbing defaults (vendors.md).
 */
export const REDACTED = '[REDACTED]';

/** Words that make a key name a secret, as regex fragments: one list for keys and for `key=value` text. */
const SECRET_WORDS =
  'password|passwd|pwd|secret|api[-_]?key|auth|credential|cookie|session|token|bearer|private[-_]?key|mysql_pwd|csrf|xsrf|signature';

const SENSITIVE_KEY = new RegExp(`${SECRET_WORDS}|^pass$`, 'i');

// `password=hunter2`, `"api_key": "abc"`, `authorization: abc` inside free text or query strings.
const KEY_VALUE_IN_TEXT = new RegExp(
  `([\\w-]*?(?:${SECRET_WORDS})[\\w-]*["']?\\s*[=:]\\s*)("[^"]*"|'[^']*'|[^\\s&,;"'<>]+)`,
  'gi',
);
const BEARER = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9\-._~+/]+=*/gi;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]*@/gi;
const PEM_PRIVATE_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const CARD_CANDIDATE = /\b\d(?:[ -]?\d){12,18}\b/g;

function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

/** Scrubs secrets that appear inside a piece of text. */
export function redactText(text: string): string {
  return text
    .replace(PEM_PRIVATE_KEY, '[REDACTED private key]')
    .replace(URL_USERINFO, `$1${REDACTED}@`)
    .replace(BEARER, `$1 ${REDACTED}`)
    .replace(JWT, REDACTED)
    .replace(KEY_VALUE_IN_TEXT, `$1${REDACTED}`)
    .replace(CARD_CANDIDATE, (match) => (passesLuhn(match.replace(/\D/g, '')) ? '[REDACTED card]' : match));
}

/** Scrubs any JSON value: sensitive keys lose their whole value, strings are scrubbed as text. */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = isSensitiveKey(key) && v !== null && v !== undefined ? REDACTED : redactValue(v, depth + 1);
  }
  return out;
}

function redactErrorInfo(info: ErrorInfo): ErrorInfo {
  return {
    ...info,
    type: info.type === undefined ? undefined : redactText(info.type),
    message: info.message === undefined ? undefined : redactText(info.message),
    stack: info.stack === undefined ? undefined : redactText(info.stack),
    cause: info.cause === undefined ? undefined : redactErrorInfo(info.cause),
  };
}

/** Returns a copy of the event with every user-influenced field scrubbed. */
export function redactEvent(event: ErrorEvent): ErrorEvent {
  return {
    ...event,
    error: redactErrorInfo(event.error),
    request: event.request && {
      ...event.request,
      url: event.request.url === undefined ? undefined : redactText(event.request.url),
      headers: event.request.headers && (redactValue(event.request.headers) as typeof event.request.headers),
    },
    context: event.context && (redactValue(event.context) as typeof event.context),
    tags: event.tags && (redactValue(event.tags) as typeof event.tags),
  };
}

function passesLuhn(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
