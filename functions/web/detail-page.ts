import { createHash } from 'node:crypto';
import { html, raw } from 'hono/html';
import { clip } from '../../common/clip';
import { formatRelative, formatUtc } from '../core/duration';
import type { ErrorInfo } from '../core/event-schema';
import { statusOf } from '../core/oncall/incident';
import {
  type AlertStatus,
  channelOf,
  type DetailLink,
  type ErrorGroup,
  type SlackActor,
  userCountText,
} from '../core/records';

/**
 * The detail page behind an expiring link. Server-rendered with Hono's `html` template, which
 * escapes every interpolated value; no script, no third-party asset. The one stylesheet is inline
 * and allowed by its hash in the Content-Security-Policy (it is our constant, so it goes in raw).
 */
const PAGE_CSS = `
:root{color-scheme:light dark;--muted:#6b7280;--line:#d1d5db;--bad:#b91c1c}
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:24px}
h1{font-size:1.5rem;margin:0 0 4px;word-break:break-word}
h2{font-size:1rem;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.meta,.expiry{color:var(--muted)}
.expiry{margin:8px 0 0}
.message{font-size:1.05rem;white-space:pre-wrap;word-break:break-word}
pre{background:rgba(127,127,127,.12);padding:12px;overflow-x:auto;font-size:13px;white-space:pre}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid var(--line);word-break:break-all}
th{width:12rem;font-weight:600;word-break:normal}
.cause{border-left:3px solid var(--bad);padding-left:12px;margin:12px 0}
.badge{display:inline-block;border:1px solid var(--line);border-radius:4px;padding:0 6px;font-size:.85rem}
`.trim();

export const PAGE_CSS_HASH = `'sha256-${createHash('sha256').update(PAGE_CSS).digest('base64')}'`;

type Row = [label: string, value: string | undefined];

function table(rows: Row[]) {
  const present = rows.filter(([, v]) => v !== undefined && v !== '');
  if (present.length === 0) return html`<p class="meta">None.</p>`;
  return html`<table>
    ${present.map(([label, value]) => html`<tr><th>${label}</th><td>${value}</td></tr>`)}
  </table>`;
}

function errorBlock(error: ErrorInfo) {
  return html`<p><strong>${error.type ?? 'Error'}</strong>${error.code ? html` <span class="badge">${error.code}</span>` : ''}</p>
    <p class="message">${error.message ?? ''}</p>
    ${error.stack ? html`<pre>${error.stack}</pre>` : ''}`;
}

function causes(error: ErrorInfo) {
  const chain: ErrorInfo[] = [];
  for (let c = error.cause; c; c = c.cause) chain.push(c);
  if (chain.length === 0) return '';
  return html`<h2>Caused by</h2>
    ${chain.map((c) => html`<div class="cause">${errorBlock(c)}</div>`)}`;
}

