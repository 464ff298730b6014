import * as z from 'zod';
import { durationSeconds } from '../duration';
import { LEVELS } from '../event-schema';

const oneOrMany = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
  .transform((v) => [v].flat());

const regex = z.string().transform((source, ctx) => {
  try {
    return new RegExp(source, 'i');
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message}` });
    return z.NEVER;
  }
});

/** The YAML front matter of a fix template (README → Fix templates). Types of the parsed template come from here. */
export const frontMatterSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'use lower-case letters, digits and dashes (e.g. card-expired)'),
    name: z.string().min(1).max(60),
    /** Higher goes first; equal priorities go in file-name order. */
    priority: z.number().int().default(0),
    match: z
      .object({
        code: oneOrMany.optional(),
        type: oneOrMany.optional(),
        message: regex.optional(),
        app: oneOrMany.optional(),
        level: z
          .union([z.enum(LEVELS), z.array(z.enum(LEVELS)).min(1)])
          .transform((v) => [v].flat())
          .optional(),
      })
      .strict()
      .refine(
        (m) => Object.values(m).some((v) => v !== undefined),
        'give at least one of code, type, message, app, level',
      ),
    /** Send without waiting for someone to press "Send fix" in Slack. */
    auto: z.boolean().default(false),
    /** At most one message per user per template within this time. */
    cooldown: durationSeconds('such as 24h, 30m or 7d').prefault('24h'),
  })
  .strict();

export type FrontMatter = z.output<typeof frontMatterSchema>;
