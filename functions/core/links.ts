/** The detail page of one occurrence, linked from Slack and the Help Scout sidebar. */
export function detailUrl(publicUrl: string, linkId: string): string {
  return `${publicUrl}/e/${linkId}`;
}

/** The Intercom inbox page of a contact (the deep link Intercom's own apps use). */
export function intercomContactUrl(appId: string, contactId: string): string {
  return `https://app.intercom.com/a/apps/${encodeURIComponent(appId)}/users/${encodeURIComponent(contactId)}`;
}
