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
