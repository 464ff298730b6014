/** What a Help Scout sidebar request names: the customer's email addresses. */

/** Addresses of one customer looked up at most (one index query each). */
export const MAX_CUSTOMER_ADDRESSES = 5;
/** The event schema's limit on `user.email`: nothing longer can be in the index. */
const MAX_EMAIL_LENGTH = 320;

export type HelpScoutRequest = { ok: true; emails: string[] } | { ok: false; error: string };

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The customer's addresses from Help Scout's request body: `customer.email` then `customer.emails[]`
 * (strings, or `{ value }` objects), lower-cased, de-duplicated, at most MAX_CUSTOMER_ADDRESSES.
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
  const unique: string[] = [];
  for (const entry of [email, ...(Array.isArray(emails) ? emails : [])]) {
    const address = addressOf(entry);
    if (address && !unique.includes(address)) unique.push(address);
  }
  return { ok: true, emails: unique.slice(0, MAX_CUSTOMER_ADDRESSES) };
}

function addressOf(entry: unknown): string | undefined {
  const value = isObject(entry) ? entry.value : entry;
  if (typeof value !== 'string') return undefined;
  const address = value.trim().toLowerCase();
  return address.length <= MAX_EMAIL_LENGTH && /^[^\s@]+@[^\s@]+$/.test(address) ? address : undefined;
}
