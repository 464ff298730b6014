import { clip } from '../../../common/clip';
import { formatUtc } from '../duration';
import { escapeMrkdwn } from '../escape';
import type { ErrorEvent } from '../event-schema';
import { type ErrorGroup, userCountText } from '../records';

/** The mrkdwn pieces the parent alert and its thread updates share. */

/** Slack renders `<!date^…>` in each reader's own time zone; the fallback is UTC. */
export function slackDate(ms: number): string {
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${formatUtc(ms)}>`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function usersLabel(group: ErrorGroup): string {
  return `${userCountText(group)} user${group.userCount === 1 ? '' : 's'}`;
}

/** The user, escaped. */
export function userText(user: ErrorEvent['user']): string {
  if (!user || (!user.name && !user.email && !user.id)) return '_none_';
  const who = user.name ?? user.email ?? `id ${user.id}`;
  const extra = user.name && user.email ? ` (${user.email})` : '';
  return escapeMrkdwn(`${who}${extra}`);
}

/** The group's title as it is: a header shows it as plain text, mrkdwn callers escape it. */
export function groupTitle(group: ErrorGroup): string {
  return group.errorType ?? clip(group.message ?? 'Error', 80);
}
