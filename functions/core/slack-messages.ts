import type { Button, KnownBlock } from '@slack/web-api';
import { formatUtc } from './duration';
import { clipEscaped, escapeMrkdwn, mrkdwnCodeBlock, mrkdwnWithin } from './escape';
import type { ErrorEvent } from './event-schema';
import { intercomContactUrl } from './intercom-links';
import { clip } from './limit-size';
import { type ErrorGroup, USER_COUNT_CAP } from './records';

/** Block Kit limits (Slack's documented maxima). */
export const BLOCK_LIMITS = {
  blocks: 50,
  headerChars: 150,
  sectionChars: 3000,
  fieldChars: 2000,
  buttonChars: 75,
  fallbackChars: 400,
} as const;

export type SlackMessage = { text: string; blocks: KnownBlock[] };

/** What the message builders need besides the group. */
export type MessageOptions = { publicUrl: string; intercomAppId?: string };

/** The "Send fix" button: its action id, and its value naming the occurrence and the template. */
export const SEND_FIX_ACTION_ID = 'send_fix';

export function sendFixValue(linkId: string, templateId: string): string {
  return `${linkId}|${templateId}`;
}

export function parseSendFixValue(value: string | undefined): { linkId?: string; templateId?: string } {
  const [linkId, templateId] = (value ?? '').split('|');
  return { linkId, templateId };
}

const LEVEL_EMOJI: Record<ErrorEvent['level'], string> = {
  fatal: ':rotating_light:',
  error: ':red_circle:',
  warning: ':warning:',
};

export function detailUrl(publicUrl: string, linkId: string): string {
  return `${publicUrl}/e/${linkId}`;
}

/** Slack renders `<!date^…>` in each reader's own time zone; the fallback is UTC. */
function slackDate(ms: number): string {
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${formatUtc(ms)}>`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function usersLabel(group: ErrorGroup): string {
  return group.userCount >= USER_COUNT_CAP ? `${USER_COUNT_CAP}+ users` : plural(group.userCount, 'user');
}

function userText(user: ErrorEvent['user']): string {
  if (!user || (!user.name && !user.email && !user.id)) return '_none_';
  const who = user.name ?? user.email ?? `id ${user.id}`;
  const extra = user.name && user.email ? ` (${user.email})` : '';
  return escapeMrkdwn(`${who}${extra}`);
}

function companyText(company: ErrorEvent['company']): string {
  if (!company || (!company.name && !company.slug && !company.id)) return '_none_';
  const name = company.name ?? company.slug ?? `id ${company.id}`;
  return escapeMrkdwn(company.plan ? `${name} · ${company.plan} plan` : name);
}

function title(group: ErrorGroup): string {
  return group.errorType ?? clip(group.message ?? 'Error', 80);
}

/** The one-line fallback: notifications and screen readers show it; escaped like everything else. */
function fallbackText(group: ErrorGroup): string {
  const line = `[${group.app}/${group.environment}] ${title(group)}: ${group.message ?? ''} (${plural(group.count, 'occurrence')})`;
  return mrkdwnWithin(line, BLOCK_LIMITS.fallbackChars);
}

/** Caps of the free text in an outcome line: whatever Intercom or a user name says, it fits a block. */
export const OUTCOME_LIMITS = { nameChars: 200, reasonChars: 500 } as const;

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
    if (notSent > 0) parts.push(`${notSent} not sent (not in Intercom, cooldown or refused)`);
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
        text: clip(`${LEVEL_EMOJI[group.level]} ${title(group)}`, 150),
        emoji: true,
      },
    },
    { type: 'context', block_id: 'where', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] },
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
    text: `${plural(added, 'more occurrence')} of ${mrkdwnWithin(title(group), 150)} (${group.count} in total)`,
    blocks: [{ type: 'section', block_id: 'update', text: { type: 'mrkdwn', text } }],
  };
}
