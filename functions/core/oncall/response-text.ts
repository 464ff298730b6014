import { DateTime } from 'luxon';
import type { AlertStatus, ErrorGroup } from '../records';
import { type ResponseText, UNKNOWN_RESPONSE } from '../templates/context';
import { canonicalZone } from '../time-zone';
import { afterWorkingTime, localTime, nextWorkingStart, responsePromise, zoneCity } from './roster';
import type { Team } from './team-schema';

/*
 * What a fix message may promise the user about a reply — `response.within`, `response.at`,
 * `response.who` — from the team file, the group's urgency and its state, at send time. Pure: the
 * roster (./roster) decides who answers when; this only picks the promise and words it, and it never
 * words a promise sooner than the roster allows.
 *
 * | team file | group state            | urgency | counted from         | due                          | who                            |
 * |-----------|------------------------|---------|----------------------|------------------------------|--------------------------------|
 * | none      | any                    | any     | —                    | "as soon as we can"          | "our team"                     |
 * | yes       | open                   | high    | now                  | on call's `respond`          | "our on-call engineer"         |
 * | yes       | open (or group unknown)| low     | now                  | `respond` of working time    | "our developer team"           |
 * | yes       | acknowledged           | high    | now                  | on call's `respond`          | "the developer looking into it"|
 * | yes       | acknowledged           | low     | now                  | `respond` of working time    | "the developer looking into it"|
 * | yes       | snoozed                | any     | the snooze's end     | `respond` of working time    | "our developer team"           |
 * | yes       | resolved               | any     | now                  | `respond` of working time    | "our developer team"           |
 *
 * - On call's `respond` is what the team file commits to for high urgency; it counts from now, not
 *   from an acknowledgement (which is in the past: never sooner). An acknowledgement names an owner;
 *   it does not make a low-urgency group faster, since its owner may have gone home.
 * - "`respond` of working time": `respond` of working time from the start, counting only the time
 *   someone works (Friday 16:50, hours ending 17:00, `respond` 30m → Monday 09:20). Nobody with
 *   hours: on call's promise.
 * - A snoozed group was put off by the team: no promise before the snooze ends. A resolved one is
 *   routine support: someone reads a reply in working hours.
 */

/** What of a group the promise depends on (absent: a group not found, taken as open, low urgency). */
export type GroupStanding = { high: boolean; state: AlertStatus['state']; snoozedUntil?: number };

export const standingOf = (group: {
  urgency?: ErrorGroup['urgency'];
  status?: Pick<AlertStatus, 'state' | 'snoozedUntil'>;
}): GroupStanding => ({
  high: group.urgency?.level === 'high',
  state: group.status?.state ?? 'open',
  snoozedUntil: group.status?.snoozedUntil,
});

const MINUTE_MS = 60_000;
/** `response.at` is rounded up to a quarter hour (of UTC, which is one of every zone's wall clock). */
const QUARTER_MS = 15 * MINUTE_MS;
/** The instant the promise runs out (unrounded); undefined when no honest time can be given. */
export function promisedBy(team: Team, standing: GroupStanding | undefined, now: number): number | undefined {
  const state = standing?.state ?? 'open';
  const urgent = standing?.high === true && (state === 'open' || state === 'acknowledged');
  if (urgent) return responsePromise(team, 'high', now).by;
  const from = state === 'snoozed' ? Math.max(now, standing?.snoozedUntil ?? now) : now;
  return workingHoursBy(team, from);
}

/**
 * `respond` of working time from `from`: the hours nobody works do not count, so a reply due after
 * the last person leaves is due that much into the next working hours. Nobody with working hours: on
 * call's promise. Too far to work out (a huge `respond` over short hours): undefined.
 */
function workingHoursBy(team: Team, from: number): number | undefined {
  if (!nextWorkingStart(team, from)) return responsePromise(team, 'low', from).by;
  return afterWorkingTime(team, from, team.oncall.respond * 1000);
}

