import { clip } from '../../../common/clip';
import { durationSeconds } from '../duration';
import { isSlackUserId } from '../slack/escalation';
import { canonicalZone } from '../time-zone';
import * as z from '../zod';
import {
  firstOverlap,
  formatClock,
  formatRange,
  parseClock,
  parseHoursEntry,
  WEEKDAYS,
  type WorkingRange,
  weekdayOf,
} from './hours';
import { type UrgencyRule, urgencyRuleSchema } from './urgency';

/*
 * The on-call team file, `oncall.yaml` (README → On-call and escalation): the people and their working
 * hours, the on-call rotation, the urgency rules and the escalation steps. The types of the team come
 * from this schema; every check, including the ones across sections (ids that must exist, steps that
 * can be reached), is in it, so a team read from YAML and one read back from JSON pass the same rules.
 */

/** What an escalation step may notify besides a person's id. */
export const STEP_TARGETS = ['oncall', 'working', 'everyone'] as const;
export type StepTarget = (typeof STEP_TARGETS)[number];

const ID = /^[a-z0-9][a-z0-9-]{0,39}$/;
const MAX_HOURS_ENTRIES = 50;
const MAX_EVERY_DAYS = 364;
const MINUTE = 60;

const quoted = (text: string) => JSON.stringify(clip(text, 40));

/** An IANA zone, read as its canonical name (`australia/sydney` → `Australia/Sydney`). */
const zone = z.pipe(
  z.string(),
  z.transform(
    (name, ctx) =>
      canonicalZone(name) ?? z.refuse(ctx, `${quoted(name)} is not an IANA time zone such as Europe/London`),
  ),
);

/** One entry or a list of them, read as ranges; an empty list or two ranges that overlap are refused. */
const hours = z.pipe(
  z.union([z.string(), z.array(z.string())]),
  z.transform((value, ctx) => {
    const entries = [value].flat();
    if (entries.length === 0) return z.refuse(ctx, 'empty — give working hours such as Mon-Fri 09:00-17:00');
    if (entries.length > MAX_HOURS_ENTRIES) return z.refuse(ctx, `at most ${MAX_HOURS_ENTRIES} entries`);
    const ranges: WorkingRange[] = [];
    let bad = false;
    for (const [index, entry] of entries.entries()) {
      const parsed = parseHoursEntry(entry);
      if (parsed.ok) ranges.push(...parsed.ranges);
      else {
        bad = true;
        const path = Array.isArray(value) ? [index] : [];
        ctx.issues.push({ code: 'custom', message: parsed.message, input: entry, path });
      }
    }
    if (bad) return z.NEVER;
    const overlap = firstOverlap(ranges);
    if (overlap)
      return z.refuse(
        ctx,
        `${formatRange(overlap[0])} overlaps ${formatRange(overlap[1])}: give each hour once`,
      );
    return ranges;
  }),
);

export const personSchema = z.strictObject({
  id: z.string().check(
    z.regex(ID, 'use lower-case letters, digits and dashes (e.g. tim)'),
    z.refine(
      (id) => !(STEP_TARGETS as readonly string[]).includes(id),
      'oncall, working and everyone name escalation targets: choose another id',
    ),
  ),
  name: z.string().check(
    z.minLength(1),
    z.maxLength(60),
    z.refine((name) => !/[\p{Cc}]/u.test(name), 'a name is one line without control characters'),
  ),
  /** Mentioned in Slack: only an id that looks like Slack's own. */
  slack: z
    .string()
    .check(
      z.refine(isSlackUserId, 'expected a Slack member id such as U0123ABCD (profile → ⋮ → Copy member ID)'),
    ),
  timezone: zone,
  /** Working hours in the person's own zone, one range per weekday. */
  hours,
});

/** `Mon 09:00`: the weekday (1 = Mon) and minute of the team zone's wall clock when on call changes hands. */
const handoff = z.pipe(
  z.string(),
  z.transform((text, ctx) => {
    const match = text.length <= 20 ? /^\s*([A-Za-z]{3})\s+(\d{1,2}:\d{2})\s*$/.exec(text) : null;
    const day = match ? weekdayOf(match[1]!) : undefined;
    const minute = match ? parseClock(match[2]!) : undefined;
    if (day === undefined || minute === undefined)
      return z.refuse(ctx, `${quoted(text)} is not a weekday and time such as Mon 09:00`);
    return { day, minute };
  }),
);

