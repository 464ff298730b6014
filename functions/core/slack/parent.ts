import type { Button, KnownBlock } from '@slack/types';
import { clip } from '../../../common/clip';
import { clipEscaped, escapeMrkdwn, mrkdwnCodeBlock, mrkdwnWithin } from '../escape';
import type { ErrorEvent } from '../event-schema';
import { detailUrl, intercomContactUrl } from '../links';
import { type AlertStatus, type ErrorGroup, OPEN_STATUS } from '../records';
import { alertActionButtons } from './alert-actions';
import { actorMention, inert } from './escalation';
import { groupTitle, plural, slackDate, usersLabel, userText } from './format';
import { BLOCK_LIMITS, type MessageOptions, OUTCOME_LIMITS, type SlackMessage } from './message';
import { SEND_FIX_ACTION_ID, sendFixValue } from './send-fix';

const LEVEL_EMOJI: Record<ErrorEvent['level'], string> = {
  fatal: ':rotating_light:',
  error: ':red_circle:',
  warning: ':warning:',
};

function companyText(company: ErrorEvent['company']): string {
  if (!company || (!company.name && !company.slug && !company.id)) return '_none_';
  const name = company.name ?? company.slug ?? `id ${company.id}`;
  return escapeMrkdwn(company.plan ? `${name} · ${company.plan} plan` : name);
}

/** The one-line fallback: notifications and screen readers show it; escaped like everything else. */
function fallbackText(group: ErrorGroup): string {
  const line = `[${group.app}/${group.environment}] ${groupTitle(group)}: ${group.message ?? ''} (${plural(group.count, 'occurrence')})`;
  return mrkdwnWithin(line, BLOCK_LIMITS.fallbackChars);
}

/** What the alert says about its fix template and the last fix message. */
function fixContext(group: ErrorGroup): KnownBlock[] {
  const lines: string[] = [];
  if (group.template) {
    const how = group.template.auto
      ? 'sent automatically to each affected user'
      : 'press *Send fix* to send it';
    lines.push(
      `:memo: Fix template *${mrkdwnWithin(group.template.name, OUTCOME_LIMITS.nameChars)}* · ${how}`,
    );
  }
  const fix = group.fix;
  const sent = group.fixesSent ?? 0;
  const notSent = group.fixesNotSent ?? 0;
  if (group.template?.auto && sent + notSent > 1) {
    // Automatic fixes to many users: counts, not a line per user.
    const parts = [`sent to ${plural(sent, 'user')}`];
    if (notSent > 0)
      parts.push(
        `${notSent} not sent (not in Intercom, no email address or unsubscribed, cooldown or refused)`,
      );
    lines.push(
      `:white_check_mark: Fixes ${parts.join(' · ')} · latest to ${mrkdwnWithin(fix?.userName ?? '', OUTCOME_LIMITS.nameChars)}`,
    );
  } else if (fix) {
    const who = mrkdwnWithin(fix.userName, OUTCOME_LIMITS.nameChars);
    const by = fix.requestedBy ? ` by <@${fix.requestedBy}>` : '';
    const reason = mrkdwnWithin(fix.reason ?? fix.status.replace(/-/g, ' '), OUTCOME_LIMITS.reasonChars);
    lines.push(
      fix.status === 'sent'
        ? `:white_check_mark: Fix sent to ${who}${by} · ${slackDate(fix.at)}`
        : `:warning: Fix not sent to ${who}: ${reason}`,
    );
  }
  return lines.length === 0
    ? []
    : [
        {
          type: 'context',
          block_id: 'fix',
          elements: lines.map((text) => ({ type: 'mrkdwn' as const, text })),
        },
      ];
}

function buttons(group: ErrorGroup, options: MessageOptions) {
  const { latest, template, fix } = group;
  const elements: Button[] = [
    {
      type: 'button',
      action_id: 'open_details',
      text: { type: 'plain_text', text: 'Open details' },
      url: detailUrl(options.publicUrl, latest.linkId),
    },
    ...alertActionButtons(group),
  ];
  const alreadySent = fix?.status === 'sent' && fix.linkId === latest.linkId;
  if (template && !template.auto && latest.user && !alreadySent) {
    elements.push({
      type: 'button',
      action_id: SEND_FIX_ACTION_ID,
      style: 'primary',
      text: { type: 'plain_text', text: clip(`Send fix: ${template.name}`, BLOCK_LIMITS.buttonChars) },
      value: sendFixValue(latest.linkId, template.id),
    });
  }
  if (options.intercomAppId && fix?.contactId) {
    elements.push({
      type: 'button',
      action_id: 'open_intercom',
      text: { type: 'plain_text', text: 'Open in Intercom' },
      url: intercomContactUrl(options.intercomAppId, fix.contactId),
    });
  }
  return elements;
}

