import { clip } from '../../common/clip';

/**
 * Slack mrkdwn escaping: `&` first, then `<` and `>`. Without it, event text could ping `<!channel>`
 * or show `<https://evil|a safe label>`.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Clips already-escaped text without leaving half an entity (`&am…`) at the cut. */
export function clipEscaped(escaped: string, max: number): string {
  return escaped.length <= max ? escaped : clip(escaped, max).replace(/&[a-z]{0,4}…$/, '…');
}

/** Escapes then clips to a Block Kit limit. */
export function mrkdwnWithin(text: string, max: number): string {
  return clipEscaped(escapeMrkdwn(text), max);
}

/** A fenced code block whose content cannot close the fence early. */
export function mrkdwnCodeBlock(text: string, max: number): string {
  const fence = '```';
  const body = mrkdwnWithin(text.replace(/`+/g, '`'), max - 2 * fence.length - 2);
  return `${fence}\n${body}\n${fence}`;
}

/** Escaping for HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
