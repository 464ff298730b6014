import type { KnownBlock } from '@slack/types';
import { clip } from '../../../common/clip';
import { mrkdwnCodeBlock, mrkdwnWithin } from '../escape';
import { detailUrl } from '../links';
import {
  type AlertStatus,
  type ErrorGroup,
  type EscalationRecord,
  OPEN_STATUS,
  type Paged,
  type SlackActor,
} from '../records';
import { ackButton } from './alert-actions';
import { groupTitle, slackDate } from './format';
import { BLOCK_LIMITS, type MessageOptions, OUTCOME_LIMITS, type SlackMessage } from './message';

/*
 * The thread replies and direct messages of on-call: who is paged and why, and what became of the
 * alert. Mentions come only from ids that look like Slack's own (the team file's `slack`, the clicker
 * Slack names); everything else — event text, names, reasons — is escaped, so it cannot ping or link.
 */

/** A Slack user id as Slack writes it (bounded: a mention is short). */
const SLACK_USER_ID = /^[UW][A-Z0-9]{2,20}$/;
/** A public (C…) or private (G…) channel id. */
const SLACK_CHANNEL_ID = /^[CG][A-Z0-9]{1,20}$/;

export const isSlackUserId = (id: string): boolean => SLACK_USER_ID.test(id);
export const isSlackChannelRef = (id: string): boolean => SLACK_CHANNEL_ID.test(id);

/** Free text made inert and short; clipped first so a megabyte is never escaped whole. */
export function inert(text: string, max: number): string {
  return mrkdwnWithin(clip(text, max), max);
}

/** A name as the alert shows it: escaped, never a mention. */
export const nameText = (name: string): string => inert(name, OUTCOME_LIMITS.nameChars);

/** Whoever pressed a button: the mention when Slack's id is there, else their escaped name. */
export function actorMention(by: SlackActor | undefined): string {
  if (by && isSlackUserId(by.id)) return `<@${by.id}>`;
  return by?.name ? nameText(by.name) : 'someone';
}

/** One person paged: their mention (one ping), else their escaped name. */
const personText = (p: Paged): string => (isSlackUserId(p.slack) ? `<@${p.slack}>` : nameText(p.name));

/**
 * The people of a step within `max` characters, each once, whole: mentions are never cut in half;
 * those that do not fit are counted ("and 3 more"). Stops at the budget, so a huge list costs little.
 */
