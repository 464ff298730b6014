import { clip } from '../../../common/clip';
import { formatRelative, formatUtc } from '../duration';
import { detailUrl } from '../links';
import {
  type AlertStatus,
  channelOf,
  type DetailLink,
  type ErrorGroup,
  OPEN_STATUS,
  userCountText,
} from '../records';
import { type Html, h, type Part } from './html';

/**
 * The Help Scout sidebar (a legacy "Dynamic Content" app): the HTML answered for a customer's request
 * (request.ts reads what it names). Help Scout keeps only its sidebar style guide's markup, so this uses
 * nothing else: `c-sb-section`, `c-sb-list c-sb-list--two-line`, `c-sb-list-item`, `c-sb-list-item__label`,
 * `c-sb-list-item__text`, `badge`, and plain `p`, `strong`, `span`, `ul`, `li`, `a`.
 */

/** Errors shown at most, newest first. */
export const SIDEBAR_MAX_ERRORS = 10;
const MESSAGE_CHARS = 160;
const MAX_COMPANIES = 3;
/** Who acknowledged or resolved: a Slack name, clipped so it stays one short line. */
const ACTOR_CHARS = 60;

/** Several addresses' lists (each newest first) as one, newest first, each link once. */
export function newestFirst(lists: readonly DetailLink[][]): DetailLink[] {
  const byId = new Map<string, DetailLink>();
  for (const list of lists) for (const link of list) byId.set(link.id, link);
  // The same order as the index's sort key (`<ISO receivedAt>#<id>`, descending).
  return [...byId.values()].sort(
    (a, b) => b.receivedAt - a.receivedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
  );
}

/**
 * What the sidebar shows of a link's group: how often, for how many users, its template's name, and
 * its urgency and alert state (absent: low, open).
 */
export type SidebarGroup = Pick<ErrorGroup, 'count' | 'userCount' | 'template' | 'urgency' | 'status'>;

export type SidebarInput = {
  /** The addresses looked up; none means the conversation names no customer address. */
  emails: readonly string[];
  /** The customer's unexpired links, newest first; more than SIDEBAR_MAX_ERRORS says some are left out. */
  links: readonly DetailLink[];
  /** By fingerprint; a missing or expired group shows no count. */
  groups: ReadonlyMap<string, SidebarGroup | undefined>;
};

export type SidebarOptions = {
  /** Base URL of detail links, without a trailing slash. */
  publicUrl: string;
  now: number;
  /** The detail-link lifetime: how far back the sidebar can see. */
  windowSeconds: number;
};

/** The sidebar's HTML. Every value from an event or the request is escaped; the markup is ours. */
export function helpScoutSidebar(input: SidebarInput, options: SidebarOptions): string {
  const window = formatWindow(options.windowSeconds);
  if (input.emails.length === 0) {
    return section(h`<p>No customer email address on this conversation to look up errors for.</p>`);
  }
  if (input.links.length === 0) return section(h`<p>No errors in the last ${window}</p>`);
  const shown = input.links.slice(0, SIDEBAR_MAX_ERRORS);
  const rows = shown.map((link) => row(link, input.groups.get(link.fingerprint), options));
  const more = input.links.length > shown.length;
  return section(
    h`<p><strong>Errors in the last ${window}</strong></p>`,
    companyBadges(shown),
    h`<ul class="c-sb-list c-sb-list--two-line">${rows}</ul>`,
    more && h`<p>Showing the ${SIDEBAR_MAX_ERRORS} most recent.</p>`,
  );
}

function section(...parts: Part[]): string {
  return h`<div class="c-sb-section">${parts}</div>`.text;
}

/** The companies of the shown errors (usually one), newest first: name and plan as badges. */
function companyBadges(links: readonly DetailLink[]): Html | '' {
  const seen = new Map<string, Html>();
  for (const { event } of links) {
    const c = event.company;
    const name = c?.name ?? c?.slug ?? c?.id;
    const key = c?.id ?? name ?? c?.plan;
    if (!c || key === undefined || seen.has(key) || seen.size === MAX_COMPANIES) continue;
    seen.set(
      key,
      h`${name && h`<span class="badge">${name}</span>`}${c.plan && h` <span class="badge">${c.plan}</span>`}`,
    );
  }
  return seen.size === 0
    ? ''
    : h`<p>${[...seen.values()].map((badges, i) => h`${i > 0 && ' '}${badges}`)}</p>`;
}

