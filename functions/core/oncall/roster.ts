import { DateTime } from 'luxon';
import { rangeCovers } from './hours';
import type { OnCall, Person, Team } from './team-schema';

/*
 * Who works, who is on call and whom a step reaches, at an instant (epoch ms): pure functions of the
 * team file. Every wall clock is read through luxon in its own zone, so DST changes need no special
 * case: working hours and hand-offs are local times, whatever the offset that day.
 */

const DAY_MS = 86_400_000;
/** How far `nextWorkingStart` looks: every person has hours each week, so two weeks always suffices. */
export const SEARCH_DAYS = 14;

const wallClock = (zone: string, at: number) => DateTime.fromMillis(at, { zone });

/** Whether `person` is inside their working hours at `at`, on their own wall clock. */
export function isWorking(person: Person, at: number): boolean {
  const t = wallClock(person.timezone, at);
  const minute = t.hour * 60 + t.minute;
  return person.hours.some((range) => rangeCovers(range, t.weekday, minute));
}

/** The people working at `at`, in the team file's order. */
export function workingAt(team: Team, at: number): Person[] {
  return team.people.filter((p) => isWorking(p, at));
}

/** A calendar date as a day number (days since 1970-01-01, a Thursday), the same in every zone. */
const dayNumber = (year: number, month: number, day: number) =>
  Math.round(Date.UTC(year, month - 1, day) / DAY_MS);

/** 1 = Mon … 7 = Sun of a day number. */
const weekdayOfDay = (day: number) => ((day + 3) % 7) + 1;

/** The zone's UTC offset at an instant, in ms. */
const offsetAt = (zone: string, at: number) => DateTime.fromMillis(at, { zone }).offset * 60_000;

/**
 * The first instant at which the wall clock of `zone` reads at least `minute` of day `day`: the time
 * itself; the first of the two when the clocks go back and it happens twice; and, when the clocks
 * skip it (02:30 on a night that jumps from 02:00 to 03:00), the moment after the jump (03:00), when
 * the clock has passed it — as `isWorking` reads the wall clock, so the two agree.
 */