export function peopleWithin(to: Paged[], max: number): string {
  const seen = new Set<string>();
  const shown: string[] = [];
  let used = 0;
  let hidden = 0;
  for (const person of to) {
    const key = isSlackUserId(person.slack) ? person.slack : `name:${person.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const text = hidden === 0 ? personText(person) : '';
    // Room left for ", " and a closing " and 9999 more".
    if (hidden === 0 && used + text.length + 2 + 16 <= max) {
      shown.push(text);
      used += text.length + 2;
    } else hidden += 1;
  }
  if (shown.length === 0) return hidden === 0 ? 'nobody' : `${hidden} people`;
  return hidden === 0 ? shown.join(', ') : `${shown.join(', ')} and ${hidden} more`;
}

const statusOf = (group: ErrorGroup): AlertStatus => group.status ?? OPEN_STATUS;

/** A one-section message: the same text in the block and, shorter, as the notification fallback. */
function sectionMessage(blockId: string, line: (max: number) => string): SlackMessage {
  return {
    text: line(BLOCK_LIMITS.fallbackChars),
    blocks: [
      { type: 'section', block_id: blockId, text: { type: 'mrkdwn', text: line(BLOCK_LIMITS.sectionChars) } },
    ],
  };
}

/** Caps of the reason in a line of `max` characters: the people get the rest. */
const whyCap = (max: number) => Math.min(OUTCOME_LIMITS.reasonChars, Math.floor(max / 4));

/**
 * The thread reply of one escalation step, mentioning whom it reaches (a ping per person, once):
 * the first step says why the alert is urgent, later ones why it went further.
 */
export function escalationReply(
  group: ErrorGroup,
  record: EscalationRecord,
  steps: number,
  _options: MessageOptions,
): SlackMessage {
  return sectionMessage('escalation', (max) => {
    // A step recorded without its reason still says why the alert is urgent.
    const why = inert(record.why || (group.urgency?.reason ?? 'high urgency'), whyCap(max));
    const where = ` (step ${record.step + 1} of ${Math.max(steps, record.step + 1)})`;
    if (record.step === 0) {
      const head = `:rotating_light: High urgency (${why}): `;
      return record.to.length === 0
        ? `${head}nobody to notify${where}`
        : head + peopleWithin(record.to, max - head.length - where.length) + where;
    }
    if (record.to.length === 0) return `:arrow_double_up: Escalation reached nobody: ${why}${where}`;
    const head = ':arrow_double_up: Escalated to ';
    const tail = `: ${why}${where}`;
    return head + peopleWithin(record.to, max - head.length - tail.length) + tail;
  });
}

/** A change of state in one line, for the thread: the stored status unless `change` says otherwise. */
export type StateChange = Pick<AlertStatus, 'state' | 'by' | 'snoozedUntil' | 'regressed'>;

/**
 * The thread reply telling a change of state. The clicker is named, not mentioned: a new message
 * would ping them for their own click (the parent, edited in place, may mention them).
 */
export function stateReply(
  group: ErrorGroup,
  _options?: MessageOptions,
  change: StateChange = statusOf(group),
): SlackMessage {
  const by = change.by?.name ? nameText(change.by.name) : actorMention(change.by);
  const line = (): string => {
    switch (change.state) {
      case 'acknowledged':
        return `:eyes: Acknowledged by ${by}: escalation stops`;
      case 'snoozed':
        return change.snoozedUntil === undefined
          ? `:zzz: Snoozed by ${by}`
          : `:zzz: Snoozed by ${by} until ${slackDate(change.snoozedUntil)}`;
      case 'resolved':
        return `:white_check_mark: Resolved by ${by}`;
      case 'open':
        return change.regressed
          ? ':repeat: Reopened: it happened again after it was resolved (a regression)'
          : ':alarm_clock: The snooze ran out: the alert is open again';
    }
  };
  return sectionMessage('state', line);
}

/**
 * The direct message a paged person gets: where and what, why it is urgent, the details, where the
 * alert is, and Acknowledge right there (the same button as the alert's).
 */
export function directMessage(
  group: ErrorGroup,
  record: EscalationRecord,
  options: MessageOptions,
): SlackMessage {
  const where = `${inert(group.app, 200)}/${inert(group.environment, 200)}`;
  const title = inert(groupTitle(group), 300);
  const reason = inert(group.urgency?.reason ?? record.why, OUTCOME_LIMITS.reasonChars);
  const why =
    record.step === 0
      ? `High urgency: ${reason}`
      : `High urgency: ${reason} · escalated to you: ${inert(record.why, OUTCOME_LIMITS.reasonChars)} (step ${record.step + 1})`;
  const url = detailUrl(options.publicUrl, group.latest.linkId);
  const pointers = [`<${url}|Open details>`];
  const channel = group.slack?.channel;
  if (channel && isSlackChannelRef(channel)) pointers.push(`see the alert in <#${channel}>`);
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      block_id: 'page',
      text: { type: 'mrkdwn', text: `:rotating_light: You are paged for *${where}*: *${title}*\n${why}` },
    },
    {
      type: 'section',
      block_id: 'message',
      text: { type: 'mrkdwn', text: mrkdwnCodeBlock(clip(group.message ?? '(no message)', 1000), 1000) },
    },
    { type: 'context', block_id: 'links', elements: [{ type: 'mrkdwn', text: pointers.join(' · ') }] },
    { type: 'actions', block_id: 'actions', elements: [ackButton(group)] },
  ];
  const text = inert(
    `[${clip(group.app, 100)}/${clip(group.environment, 100)}] ${clip(groupTitle(group), 100)}: high urgency (${clip(group.urgency?.reason ?? record.why, 100)})`,
    BLOCK_LIMITS.fallbackChars,
  );
  return { text, blocks };
}
