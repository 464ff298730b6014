/*
 * IANA zone names, as the team file and an event's `user.timezone` give them. Checked with Intl alone
 * (no luxon): the event schema runs in every function, including the ones that never compute a time.
 */

/** Longer than any IANA name (the longest, America/Argentina/ComodRivadavia, is 32). */
export const MAX_ZONE_CHARS = 64;

/**
 * The canonical name of an IANA zone (`australia/sydney` → `Australia/Sydney`), or undefined. IANA
 * names only (`Etc/GMT-10` is one, for a fixed offset): `+10:00` or `UTC+10` are not.
 */
export function canonicalZone(name: string): string | undefined {
  const named = name.length <= MAX_ZONE_CHARS && /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(name);
  if (!named) return undefined;
  try {
    return new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined; // RangeError: not a zone this runtime knows
  }
}