/**
 * High urgency loud and first; low urgency quiet, with who will look and when if the caller knows.
 */
function urgencyBlocks(group: ErrorGroup, options: MessageOptions): KnownBlock[] {
  if (group.urgency) {
    const reason = inert(group.urgency.reason, OUTCOME_LIMITS.reasonChars);
    return [
      {
        type: 'section',
        block_id: 'urgency',
        text: { type: 'mrkdwn', text: `:rotating_light: *High urgency* · ${reason}` },
      },
    ];
  }
  if (!options.oncallNote) return [];
  const note = inert(options.oncallNote, OUTCOME_LIMITS.reasonChars);
  return [
    { type: 'context', block_id: 'oncall', elements: [{ type: 'mrkdwn', text: `Low urgency · ${note}` }] },
  ];
}

/**
 * Where the alert stands, in place. Names only for the people paged: their pings come from the thread
 * reply and the DM, once per step. The clicker may be mentioned: Slack does not ping for an edit.
 */
function stateText(status: AlertStatus): string {
  const by = actorMention(status.by);
  const regressed = status.regressed ? ' · :repeat: Regressed' : '';
  switch (status.state) {
    case 'acknowledged':
      return `:eyes: Acknowledged by ${by} · ${slackDate(status.changedAt)}${regressed}`;
    case 'snoozed': {
      const until = status.snoozedUntil === undefined ? '' : ` until ${slackDate(status.snoozedUntil)}`;
      return `:zzz: Snoozed${until} by ${by}${regressed}`;
    }
    case 'resolved':
      return `:white_check_mark: Resolved by ${by} · ${slackDate(status.changedAt)}`;
    case 'open': {
      const last = status.steps.at(-1);
      if (!last) return `:large_orange_circle: Open${regressed}`;
      const names =
        last.to.length === 0
          ? 'nobody'
          : inert(last.to.map((p) => clip(p.name, OUTCOME_LIMITS.nameChars)).join(', '), 1000);
      return `:large_orange_circle: Escalated to ${names} (step ${last.step + 1})${regressed}`;
    }
  }
}

/** The parent alert of a group, posted once and then updated in place with the latest counts. */
export function parentMessage(group: ErrorGroup, options: MessageOptions): SlackMessage {
  const { latest } = group;
  const context = [`*${escapeMrkdwn(group.app)}*`, escapeMrkdwn(group.environment), group.level];
  if (group.errorCode) context.push(`code \`${escapeMrkdwn(group.errorCode.replace(/`/g, "'"))}\``);
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      block_id: 'title',
      text: {
        type: 'plain_text',
        text: clip(`${LEVEL_EMOJI[group.level]} ${groupTitle(group)}`, 150),
        emoji: true,
      },
    },
    ...urgencyBlocks(group, options),
    { type: 'context', block_id: 'where', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] },
    {
      type: 'context',
      block_id: 'state',
      elements: [{ type: 'mrkdwn', text: stateText(group.status ?? OPEN_STATUS) }],
    },
    {
      type: 'section',
      block_id: 'message',
      text: {
        type: 'mrkdwn',
        text: mrkdwnCodeBlock(group.message ?? '(no message)', BLOCK_LIMITS.sectionChars),
      },
    },
    {
      type: 'section',
      block_id: 'facts',
      fields: [
        { type: 'mrkdwn', text: mrkdwnField('User', userText(latest.user)) },
        { type: 'mrkdwn', text: mrkdwnField('Company', companyText(latest.company)) },
        { type: 'mrkdwn', text: `*Occurrences*\n${group.count} · ${usersLabel(group)}` },
        { type: 'mrkdwn', text: `*First seen*\n${slackDate(group.firstSeenAt)}` },
        { type: 'mrkdwn', text: `*Last seen*\n${slackDate(group.lastSeenAt)}` },
      ],
    },
    ...fixContext(group),
    { type: 'actions', block_id: 'actions', elements: buttons(group, options) },
    {
      type: 'context',
      block_id: 'expiry',
      elements: [
        {
          type: 'mrkdwn',
          text: `Details of the latest occurrence · link expires ${slackDate(latest.linkExpiresAt * 1000)}`,
        },
      ],
    },
  ];
  return { text: fallbackText(group), blocks };
}

function mrkdwnField(label: string, escapedValue: string): string {
  const head = `*${label}*\n`;
  return head + clipEscaped(escapedValue, BLOCK_LIMITS.fieldChars - head.length);
}
