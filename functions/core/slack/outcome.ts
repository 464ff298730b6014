import { formatRelative, formatUtc } from '../duration';
import { mrkdwnWithin } from '../escape';
import type { ErrorEvent } from '../event-schema';
import type { NotifyJob } from '../notify-job';
import { recipientName } from '../recipient';
import { channelOf, type NotifyOutcome } from '../records';
import { OUTCOME_LIMITS, type SlackMessage } from './message';

/** The Slack thread reply telling the team what happened to a fix message. Event text is escaped. */
function outcomeText(
  outcome: NotifyOutcome,
  templateName: string,
  user: ErrorEvent['user'],
  job: Pick<NotifyJob, 'requestedBy'>,
): string {
  const fix = `“${mrkdwnWithin(templateName, OUTCOME_LIMITS.nameChars)}”`;
  const who = mrkdwnWithin(recipientName(user), OUTCOME_LIMITS.nameChars);
  const reason = 'reason' in outcome ? mrkdwnWithin(outcome.reason, OUTCOME_LIMITS.reasonChars) : '';
  const by = job.requestedBy ? ` · requested by <@${job.requestedBy.id}>` : ' · sent automatically';
  // A refused send says which channel was refused: an email refusal is rarely an in-app one's reason.
  const channel = outcome.status === 'failed' ? outcome.channel : channelOf(outcome);
  const how = channel === 'email' ? ' by email' : channel === 'inapp' ? ' in-app' : '';
  switch (outcome.status) {
    case 'sent':
      return `:white_check_mark: Sent ${fix} to ${who} in Intercom,${how}${by}`;
    case 'not-in-intercom':
      return `:grey_question: Did not send ${fix}: ${who} is not in Intercom (no user with their user id or email)`;
    case 'cooldown':
      return (
        `:hourglass: Did not send ${fix} to ${who}: they got it ${formatRelative(outcome.lastSentAt, outcome.at)}; ` +
        `it can go again after ${formatUtc(outcome.until)}`
      );
    case 'expired':
      return `:grey_question: Did not send ${fix}: the occurrence's details have expired`;
    case 'uncertain':
      return (
        `:warning: Intercom did not confirm sending ${fix} to ${who}${how}; it may have arrived. ` +
        `Not retried, so it is never sent twice — check the conversation in Intercom (${reason})`
      );
    case 'failed':
      return `:x: Could not send ${fix} to ${who}${how}: ${reason}`;
  }
}

/** The thread reply as a Slack message: the same text as a section and as the notification fallback. */
export function outcomeMessage(
  outcome: NotifyOutcome,
  templateName: string,
  user: ErrorEvent['user'],
  job: Pick<NotifyJob, 'requestedBy'>,
): SlackMessage {
  const text = outcomeText(outcome, templateName, user, job);
  return { text, blocks: [{ type: 'section', block_id: 'fix_outcome', text: { type: 'mrkdwn', text } }] };
}
