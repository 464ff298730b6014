import type { FrontMatter } from './templates/front-matter';

/** How one fix message went: an Intercom in-app message or an Intercom email. */
export type Channel = 'inapp' | 'email';

/** What the choice knows of the contact: when Intercom last saw them (epoch seconds), their address. */
export type Reachability = { lastSeenAt?: number; email?: string };

export type ChannelChoice = { channel: Channel } | { unreachable: string };

/**
 * The channel of one fix. An in-app message shows only while the user is in the product, so `auto` sends
 * one to a user seen within `seenWithinSeconds` (the boundary included) and emails the others — a contact
 * never seen, too. A contact without an email address gets the in-app message (`auto`), or nothing
 * (`email`): Intercom has nowhere to send it, and in-app is what they may still see.
 */
export function chooseChannel(
  rule: FrontMatter['channel'],
  contact: Reachability,
  nowMs: number,
  seenWithinSeconds: number,
): ChannelChoice {
  if (rule === 'inapp') return { channel: 'inapp' };
  const hasEmail = contact.email !== undefined && contact.email.trim() !== '';
  if (rule === 'email') {
    return hasEmail ? { channel: 'email' } : { unreachable: 'the contact has no email address in Intercom' };
  }
  if (!hasEmail) return { channel: 'inapp' };
  const { lastSeenAt } = contact;
  // A last_seen_at ahead of our clock (skew) is "just now".
  const recent = lastSeenAt !== undefined && nowMs / 1000 - lastSeenAt <= seenWithinSeconds;
  return { channel: recent ? 'inapp' : 'email' };
}
