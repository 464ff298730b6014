/*
 * Working hours as people write them in the team file: `Mon-Fri 09:00-17:00`, `Sat 10:00-14:00`,
 * `Mon,Wed 09:00-12:00`. Read by hand, token by token, so a hostile string costs linear time, and
 * refused past a short length before any work.
 */

/** Monday first, as luxon numbers weekdays (1 = Mon … 7 = Sun). */
export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

const MINUTES_PER_DAY = 1440;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
/** Far longer than any real entry (`Mon,Tue,Wed,Thu,Fri 09:00-17:00` is 31). */
const MAX_ENTRY_CHARS = 60;
/** How much of a bad entry a message quotes. */
const QUOTED_CHARS = 40;

/**
 * One working range on one weekday, in minutes of that day's wall clock: `start` < `end` ≤ start + 1440.
 * An `end` past 1440 runs overnight into the next day (`Fri 22:00-02:00` belongs to Friday).
 */
export type WorkingRange = { day: number; start: number; end: number };

export type HoursResult = { ok: true; ranges: WorkingRange[] } | { ok: false; message: string };

const quoted = (text: string) =>
  JSON.stringify(text.length > QUOTED_CHARS ? `${text.slice(0, QUOTED_CHARS - 1)}…` : text);

/** 1–7 for `Mon`…`Sun` (any case), else undefined. */
export function weekdayOf(name: string): number | undefined {
  const index = WEEKDAYS.findIndex((d) => d.toLowerCase() === name.toLowerCase());
  return index < 0 ? undefined : index + 1;
}

/** Minutes since midnight of `HH:MM` (00:00–23:59; `24:00` too when `allowMidnightEnd`). */
export function parseClock(text: string, allowMidnightEnd = false): number | undefined {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59) return undefined;
  if (hours === 24 && minutes === 0 && allowMidnightEnd) return MINUTES_PER_DAY;
  return hours > 23 ? undefined : hours * 60 + minutes;
}

/** `Mon-Fri`, `Mon,Wed`, `Fri-Mon` (wraps through the weekend) as weekdays, or undefined. */
function parseDays(text: string): number[] | undefined {
  const days = new Set<number>();
  for (const part of text.split(',')) {
    const ends = part.trim().split('-');
    if (ends.length > 2) return undefined;
    const first = weekdayOf(ends[0]!.trim());
    const last = weekdayOf((ends[1] ?? ends[0]!).trim());
    if (first === undefined || last === undefined) return undefined;
    for (let day = first, n = 0; n < 7; day = (day % 7) + 1, n++) {
      days.add(day);
      if (day === last) break;
    }
  }
  return [...days].sort((a, b) => a - b);
}

/** One entry such as `Mon-Fri 09:00-17:00`: a range per day it names. */
export function parseHoursEntry(text: string): HoursResult {
  const example = 'expected days and times such as Mon-Fri 09:00-17:00';
  if (text.length > MAX_ENTRY_CHARS)
    return { ok: false, message: `${quoted(text)} is too long — ${example}` };
  const trimmed = text.trim();
  const space = trimmed.lastIndexOf(' ');
  const days = space < 0 ? undefined : parseDays(trimmed.slice(0, space));
  const times = trimmed.slice(space + 1).split('-');
  const start = times.length === 2 ? parseClock(times[0]!.trim()) : undefined;
  const endClock = times.length === 2 ? parseClock(times[1]!.trim(), true) : undefined;
  if (!days || start === undefined || endClock === undefined)
    return { ok: false, message: `${quoted(text)} is not working hours — ${example}` };
  if (endClock === start) return { ok: false, message: `${quoted(text)} is empty: it ends when it starts` };
  // An end at or before the start is the next morning: the range belongs to the day it starts.
  const end = endClock > start ? endClock : endClock + MINUTES_PER_DAY;
  return { ok: true, ranges: days.map((day) => ({ day, start, end })) };
}

/** `HH:MM` of minutes since midnight (0–1439). */
export const formatClock = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** A range as an entry reads it back: `Fri 22:00-02:00`, `Mon 00:00-24:00`. */
export function formatRange(range: WorkingRange): string {
  const end = range.end === MINUTES_PER_DAY ? '24:00' : formatClock(range.end % MINUTES_PER_DAY);
  return `${WEEKDAYS[range.day - 1]} ${formatClock(range.start)}-${end}`;
}

/** The first two ranges that share a minute of the week (overnight ones wrap Sunday into Monday). */
export function firstOverlap(ranges: WorkingRange[]): [WorkingRange, WorkingRange] | undefined {
  type Piece = { from: number; to: number; range: WorkingRange };
  const pieces: Piece[] = [];
  for (const range of ranges) {
    const from = (range.day - 1) * MINUTES_PER_DAY + range.start;
    const to = (range.day - 1) * MINUTES_PER_DAY + range.end;
    if (to <= MINUTES_PER_WEEK) pieces.push({ from, to, range });
    else pieces.push({ from, to: MINUTES_PER_WEEK, range }, { from: 0, to: to - MINUTES_PER_WEEK, range });
  }
  pieces.sort((a, b) => a.from - b.from || a.to - b.to);
  let latest: Piece | undefined;
  for (const piece of pieces) {
    if (latest && piece.from < latest.to) return [latest.range, piece.range];
    if (!latest || piece.to > latest.to) latest = piece;
  }
  return undefined;
}

/** Whether a range covers wall-clock minute `minute` of weekday `day` (its own day or the night after). */
export function rangeCovers(range: WorkingRange, day: number, minute: number): boolean {
  if (range.day === day && minute >= range.start && minute < Math.min(range.end, MINUTES_PER_DAY))
    return true;
  const nextDay = (range.day % 7) + 1;
  return range.end > MINUTES_PER_DAY && nextDay === day && minute < range.end - MINUTES_PER_DAY;
}