function row(link: DetailLink, group: SidebarGroup | undefined, { now, publicUrl }: SidebarOptions): Html {
  const { event } = link;
  const occurredAt = event.occurredAt ? Date.parse(event.occurredAt) : Number.NaN;
  const at = Number.isFinite(occurredAt) ? occurredAt : link.receivedAt;
  const where =
    event.environment && event.environment !== 'production'
      ? `${event.app} (${event.environment})`
      : event.app;
  const message = event.error.message?.trim();
  const expiresMs = link.expiresAt * 1000;
  return h`<li class="c-sb-list-item"><span class="c-sb-list-item__label"><strong>${
    event.error.type ?? event.error.code ?? 'Error'
  }</strong> · ${where}${message && text(clip(message, MESSAGE_CHARS))}${text(
    h`${formatRelative(at, now)} (${formatUtc(at)})${group && ` · ${occurrences(group)}`}`,
  )}${group && text(alertLine(group))}${fixLine(link, group, now)}${text(
    expiresMs > now
      ? h`<a href="${detailUrl(publicUrl, link.id)}" target="_blank" rel="noopener noreferrer">Open details</a> · link expires ${formatRelative(expiresMs, now)}`
      : 'Details expired',
  )}</span></li>`;
}

const text = (content: Part) => h`<span class="c-sb-list-item__text">${content}</span>`;

/** Occurrences of the whole group (every user), not only this customer's. */
function occurrences(group: SidebarGroup): string {
  const times = group.count === 1 ? 'once' : `${group.count} times`;
  return group.userCount <= 1 ? times : `${times} for ${userCountText(group)} users`;
}

/** "High · acknowledged by ana", "Low · open": whether the team is on it, for the agent to tell. */
function alertLine(group: SidebarGroup): string {
  return `${group.urgency ? 'High' : 'Low'} · ${stateWords(group.status ?? OPEN_STATUS)}`;
}

function stateWords(status: AlertStatus): string {
  // Absent `by`: Heads-up itself changed it (a snooze that ran out), nobody to name.
  const by = status.by ? ` by ${clip(status.by.name ?? status.by.id, ACTOR_CHARS)}` : '';
  switch (status.state) {
    case 'open':
      return status.regressed ? 'open again after Resolve' : 'open';
    case 'snoozed':
      return status.snoozedUntil === undefined
        ? `snoozed${by}`
        : `snoozed until ${formatUtc(status.snoozedUntil)}`;
    default:
      return `${status.state}${by}`;
  }
}

/** The fix message the customer got for this error, if any (a cooldown means they got it earlier). */
function fixLine(link: DetailLink, group: SidebarGroup | undefined, now: number): Html | '' {
  const n = link.notify;
  if (!n) return '';
  const name = group?.template?.id === n.templateId ? group.template.name : n.templateId;
  const when = (ms: number) => `${formatRelative(ms, now)} (${formatUtc(ms)})`;
  // An agent answering the customer needs to know when the fix went to their inbox, not the product.
  const how = channelOf(n) === 'email' ? ' by email' : '';
  // What the customer was told to expect, so the agent answers by the same time.
  const promise = (by: number | undefined) =>
    by === undefined ? '' : ` · promised a reply by ${formatUtc(by)} (${formatRelative(by, now)})`;
  switch (n.status) {
    case 'sent':
      return text(h`Fix sent${how}: “${name}” ${when(n.at)}${promise(n.promisedBy)}`);
    case 'cooldown':
      return text(h`Fix sent: “${name}” ${when(n.lastSentAt)}`);
    case 'uncertain':
      return text(h`Fix may have been sent${how}: “${name}” ${when(n.at)}${promise(n.promisedBy)}`);
    default:
      return '';
  }
}

const WINDOW_UNITS: Array<[unit: string, seconds: number]> = [
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
];

/** `24 hours`, `15 minutes`, `7 days`, `90 seconds`: as the lifetime was most likely written. */
export function formatWindow(seconds: number): string {
  // Days only from two on: a 24h lifetime reads "24 hours", not "1 day".
  const [unit, size] = WINDOW_UNITS.find(
    ([u, s]) => seconds % s === 0 && (u !== 'day' || seconds >= 2 * s),
  ) ?? ['second', 1];
  return new Intl.NumberFormat('en', { style: 'unit', unit, unitDisplay: 'long' }).format(seconds / size);
}
