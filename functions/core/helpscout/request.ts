/** What a Help Scout sidebar request names: the customer's email addresses. */

/** Addresses of one customer looked up at most (one index query each). */
export const MAX_CUSTOMER_ADDRESSES = 5;
/** The event schema's limit on `user.email`: nothing longer can be in the index. */
const MAX_EMAIL_LENGTH = 320;
/**
 * Entries of `customer.emails` read at most. A customer has a handful of addresses; a signed body may
 * still be megabytes of them, and reading past this many cannot be worth it when so few were usable.
 */
export const MAX_EMAIL_ENTRIES = 100;

export type HelpScoutRequest = { ok: true; emails: string[] } | { ok: false; error: string };

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The customer's addresses from Help Scout's request body: `customer.email` then `customer.emails[]`
 * (strings, or `{ value }` objects), lower-cased, de-duplicated, at most MAX_CUSTOMER_ADDRESSES, from
 * the first MAX_EMAIL_ENTRIES entries of the list.
 * `ticket` is not read: it is `false` on drafts. A conversation without a customer names no address;
 * only a body that is not JSON, or whose customer or emails have the wrong shape, is an error.
 */
export function parseHelpScoutRequest(rawBody: string): HelpScoutRequest {
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody);
  } catch {
    return { ok: false, error: 'the body is not JSON' };
  }
  if (!isObject(payload)) return { ok: false, error: 'expected a JSON object with a customer' };
  const { customer } = payload;
  if (customer === undefined || customer === null) return { ok: true, emails: [] };
  if (!isObject(customer)) return { ok: false, error: 'customer must be an object' };
  const { email, emails } = customer;
  if (emails !== undefined && emails !== null && !Array.isArray(emails)) {
    return { ok: false, error: 'customer.emails must be an array' };
  }
  // Every new address used to be compared with all earlier ones and the cap applied at the end: a 1 MiB
  // list of 100 000 distinct addresses took 5–10 s. A Set, a stop at the cap and a bounded read instead.
  const unique = new Set<string>();
  const read = [email, ...(Array.isArray(emails) ? emails.slice(0, MAX_EMAIL_ENTRIES) : [])];
  for (const entry of read) {
    if (unique.size === MAX_CUSTOMER_ADDRESSES) break;
    const address = addressOf(entry);
    if (address) unique.add(address);
  }
  return { ok: true, emails: [...unique] };
}

function addressOf(entry: unknown): string | undefined {
  const value = isObject(entry) ? entry.value : entry;
  if (typeof value !== 'string') return undefined;
  // Measured before lower-casing too, which copies: an overlong value costs no more than its whitespace.
  const trimmed = value.trim();
  if (trimmed.length > MAX_EMAIL_LENGTH) return undefined;
  const address = trimmed.toLowerCase();
  return address.length <= MAX_EMAIL_LENGTH && /^[^\s@]+@[^\s@]+$/.test(address) ? address : undefined;
}