/**
 * `within 15 minutes` … `within 45 minutes` (up to the quarter hour under an hour), `within 1 hour` …
 * `within 48 hours` (up to the hour), `within 3 days` (up to the day, past 48 hours). Always up.
 */
export function withinText(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / MINUTE_MS));
  if (minutes <= 45) return `within ${Math.ceil(minutes / 15) * 15} minutes`;
  const hours = Math.ceil(minutes / 60);
  if (hours <= 48) return `within ${hours} ${hours === 1 ? 'hour' : 'hours'}`;
  return `within ${Math.ceil(minutes / 1440)} days`;
}

/**
 * `by 14:45 your time` today, `by Tue 09:00 your time` within the week, `by Tue 15 Dec 09:00 your time`
 * a week or more ahead — today and weekdays on the wall clock of `zone`; `label` names whose clock.
 */
export function atText(by: number, now: number, zone: string, label: string): string {
  const due = announced(by, zone);
  const today = DateTime.fromMillis(now, { zone }).startOf('day');
  const days = Math.round(due.startOf('day').diff(today, 'days').days);
  if (days === 0) return `by ${due.toFormat('HH:mm')} ${label}`;
  if (days < 7) return `by ${localTime(zone, due.toMillis())} ${label}`;
  if (due.year === today.year) return `by ${due.toFormat('ccc d LLL HH:mm')} ${label}`;
  return `by ${due.toFormat('ccc d LLL yyyy HH:mm')} ${label}`;
}

/** The time `response.at` names for `by` in `zone`: up to the quarter hour, never in a repeated hour's second pass. */
function announced(by: number, zone: string): DateTime {
  let due = DateTime.fromMillis(Math.ceil(by / QUARTER_MS) * QUARTER_MS, { zone }).setLocale('en');
  // A time in the hour the clocks go back through happens twice, and the reader takes the first:
  // when the promise is the second, say a time after the repeat.
  while (repeatedEarlier(due)) due = due.plus({ minutes: 15 });
  return due;
}

/** Whether the wall-clock time of `t` was also shown earlier, before the clocks went back (at most 3 h ago). */
function repeatedEarlier(t: DateTime): boolean {
  const back = t.minus({ hours: 3 }).offset - t.offset;
  if (back <= 0) return false;
  const first = t.minus({ minutes: back });
  return first.hour === t.hour && first.minute === t.minute;
}

function whoText(standing: GroupStanding | undefined): string {
  if (standing?.state === 'acknowledged') return 'the developer looking into it';
  if (standing?.high && standing.state === 'open') return 'our on-call engineer';
  return 'our developer team';
}

/**
 * The three texts, for a user in `userZone` (an IANA name from the event; undefined: the team's zone,
 * said as `Sydney time`). No team file: nothing is known, and the texts say so without a time.
 */
export function responseText(
  team: Team | undefined,
  standing: GroupStanding | undefined,
  now: number,
  userZone?: string,
): ResponseText {
  return replyWords(team, standing, team && promisedBy(team, standing, now), now, userZone).text;
}

/**
 * The texts for `by` (promisedBy, worked out once for a batch's messages) and the instant they name
 * (`response.at`'s, rounded as said); no instant without a team file, or when no honest time can be
 * given ("as soon as we can").
 */
export function replyWords(
  team: Team | undefined,
  standing: GroupStanding | undefined,
  by: number | undefined,
  now: number,
  userZone?: string,
): { text: ResponseText; by?: number } {
  if (!team || by === undefined) return { text: UNKNOWN_RESPONSE };
  // A zone this runtime does not know (stored by one whose time-zone data differed): the team's.
  const own = userZone === undefined ? undefined : canonicalZone(userZone);
  const zone = own ?? team.timezone;
  const label = own ? 'your time' : `${zoneCity(team.timezone)} time`;
  const due = announced(by, zone).toMillis();
  const text = { within: withinText(by - now), at: atText(by, now, zone, label), who: whoText(standing) };
  return { text, by: due };
}
