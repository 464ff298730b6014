/**
 * The error event as the reporter builds it and the server validates it. The server's zod schema
 * (functions/core/event-schema.ts) is checked against these shapes, both ways, when it compiles.
 */

/** Limits on what a producer may send. Everything else derives from these numbers. */
export const EVENT_LIMITS = {
  /** The whole event as received, in UTF-8 bytes. */
  eventBytes: 256 * 1024,
  causeDepth: 5,
  messageChars: 2000,
  stackFrames: 50,
  batchSize: 100,
  /** Tags, headers and top-level context keys read from one event (the stored caps are lower). */
  mapEntries: 200,
} as const;

type Level = 'fatal' | 'error' | 'warning';

/** An error and its cause chain; `Id` is how ids and codes arrive (numbers allowed) or are kept. */
type ErrorShape<Id> = {
  type?: string;
  message?: string;
  code?: Id;
  stack?: string;
  cause?: ErrorShape<Id>;
};

type EventShape<Id, TagValue> = {
  id?: string;
  occurredAt?: string;
  app: string;
  error: ErrorShape<Id>;
  /** `timezone`: the user's IANA zone (`Europe/Paris`), for times in fix messages. */
  user?: { id?: Id; email?: string; name?: string; timezone?: string };
  company?: { id?: Id; name?: string; slug?: string; plan?: string };
  request?: { method?: string; url?: string; headers?: Record<string, string | string[]> };
  context?: Record<string, unknown>;
  tags?: Record<string, TagValue>;
  fingerprint?: string[];
};

/** An event as a producer sends it: numeric ids and scalar tags allowed, defaults not yet applied. */
export type EventInput = EventShape<string | number, string | number | boolean> & {
  environment?: string;
  level?: Level;
};

/** An event as validated: defaults applied, ids, codes and tags as strings. */
export type ErrorEvent = EventShape<string, string> & { environment: string; level: Level };
export type ErrorInfo = ErrorEvent['error'];
export type ErrorInfoInput = EventInput['error'];
