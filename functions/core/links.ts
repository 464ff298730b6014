/**
 * A detail link's id: nanoid's URL-safe alphabet at this length (126 random bits), so the detail URL
 * is an unguessable capability. The wiring generates ids with it; the web app refuses anything else.
 */
export const LINK_ID_LENGTH = 21;

const LINK_ID = new RegExp(`^[A-Za-z0-9_-]{${LINK_ID_LENGTH}}$`);

/** False for anything that cannot be a link id: no table read for it. */
export function isLinkId(id: string): boolean {
  return LINK_ID.test(id);
}

/** The detail page of one occurrence, linked from Slack and the Help Scout sidebar. */
export function detailUrl(publicUrl: string, linkId: string): string {
  return `${publicUrl}/e/${linkId}`;
}

/** The Intercom inbox page of a contact (the deep link Intercom's own apps use). */
export function intercomContactUrl(appId: string, contactId: string): string {
  return `https://app.intercom.com/a/apps/${encodeURIComponent(appId)}/users/${encodeURIComponent(contactId)}`;
}
