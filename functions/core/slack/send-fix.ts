/**
 * The "Send fix" button's contract with the Slack actions route: its action id, and its value naming
 * the occurrence and the template.
 */
export const SEND_FIX_ACTION_ID = 'send_fix';

export function sendFixValue(linkId: string, templateId: string): string {
  return `${linkId}|${templateId}`;
}

export function parseSendFixValue(value: string | undefined): { linkId?: string; templateId?: string } {
  const [linkId, templateId] = (value ?? '').split('|');
  return { linkId, templateId };
}
