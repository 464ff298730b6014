import * as z from './zod';

/** Durations as people write them in configuration: `90s`, `15m`, `24h`, `7d`. */
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** Parses a duration into seconds; returns undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+)\s*([smhd])\s*$/.exec(text);
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  return seconds > 0 ? seconds : undefined;
}

/**
 * A zod rule for a duration written as text, read as its seconds. Its message quotes the text and ends
 * with `expected`, the examples each place that reads one gives.
 */
export const durationSeconds = (expected: string) =>
  z.pipe(
    z.string(),
    z.transform((text, ctx) => {
      const seconds = parseDuration(text);
      if (seconds !== undefined) return seconds;
      return z.refuse(ctx, `"${text}" is not a duration ${expected}`);
    }),
  );

const RELATIVE_STEPS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** Made on first use: building it costs ~14 ms of every cold start, and few paths format a time. */
let relativeFormatter: Intl.RelativeTimeFormat | undefined;
const relativeFormat = () => (relativeFormatter ??= new Intl.RelativeTimeFormat('en', { numeric: 'auto' }));

/** "in 23 hours", "5 minutes ago": the largest unit that fits, rounded down. */
export function formatRelative(targetMs: number, nowMs: number): string {
  const diffSeconds = Math.round((targetMs - nowMs) / 1000);
  const abs = Math.abs(diffSeconds);
  for (const [unit, size] of RELATIVE_STEPS) {
    if (abs >= size || unit === 'second') {
      return relativeFormat().format(Math.trunc(diffSeconds / size), unit);
    }
  }
  return relativeFormat().format(0, 'second');
}

/** `2026-11-21 09:41 UTC`: unambiguous for a team spread over time zones. */
export function formatUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
