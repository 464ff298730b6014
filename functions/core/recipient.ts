import { createHash } from 'node:crypto';
import type { ErrorEvent } from './event-schema';

/** The key of the cooldown guard: the producer's user id when known (stable), else the email. */
export function recipientKey(user: ErrorEvent['user']): string | undefined {
  if (user?.id) return `id:${user.id}`;
  if (user?.email) return `email:${user.email.trim().toLowerCase()}`;
  return undefined;
}

export function recipientName(user: ErrorEvent['user']): string {
  return user?.name || user?.email || (user?.id ? `user ${user.id}` : 'the user');
}

/**
 * A short, stable, non-identifying key per user (the same identity as the fix-message guard): group
 * items count distinct users with it and hold no PII.
 */
export function userHash(user: ErrorEvent['user']): string | undefined {
  const key = recipientKey(user);
  return key === undefined ? undefined : createHash('sha256').update(key).digest('base64url').slice(0, 12);
}
