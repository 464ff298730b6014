/**
 * The rules behind redact.ts: which key names hold secrets, and which shapes of text are secrets.
 *
 * Every rule runs in time linear in the text. Regexes here either start at a literal prefix and end in
 * a bounded, greedy quantifier (a match can only succeed once started, and it consumes what it read),
 * or have every quantifier bounded by a token's maximum length. Anything that needs to look around
 * (key before `=`, userinfo before `@`) is a small hand scanner with bounded look-back instead.
 */
export const REDACTED = '[REDACTED]';

// --- Key names --------------------------------------------------------------------------------------

/** Anywhere in the key once separators are dropped: long words that are never part of innocent ones. */
const KEY_WORDS = [
  'password',
  'passwd',
  'passphrase',
  'pwd',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'privatekey',
  'credential',
  'cookie',
  'signature',
  'csrf',
  'xsrf',
  'sessionid',
  'connectionstring',
  'authorization',
  'bearer',
];
/** Whole segments only (`auth_token`, `x-auth`, but not `author` or `authorName`). */
const KEY_SEGMENTS = new Set([
  'auth',
  'oauth',
  'session',
  'sessid',
  'phpsessid',
  'sid',
  'dsn',
  'otp',
  'sig',
  'jwt',
  'cvv',
  'cvc',
]);
/** Short words that are secrets as the whole key or its last segment (`pin`, `db_pass`), not inside. */
const KEY_LAST_SEGMENTS = new Set(['pass', 'pin', 'ssn']);
/** Only as a URL query parameter (`?key=`): as an object key, `key` is usually a name (`{key, value}`). */
const QUERY_KEYS = new Set(['key']);
/** Header names whose value runs to the end of the line in text (`Cookie: a=1; b=2`). */
const LINE_VALUE_KEYS = new Set(['authorization', 'proxyauthorization', 'cookie', 'setcookie']);

/** Splits `X-Api-Key`, `api_key`, `apiKey`, `XMLHttpToken` into lower-case segments. Linear. */
function keySegments(key: string): string[] {
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < key.length; i++) {
    const ch = key[i]!;
    const code = key.charCodeAt(i);
    const upper = code >= 65 && code <= 90;
    const lower = (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
    if (!upper && !lower) {
      if (current) segments.push(current);
      current = '';
      continue;
    }
    if (upper && current) {
      const prev = key.charCodeAt(i - 1);
      const next = key.charCodeAt(i + 1);
      const prevLower = prev >= 97 && prev <= 122;
      const prevUpper = prev >= 65 && prev <= 90;
      // camelCase boundary, or the last capital of an acronym before a word (`XMLHttp` → xml, http)
      if (prevLower || (prevUpper && next >= 97 && next <= 122)) {
        segments.push(current);
        current = '';
      }
    }
    current += ch.toLowerCase();
  }
  if (current) segments.push(current);
  return segments;
}

/** Any of these somewhere in the joined key, or no segment rule can apply: most keys stop here. */
const KEY_WORDS_ANYWHERE = new RegExp(KEY_WORDS.join('|'));
const SHORT_WORDS_ANYWHERE = new RegExp([...KEY_SEGMENTS, ...KEY_LAST_SEGMENTS, ...QUERY_KEYS].join('|'));

/** Whether a key name (object key, header name, `key=` in text) says its value is a secret. */
export function isSensitiveKey(key: string, inQuery = false): boolean {
  if (key.length < 3) return false; // the shortest rule words (`pin`, `otp`, `key`) have three letters
  const joined = key.toLowerCase().replace(/[^a-z0-9]+/g, '');
  if (KEY_WORDS_ANYWHERE.test(joined)) return true;
  if (!SHORT_WORDS_ANYWHERE.test(joined)) return false;
  const segments = keySegments(key);
  if (segments.some((s) => KEY_SEGMENTS.has(s))) return true;
  if (KEY_LAST_SEGMENTS.has(segments[segments.length - 1] ?? '')) return true;
  return inQuery && QUERY_KEYS.has(joined);
}

/** `TokenExpiredError: jwt expired` is an error name and its message, not a key and its value. */
function isErrorName(key: string): boolean {
  return /(?:Error|Exception|Err|Warning|Failure)$/.test(key);
}

