import { clip } from '../../common/clip';
import { redactRawBody, redactText } from '../../common/redact';
import { statusOf } from '../../functions/core/oncall/incident';
import { isWorking, localTimeIn, onCallShift } from '../../functions/core/oncall/roster';
import type { Team } from '../../functions/core/oncall/team-schema';
import { windowText } from '../../functions/core/oncall/urgency';
import type { ErrorGroup, SlackActor } from '../../functions/core/records';
import { groupTitle } from '../../functions/core/slack/format';
import type { IntercomFake } from '../fakes/intercom-api';
import type { PagerDutyFake } from '../fakes/pagerduty-api';
import type { SlackFake } from '../fakes/slack-api';

/** The emulator's view of a queue, read without consuming anything. */
export type QueueInspector = (name: string) =>
  | {
      messages: {
        ready: QueueMessage[];
        delayed: QueueMessage[];
        inflight: { message: QueueMessage }[];
      };
    }
  | undefined;
type QueueMessage = {
  messageId: string;
  body: string;
  sentTimestamp: number;
  messageAttributes: Record<string, { StringValue?: string }>;
};

/** The most of a DLQ body the console shows. */
const DLQ_BODY_SHOWN_CHARS = 4000;

/** Bodies up to this size are scrubbed whole (as JSON when they parse); beyond, only their head. */
const DLQ_BODY_SCRUBBED_CHARS = 64_000;

/**
 * A dead letter as the console shows it: scrubbed of secrets like anything else Heads-up shows, then
 * cut, so a secret that straddles the cut is scrubbed whole. A head cut from a larger body is no longer
 * JSON and is scrubbed as text, which still catches `"password":"x"` pairs.
 */
function shownBody(body: string): string {
  const scrubbed = redactRawBody(body.slice(0, DLQ_BODY_SCRUBBED_CHARS));
  return body.length > DLQ_BODY_SCRUBBED_CHARS || scrubbed.length > DLQ_BODY_SHOWN_CHARS
    ? `${scrubbed.slice(0, DLQ_BODY_SHOWN_CHARS)}…`
    : scrubbed;
}

export type ConsoleSources = {
  slack?: SlackFake;
  intercom?: IntercomFake;
  /** The PagerDuty stand-in, when no routing key names the real service. */
  pagerDuty?: PagerDutyFake;
  inspectQueue: QueueInspector;
  dlqNames: string[];
  /** The on-call team the stack runs with; absent: on-call is off. */
  team?: Team;
  /** The incident flow's clock (ms) and how many times faster than real time it runs. */
  clock?: { now: () => number; speed: number };
  /** A group item as the incident flow stores it (urgency, state, escalation steps). */
  readGroup?: (fingerprint: string) => Promise<ErrorGroup | undefined>;
  /** Each known user's zone (IANA), by email: Intercom keeps none, the events carry it. */
  userZones?: ReadonlyMap<string, string>;
};

/** The newest alerts whose groups the team panel reads: each is a DynamoDB read every second. */
const PANEL_GROUPS = 20;

/** Everything the dev console shows, as JSON: the Slack channel, the users' messengers, the DLQs, the team. */
export async function consoleState(sources: ConsoleSources) {
  const { slack, intercom, inspectQueue, dlqNames } = sources;
  return {
    slack: slack && {
      parents: slack.parents().map((m) => ({
        // Direct messages to paged people are top-level messages too; the page shows them apart.
        dm: isDirect(m.channel),
        channel: m.channel,
        ts: m.ts,
        text: m.text,
        blocks: m.blocks,
        edited: m.updatedCount,
        replies: slack.replies(m.channel, m.ts).map((r) => ({ ts: r.ts, text: r.text, blocks: r.blocks })),
      })),
    },
    intercom: intercom && {
      contacts: intercom.contacts.map((c) => ({
        id: c.id,
        name: c.name,
        email: c.email,
        // Epoch seconds: what `channel: auto` reads to choose in-app or email.
        lastSeenAt: c.last_seen_at,
        // The user's clock, by the incident clock: what "by Tue 09:00 your time" is measured against.
        localTime: userTime(sources, c.email),
        messages: intercom.messagesFor(c.id).map((m) => ({
          id: m.id,
          channel: m.message_type,
          subject: m.subject,
          body: m.body,
          createdAt: m.created_at,
        })),
      })),
    },
    dlq: dlqNames.flatMap((queue) => {
      const found = inspectQueue(queue);
      if (!found) return [];
      const { ready, delayed, inflight } = found.messages;
      return [...ready, ...delayed, ...inflight.map((i) => i.message)].map((m) => ({
        queue,
        messageId: m.messageId,
        at: m.sentTimestamp,
        reason: redactText(
          m.messageAttributes['headsup-reason']?.StringValue ?? 'failed 5 times (see the function logs)',
        ),
        body: shownBody(m.body),
      }));
    }),
    oncall: await teamPanel(sources),
    // The stand-in's incidents, newest first: what a phone would have been paged with.
    pagerDuty: sources.pagerDuty && {
      incidents: sources.pagerDuty
        .incidents()
        .slice(-PANEL_GROUPS)
        .reverse()
        .map((i) => ({ id: i.id, status: i.status, summary: i.payload.summary, events: i.events.length })),
    },
  };
}

