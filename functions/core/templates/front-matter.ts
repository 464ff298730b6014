import { durationSeconds } from '../duration';
import { LEVELS } from '../event-schema';
import * as z from '../zod';

/** One text or a list of them, read as a list: the shape every `match` field takes. */
export const oneOrMany = z.pipe(
  z.union([
    z.string().check(z.minLength(1)),
    z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
  ]),
  z.transform((v) => [v].flat()),
);

/** A case-insensitive regular expression, refused with the engine's reason when it does not compile. */
export const regex = z.pipe(
  z.string(),
  z.transform((source, ctx) => {
    try {
      return new RegExp(source, 'i');
    } catch (err) {
      return z.refuse(ctx, `not a valid regular expression: ${(err as Error).message}`);
    }
  }),
);

/** One level or a list of them, read as a list. */
export const levels = z.pipe(
  z.union([z.enum(LEVELS), z.array(z.enum(LEVELS)).check(z.minLength(1))]),
  z.transform((v) => [v].flat()),
);

/** How a fix reaches the user: `auto` picks in-app or email by when Intercom last saw them (core/channel.ts). */
export const CHANNEL_RULES = ['inapp', 'email', 'auto'] as const;

/** Longer subjects are cut off by mail clients; a template's is fixed text, so it is checked here. */
const SUBJECT_MAX_CHARS = 150;

/**
 * Control characters (C0, DEL, C1: CR, LF, tab, NUL, ESC, U+0085) and the Unicode line and paragraph
 * separators: a mail header cannot carry them as text, and a line break there could start a header.
 */
const NOT_PLAIN_TEXT = /[\p{Cc}\u2028\u2029]/u;

/** An email's subject line: one line of plain text (no variables: it is not rendered). */
const subject = z.string().check(
  z.refine((s) => s.trim() !== '', 'empty — give the email a subject line'),
  z.maxLength(SUBJECT_MAX_CHARS, `longer than ${SUBJECT_MAX_CHARS} characters`),
  z.refine(
    (s) => !NOT_PLAIN_TEXT.test(s),
    'must be one line of plain text: no line breaks, tabs or other control characters',
  ),
  // Only for an otherwise plain subject: a blank one or a trailing line break has its own message.
  z.refine(
    (s) => s.trim() === '' || NOT_PLAIN_TEXT.test(s) || s === s.trim(),
    'starts or ends with whitespace: remove it',
  ),
  z.refine((s) => !s.includes('{{'), 'variables are not available in the subject, only in the body'),
);

/**
 * The YAML front matter of a fix template (README → Fix templates). Types of the parsed template come from
 * here. An email needs a subject; an in-app message has none to show, so a subject there is refused
 * rather than silently dropped.
 */
const frontMatterFields = z
  .strictObject({
    id: z
      .string()
      .check(
        z.regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'use lower-case letters, digits and dashes (e.g. card-expired)'),
      ),
    name: z.string().check(z.minLength(1), z.maxLength(60)),
    /** Higher goes first; equal priorities go in file-name order. */
    priority: z._default(z.number().check(z.int()), 0),
    match: z
      .strictObject({
        code: z.optional(oneOrMany),
        type: z.optional(oneOrMany),
        message: z.optional(regex),
        app: z.optional(oneOrMany),
        level: z.optional(levels),
      })
      .check(
        z.refine(
          (m) => Object.values(m).some((v) => v !== undefined),
          'give at least one of code, type, message, app, level',
        ),
      ),
    /** Send without waiting for someone to press "Send fix" in Slack. */
    auto: z._default(z.boolean(), false),
    /** At most one message per user per template within this time. */
    cooldown: z.prefault(durationSeconds('such as 24h, 30m or 7d'), '24h'),
    channel: z._default(z.enum(CHANNEL_RULES), 'inapp'),
    subject: z.optional(subject),
  })
  .check(
    z.refine((t) => t.channel === 'inapp' || t.subject !== undefined, {
      path: ['channel'],
      message: 'email and auto may send an email, which needs a subject line: add `subject: …`',
    }),
    z.refine((t) => t.channel !== 'inapp' || t.subject === undefined, {
      path: ['subject'],
      message: 'only an email has one: remove it, or set `channel: email` or `channel: auto`',
    }),
  );

type FrontMatterFields = z.output<typeof frontMatterFields>;

/**
 * The parsed front matter, typed as the checks above make it: a template that may send an email has a
 * subject, an in-app one has none.
 */
export type FrontMatter = Omit<FrontMatterFields, 'channel' | 'subject'> &
  (
    | { channel: 'inapp'; subject?: undefined }
    | { channel: Exclude<FrontMatterFields['channel'], 'inapp'>; subject: string }
  );

export const frontMatterSchema = z.pipe(
  frontMatterFields,
  z.transform((fields, ctx): FrontMatter => {
    const { channel, subject, ...rest } = fields;
    if (channel === 'inapp') return { ...rest, channel };
    // The check above refused this already; said again so the type follows.
    if (subject === undefined) return z.refuse(ctx, 'an email needs a subject line');
    return { ...rest, channel, subject };
  }),
);