// --- Values recognised wherever they appear ---------------------------------------------------------

/**
 * PEM private keys, also when cut off before their END line (then everything after BEGIN goes). The
 * lazy body is the one unbounded quantifier: it stops only at END or at the end of the text, so a
 * started match never fails, and it consumes what it read.
 */
export const PEM_PRIVATE_KEY =
  /-----BEGIN (?:[A-Z0-9]{1,16} ){0,4}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]{1,16} ){0,4}PRIVATE KEY(?: BLOCK)?-----|$)/g;

/** Slack incoming webhooks: the path after `/services/` is the credential. */
export const SLACK_WEBHOOK =
  /(?<=hooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9/_-]{1,255}/g;

/** Vendor tokens by their documented prefixes. One `\b` up front: inside a word nothing can start. */
export const VENDOR_TOKEN = new RegExp(
  `\\b(?:${[
    '(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9*]{8,255}', // Stripe (also as Stripe masks it with `*`)
    'whsec_[A-Za-z0-9]{16,255}', // Stripe webhook secret
    '(?:AKIA|ASIA)[A-Z0-9]{16}\\b', // AWS access key id
    'xox[abposre]-[A-Za-z0-9-]{8,255}', // Slack tokens (xoxe: rotating refresh tokens)
    'xapp-[A-Za-z0-9-]{8,255}', // Slack app-level token
    'gh[pousr]_[A-Za-z0-9]{20,255}', // GitHub
    'github_pat_[A-Za-z0-9_]{20,255}',
    'gl(?:pat|dt|rt|ptt|ft)-[A-Za-z0-9_-]{20,255}', // GitLab
    'AIza[A-Za-z0-9_-]{35}', // Google API key
    'SG\\.[A-Za-z0-9_-]{16,64}\\.[A-Za-z0-9_-]{16,64}', // SendGrid
    'npm_[A-Za-z0-9]{36}', // npm
    'sk-[A-Za-z0-9_-]{20,255}', // OpenAI (`sk-…`, `sk-proj-…`)
  ].join('|')})`,
  'g',
);

/**
 * A JWT candidate: `eyJ` and a bounded run of base64url and dots, checked by `JWT_SHAPE` afterwards.
 * Matching the run first (it always succeeds, and consumes it) keeps `eyJeyJeyJ…` linear.
 */
export const JWT_CANDIDATE = /\beyJ[A-Za-z0-9_.-]{0,8192}/g;
const JWT_SHAPE = /^eyJ[A-Za-z0-9_-]{5,4096}\.[A-Za-z0-9_-]{2,4096}\.[A-Za-z0-9_-]{0,4096}/;

export function redactJwt(candidate: string): string {
  const jwt = JWT_SHAPE.exec(candidate);
  return jwt ? REDACTED + candidate.slice(jwt[0].length) : candidate;
}

/**
 * `Bearer x`, `Basic x`, `Token x`: the scheme stays (case normalised), the credential goes. "Bearer" names an auth
 * scheme; "basic" and "token" are also words ("Token expired"), so their value must look like a
 * credential (a digit, a symbol or a lower-upper change within its first 64 characters). Literal
 * replacements, no callbacks or captures: V8 then builds the result in one pass even for 100 000 matches.
 */
const CREDENTIAL = '[A-Za-z0-9\\-._~+/]';
const CREDENTIAL_LIKE = `(?=${CREDENTIAL}{0,63}(?:[0-9_~+/=]|[a-z][A-Z]))${CREDENTIAL}{6,4096}={0,3}`;
export const AUTH_SCHEMES: [RegExp, string][] = [
  [new RegExp(`\\b(?:[Bb]earer|BEARER)[ \\t]{1,8}${CREDENTIAL}{1,4096}={0,3}`, 'g'), `Bearer ${REDACTED}`],
  [new RegExp(`\\b(?:[Bb]asic|BASIC)[ \\t]{1,8}${CREDENTIAL_LIKE}`, 'g'), `Basic ${REDACTED}`],
  [new RegExp(`\\b(?:[Tt]oken|TOKEN)[ \\t]{1,8}${CREDENTIAL_LIKE}`, 'g'), `Token ${REDACTED}`],
];