/** `1d`, `1w`, `2w`: how often on call changes hands, read as days. */
const every = z.pipe(
  z.string(),
  z.transform((text, ctx) => {
    const match = /^(\d{1,3})([dw])$/.exec(text.trim());
    const days = match ? Number(match[1]) * (match[2] === 'w' ? 7 : 1) : 0;
    if (days < 1 || days > MAX_EVERY_DAYS)
      return z.refuse(ctx, `${quoted(text)} is not a period such as 1d, 1w or 2w (at most 52w)`);
    return days;
  }),
);

/** `YYYY-MM-DD`, a real date. */
const date = z.string().check(
  z.refine((text) => {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    if (!match) return false;
    const day = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
    return day.toISOString().slice(0, 10) === text;
  }, 'expected a date such as 2026-01-05'),
);

/** From a minute to 30 days: longer is a typo, and would not survive the bundle's JSON as written. */
const atLeastAMinute = (what: string) =>
  z.pipe(
    durationSeconds('such as 10m or 1h'),
    z.number().check(z.gte(MINUTE, `${what} is at least 1m`), z.lte(30 * 86400, `${what} is at most 30d`)),
  );

export const onCallSchema = z.strictObject({
  /** Person ids in turn; one may appear more than once. */
  rotation: z.array(z.string()).check(z.minLength(1, 'name at least one person'), z.maxLength(200)),
  handoff,
  /** Days between hand-offs. */
  every: z.prefault(every, '1w'),
  /** Optional: the date of a hand-off on which the first of the rotation takes over (default 2024-01-01's week). */
  starts: z.optional(date),
  /** What on call promises, in seconds: a high-urgency alert acknowledged within this. */
  respond: atLeastAMinute('respond'),
});

export const escalationStepSchema = z.strictObject({
  /** oncall, working, everyone or a person's id. */
  notify: z.string().check(z.regex(ID, "expected oncall, working, everyone or a person's id")),
  /** Seconds to wait for an Acknowledge before the next step; without it escalation stops here. */
  wait: z.optional(atLeastAMinute('wait')),
});

type Loose = Record<string, unknown>;
const fields = (value: unknown): Loose =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : {};
const items = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const textOf = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * The checks across sections. Run even when a field elsewhere failed (all problems at once), so they
 * read the value loosely and skip what is not there.
 */
function crossProblems(value: unknown): { path: (string | number)[]; message: string }[] {
  const team = fields(value);
  const problems: { path: (string | number)[]; message: string }[] = [];
  const ids = new Map<string, number>();
  const slacks = new Map<string, number>();
  for (const [index, person] of items(team.people).entries()) {
    const { id, slack } = fields(person);
    for (const [key, seen, what, text] of [
      ['id', ids, 'id', textOf(id)],
      ['slack', slacks, 'Slack id', textOf(slack)],
    ] as const) {
      if (text === undefined) continue;
      const first = seen.get(text);
      if (first === undefined) seen.set(text, index);
      else
        problems.push({
          path: ['people', index, key],
          message: `duplicate ${what} ${quoted(text)}: people.${first} has it too`,
        });
    }
  }
  const known = clip([...ids.keys()].join(', '), 120);
  const oncall = fields(team.oncall);
  for (const [index, id] of items(oncall.rotation).entries()) {
    const text = textOf(id);
    if (text !== undefined && !ids.has(text))
      problems.push({
        path: ['oncall', 'rotation', index],
        message: `no person has the id ${quoted(text)} (people: ${known})`,
      });
  }
  const handoffDay = fields(oncall.handoff).day;
  const starts = textOf(oncall.starts);
  if (starts !== undefined && typeof handoffDay === 'number') {
    const day = new Date(`${starts}T00:00:00Z`).getUTCDay() || 7;
    if (Number.isInteger(day) && day !== handoffDay)
      problems.push({
        path: ['oncall', 'starts'],
        message: `${starts} is a ${WEEKDAYS[day - 1]}, but hand-offs are on ${WEEKDAYS[handoffDay - 1]}`,
      });
  }
  let stopped: number | undefined;
  for (const [index, step] of items(team.escalation).entries()) {
    const { notify, wait } = fields(step);
    const target = textOf(notify);
    if (target !== undefined && !(STEP_TARGETS as readonly string[]).includes(target) && !ids.has(target))
      problems.push({
        path: ['escalation', index, 'notify'],
        message: `${quoted(target)} is not oncall, working, everyone or a person's id (people: ${known})`,
      });
    if (stopped !== undefined)
      problems.push({
        path: ['escalation', index],
        message: `never reached: escalation.${stopped} has no wait, so escalation stops there`,
      });
    else if (wait === undefined) stopped = index;
  }
  return problems;
}

