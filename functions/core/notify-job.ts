import * as z from './zod';

/** A request to send one fix message: queued by triage (auto templates) or by a "Send fix" click. */
export const notifyJobSchema = z.object({
  linkId: z.string().check(z.minLength(1), z.maxLength(64)),
  templateId: z.string().check(z.minLength(1), z.maxLength(64)),
  trigger: z.enum(['auto', 'slack']),
  /** The Slack user who pressed "Send fix" (ids as Slack sends them: U…/W…). */
  requestedBy: z.optional(
    z.object({
      id: z.string().check(z.regex(/^[UW][A-Z0-9]+$/)),
      name: z.optional(z.string().check(z.maxLength(100))),
    }),
  ),
});

export type NotifyJob = z.output<typeof notifyJobSchema>;
