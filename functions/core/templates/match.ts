import type { ErrorEvent, ErrorInfo } from '../event-schema';
import type { FixTemplate } from './parse';

/** The order templates are tried in: higher priority first, then by file name. */
export function sortTemplates(templates: FixTemplate[]): FixTemplate[] {
  return [...templates].sort((a, b) => b.priority - a.priority || a.file.localeCompare(b.file));
}

/**
 * A `match.message` regex (of a template or an urgency rule) sees the message's first 2 000
 * characters: a pattern like `.*a.*b` is quadratic in what it reads, and an event's message can be
 * 256 KB — clipped, no pattern costs more than a few milliseconds per event.
 */
export const MATCHED_MESSAGE_CHARS = 2000;

export const matchedMessage = (message: string | undefined): string =>
  (message ?? '').slice(0, MATCHED_MESSAGE_CHARS);

function chain(error: ErrorInfo): ErrorInfo[] {
  const all: ErrorInfo[] = [];
  for (let e: ErrorInfo | undefined = error; e; e = e.cause) all.push(e);
  return all;
}

/**
 * Whether every condition a template gives holds. Code and type match anywhere in the cause chain, so a
 * wrapped `CardExpiredError` still finds its template; the message regex applies to the top message.
 */
function templateMatches(template: FixTemplate, event: ErrorEvent): boolean {
  const { match } = template;
  const errors = chain(event.error);
  const anyOf = (wanted: string[] | undefined, values: (string | undefined)[]) =>
    wanted === undefined || values.some((v) => v !== undefined && wanted.includes(v));
  return (
    anyOf(
      match.code,
      errors.map((e) => e.code),
    ) &&
    anyOf(
      match.type,
      errors.map((e) => e.type),
    ) &&
    anyOf(match.app, [event.app]) &&
    anyOf(match.level, [event.level]) &&
    (match.message === undefined || match.message.test(matchedMessage(event.error.message)))
  );
}

/** The first template, in the defined order, that matches the event. */
export function matchTemplate(sorted: FixTemplate[], event: ErrorEvent): FixTemplate | undefined {
  return sorted.find((t) => templateMatches(t, event));
}
