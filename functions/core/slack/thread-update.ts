import { mrkdwnWithin } from '../escape';
import { detailUrl } from '../links';
import type { ErrorGroup } from '../records';
import { groupTitle, plural, slackDate, usersLabel, userText } from './format';
import type { MessageOptions, SlackMessage } from './message';

/** The thread reply that accompanies a coalesced update: what is new since the last one. */
export function threadUpdateMessage(
  group: ErrorGroup,
  previousCount: number,
  options: MessageOptions,
): SlackMessage {
  const added = group.count - previousCount;
  const url = detailUrl(options.publicUrl, group.latest.linkId);
  const text =
    `${plural(added, 'more occurrence')} · ${group.count} in total · ${usersLabel(group)} · ` +
    `latest ${slackDate(group.lastSeenAt)} by ${userText(group.latest.user)}: ` +
    `<${url}|open details> (link expires ${slackDate(group.latest.linkExpiresAt * 1000)})`;
  return {
    text: `${plural(added, 'more occurrence')} of ${mrkdwnWithin(groupTitle(group), 150)} (${group.count} in total)`,
    blocks: [{ type: 'section', block_id: 'update', text: { type: 'mrkdwn', text } }],
  };
}
