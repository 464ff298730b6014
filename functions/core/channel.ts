import type { FrontMatter } from './templates/front-matter';

/** How one fix message went: an Intercom in-app message or an Intercom email. */
export type Channel = 'inapp' | 'email';

/**
 * What the choice knows of the contact: when Intercom last saw them (epoch seconds), their address, and
 * what Intercom holds against emailing them (Intercom's `unsubscribed_from_emails`, `has_hard_bounced`,
 * `marked_email_as_spam`).
 */
export type Reachability = {
  lastSeenAt?: number;
  email?: string;
  unsubscribedFromEmails?: boolean;
  hasHardBounced?: boolean;
  markedEmailAsSpam?: boolean;
};

export type ChannelChoice = { channel: Channel } | { unreachable: string };

/**
 * How far ahead of our clock a `last_seen_at` may be and still mean "just now" (clock skew). Beyond it
 * the value is bogus (milliseconds sent as seconds, a client's wrong clock) and is read as unknown.
 */
export const SEEN_AHEAD_MAX_SECONDS = 5 * 60;

/**
 * The channel of one fix. An in-app message shows only while the user is in the product, so `auto` sends
 * one to a user seen within `seenWithinSeconds` (the boundary included) and emails the others — a contact
 * never seen, too. A contact Intercom will not email (no address, unsubscribed, bounced, spam) gets the
 * in-app message (`auto`), or nothing (`email`): in-app is what they may still see.
 */
export function chooseChannel(
  rule: FrontMatter['channel'],
  contact: Reachability,
  nowMs: number,
  seenWithinSeconds: number,
): ChannelChoice {
  if (rule === 'inapp') return { channel: 'inapp' };
  const noEmail = whyNoEmail(contact);
  if (rule === 'email') return noEmail === undefined ? { channel: 'email' } : { unreachable: noEmail };
  if (noEmail !== undefined) return { channel: 'inapp' };
  const { lastSeenAt } = contact;
  const nowSeconds = nowMs / 1000;
  const known = lastSeenAt !== undefined && lastSeenAt - nowSeconds <= SEEN_AHEAD_MAX_SECONDS;
  // Slightly ahead of our clock (skew) counts as "just now".
  const recent = known && nowSeconds - lastSeenAt <= seenWithinSeconds;
  return { channel: recent ? 'inapp' : 'email' };
}

/** Why Intercom will not email this contact, in words for the thread; undefined when it will. */
function whyNoEmail(contact: Reachability): string | undefined {
  if (contact.email === undefined || contact.email.trim() === '')
    return 'the contact has no email address in Intercom';
  if (contact.unsubscribedFromEmails) return 'the contact has unsubscribed from email';
  if (contact.hasHardBounced) return "the contact's email address has hard-bounced";
  if (contact.markedEmailAsSpam) return 'the contact marked an email from you as spam';
  return undefined;
}