function page(title: string, body: unknown) {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${title} · Heads-up</title>
<style>${raw(PAGE_CSS)}</style>
</head>
<body>
${body}
</body>
</html>`;
}

/** The full detail page of one occurrence. */
export function detailPage(link: DetailLink, group: ErrorGroup | undefined, now: number) {
  const { event } = link;
  const expiresMs = link.expiresAt * 1000;
  const title = `${event.error.type ?? 'Error'} · ${event.app}/${event.environment}`;
  const headers = Object.entries(event.request?.headers ?? {}).map(
    ([k, v]): Row => [k, Array.isArray(v) ? v.join(', ') : v],
  );
  return page(
    title,
    html`<header>
  <h1>${event.error.type ?? 'Error'}</h1>
  <div class="meta">${event.app} · ${event.environment} · ${event.level} · occurred ${formatUtc(
    event.occurredAt ? Date.parse(event.occurredAt) : link.receivedAt,
  )}</div>
  <p class="expiry">This link expires ${formatRelative(expiresMs, now)} (${formatUtc(expiresMs)}).</p>
</header>
<main>
  <h2>Error</h2>
  ${errorBlock(event.error)}
  ${causes(event.error)}
  <h2>User</h2>
  ${table([
    ['Name', event.user?.name],
    ['Email', event.user?.email],
    ['User id', event.user?.id],
  ])}
  <h2>Company</h2>
  ${table([
    ['Name', event.company?.name],
    ['Slug', event.company?.slug],
    ['Plan', event.company?.plan],
    ['Company id', event.company?.id],
  ])}
  <h2>Request</h2>
  ${table([['Method', event.request?.method], ['URL', event.request?.url], ...headers])}
  <h2>Context</h2>
  ${event.context ? html`<pre>${JSON.stringify(event.context, null, 2)}</pre>` : html`<p class="meta">None.</p>`}
  <h2>Tags</h2>
  ${table(Object.entries(event.tags ?? {}))}
  ${fixSection(link)}
  <h2>This error group</h2>
  ${
    group
      ? table([
          ['Occurrences', String(group.count)],
          ['Users affected', userCountText(group)],
          ['First seen', formatUtc(group.firstSeenAt)],
          ['Last seen', formatUtc(group.lastSeenAt)],
        ])
      : html`<p class="meta">The group has expired.</p>`
  }
  ${group ? alertSection(group) : ''}
  <p class="meta">Event ${link.eventId} · fingerprint ${link.fingerprint}</p>
</main>`,
  );
}

const FIX_STATUS: Record<NonNullable<DetailLink['notify']>['status'], string> = {
  sent: 'sent in Intercom',
  'not-in-intercom': 'not sent: the user is not in Intercom',
  cooldown: 'not sent: the user got it recently (cooldown)',
  expired: 'not sent: the details had expired',
  uncertain: 'may have been sent: Intercom did not confirm it',
  failed: 'not sent',
};

/** How it went, or may have; nothing for an outcome that sent nothing. */
function channelText(n: DetailLink['notify']): string | undefined {
  const channel = n && channelOf(n);
  return channel && { inapp: 'in-app message', email: 'email' }[channel];
}

/** What became of the fix message for this occurrence, when a template matched. */
function fixSection(link: DetailLink) {
  if (!link.templateId) return '';
  const n = link.notify;
  return html`<h2>Fix message</h2>
  ${table([
    ['Template', link.templateId],
    ['Status', n ? FIX_STATUS[n.status] : 'not sent yet'],
    ['Channel', channelText(n)],
    ['When', n ? formatUtc(n.at) : undefined],
    [
      'Promised a reply by',
      n && 'promisedBy' in n && n.promisedBy !== undefined ? formatUtc(n.promisedBy) : undefined,
    ],
    ['Reason', n && 'reason' in n ? n.reason : undefined],
  ])}`;
}

/** Names and reasons come from Slack users and the team file: clipped so one cannot flood the page. */
const NAME_CHARS = 200;
const REASON_CHARS = 500;
/** All the people one step reached, together. */
const NAMES_CHARS = 1000;

const actor = (by: SlackActor | undefined) => (by ? ` by ${clip(by.name ?? by.id, NAME_CHARS)}` : '');

/** Where the alert stands, in words; who changed it is absent when Heads-up itself did. */
function stateText(status: AlertStatus): string {
  const regressed = status.regressed ? ' · regressed after Resolve' : '';
  const changed = formatUtc(status.changedAt);
  switch (status.state) {
    case 'acknowledged':
      return `Acknowledged${actor(status.by)} · ${changed}${regressed}`;
    case 'snoozed':
      return status.snoozedUntil === undefined
        ? `Snoozed${actor(status.by)} · ${changed}${regressed}`
        : `Snoozed until ${formatUtc(status.snoozedUntil)}${actor(status.by)}${regressed}`;
    case 'resolved':
      return `Resolved${actor(status.by)} · ${changed}`;
    case 'open':
      return status.regressed ? `Regressed after Resolve · ${changed}` : 'Open';
  }
}

/** The group's urgency, its alert's state and this round's escalation steps, oldest first. */
function alertSection(group: ErrorGroup) {
  const status = statusOf(group);
  const urgency = group.urgency
    ? `High urgency — ${clip(group.urgency.reason, REASON_CHARS)} (since ${formatUtc(group.urgency.at)})`
    : 'Low urgency';
  return html`<h2>Alert</h2>
  ${table([
    ['Urgency', urgency],
    ['State', stateText(status)],
  ])}
  ${
    status.steps.length > 0
      ? html`<p><strong>Escalation</strong></p>
  <ol>
    ${status.steps.map(
      (s) =>
        html`<li>${formatUtc(s.at)} · step ${s.step + 1} to ${
          s.to.length === 0
            ? 'nobody'
            : clip(s.to.map((p) => clip(p.name, NAME_CHARS)).join(', '), NAMES_CHARS)
        } — ${clip(s.why, REASON_CHARS)}${s.told ? '' : ' (being notified)'}</li>`,
    )}
  </ol>`
      : ''
  }`;
}

/** 404 and 410 pages: say what happened and what to do. */
export function notFoundPage() {
  return page(
    'Link not found',
    html`<h1>This link does not exist</h1>
<p>Check that the whole link was copied. Detail links are long and random on purpose.</p>`,
  );
}

export function expiredPage(link: DetailLink) {
  return page(
    'Link expired',
    html`<h1>This link has expired</h1>
<p>Its details were removed at ${formatUtc(link.expiresAt * 1000)}, as every Heads-up detail link is after a
while, so error details do not stay reachable for ever. A newer occurrence of the same error has a fresh
link in its Slack thread.</p>`,
  );
}