/** The incident clock's now: accelerated when the stack runs with --clock. */
const clockNow = ({ clock }: Pick<ConsoleSources, 'clock'>) => (clock ? clock.now() : Date.now());

/** The user's local time, when the sample users name their zone. */
function userTime(sources: ConsoleSources, email: string | undefined): string | undefined {
  const zone = email === undefined ? undefined : sources.userZones?.get(email);
  return zone && localTimeIn(zone, clockNow(sources));
}

/** A direct message's channel is the user's id (U… or W…); the alerts channel's is C… or G…. */
const isDirect = (channel: string) => /^[UW]/.test(channel);

/** The group a parent alert was posted for: the fingerprint Slack's metadata carries back. */
function fingerprintOf(metadata: unknown): string | undefined {
  const payload = (metadata as { event_payload?: { fingerprint?: unknown } } | undefined)?.event_payload;
  return typeof payload?.fingerprint === 'string' ? payload.fingerprint : undefined;
}

/** A 10-minute wait at ×60 takes `10 s`; under a second at high speeds. */
function realSpan(seconds: number): string {
  return seconds < 1 ? 'under a second' : windowText(Math.round(seconds));
}

/**
 * The team panel: who works and who is on call now, and for each recent alert its urgency, state and
 * escalation timeline. Times are incident times (the accelerated clock's) in the team's zone, written
 * here, since the browser's clock does not run faster. Plain text: the page escapes it.
 */
async function teamPanel({ slack, team, clock, readGroup }: ConsoleSources) {
  const speed = clock?.speed ?? 1;
  const now = clockNow({ clock });
  const firstWait = team?.escalation.find((s) => s.wait !== undefined)?.wait ?? 600;
  const zone = team?.timezone ?? 'UTC';
  const when = (at: number) => localTimeIn(zone, at);
  const nameOf = (by: SlackActor | undefined) =>
    (by && team?.people.find((p) => p.slack === by.id)?.name) ?? by?.name ?? by?.id ?? 'Heads-up';
  const shift = team && onCallShift(team, now);

  const parents = (slack?.parents() ?? []).filter((m) => !isDirect(m.channel)).slice(-PANEL_GROUPS);
  const fingerprints = [...new Set(parents.flatMap((m) => fingerprintOf(m.metadata) ?? []))];
  // A read that fails (DynamoDB busy or stopping) leaves that alert out rather than the whole console.
  let unread = 0;
  const read = (f: string) =>
    readGroup?.(f).catch(() => {
      unread++;
      return undefined;
    });
  const groups = (await Promise.all(fingerprints.map(read))).filter((g) => g !== undefined);
  return {
    clock:
      speed === 1
        ? undefined
        : `clock ×${speed}: a ${windowText(firstWait)} wait takes ${realSpan(firstWait / speed)}`,
    now: when(now),
    unread,
    team: team && {
      onCall: shift?.person && { name: shift.person.name, until: when(shift.until) },
      people: team.people.map((p) => ({
        name: p.name,
        slack: p.slack,
        localTime: localTimeIn(p.timezone, now),
        working: isWorking(p, now),
        onCall: p.id === shift?.person?.id,
      })),
    },
    groups: groups.reverse().map((g) => {
      const status = statusOf(g);
      const by = nameOf(status.by);
      const state = {
        open: 'Open',
        acknowledged: `Acknowledged by ${by}`,
        snoozed: `Snoozed until ${status.snoozedUntil === undefined ? '?' : when(status.snoozedUntil)} by ${by}`,
        resolved: `Resolved by ${by}`,
      }[status.state];
      // The type alone would not tell two groups of one type apart: the message too, cut short.
      const title = g.errorType && g.message ? `${g.errorType}: ${clip(g.message, 100)}` : groupTitle(g);
      return {
        title: `${g.app}/${g.environment} · ${title}`,
        urgency: g.urgency ? 'high' : 'low',
        why: g.urgency?.reason ?? (team ? 'no urgency rule matched' : 'no team file: on-call is off'),
        state: status.regressed ? `${state} · Regressed` : state,
        steps: status.steps.map((s) => ({
          step: s.step + 1,
          at: when(s.at),
          to: s.to.map((p) => p.name),
          why: s.why,
          told: s.told,
        })),
      };
    }),
  };
}