/**
 * 13–19 digits, spaces or dashes between, Luhn-checked. Starting 2–6 (Visa, Mastercard, Amex,
 * Discover, JCB, UnionPay): a millisecond timestamp (`17…`) passes Luhn one time in ten.
 */
export const CARD_CANDIDATE = /\b[2-6]\d(?:[ -]?\d){11,17}\b/g;

export function redactCard(match: string): string {
  return passesLuhn(match.replace(/\D/g, '')) ? '[REDACTED card]' : match;
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

// --- Hand scanners ----------------------------------------------------------------------------------

const isSpace = (c: number) => c === 0x20 || c === 0x09;
const isQuote = (c: number) => c === 0x22 || c === 0x27 || c === 0x60;
const isKeyChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 0x5f || c === 0x2d;
const isSchemeChar = (c: number) => isKeyChar(c) || c === 0x2b || c === 0x2e; // `mongodb+srv`, `a.b`
/** Where an unquoted value stops: whitespace and the punctuation that closes or joins values. */
const VALUE_END = new Set([...'&,;"\'`<>)]}'].map((s) => s.charCodeAt(0)));
/** Where a URL's authority stops: `/`, `?`, `#`, whitespace, quotes, angle brackets. */
const AUTHORITY_END = new Set([...'/?#"\'`<>'].map((s) => s.charCodeAt(0)));
const isWhite = (c: number) => c <= 0x20 || c === 0x7f;

const KEY_MAX = 64;
const VALUE_MAX = 4096;

/**
 * `password=x`, `"api_key": "x"`, `token: x`, `?sig=x`, `user[password]=x`, `\"pin\":\"1234\"` in free
 * text. A regex for "a key containing a secret word, then `=` or `:`" needs adjacent unbounded runs
 * over the same characters (cubic on `passwordpassword…`); this finds each `=`/`:` once and reads at
 * most a few dozen characters back for the key, and forward only over the value it then removes.
 */
export function redactKeyValues(text: string): string {
  const out: string[] = [];
  let kept = 0; // text before this index is already in `out` (or replaced)
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x3d && c !== 0x3a) continue; // `=` or `:`
    const next = text.charCodeAt(i + 1);
    const prev = text.charCodeAt(i - 1);
    if (c === 0x3a && (next === 0x3a || next === 0x2f || prev === 0x3a)) continue; // `::`, `://`
    if (c === 0x3d && (next === 0x3d || next === 0x3e || prev === 0x3d || prev === 0x21)) continue; // == => !=
    const key = keyBefore(text, i, kept);
    if (!key || !isSensitiveKey(key.name, key.inQuery)) continue;
    if (c === 0x3a && isErrorName(key.name)) continue;
    const wholeLine = c === 0x3a && LINE_VALUE_KEYS.has(keySegments(key.name).join(''));
    const value = valueAfter(text, i + 1, wholeLine);
    if (!value) continue;
    out.push(text.slice(kept, value.start), REDACTED);
    kept = value.end;
    i = value.end - 1;
  }
  return kept === 0 ? text : out.join('') + text.slice(kept);
}

function keyBefore(text: string, sep: number, floor: number): { name: string; inQuery: boolean } | null {
  let j = sep - 1;
  for (let s = 0; s < 4 && j >= floor && isSpace(text.charCodeAt(j)); s++) j--;
  if (j >= floor && isQuote(text.charCodeAt(j))) j--;
  if (j >= floor && text.charCodeAt(j) === 0x5c) j--; // `\"key\":` inside a JSON string
  if (j >= floor && text.charCodeAt(j) === 0x5d) j--; // `user[password]=`
  const end = j + 1;
  while (j >= floor && end - j <= KEY_MAX && isKeyChar(text.charCodeAt(j))) j--;
  const start = j + 1;
  if (end - start < 3) return null; // no rule word is shorter
  const before = text.charCodeAt(j);
  return { name: text.slice(start, end), inQuery: before === 0x3f || before === 0x26 }; // `?` or `&`
}