function instantAt(zone: string, day: number, minute: number): number {
  const target = day * DAY_MS + minute * 60_000;
  const wall = (t: number) => t + offsetAt(zone, t);
  // The offsets in force around that day: any transition near the time is between them.
  const candidates = [...new Set([-DAY_MS, 0, DAY_MS].map((d) => target - offsetAt(zone, target + d)))].sort(
    (a, b) => a - b,
  );
  const exact = candidates.find((t) => wall(t) === target);
  if (exact !== undefined) return exact;
  // Skipped: search the jump between the latest candidate before it and the earliest after it.
  let lo = Math.max(...candidates.filter((t) => wall(t) < target));
  let hi = Math.min(...candidates.filter((t) => wall(t) > target));
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (wall(mid) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** The day of hand-off 0, on which the first of the rotation takes over. */
function anchorDay(oncall: OnCall): number {
  if (oncall.starts !== undefined) {
    const [y, m, d] = oncall.starts.split('-').map(Number);
    return dayNumber(y!, m!, d!);
  }
  // Monday 2024-01-01's week: a fixed, arbitrary origin, so the rotation never depends on "now".
  return dayNumber(2024, 1, 1) + oncall.handoff.day - 1;
}

/** Hand-off `k` (any integer) as an instant: its date's wall-clock `handoff` time in the team zone. */
function handoffAt(team: Team, k: number): number {
  const day = anchorDay(team.oncall) + k * team.oncall.every;
  return instantAt(team.timezone, day, team.oncall.handoff.minute);
}

export type Shift = { person: Person | undefined; from: number; until: number };

/** The on-call shift holding `at`: who, since which hand-off and until the next. */
export function onCallShift(team: Team, at: number): Shift {
  const t = wallClock(team.timezone, at);
  let k = Math.floor((dayNumber(t.year, t.month, t.day) - anchorDay(team.oncall)) / team.oncall.every);
  // The day count lands on the right shift or its neighbour (before the hand-off time that day).
  while (handoffAt(team, k) > at) k--;
  while (handoffAt(team, k + 1) <= at) k++;
  const { rotation } = team.oncall;
  const id = rotation[((k % rotation.length) + rotation.length) % rotation.length];
  return {
    person: team.people.find((p) => p.id === id),
    from: handoffAt(team, k),
    until: handoffAt(team, k + 1),
  };
}

/** The rotation's person at `at` (undefined only for a team that did not pass the check). */
export function onCallAt(team: Team, at: number): Person | undefined {
  return onCallShift(team, at).person;
}

/** The first start of `person`'s working hours at or after `at`, within SEARCH_DAYS. */
function nextStartOf(person: Person, at: number): number | undefined {
  const t = wallClock(person.timezone, at);
  const today = dayNumber(t.year, t.month, t.day);
  for (let day = today; day <= today + SEARCH_DAYS; day++) {
    let first: number | undefined;
    for (const range of person.hours) {
      if (range.day !== weekdayOfDay(day)) continue;
      const start = instantAt(person.timezone, day, range.start);
      if (start >= at && (first === undefined || start < first)) first = start;
    }
    if (first !== undefined) return first;
  }
  return undefined;
}

/**
 * The earliest moment at or after `at` when someone is working, and who (the first in the file when
 * several start together): `at` itself when someone works now; undefined when nobody does within
 * SEARCH_DAYS.
 */
export function nextWorkingStart(team: Team, at: number): { person: Person; at: number } | undefined {
  const now = workingAt(team, at)[0];
  if (now) return { person: now, at };
  let best: { person: Person; at: number } | undefined;
  for (const person of team.people) {
    const start = nextStartOf(person, at);
    if (start !== undefined && (best === undefined || start < best.at)) best = { person, at: start };
  }
  return best;
}

/** When `person`'s working hours holding `at` end (undefined: not working at `at`), on their clock. */
function rangeEndOf(person: Person, at: number): number | undefined {
  const t = wallClock(person.timezone, at);
  const minute = t.hour * 60 + t.minute;
  const today = dayNumber(t.year, t.month, t.day);
  let end: number | undefined;
  for (const range of person.hours) {
    if (!rangeCovers(range, t.weekday, minute)) continue;
    // Started today, or yesterday and running past midnight.
    const started = range.day === t.weekday && minute >= range.start ? today : today - 1;
    let until = instantAt(person.timezone, started, range.end);
    // The clocks change inside the range: its wall-clock times may happen twice or not at all, so its
    // end is found as isWorking reads it, minute by minute (a rare path; later by under a minute).
    if (offsetAt(person.timezone, at) !== offsetAt(person.timezone, until)) until = workingUntil(person, at);
    if (end === undefined || until > end) end = until;
  }
  return end;
}

/** The first whole minute from `at` at which `person` is not working (at most two days on). */
function workingUntil(person: Person, at: number): number {
  let t = at;
  while (t < at + 2 * DAY_MS && isWorking(person, t)) t += 60_000;
  return t;
}

/** How many hand-overs between working people a stretch of cover is followed through at most. */
const MAX_COVER_LINKS = 50;

/**
 * The end of the team's cover holding `at`: the first moment after it when nobody is working, people
 * whose hours overlap or follow on each other's counting as one stretch. `at` when nobody works then.
 */
function coverEnd(team: Team, at: number): number {
  let end = at;
  for (let link = 0; link < MAX_COVER_LINKS; link++) {
    let furthest = end;
    for (const person of team.people) {
      const until = rangeEndOf(person, end);
      if (until !== undefined && until > furthest) furthest = until;
    }
    if (furthest === end) return end;
    end = furthest;
  }
  return end;
}

/** Stretches of cover walked at most: 400 one-hour working days, a year of 8-hour weekdays. */
const MAX_STRETCHES = 400;

/**
 * The moment `ms` of the team's working time (someone working) has passed since `from`: time outside
 * everyone's hours does not count. Undefined when it cannot tell — nobody works within SEARCH_DAYS of
 * some point, or more than MAX_STRETCHES stretches of cover would be needed — never a time too soon.
 */
export function afterWorkingTime(team: Team, from: number, ms: number): number | undefined {
  let cursor = from;
  let left = ms;
  for (let stretch = 0; stretch < MAX_STRETCHES; stretch++) {
    const next = nextWorkingStart(team, cursor);
    if (!next) return undefined;
    const end = coverEnd(team, next.at);
    if (end - next.at >= left) return next.at + left;
    left -= end - next.at;
    // A cover that does not move on (hours that only exist on a repeated DST hour): step past it.
    cursor = Math.max(end, next.at + 60_000);
  }
  return undefined;
}

/**
 * Whom escalation step `stepIndex` (0 = the first) reaches at `at`: `oncall` → the on-call person;
 * `working` → the people working now, or the on-call person when nobody is (a step is never silent);
 * `everyone` → all; a person id → that person. Empty only for a step the team does not have.
 */
export function stepPeople(team: Team, stepIndex: number, at: number): Person[] {
  const step = team.escalation[stepIndex];
  if (!step) return [];
  const onCall = () => {
    const person = onCallAt(team, at);
    return person ? [person] : [];
  };
  switch (step.notify) {
    case 'oncall':
      return onCall();
    case 'working': {
      const working = workingAt(team, at);
      return working.length > 0 ? working : onCall();
    }
    case 'everyone':
      return [...team.people];
    default:
      return team.people.filter((p) => p.id === step.notify);
  }
}

export type ResponsePromise = { withinSeconds: number; by: number; who: Person[] };

/**
 * What an alert may promise, never sooner than the roster allows.
 * - high: the on-call `respond` time, always — it is what on call commits to; someone of the first step
 *   who happens to be working may answer sooner, but a wait is when escalation moves on, not a promise.
 *   `who` are the first step's people.
 * - low: 0 when someone works now (`who`: they); else the start of the next working hours (`who`: the
 *   people who start then). With no working hours within SEARCH_DAYS, on call's promise instead.
 */
export function responsePromise(team: Team, urgency: 'high' | 'low', at: number): ResponsePromise {
  const respond = team.oncall.respond;
  if (urgency === 'high')
    return { withinSeconds: respond, by: at + respond * 1000, who: stepPeople(team, 0, at) };
  const next = nextWorkingStart(team, at);
  if (!next) {
    const person = onCallAt(team, at);
    return { withinSeconds: respond, by: at + respond * 1000, who: person ? [person] : [] };
  }
  return {
    withinSeconds: Math.ceil((next.at - at) / 1000),
    by: next.at,
    who: startingAt(team, next),
  };
}

/**
 * Who is working once the next working hours start: at least the person whose hours start then (hours
 * that fall wholly in a skipped daylight-saving hour start, and end, at the moment after the jump).
 */
function startingAt(team: Team, next: { person: Person; at: number }): Person[] {
  const working = workingAt(team, next.at);
  return working.some((p) => p.id === next.person.id) ? working : [next.person, ...working];
}

/** `Mon 09:00` on the wall clock of `zone`. */
export function localTime(zone: string, at: number): string {
  return wallClock(zone, at).setLocale('en').toFormat('ccc HH:mm');
}

/** `Toronto` for America/Toronto, `Buenos Aires` for America/Argentina/Buenos_Aires, `UTC` for UTC. */
export function zoneCity(zone: string): string {
  return (zone.split('/').at(-1) ?? zone).replaceAll('_', ' ');
}

/** `Mon 09:00 Toronto`. */
export const localTimeIn = (zone: string, at: number): string => `${localTime(zone, at)} ${zoneCity(zone)}`;

/** `5 h 30 min`, `45 min`, `2 d 3 h`: a span rounded up to the minute (a promise is never early). */
export function spanText(seconds: number): string {
  const minutes = Math.max(0, Math.ceil(seconds / 60));
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) {
    const rest = minutes % 60;
    return `${Math.floor(minutes / 60)} h${rest ? ` ${rest} min` : ''}`;
  }
  const hours = Math.floor(minutes / 60);
  return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
}

/** `daily`, `weekly`, `every 2 weeks`, `every 3 days`. */
export function everyText(days: number): string {
  if (days === 1) return 'daily';
  if (days === 7) return 'weekly';
  return days % 7 === 0 ? `every ${days / 7} weeks` : `every ${days} days`;
}

/** `Ana`, `Ana and Tim`, `Ana, Sam and Tim`. */
export function namesText(people: Person[]): string {
  const names = people.map((p) => p.name);
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * What a low-urgency alert says about who will look, e.g. `Ana is working now (10:12 Toronto)` or
 * `next in working hours: Ana, Mon 09:00 Toronto — in 5 h`. Plain text made only of the team file's
 * names and zones: the caller escapes it for Slack.
 */
export function lowUrgencyNote(team: Team, at: number): string {
  const working = workingAt(team, at);
  if (working.length > 0) {
    const times = working.map(
      (p) => `${wallClock(p.timezone, at).toFormat('HH:mm')} ${zoneCity(p.timezone)}`,
    );
    return `${namesText(working)} ${working.length === 1 ? 'is' : 'are'} working now (${times.join(', ')})`;
  }
  const next = nextWorkingStart(team, at);
  if (!next) return `nobody has working hours in the next ${SEARCH_DAYS} days`;
  const who = startingAt(team, next);
  const when = localTimeIn(next.person.timezone, next.at);
  return `next in working hours: ${namesText(who)}, ${when} — in ${spanText((next.at - at) / 1000)}`;
}