export const teamSchema = z
  .strictObject({
    /** The team's zone: hand-offs happen on its wall clock, and messages say times in it. */
    timezone: zone,
    people: z.array(personSchema).check(z.minLength(1, 'add at least one person'), z.maxLength(200)),
    oncall: onCallSchema,
    /** First match wins; nothing matching leaves an alert low urgency. */
    urgency: z._default(z.array(urgencyRuleSchema).check(z.maxLength(50)), []),
    /** High urgency only. Without it, the one step notifies whoever is on call. */
    escalation: z._default(z.array(escalationStepSchema).check(z.minLength(1), z.maxLength(10)), () => [
      { notify: 'oncall' },
    ]),
  })
  .check(
    z.check(
      (payload) => {
        for (const { path, message } of crossProblems(payload.value))
          payload.issues.push({ code: 'custom', message, input: payload.value, path });
      },
      { when: () => true },
    ),
  );

/** The file as written (and as JSON). */
export type TeamFile = z.input<typeof teamSchema>;
/** The file as checked: hours as ranges, durations in seconds. */
export type Team = z.output<typeof teamSchema>;
export type Person = Team['people'][number];
export type OnCall = Team['oncall'];
export type EscalationStep = Team['escalation'][number];
export type Handoff = OnCall['handoff'];

/** `Mon 09:00`. */
export const handoffText = (h: Handoff): string => `${WEEKDAYS[h.day - 1]} ${formatClock(h.minute)}`;

/** A rule as written: its regular expression as its source, its window in seconds. */
function ruleToJson(rule: UrgencyRule): z.input<typeof urgencyRuleSchema> {
  const { message, within, ...rest } = rule.match;
  return {
    match: {
      ...rest,
      ...(message ? { message: message.source } : {}),
      ...(within !== undefined ? { within: `${within}s` } : {}),
    },
  };
}

/**
 * A checked team as plain JSON in the file's own shape, for a bundle: `teamFromJson` reads it back
 * with the same rules and without YAML. Hours come back one entry per day, durations in seconds.
 */
export function teamToJson(team: Team): TeamFile {
  const { rotation, handoff: h, every: days, starts, respond } = team.oncall;
  return {
    timezone: team.timezone,
    people: team.people.map((p) => ({ ...p, hours: p.hours.map(formatRange) })),
    oncall: {
      rotation: [...rotation],
      handoff: handoffText(h),
      every: `${days}d`,
      ...(starts !== undefined ? { starts } : {}),
      respond: `${respond}s`,
    },
    urgency: team.urgency.map(ruleToJson),
    escalation: team.escalation.map(({ notify, wait }) => ({
      notify,
      ...(wait !== undefined ? { wait: `${wait}s` } : {}),
    })),
  };
}

/** A team from `teamToJson`'s JSON (parsed), checked again; problems as `path: message`. */
export function teamFromJson(json: unknown): { ok: true; team: Team } | { ok: false; problems: string[] } {
  const result = teamSchema.safeParse(json);
  if (result.success) return { ok: true, team: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((i) => `${i.path.join('.') || '(team file)'}: ${i.message}`),
  };
}