function valueAfter(text: string, from: number, wholeLine: boolean): { start: number; end: number } | null {
  const n = text.length;
  let k = from;
  for (let s = 0; s < 8 && k < n && isSpace(text.charCodeAt(k)); s++) k++;
  if (k >= n) return null;
  const c = text.charCodeAt(k);
  if (c === 0x7b || c === 0x5b) return null; // `{` `[`: a nested object (its own keys are checked)
  const escapedQuote = c === 0x5c && text.charCodeAt(k + 1) === 0x22; // `\"value\"` inside JSON text
  if (isQuote(c) || escapedQuote) {
    const start = k + (escapedQuote ? 2 : 1);
    let m = start;
    for (; m < n && m - start < VALUE_MAX; m++) {
      const d = text.charCodeAt(m);
      if (d === 0x0a || d === 0x0d) break;
      if (d === 0x5c) {
        if (escapedQuote && text.charCodeAt(m + 1) === 0x22) break;
        m++;
        continue;
      }
      if (!escapedQuote && d === c) break;
    }
    const end = Math.min(m, n);
    return end > start ? { start, end } : null;
  }
  let m = k;
  for (; m < n && m - k < VALUE_MAX; m++) {
    const d = text.charCodeAt(m);
    if (d === 0x0a || d === 0x0d) break;
    if (!wholeLine && (isWhite(d) || VALUE_END.has(d))) break;
  }
  return m > k ? { start: k, end: m } : null;
}

/**
 * Passwords in URLs: `scheme://user:password@host`. The userinfo ends at the last `@` before the host's
 * `/`, `?`, `#` or whitespace (`postgres://u:p@ss@host` has the password `p@ss`), which a regex can only
 * find by backtracking; this reads each authority once.
 */
export function redactUrlPasswords(text: string): string {
  const out: string[] = [];
  let kept = 0;
  let from = 0;
  let noAtBefore = 0; // the look-ahead below has found no `@` before here: never read twice
  for (;;) {
    const sep = text.indexOf('://', from);
    if (sep < 0) break;
    from = sep + 3;
    let s = sep;
    while (s > kept && sep - s < 32 && isSchemeChar(text.charCodeAt(s - 1))) s--;
    const first = text.charCodeAt(s);
    if (s === sep || !((first >= 65 && first <= 90) || (first >= 97 && first <= 122))) continue;
    let e = from;
    let lastAt = -1;
    for (; e < text.length; e++) {
      const d = text.charCodeAt(e);
      if (isWhite(d) || AUTHORITY_END.has(d)) break;
      if (d === 0x40) lastAt = e;
    }
    if (lastAt < 0) {
      const found = passwordWithSlash(text, from, e, noAtBefore);
      lastAt = found.lastAt;
      noAtBefore = Math.max(noAtBefore, found.readTo);
    }
    let colon = -1;
    for (let m = from; m < lastAt; m++) {
      if (text.charCodeAt(m) === 0x3a) {
        colon = m;
        break;
      }
    }
    if (colon >= 0) {
      out.push(text.slice(kept, colon + 1), REDACTED);
      kept = lastAt;
    }
    from = Math.max(e, lastAt);
  }
  return kept === 0 ? text : out.join('') + text.slice(kept);
}

/** How far past the authority's end a password may reach (base64 passwords hold `/`, `+`, `=`). */
const PASSWORD_LOOKAHEAD = 256;

/**
 * `redis://:abc/def+ghi=@cache`: the authority seemed to end at a `/`, `?` or `#` inside the password.
 * When a `:` stands in it and what follows is no port, the `@` is looked for a little further, up to
 * whitespace or a quote. Returns its position, or -1.
 */
function passwordWithSlash(
  text: string,
  from: number,
  end: number,
  noAtBefore: number,
): { lastAt: number; readTo: number } {
  const none = { lastAt: -1, readTo: 0 };
  let colon = from;
  while (colon < end && text.charCodeAt(colon) !== 0x3a) colon++;
  if (colon >= end) return none;
  let port = true;
  for (let i = colon + 1; i < end && port; i++) port = isDigit(text.charCodeAt(i));
  if (port) return none;
  let lastAt = -1;
  const stop = Math.min(text.length, end + PASSWORD_LOOKAHEAD);
  let i = Math.max(end, noAtBefore);
  for (; i < stop; i++) {
    const d = text.charCodeAt(i);
    if (isWhite(d) || d === 0x22 || d === 0x27 || d === 0x60 || d === 0x3c || d === 0x3e) break;
    if (d === 0x40) lastAt = i;
  }
  return { lastAt, readTo: lastAt < 0 ? i : 0 };
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}
